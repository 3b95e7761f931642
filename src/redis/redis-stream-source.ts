/**
 * RedisStreamSourceCalculator: a graph's input from Redis Streams, as one consumer of a consumer
 * group (seed 004's ingestion: batched `XREADGROUP … COUNT 32` with a 1 ms block).
 *
 * Threading: the definition is plain data plus functions; an instance, and its Redis client, live on
 * its actor's thread.
 */
import { hostname } from 'node:os';
import { type CalculatorContext, defineCalculator, STOP } from '../core/calculator.js';
import {
  InvalidArgumentError,
  PoolExhaustedError,
  StreamEntryError,
  type WeftError,
} from '../core/errors.js';
import { Codec } from '../transport/codec.js';
import { RedisClaimer } from './redis-claimer.js';
import { RedisConnection, type RedisNodeOptions } from './redis-connection.js';
import { RedisCounter, RedisCounters, type RedisCountersDescriptor } from './redis-counters.js';
import { type RawEntry, RedisStreamReader } from './redis-stream-reader.js';
import { checkTlsFiles } from './redis-tls.js';
import { emitEntry, type SourceMeta } from './source-emit.js';
import { decodeEntry, type WireEntry, type WireLimits } from './stream-wire-format.js';

// Errors name the streams a source reads; a shard's 16 or 32 keys would bury the message.
function streamList(keys: readonly string[]): string {
  return keys.length <= 3 ? keys.join(',') : `${keys[0]} … ${keys[keys.length - 1]} (${keys.length} streams)`;
}

/** Options of {@link RedisStreamSourceCalculator}. Plain data, structured-cloneable; any thread. */
export interface RedisStreamSourceOptions extends RedisNodeOptions {
  /** The stream keys to read (one or many). */
  readonly streams: readonly string[];
  /** Consumer group (created at `startId` when missing), or the `GROUP` side packet. Default 'weft'. */
  readonly group: string;
  /** Consumer name, unique per reader; or `CONSUMER`. Default: `host-pid-node`. */
  readonly consumer: string;
  /** Entries per stream per read (seed 004: 32). */
  readonly count: number;
  /** How long a read waits for entries, ms (seed 004: 1). */
  readonly blockMs: number;
  /** Where a new group starts: '0' (whole stream, the default) or '$' (new entries only). */
  readonly startId: string;
  /** Entries pending longer than this (ms) are claimed from their consumer. Default 30 000. */
  readonly claimIdleMs: number;
  /** How often to look for idle entries to claim, ms. Default 1000. */
  readonly claimEveryMs: number;
  /** Remove entries every group delivered and acknowledged (bounds the streams). Default true. */
  readonly trim: boolean;
  /** How often to trim, ms. Default 100: see RedisClaimer on why often. */
  readonly trimEveryMs: number;
  /** Where entries that break the wire format go. Default 'weft:dead-letter'. */
  readonly deadLetterStream: string;
  /** Wire limits: largest frame and header; `frameBytes` > 0 demands that exact frame length. */
  readonly maxFrameBytes: number;
  readonly maxHeaderBytes: number;
  readonly frameBytes: number;
  /**
   * `'sink'` (default): entries stay pending until an ack point (a RedisStreamSinkCalculator's `ACK`
   * input) acknowledges them, so `META` must be wired there; `'read'`: acknowledged once emitted
   * (at most once: a crash loses what was in the graph).
   */
  readonly ack: 'sink' | 'read';
  /** STOP once the group has nothing pending or undelivered for this long (ms); -1: never. */
  readonly stopWhenDrainedMs: number;
  /** Shared counters, and this node's lane in them. */
  readonly counters: RedisCountersDescriptor | null;
  readonly lane: number;
}

const OUTPUTS = ['FRAME', 'VALUE', 'META', 'DEAD'] as const;

/**
 * Reads entries through a consumer group and emits each as packets at its own timestamp (0, 1, 2, …
 * in the order this consumer emits them).
 *
 * - Outputs (all optional): `FRAME` (frame entries, copied once from the reply into a pool slot),
 *   `VALUE` (value entries' values), `META` ({@link SourceMeta}: stream, entry id, camera, frame,
 *   capture time, whether claimed: what an ack point acknowledges), `DEAD` (one
 *   `{ stream, id, code, message }` per entry dead-lettered). A frame entry with `FRAME` unwired, or a
 *   value entry with `VALUE` unwired, is dead-lettered.
 * - Delivery: at least once. An entry is acknowledged at the ack point after its sample left the
 *   graph; until then it is pending, and claimed by a live consumer if this one dies.
 * - Faults: an entry that breaks the wire format becomes a StreamEntryError that is counted, sent to
 *   `deadLetterStream` and acknowledged; the graph never sees it. A lost connection is retried with
 *   back-off (reported on stderr, URL redacted) while reads wait; past `maxRetries` the node fails
 *   with RedisConnectionError naming node, stream and phase.
 * - Back-pressure: a graph that does not take packets stops this node's reads; entries wait in
 *   Redis, where producers see the stream's length (see `weft feed`).
 * - Threading: runs on its actor's thread; the client is created in `open`, quit in `close`.
 */
