/**
 * `weft report`'s engine: accounts every frame of a fleet that spans hosts, from what Redis holds.
 *
 * - produced and dropped per camera: the feed's hashes;
 * - processed per camera: the results stream, deduplicated by (camera, frame): delivery is at
 *   least once, so a frame whose consumer was killed after writing its result and before
 *   acknowledging it appears twice, and counts once (the duplicates are reported);
 * - dead-lettered per camera: the dead-letter stream, by the camera in each entry's original header
 *   when it still decodes;
 * - lost = produced − processed − dropped − dead-lettered, per camera: 0 when every frame is
 *   accounted for;
 * - order: within one writer (a consumer lane), each camera's frames must rise, except results of
 *   entries claimed from a dead consumer (marked `claimed`: older by design). Across writers no
 *   order exists to check: a consumer group hands one stream's entries to whichever consumer asks.
 *
 * Threading: the calling thread. Lifecycle: one call, one connection, closed before it settles.
 */
import { Codec } from '../transport/codec.js';
import { clusterKeys, DEFAULT_PREFIX } from './cluster-keys.js';
import { RedisConnection } from './redis-connection.js';
import type { RedisTlsFiles } from './redis-tls.js';
import { DEFAULT_WIRE_LIMITS, decodeEntry, nextEntryId } from './stream-wire-format.js';

/** What a fleet did, over every host. Plain data; any thread. */
export interface ClusterReport {
  readonly cameras: number;
  readonly produced: number;
  readonly processed: number;
  readonly duplicates: number;
  /** Results of entries taken over from a consumer that died (XAUTOCLAIM): outside order checks. */
  readonly redelivered: number;
  readonly dropped: number;
  readonly deadLettered: number;
  readonly lost: number;
  /** Cameras with lost frames (or more frames processed than produced). */
  readonly camerasNotAccounted: number;
  readonly orderErrors: number;
  /** Results per writer (consumer lane). */
  readonly writers: Readonly<Record<string, number>>;
  /** Results that do not decode as the fleet's detections. */
  readonly unreadable: number;
}

const CHUNK = 2000;

/**
 * Reads the fleet under `prefix` and accounts for it.
 *
 * Threading: the calling thread. Lifecycle: one call, one Redis connection, closed before the
 * promise settles, also on failure.
 */
export async function clusterReport(
  url: string,
  prefix: string = DEFAULT_PREFIX,
  tls?: RedisTlsFiles,
): Promise<ClusterReport> {
  const keys = clusterKeys(prefix);
  const conn = await RedisConnection.open({ url, clientName: 'weft-report', tls });
  const codec = new Codec();
  try {
    const produced = toCounts(await conn.command<unknown>(['HGETALL', keys.produced], 'HGETALL'));
    const dropped = toCounts(await conn.command<unknown>(['HGETALL', keys.dropped], 'HGETALL'));
    const seen = new Map<number, Set<number>>();
    const lastByWriter = new Map<string, number>();
    const writers: Record<string, number> = {};
    let duplicates = 0;
    let redelivered = 0;
    let orderErrors = 0;
    let unreadable = 0;
    await scan(conn, keys.results, (fields) => {
      let h: { camera?: number; frame?: number; by?: string; claimed?: boolean };
      try {
        h = decodeEntry(codec, fields, DEFAULT_WIRE_LIMITS, keys.results).header;
      } catch {
        unreadable++;
        return;
      }
      if (h.camera === undefined || h.frame === undefined) {
        unreadable++;
        return;
      }
      const by = h.by ?? '';
      writers[by] = (writers[by] ?? 0) + 1;
      const key = `${by}\n${h.camera}`;
      // A claimed sample is one a dead consumer left behind: older than what its taker did since.
      if (h.claimed === true) redelivered++;
      else if ((lastByWriter.get(key) ?? -1) >= h.frame) orderErrors++;
      else lastByWriter.set(key, h.frame);
      let set = seen.get(h.camera);
      if (set === undefined) seen.set(h.camera, (set = new Set()));
      if (set.has(h.frame)) duplicates++;
      else set.add(h.frame);
    });
    const dead = new Map<number, number>();
    let deadLettered = 0;
    await scan(conn, keys.deadLetter, (fields) => {
      deadLettered++;
      const i = fields.findIndex((f) => String(f) === 'orig.h');
      if (i < 0) return;
      try {
        const h = codec.decode(fields[i + 1] as Buffer) as { camera?: unknown };
        if (Number.isSafeInteger(h.camera))
          dead.set(h.camera as number, (dead.get(h.camera as number) ?? 0) + 1);
      } catch {
        // A header that does not decode names no camera: counted in the total only.
      }
    });
    const cameras = new Set([...produced.keys(), ...seen.keys()]);
    let lost = 0;
    let notAccounted = 0;
    let processed = 0;
    for (const c of cameras) {
      const p = seen.get(c)?.size ?? 0;
      processed += p;
      const missing = (produced.get(c) ?? 0) - p - (dropped.get(c) ?? 0) - (dead.get(c) ?? 0);
      if (missing !== 0) notAccounted++;
      if (missing > 0) lost += missing;
    }
    return {
      cameras: cameras.size,
      produced: sum(produced),
      processed,
      duplicates,
      redelivered,
      dropped: sum(dropped),
      deadLettered,
      lost,
      camerasNotAccounted: notAccounted,
      orderErrors,
      writers,
      unreadable,
    };
  } finally {
    await conn.close();
  }
}

async function scan(conn: RedisConnection, stream: string, each: (fields: unknown[]) => void): Promise<void> {
  let start = '-';
  for (;;) {
    const chunk = await conn.command<unknown[][]>(
      ['XRANGE', stream, start, '+', 'COUNT', String(CHUNK)],
      'XRANGE',
      stream,
    );
    for (const e of chunk) each((e[1] as unknown[]) ?? []);
    if (chunk.length < CHUNK) return;
    start = nextEntryId(String(chunk[chunk.length - 1]![0]));
  }
}

/** A counter hash (camera → count) as HGETALL returns it, in whichever reply shape the client gives. */
export function toCounts(reply: unknown): Map<number, number> {
  const out = new Map<number, number>();
  const entries =
    reply instanceof Map
      ? [...reply]
      : Array.isArray(reply)
        ? Array.from({ length: reply.length / 2 }, (_, i) => [reply[2 * i], reply[2 * i + 1]])
        : Object.entries(reply as Record<string, unknown>);
  for (const [k, v] of entries) out.set(Number(String(k)), Number(String(v)));
  return out;
}

function sum(m: Map<number, number>): number {
  let n = 0;
  for (const v of m.values()) n += v;
  return n;
}
