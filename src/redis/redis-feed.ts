/**
 * `weft feed`'s engine: synthetic cameras published into hash-sharded Redis streams, the way seed
 * 004's cameras reach its consumers, with back-pressure across the hop.
 *
 * Back-pressure: before each frame the feed looks at its stream's length (`XLEN`, refreshed after
 * every pipelined batch). Consumers trim what every group delivered and acknowledged (see
 * RedisClaimer), so the length is what waits or is in flight; past `maxBacklog` the feed waits
 * (cameras with `fps` 0) or, for live cameras, lets frames fall late and drops those more than
 * `maxLagMs` late, counting them. Redis therefore holds at most about `maxBacklog` + one batch
 * entries per stream however slow the graph is.
 *
 * Threading: the calling thread (a command's main thread). Lifecycle: one call, one connection,
 * closed before the promise settles.
 */
import { renderSyntheticFrame } from '../calculators/synthetic-video.js';
import { CancelledError } from '../core/errors.js';
import { wallMs } from '../fleet/fleet-layout.js';
import { Codec } from '../transport/codec.js';
import { clusterKeys, DEFAULT_PREFIX, DEFAULT_STREAMS, streamOfCamera } from './cluster-keys.js';
import { RedisConnection } from './redis-connection.js';
import { toCounts } from './redis-report.js';
import type { RedisTlsFiles } from './redis-tls.js';
import { encodeEntry } from './stream-wire-format.js';

/** What {@link runFeed} takes. Read on the calling thread, where `onProgress` is called too. */
export interface FeedOptions {
  readonly url: string;
  /** PEM files for a `rediss://` URL (the server's CA, a client certificate and key). */
  readonly tls?: RedisTlsFiles;
  readonly cameras: number;
  /** Frames per second per camera; 0: as fast as the streams take them. */
  readonly fps: number;
  /** Stop after this many seconds; default: when every camera sent `framesPerCamera`. */
  readonly seconds?: number;
  /** Frames per camera; -1 (default): until `seconds` or the signal. */
  readonly framesPerCamera?: number;
  readonly streams?: number;
  /** Frame width and height in pixels (RGBA). Default 96. */
  readonly size?: number;
  readonly prefix?: string;
  /** Entries a stream may hold before the feed waits (or live cameras drop). Default 1000. */
  readonly maxBacklog?: number;
  /** Live cameras: a frame this late is dropped and counted. Default 200. */
  readonly maxLagMs?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (produced: number, dropped: number, seconds: number) => void;
}

/** What a feed did. Plain data; any thread. */
export interface FeedReport {
  readonly produced: number;
  readonly dropped: number;
  readonly seconds: number;
  /** Times the feed found a stream at `maxBacklog` and waited. */
  readonly backlogWaits: number;
}

const BATCH = 64;
const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Publishes the cameras; resolves when done, stopped or aborted.
 *
 * Threading: the calling thread (no worker), whose event loop carries its connection. Lifecycle:
 * one call, one Redis connection, closed before the promise settles, also on failure.
 */
