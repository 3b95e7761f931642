/**
 * RedisStreamSinkCalculator: a graph's output to a Redis stream, and its ack point.
 *
 * Threading: the definition is plain data plus functions; an instance, and its Redis client, live on
 * its actor's thread.
 */
import { hostname } from 'node:os';
import { type CalculatorContext, defineCalculator } from '../core/calculator.js';
import { InvalidArgumentError, type WeftError } from '../core/errors.js';
import { Codec } from '../transport/codec.js';
import { backoffMs, RedisConnection, type RedisNodeOptions } from './redis-connection.js';
import { RedisCounter, RedisCounters, type RedisCountersDescriptor } from './redis-counters.js';
import { checkTlsFiles } from './redis-tls.js';
import { encodeEntry, type WireHeader } from './stream-wire-format.js';

/** Options of {@link RedisStreamSinkCalculator}. Plain data, structured-cloneable; any thread. */
export interface RedisStreamSinkOptions extends RedisNodeOptions {
  /** The stream written (XADD). Required when `IN` is wired. */
  readonly stream: string;
  /** `MAXLEN ~` of every XADD: the stream keeps about this many entries. 0: no trimming. */
  readonly maxLen: number;
  /** Packets buffered before the node waits for Redis (back-pressure). Default 1024. */
  readonly maxPending: number;
  /** The writer's name in each entry's header (`by`). Default `host-pid-node`. */
  readonly by: string;
  readonly counters: RedisCountersDescriptor | null;
  readonly lane: number;
}

/**
 * An `ACK` packet: what a RedisStreamSourceCalculator's `META` carries (other fields ignored).
 * Plain data, carried in packets; any thread.
 */
export interface AckRef {
  readonly stream: string;
  readonly group: string;
  readonly id: string;
  /** Taken over from another consumer: the result is marked `claimed` (outside per-writer order). */
  readonly claimed?: boolean;
}

interface Item {
  readonly fields: Buffer[] | null;
  readonly ack: AckRef | null;
}

/**
 * Writes each `IN` packet to `stream` as one entry in the wire format (frames as raw bytes, values
 * in the msgpack header, `camera`/`frame`/`ts` lifted from a value's `camera`, `seq` or `frame`
 * and `capturedAt`), then acknowledges the source entry that `ACK` names at the same timestamp.
 *
 * - The ack point: an entry is acknowledged only after the XADD of its result succeeded; an `ACK`
 *   with no `IN` at its timestamp (the graph dropped the sample) is acknowledged alone. A crash
 *   between the two leaves the entry pending: it is claimed and processed again (at least once).
 * - Pipelined: packets are buffered and sent in batches while the graph goes on (commands issued in
 *   one tick share one round trip); XADDs carry `MAXLEN ~ maxLen`. Past `maxPending` buffered
 *   packets, `process` waits for Redis: a slow server back-pressures the graph, memory stays bounded.
 * - Faults: a lost connection is retried with back-off (reported on stderr, URL redacted), the
 *   batch resent (a resent XADD may duplicate an entry; never loses one); past `maxRetries` the node
 *   fails with RedisConnectionError naming node, stream and phase.
 * - Threading: runs on its actor's thread; the client is created in `open`, quit in `close` after
 *   the last batch is acknowledged.
 */