const RedisStreamSourceCalculator = defineCalculator<RedisStreamSourceOptions>({
  name: 'RedisStreamSourceCalculator',
  description:
    'Reads frames and values from Redis Streams through a consumer group (XREADGROUP), claiming idle entries.',
  contract: {
    outputs: { FRAME: 'optional', VALUE: 'optional', META: 'optional', DEAD: 'optional' },
    inputSidePackets: { URL: 'optional', GROUP: 'optional', CONSUMER: 'optional' },
    // Replies arrive as fresh socket buffers, ~100 MiB/s at a lane's rate: a small heap would be
    // collected in full every few tens of MiB (see initial-heap.ts).
    initialHeapMb: 128,
    options: {
      url: '',
      streams: [],
      group: 'weft',
      consumer: '',
      count: 32,
      blockMs: 1,
      startId: '0',
      claimIdleMs: 30_000,
      claimEveryMs: 1000,
      trim: true,
      trimEveryMs: 100,
      deadLetterStream: 'weft:dead-letter',
      maxFrameBytes: 16 << 20,
      maxHeaderBytes: 1 << 20,
      frameBytes: 0,
      ack: 'sink',
      stopWhenDrainedMs: -1,
      maxRetries: 30,
      tls: {},
      counters: null,
      lane: 0,
    },
    validateOptions: (o) => {
      if (
        !Array.isArray(o.streams) ||
        o.streams.length === 0 ||
        !o.streams.every((s) => typeof s === 'string' && s !== '')
      )
        return 'streams must list at least one stream key';
      for (const k of ['count', 'claimIdleMs', 'claimEveryMs', 'trimEveryMs', 'maxRetries'] as const)
        if (!Number.isSafeInteger(o[k]) || o[k] < 1) return `${k} must be an integer ≥ 1`;
      if (!Number.isSafeInteger(o.blockMs) || o.blockMs < 0) return 'blockMs must be an integer ≥ 0';
      if (o.ack !== 'sink' && o.ack !== 'read') return `ack must be 'sink' or 'read', not ${String(o.ack)}`;
      return checkTlsFiles(o.tls);
    },
    timestampOffset: null,
  },
  create: () => {
    let conn: RedisConnection | undefined;
    let reader: RedisStreamReader | undefined;
    let claimer: RedisClaimer | undefined;
    let counters: RedisCounters | null = null;
    let limits: WireLimits = { maxFrameBytes: 0, maxHeaderBytes: 0 };
    const codec = new Codec();
    const queue: RawEntry[] = [];
    let head = 0;
    let ts = 0;
    let pending = -1;
    let drainedSince = -1;
    let lastCheck = 0;
    let reconnectsSeen = 0;

    return {
      async open(ctx) {
        const o = ctx.options;
        if (o.ack === 'sink' && ctx.outputCount('META') === 0)
          throw new InvalidArgumentError("ack 'sink' needs META wired to an ack point (a sink's ACK input)", {
            node: ctx.node,
            phase: 'open',
          });
        const consumer =
          ctx.sidePacket<string | undefined>('CONSUMER') ??
          (o.consumer || `${hostname()}-${process.pid}-${ctx.node}`);
        const group = ctx.sidePacket<string | undefined>('GROUP') ?? o.group;
        conn = await RedisConnection.forNode(ctx, {
          stream: streamList(o.streams),
          clientName: `weft-src-${consumer}`,
        });
        reader = new RedisStreamReader(conn, {
          streams: o.streams,
          group,
          consumer,
          count: o.count,
          blockMs: o.blockMs,
          startId: o.startId,
        });
        try {
          await reader.open();
        } catch (err) {
          // A failed open gets no close: the client must not outlive it (its socket and PINGs
          // would keep the thread alive).
          await conn.close();
          throw err;
        }
        claimer = new RedisClaimer(reader, {
          claimIdleMs: o.claimIdleMs,
          claimEveryMs: o.claimEveryMs,
          trim: o.trim,
          trimEveryMs: o.trimEveryMs,
        });
        counters = o.counters === null ? null : new RedisCounters(o.counters);
        limits = {
          maxFrameBytes: o.maxFrameBytes,
          maxHeaderBytes: o.maxHeaderBytes,
          frameBytes: o.frameBytes,
        };
        // Waits for Redis replies keep the event loop turning only once a waker exists.
        ctx.waker();
      },
      async process(ctx) {
        const o = ctx.options;
        if (conn !== undefined && conn.reconnects !== reconnectsSeen) {
          counters?.add(o.lane, RedisCounter.SourceReconnects, conn.reconnects - reconnectsSeen);
          reconnectsSeen = conn.reconnects;
        }
        try {
          if (head < queue.length) return await emitQueued(ctx);
          queue.length = head = 0;
          const now = performance.now();
          if (claimer!.due(now)) {
            const claimed = await claimer!.claim(now);
            counters?.add(o.lane, RedisCounter.Claimed, claimed.length);
            queue.push(...claimed);
            await claimer!.trimIfDue(now);
          }
          const fresh = await reader!.read();
          claimer!.noteRead(fresh);
          counters?.add(o.lane, RedisCounter.Read, fresh.length);
          queue.push(...fresh);
          if (queue.length > 0) {
            drainedSince = -1;
            return await emitQueued(ctx);
          }
          if (o.stopWhenDrainedMs < 0 || now - lastCheck < 20) return;
          lastCheck = now;
          if (!(await reader!.drained())) drainedSince = -1;
          else if (drainedSince < 0) drainedSince = now;
          else if (now - drainedSince >= o.stopWhenDrainedMs) return STOP;
          return;
        } catch (err) {
          // A connection that is being re-established: the next call reads again once it is back
          // (commands wait in the client's queue meanwhile). An entry whose reply was lost stays
          // pending to this consumer and is claimed after claimIdleMs.
          if ((err as WeftError).code === 'ERR_WEFT_REDIS_CONNECTION' && conn?.gaveUp === false) {
            await new Promise((r) => setTimeout(r, 50));
            return;
          }
          throw err;
        }
      },
      async close(ctx) {
        if (pending >= 0) ctx.frames.release(pending);
        pending = -1;
        await conn?.close();
      },
    };

    // Every output's bound moves to `next`, not only the one an entry went to: a node downstream that
    // joins FRAME with VALUE (or either with DEAD) sees each timestamp settled on all of them.
    function promiseNext(ctx: CalculatorContext<RedisStreamSourceOptions>, next: number): void {
      for (const tag of OUTPUTS) if (ctx.outputCount(tag) > 0) ctx.output(tag).setNextTimestampBound(next);
    }

    // Emits the queued entries, stopping early when the pool has no slot for a frame.
    async function emitQueued(ctx: CalculatorContext<RedisStreamSourceOptions>): Promise<void> {
      const o = ctx.options;
      const ackNow: RawEntry[] = [];
      while (head < queue.length) {
        const e = queue[head]!;
        let entry: WireEntry;
        try {
          if (e.fields === null)
            throw new StreamEntryError('entry deleted while pending', { stream: e.stream });
          entry = decodeEntry(codec, e.fields, limits, e.stream);
          const port = entry.header.kind === 'frame' ? 'FRAME' : 'VALUE';
          if (ctx.outputCount(port) === 0) {
            throw new StreamEntryError(`a ${entry.header.kind} entry, and output ${port} is not wired`, {
              node: ctx.node,
              stream: e.stream,
              phase: 'process',
            });
          }
        } catch (err) {
          const code = (err as WeftError).code ?? 'ERR_WEFT_STREAM_ENTRY';
          await reader!.deadLetter(o.deadLetterStream, e, code, (err as Error).message, o.maxFrameBytes);
          counters?.add(o.lane, RedisCounter.DeadLettered);
          if (ctx.outputCount('DEAD') > 0)
            ctx
              .output('DEAD')
              .add({ stream: e.stream, id: e.id, code, message: (err as Error).message }, ts++);
          head++;
          continue;
        }
        if (entry.bytes !== undefined) {
          const h = pending >= 0 ? pending : ctx.frames.tryAlloc(entry.bytes.byteLength);
          pending = -1;
          if (h < 0) {
            // No slot: promise the next timestamp (a join downstream goes on) and wait for one with
            // the event loop turning; bounded, so a stop is seen even if no slot ever frees.
            promiseNext(ctx, ts);
            await ctx.frames.allocAsync(entry.bytes.byteLength, 100).then(
              (slot) => {
                pending = slot;
              },
              (err: unknown) => {
                if (!(err instanceof PoolExhaustedError)) throw err;
              },
            );
            break;
          }
          ctx.frames.bytes(h).set(entry.bytes);
          emitEntry(ctx, e, reader!.spec.group, entry, h, ts++);
        } else {
          emitEntry(ctx, e, reader!.spec.group, entry, -1, ts++);
        }
        if (o.ack === 'read') ackNow.push(e);
        head++;
      }
      promiseNext(ctx, ts);
      for (const e of ackNow) await reader!.ack(e.stream, [e.id]);
    }
  },
});
export default RedisStreamSourceCalculator;
export type { SourceMeta };
