/**
 * Runs one host's share of the fleet (see redis-fleet-graph.ts) until its sources stop: the group
 * drained (`stopWhenDrainedMs`), `seconds` ran out, or the signal fired. Stopping closes the sources
 * at their next turn; what they emitted drains to the sinks and is acknowledged, what they had read
 * and not emitted stays pending and is claimed by another consumer (or this one, next time).
 *
 * Threading: main thread. Lifecycle: one call = one graph run; every thread and Redis client is
 * closed before the promise settles, also on failure.
 */
import { CalculatorGraph } from '../api/calculator-graph.js';
import { CancelledError } from '../core/errors.js';
import { fleetRegistry } from '../fleet/fleet-calculators.js';
import type { StageStats } from '../telemetry/stage-stats.js';
import { RedisConnection } from './redis-connection.js';
import { RedisCounters, type RedisFigures } from './redis-counters.js';
import { REDIS_FLEET_DEFAULTS, type RedisFleetOptions, redisFleetGraph } from './redis-fleet-graph.js';

/** What {@link runRedisFleet} takes. Read on the calling thread, where `onProgress` is called too. */
export interface RedisFleetRunOptions extends Partial<RedisFleetOptions> {
  readonly url: string;
  /** Stop reading after this many seconds. Default: until drained or stopped. */
  readonly seconds?: number;
  /**
   * Stops the run: the sources close at their next turn and what they emitted drains. Fired while
   * the server check connects, nothing starts and the report is empty.
   */
  readonly signal?: AbortSignal;
  /** Called about every second with the counters so far. */
  readonly onProgress?: (figures: RedisFigures, seconds: number) => void;
  /** The model; default the tiny classifier for `[3, size, size]` uint8. */
  readonly modelPath?: string;
  /** Called once every actor runs. */
  readonly onStart?: () => void;
}

/** What a host's run did. Plain data; any thread. */
export interface RedisFleetReport {
  readonly options: RedisFleetOptions;
  readonly figures: RedisFigures;
  readonly seconds: number;
  /** Results written per second over `seconds`. */
  readonly fps: number;
  readonly stages: StageStats[];
}

/**
 * One connection from this thread before any actor starts: wrong credentials, TLS files the server
 * refuses, or no server at all fail here, once, with the connection's own typed error
 * (RedisAuthError, RedisTlsError, RedisConnectionError), instead of as every source's and sink's
 * failed open. False when `signal` fired first (a stop asked for while connecting: nothing starts).
 */
async function checkServer(o: RedisFleetOptions, signal: AbortSignal | undefined): Promise<boolean> {
  try {
    const conn = await RedisConnection.open({
      url: o.url,
      tls: o.tls,
      clientName: 'weft-fleet-check',
      ...(signal === undefined ? {} : { signal }),
    });
    await conn.close();
    return true;
  } catch (err) {
    if (err instanceof CancelledError) return false;
    throw err;
  }
}

/**
 * Runs the host's graph; resolves with its report once it drained and closed.
 *
 * Threading: main thread, which owns the run; the Redis clients live on the actors' threads.
 * Lifecycle: one call, one graph run; every thread and Redis client is closed before the promise
 * settles, also on failure.
 */
export async function runRedisFleet(options: RedisFleetRunOptions): Promise<RedisFleetReport> {
  const size = options.size ?? REDIS_FLEET_DEFAULTS.size;
  const modelPath =
    options.modelPath ??
    (await (
      await import('../models/tiny-classifier.js')
    ).ensureModel({
      inputShape: [3, size, size],
      inputType: 'uint8',
    }));
  const fleet = redisFleetGraph(modelPath, options);
  const counters = new RedisCounters(fleet.counters);
  // Stopped before a frame was read: an empty report, as a run stopped at once would give.
  if (!(await checkServer(fleet.options, options.signal)))
    return { options: fleet.options, figures: counters.read(), seconds: 0, fps: 0, stages: [] };
  const g = new CalculatorGraph(fleet.config, { frames: fleet.frames, registry: fleetRegistry() });
  const timers: ReturnType<typeof setTimeout>[] = [];
  const stop = () => g.closeAllPacketSources();
  try {
    await g.startRun();
    options.onStart?.();
    const t0 = performance.now();
    options.signal?.addEventListener('abort', stop, { once: true });
    if (options.signal?.aborted === true) stop();
    if (options.seconds !== undefined) timers.push(setTimeout(stop, options.seconds * 1000));
    const report = options.onProgress;
    if (report !== undefined)
      timers.push(setInterval(() => report(counters.read(), (performance.now() - t0) / 1000), 1000));
    await g.waitUntilDone();
    const seconds = (performance.now() - t0) / 1000;
    const figures = counters.read();
    return {
      options: fleet.options,
      figures,
      seconds,
      fps: figures.written / seconds,
      stages: g.stageStats(),
    };
  } finally {
    for (const t of timers) clearTimeout(t);
    options.signal?.removeEventListener('abort', stop);
    await g.close();
  }
}