export async function runFeed(o: FeedOptions): Promise<FeedReport> {
  const keys = clusterKeys(o.prefix ?? DEFAULT_PREFIX);
  const streams = o.streams ?? DEFAULT_STREAMS;
  const size = o.size ?? 96;
  const maxBacklog = o.maxBacklog ?? 1000;
  const maxLagMs = o.maxLagMs ?? 200;
  const perCamera = o.framesPerCamera ?? -1;
  const total = perCamera < 0 ? Number.POSITIVE_INFINITY : perCamera * o.cameras;
  let conn: RedisConnection;
  try {
    conn = await RedisConnection.open({
      url: o.url,
      clientName: 'weft-feed',
      tls: o.tls,
      ...(o.signal === undefined ? {} : { signal: o.signal }),
    });
  } catch (err) {
    // Stopped while connecting: nothing was sent.
    if (err instanceof CancelledError) return { produced: 0, dropped: 0, seconds: 0, backlogWaits: 0 };
    throw err;
  }
  const codec = new Codec();
  const look = { width: size, height: size, format: 'rgba' as const, seed: 0 };
  const produced = new Int32Array(o.cameras);
  const dropped = new Int32Array(o.cameras);
  const published = new Int32Array(o.cameras * 2);
  const lengths = new Float64Array(streams);
  const t0 = wallMs();
  const period = o.fps > 0 ? 1000 / (o.fps * o.cameras) : 0;
  const end = o.seconds === undefined ? Number.POSITIVE_INFINITY : t0 + o.seconds * 1000;
  let g = 0;
  let waits = 0;
  let lastFlush = t0;
  const counts = () => ({ p: produced.reduce((a, b) => a + b, 0), d: dropped.reduce((a, b) => a + b, 0) });
  const refresh = async () => {
    const lens = await Promise.all(
      Array.from({ length: streams }, (_, s) => conn.command<number>(['XLEN', keys.stream(s)], 'XLEN')),
    );
    for (let s = 0; s < streams; s++) lengths[s] = Number(lens[s]);
  };
  // Counters go to Redis as deltas: the report reads them, and a second feed adds to them.
  const flush = async () => {
    const cmds: Promise<unknown>[] = [];
    for (let c = 0; c < o.cameras; c++) {
      const dp = produced[c]! - published[2 * c]!;
      const dd = dropped[c]! - published[2 * c + 1]!;
      if (dp !== 0) cmds.push(conn.command(['HINCRBY', keys.produced, String(c), String(dp)], 'HINCRBY'));
      if (dd !== 0) cmds.push(conn.command(['HINCRBY', keys.dropped, String(c), String(dd)], 'HINCRBY'));
      published[2 * c] = produced[c]!;
      published[2 * c + 1] = dropped[c]!;
    }
    await Promise.all(cmds);
  };
  try {
    await conn.command(
      ['HSET', keys.feed, 'cameras', String(o.cameras), 'streams', String(streams), 'size', String(size)],
      'HSET',
    );
    // A camera's frames go on from what earlier feeds under this prefix produced (the counters are
    // cumulative): numbered from 0 again, the report would take them for redeliveries of the first
    // feed's and count the first feed's as lost.
    const prior = toCounts(await conn.command<unknown>(['HGETALL', keys.produced], 'HGETALL'));
    const base = Float64Array.from({ length: o.cameras }, (_, c) => prior.get(c) ?? 0);
    await refresh();
    while (g < total && o.signal?.aborted !== true && wallMs() < end) {
      const writes: Promise<unknown>[] = [];
      let blocked = false;
      while (writes.length < BATCH && g < total) {
        const camera = g % o.cameras;
        const seq = base[camera]! + Math.floor(g / o.cameras);
        const due = t0 + g * period;
        const now = wallMs();
        if (period > 0 && due > now) break;
        const s = streamOfCamera(camera, streams);
        if (lengths[s]! >= maxBacklog) {
          if (period > 0 && now - due > maxLagMs) {
            produced[camera]!++;
            dropped[camera]!++;
            g++;
            continue;
          }
          blocked = true;
          break;
        }
        const frame = Buffer.allocUnsafe(size * size * 4);
        look.seed = camera;
        renderSyntheticFrame(frame, look, seq);
        const header = {
          kind: 'frame' as const,
          camera,
          frame: seq,
          ts: Math.round((period > 0 ? due : now) * 1000),
          shape: [size, size, 4],
        };
        writes.push(
          conn.command(
            ['XADD', keys.stream(s), '*', ...encodeEntry(codec, header, frame)],
            'XADD',
            keys.stream(s),
          ),
        );
        lengths[s]!++;
        produced[camera]!++;
        g++;
      }
      await Promise.all(writes);
      if (blocked) waits++;
      if (blocked || writes.length === 0) {
        // Waiting on the consumers (a full stream) or on the clock (live cameras).
        await delay(period > 0 && !blocked ? Math.min(5, Math.max(1, t0 + g * period - wallMs())) : 2);
      }
      await refresh();
      if (wallMs() - lastFlush >= 500) {
        await flush();
        lastFlush = wallMs();
        const c = counts();
        o.onProgress?.(c.p, c.d, (wallMs() - t0) / 1000);
      }
    }
    await flush();
    const c = counts();
    return { produced: c.p, dropped: c.d, seconds: (wallMs() - t0) / 1000, backlogWaits: waits };
  } finally {
    await conn.close();
  }
}
