/**
 * The Redis side of a stream source: a consumer of one consumer group over one or many streams.
 * Creates the group where missing, reads batches (`XREADGROUP … COUNT n BLOCK ms STREAMS … >`),
 * acknowledges, dead-letters, and says when the group has nothing left (drained).
 *
 * Threading: the thread that owns its {@link RedisConnection} (a source calculator's actor).
 * Lifecycle: {@link RedisStreamReader.open} once, then any calls, one at a time; the owner closes the
 * connection.
 */
import type { RedisConnection } from './redis-connection.js';

/** An entry as read, before its fields are checked. */
export interface RawEntry {
  readonly stream: string;
  readonly id: string;
  /** Flat `[name, value, …]`, bulk strings as Buffers; null for an entry deleted while pending. */
  readonly fields: unknown[] | null;
  /** True when it was taken over from another consumer (XAUTOCLAIM). */
  readonly claimed: boolean;
}

/** Who reads, from where, how much at a time. */
export interface ReaderSpec {
  readonly streams: readonly string[];
  readonly group: string;
  readonly consumer: string;
  readonly count: number;
  readonly blockMs: number;
  /** Where a new group starts: `'0'` (the whole stream) or `'$'` (new entries only). */
  readonly startId: string;
}

/** See the module comment. */
export class RedisStreamReader {
  constructor(
    readonly conn: RedisConnection,
    readonly spec: ReaderSpec,
  ) {}

  /** Creates the group on every stream (and the stream itself) unless it exists. */
  async open(): Promise<void> {
    for (const s of this.spec.streams) {
      try {
        await this.conn.command(
          ['XGROUP', 'CREATE', s, this.spec.group, this.spec.startId, 'MKSTREAM'],
          'XGROUP CREATE',
          s,
        );
      } catch (err) {
        // Another consumer made it first: that is the normal case for every consumer but one.
        if (!String((err as Error).message).includes('BUSYGROUP')) throw err;
      }
    }
  }

  /** Reads new entries: at most `count` per stream, waiting up to `blockMs` when there are none. */
  async read(): Promise<RawEntry[]> {
    const { group, consumer, count, blockMs, streams } = this.spec;
    const args = ['XREADGROUP', 'GROUP', group, consumer, 'COUNT', String(count)];
    if (blockMs >= 0) args.push('BLOCK', String(blockMs));
    args.push('STREAMS', ...streams, ...streams.map(() => '>'));
    const reply = await this.conn.command<unknown>(args, 'XREADGROUP');
    const out: RawEntry[] = [];
    for (const [stream, entries] of streamsOf(reply)) {
      for (const e of entries as unknown[][]) out.push(toEntry(stream, e, false));
    }
    return out;
  }

  /** Acknowledges entries of one stream. */
  async ack(stream: string, ids: readonly string[]): Promise<void> {
    if (ids.length > 0) await this.conn.command(['XACK', stream, this.spec.group, ...ids], 'XACK', stream);
  }

  /**
   * Moves an entry that breaks the wire format to `deadLetter` (its fields as `orig.<name>`, each
   * within its limit, with where it came from and why), then acknowledges it. In that order: a
   * crash in between leaves it pending, to be claimed and dead-lettered again, never lost.
   */
  async deadLetter(
    deadLetter: string,
    e: RawEntry,
    code: string,
    reason: string,
    keepBytes: number,
  ): Promise<void> {
    // Each field is kept up to its limit: a header (small, and what names the camera for the
    // accounting) up to 64 KiB, anything else up to keepBytes; larger ones are left out.
    const fields = (e.fields ?? []) as (string | Buffer)[];
    const kept: (string | Buffer)[] = [];
    for (let i = 0; i + 1 < fields.length; i += 2) {
      const name = String(fields[i]);
      const value = fields[i + 1]!;
      const size = Buffer.isBuffer(value) ? value.byteLength : String(value).length;
      if (size <= (name === 'h' ? 65_536 : keepBytes)) kept.push(`orig.${name.slice(0, 64)}`, value);
    }
    const args = [
      'XADD',
      deadLetter,
      'MAXLEN',
      '~',
      '10000',
      '*',
      'stream',
      e.stream,
      'id',
      e.id,
      'code',
      code,
    ];
    args.push('reason', reason.slice(0, 500), 'group', this.spec.group);
    await this.conn.command([...args, ...kept], 'XADD', deadLetter);
    await this.ack(e.stream, [e.id]);
  }

  /**
   * True when some stream was ever written and no stream of the group has an entry pending (read
   * and not acknowledged, by any consumer) or not yet delivered. Two round trips per stream; call it
   * only when idle.
   */
  async drained(): Promise<boolean> {
    let written = false;
    for (const s of this.spec.streams) {
      const info = await this.conn.command<unknown>(['XINFO', 'STREAM', s], 'XINFO STREAM', s);
      const last = String(field(info, 'last-generated-id') ?? '0-0');
      if (last !== '0-0') written = true;
      const groups = await this.conn.command<unknown[]>(['XINFO', 'GROUPS', s], 'XINFO GROUPS', s);
      const g = groups.find((x) => String(field(x, 'name')) === this.spec.group);
      if (g === undefined) return false;
      if (Number(field(g, 'pending')) !== 0) return false;
      if (String(field(g, 'last-delivered-id')) !== last) return false;
    }
    // Streams nobody ever wrote are not drained but not started: a consumer up before its producer
    // waits for it.
    return written;
  }
}

/** The `[stream, entries]` pairs of an XREADGROUP reply (a RESP3 map, or RESP2 pairs); none for null. */
export function streamsOf(reply: unknown): [string, unknown][] {
  if (reply === null || reply === undefined) return [];
  if (Array.isArray(reply)) return reply.map((p) => [String((p as unknown[])[0]), (p as unknown[])[1]]);
  if (reply instanceof Map) return [...reply].map(([k, v]) => [String(k), v]);
  return Object.entries(reply as Record<string, unknown>);
}

/** An entry `[id, fields]` of a reply. */
export function toEntry(stream: string, e: unknown[], claimed: boolean): RawEntry {
  return { stream, id: String(e[0]), fields: (e[1] as unknown[] | null) ?? null, claimed };
}

/** A field of an XINFO reply: a RESP3 map (an object or a Map) or a RESP2 flat list. */
export function field(reply: unknown, name: string): unknown {
  if (reply instanceof Map) return reply.get(name);
  if (Array.isArray(reply)) {
    for (let i = 0; i < reply.length; i += 2) if (String(reply[i]) === name) return reply[i + 1];
    return undefined;
  }
  return (reply as Record<string, unknown> | null)?.[name];
}
