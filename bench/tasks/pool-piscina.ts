/**
 * The piscina baseline of the pool benchmarks (`pool.piscina`): the same per-frame function on the
 * same pool threads as PoolCalculator, driven directly through piscina's `run()` with no graph, no
 * actor and no rings — frames by handle, at most `maxInFlight` tasks in flight, results taken in
 * input order. What remains between this and `pool.weft` is the runtime's own cost.
 *
 * Threading: the calling thread owns the pool threads (main thread in the bench runner).
 */
import { PoolThreads } from '../../src/calculators/pool-threads.js';
import { FramePool } from '../../src/transport/frame-pool.js';

/** Options of {@link runPiscinaBaseline}. */
export interface PiscinaBaselineOptions {
  /** The shared pool the frames are allocated in (a class must hold `frameBytes`). */
  readonly frames: FramePool;
  /** The per-frame function's module (default: `pool-frame-work.ts` beside this file). */
  readonly module?: string | URL;
  readonly exportName?: string;
  /** Pool threads. Default 2. */
  readonly threads?: number;
  /** Tasks in flight at most. Default 2 × threads, as PoolCalculator. */
  readonly maxInFlight?: number;
  /** Frames per repetition. */
  readonly count: number;
  readonly frameBytes: number;
  /** Repetitions on the same warm threads. Default 1. */
  readonly reps?: number;
}

/** Frames per second of each repetition, and the results' checksum (so no work can be skipped). */
export interface PiscinaBaselineReport {
  readonly fps: number[];
  readonly checksum: number;
}

/**
 * Runs `count` frames through the pool `reps` times. Each frame is allocated and filled by the
 * caller's thread (as a camera would), handed over by handle, and released once its task has
 * replied; thread start-up and the first module load stay outside the measured intervals.
 */
export async function runPiscinaBaseline(o: PiscinaBaselineOptions): Promise<PiscinaBaselineReport> {
  const threads = o.threads ?? 2;
  const window = o.maxInFlight ?? 2 * threads;
  const module =
    o.module ??
    new URL(`./pool-frame-work.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url);
  const pool = new PoolThreads(o.frames, {
    module,
    exportName: o.exportName ?? 'default',
    threads,
    name: 'pool.piscina',
  });
  const fps: number[] = [];
  let checksum = 0;
  try {
    await pool.probe();
    for (let rep = 0; rep < (o.reps ?? 1); rep++) {
      const inFlight: Promise<unknown>[] = [];
      const t0 = performance.now();
      for (let i = 0; i < o.count; i++) {
        // The oldest first: results are taken in input order, as the calculator emits them.
        if (inFlight.length >= window) checksum = (checksum + Number(await inFlight.shift())) >>> 0;
        const h = await o.frames.allocAsync(o.frameBytes);
        o.frames.bytes(h).fill(i & 0xff, 0, o.frameBytes);
        const result = pool.run(h, undefined, i).then((r) => r.value);
        // Awaited in order below; this keeps a failure from counting as unhandled meanwhile.
        result.catch(() => {});
        inFlight.push(result);
        o.frames.release(h);
      }
      for (const p of inFlight) checksum = (checksum + Number(await p)) >>> 0;
      fps.push(o.count / ((performance.now() - t0) / 1000));
    }
  } finally {
    await pool.close();
  }
  return { fps, checksum };
}

/** Options of {@link runPiscinaSmallTasks}. */
export interface PiscinaSmallOptions {
  /** Tasks per repetition. */
  readonly count: number;
  /** Pool threads. Default 2. */
  readonly threads?: number;
  /**
   * Tasks in flight at most: enough to keep every thread's queue fed, as a user would submit them.
   * Default 256.
   */
  readonly maxInFlight?: number;
  /** Repetitions on the same warm threads. Default 1. */
  readonly reps?: number;
}

/**
 * `pool.piscina`: `count` small tasks (`pool-small-work.ts`) through piscina's `run()`, each a
 * structured value, at most `maxInFlight` in flight. Returns tasks per second of the best
 * repetition; a warm-up pass first loads the module on every thread.
 */
export async function runPiscinaSmallTasks(o: PiscinaSmallOptions): Promise<number> {
  const threads = o.threads ?? 2;
  const window = o.maxInFlight ?? 256;
  const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  // PoolThreads wants a frame pool for its threads to attach; these tasks carry no frames.
  const frames = FramePool.create({ name: 'pool.piscina', classes: [{ slotBytes: 64, slots: 1 }] });
  const pool = new PoolThreads(frames, {
    module: new URL(`./pool-small-work.${ext}`, import.meta.url),
    threads,
    name: 'pool.piscina',
  });
  let best = 0;
  const pass = async (count: number): Promise<number> => {
    const inFlight: Promise<unknown>[] = [];
    const t0 = performance.now();
    for (let i = 0; i < count; i++) {
      if (inFlight.length >= window) await inFlight.shift();
      const result = pool.run(-1, i, i);
      // Awaited in order; this keeps a failure from counting as unhandled meanwhile.
      result.catch(() => {});
      inFlight.push(result);
    }
    await Promise.all(inFlight);
    return count / ((performance.now() - t0) / 1000);
  };
  try {
    await pool.probe();
    await pass(Math.min(o.count, 2000));
    for (let rep = 0; rep < (o.reps ?? 1); rep++) best = Math.max(best, await pass(o.count));
  } finally {
    await pool.close();
  }
  return best;
}