const RedisStreamSinkCalculator = defineCalculator<RedisStreamSinkOptions>({
  name: 'RedisStreamSinkCalculator',
  description:
    'Writes frames and values to a Redis stream (pipelined XADD, MAXLEN ~) and acknowledges the source entries named on ACK.',
  contract: {
    inputs: { IN: 'optional', ACK: 'optional' },
    inputSidePackets: { URL: 'optional' },
    options: {
      url: '',
      stream: '',
      maxLen: 100_000,
      maxPending: 1024,
      by: '',
      maxRetries: 30,
      tls: {},
      counters: null,
      lane: 0,
    },
    validateOptions: (o) =>
      !Number.isSafeInteger(o.maxLen) || o.maxLen < 0
        ? 'maxLen must be an integer ≥ 0'
        : !Number.isSafeInteger(o.maxPending) || o.maxPending < 1
          ? 'maxPending must be an integer ≥ 1'
          : checkTlsFiles(o.tls),
  },
  create: () => {
    let conn: RedisConnection | undefined;
    let counters: RedisCounters | null = null;
    const codec = new Codec();
    let batch: Item[] = [];
    let flushing: Promise<void> | undefined;
    let fatal: WeftError | undefined;
    let by = '';

    async function send(o: RedisStreamSinkOptions, items: Item[]): Promise<void> {
      const trim = o.maxLen > 0 ? ['MAXLEN', '~', String(o.maxLen)] : [];
      const writes = items.filter((i) => i.fields !== null);
      await Promise.all(
        writes.map((i) => conn!.command(['XADD', o.stream, ...trim, '*', ...i.fields!], 'XADD', o.stream)),
      );
      const acks = new Map<string, AckRef[]>();
      for (const i of items) {
        if (i.ack === null) continue;
        const key = `${i.ack.stream}\n${i.ack.group}`;
        acks.set(key, [...(acks.get(key) ?? []), i.ack]);
      }
      await Promise.all(
        [...acks.values()].map((refs) =>
          conn!.command(
            ['XACK', refs[0]!.stream, refs[0]!.group, ...refs.map((r) => r.id)],
            'XACK',
            refs[0]!.stream,
          ),
        ),
      );
      counters?.add(o.lane, RedisCounter.Written, writes.length);
      counters?.add(o.lane, RedisCounter.Acked, items.length - items.filter((i) => i.ack === null).length);
    }

    async function flush(o: RedisStreamSinkOptions): Promise<void> {
      while (batch.length > 0 && fatal === undefined) {
        const items = batch;
        batch = [];
        for (let attempt = 0; ; attempt++) {
          try {
            await send(o, items);
            break;
          } catch (err) {
            const e = err as WeftError;
            if (e.code === 'ERR_WEFT_REDIS_CONNECTION' && conn?.gaveUp === false) {
              // Resent once the client is back (its queue holds commands meanwhile).
              await new Promise((r) => setTimeout(r, backoffMs(attempt)));
              continue;
            }
            fatal = e;
            return;
          }
        }
      }
    }

    function start(o: RedisStreamSinkOptions): void {
      if (flushing !== undefined) return;
      flushing = flush(o).finally(() => {
        flushing = undefined;
        if (batch.length > 0 && fatal === undefined) start(o);
      });
    }

    return {
      async open(ctx) {
        const o = ctx.options;
        if (ctx.inputCount('IN') > 0 && o.stream === '')
          throw new InvalidArgumentError('IN is wired: the stream option names where to write', {
            node: ctx.node,
            phase: 'open',
          });
        by = o.by || `${hostname()}-${process.pid}-${ctx.node}`;
        counters = o.counters === null ? null : new RedisCounters(o.counters);
        conn = await RedisConnection.forNode(ctx, { stream: o.stream, clientName: `weft-sink-${by}` });
        ctx.waker();
      },
      // Not async: most calls only buffer, and a promise per packet would cost the actor an await.
      process(ctx) {
        if (fatal !== undefined) throw fatal;
        const o = ctx.options;
        const ack =
          ctx.inputCount('ACK') > 0
            ? ctx.input('ACK').isEmpty
              ? null
              : (ctx.input('ACK').value as AckRef)
            : null;
        const fields = ctx.inputCount('IN') > 0 ? toFields(ctx, ack?.claimed === true) : null;
        if (fields === null && ack === null) return;
        batch.push({ fields, ack });
        start(o);
        return batch.length >= o.maxPending ? flushing : undefined;
      },
      async close(ctx) {
        while (flushing !== undefined) await flushing;
        const before = conn?.reconnects ?? 0;
        counters?.add(ctx.options.lane, RedisCounter.SinkReconnects, before);
        await conn?.close();
        if (fatal !== undefined) throw fatal;
      },
    };

    function toFields(ctx: CalculatorContext<RedisStreamSinkOptions>, claimed: boolean): Buffer[] | null {
      const p = ctx.input('IN');
      if (p.isEmpty) return null;
      if (p.frame >= 0) {
        // A copy: the engine releases the frame when process returns, the XADD happens later.
        const bytes = Buffer.from(ctx.frames.bytes(p.frame).subarray(0, ctx.frames.byteLength(p.frame)));
        return encodeEntry(codec, { kind: 'frame', by, ...(claimed ? { claimed } : {}) }, bytes);
      }
      return encodeEntry(codec, {
        kind: 'value',
        value: p.value,
        by,
        ...(claimed ? { claimed } : {}),
        ...liftIds(p.value),
      });
    }
  },
});
export default RedisStreamSinkCalculator;

/** `camera`, `frame` and `ts` for a header, from a value that has them (a fleet detection does). */
export function liftIds(v: unknown): Pick<WireHeader, 'camera' | 'frame' | 'ts'> {
  if (typeof v !== 'object' || v === null) return {};
  const o = v as Record<string, unknown>;
  const int = (x: unknown) => (Number.isSafeInteger(x) && (x as number) >= 0 ? (x as number) : undefined);
  const camera = int(o.camera);
  const frame = int(o.seq) ?? int(o.frame);
  const ts =
    typeof o.capturedAt === 'number' && o.capturedAt > 0 ? Math.round(o.capturedAt * 1000) : undefined;
  return {
    ...(camera === undefined ? {} : { camera }),
    ...(frame === undefined ? {} : { frame }),
    ...(ts === undefined ? {} : { ts }),
  };
}
