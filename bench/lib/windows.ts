/**
 * Measuring windows: frames, milliseconds and process CPU time of stretches of a run, summed over
 * windows (the `pipeline` suite alternates its cases in windows of one fleet run).
 *
 * CPU time is `process.cpuUsage()`, user plus system, of every thread of the process: the case's
 * own threads, V8's background threads and whatever else ran meanwhile (the other cases' threads
 * are idle during a window).
 *
 * Threading: main thread.
 */

/** Frames, milliseconds and CPU microseconds summed over windows. */
export interface Windows {
  readonly frames: number;
  readonly ms: number;
  readonly cpuUs: number;
}

export const NO_WINDOWS: Windows = { frames: 0, ms: 0, cpuUs: 0 };

/** Frames per second. */
export const rateOf = (w: Windows) => (w.frames * 1000) / w.ms;

/** Process CPU time per frame, µs. */
export const cpuPerFrame = (w: Windows) => w.cpuUs / w.frames;

export const plus = (a: Windows, b: Windows): Windows => ({
  frames: a.frames + b.frames,
  ms: a.ms + b.ms,
  cpuUs: a.cpuUs + b.cpuUs,
});

/**
 * One window: `run` measures its frames and milliseconds itself; the process's CPU time is taken
 * around the whole call.
 */
export async function measured(run: () => Promise<{ frames: number; ms: number }>): Promise<Windows> {
  const before = process.cpuUsage();
  const { frames, ms } = await run();
  const cpu = process.cpuUsage(before);
  return { frames, ms, cpuUs: cpu.user + cpu.system };
}
