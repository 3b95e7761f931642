/**
 * `weft feed --redis URL --cameras N --fps F [--seconds S]`: publishes synthetic cameras into
 * hash-sharded Redis streams (seed 004's ingestion side), for `weft demo --redis` processes to
 * consume. Prints a progress line and a summary; the URL is shown redacted.
 *
 * Threading: main thread of the CLI process.
 */
import { redactRedisUrl } from '../redis/redis-url.js';
import { onInterrupt } from './interrupt.js';
import { createProgress } from './progress.js';
import { redisTlsFiles } from './redis-tls-flags.js';

/** The parsed flags. */
export interface FeedFlags {
  readonly redis: string;
  readonly cameras: number;
  readonly fps: number;
  readonly seconds?: number;
  readonly frames?: number;
  readonly streams: number;
  readonly size: number;
  readonly prefix: string;
  readonly maxBacklog: number;
  readonly redisCa?: string;
  readonly redisCert?: string;
  readonly redisKey?: string;
}

/** Runs the feed; exit code 130 when interrupted. */
export async function feedCommand(f: FeedFlags): Promise<void> {
  const { runFeed } = await import('../redis/redis-feed.js');
  const endless = f.seconds === undefined && f.frames === undefined;
  process.stdout.write(
    `weft feed: ${f.cameras} cameras at ${f.fps === 0 ? 'full speed' : `${f.fps} fps`} into ${f.streams} streams ` +
      `${f.prefix}:cam:* on ${redactRedisUrl(f.redis)}, ${f.size}x${f.size} RGBA, ` +
      `at most ${f.maxBacklog} entries waiting per stream${endless ? ', until Ctrl-C' : ''}\n`,
  );
  const interrupt = new AbortController();
  const stopListening = onInterrupt(() => interrupt.abort());
  const progress = createProgress();
  const r = await runFeed({
    url: f.redis,
    tls: redisTlsFiles({ ...f }),
    cameras: f.cameras,
    fps: f.fps,
    ...(f.seconds === undefined ? {} : { seconds: f.seconds }),
    ...(f.frames === undefined ? {} : { framesPerCamera: f.frames }),
    streams: f.streams,
    size: f.size,
    prefix: f.prefix,
    maxBacklog: f.maxBacklog,
    signal: interrupt.signal,
    onProgress: (p, d, t) => progress.update(`produced ${p}  dropped ${d}  (${t.toFixed(0)} s)`),
  }).finally(stopListening);
  progress.clear();
  process.stdout.write(
    `  produced ${r.produced} frames (${r.dropped} dropped at the cameras) in ${r.seconds.toFixed(1)} s; ` +
      `waited on a full stream ${r.backlogWaits} times\n`,
  );
  if (interrupt.signal.aborted) process.exitCode = 130;
}
