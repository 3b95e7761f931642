/**
 * V8's initial old-generation size for the threads a run starts: a calculator's `initialHeapMb`
 * (see CalculatorContract), applied through the one setting V8 has for it, the process-wide
 * `--initial-old-space-size` flag, which each new isolate reads when it is created. Node's Worker
 * `resourceLimits` carry maximums only.
 *
 * Why it matters: V8 sizes a heap's next full collection from what survived the last one, and counts
 * the buffers of every socket read against that budget. A thread whose live heap is ~15 MiB and that
 * receives 100 MiB/s from Redis ran a full mark-compact every ~70 ms, a quarter of a core on V8's
 * helper threads (measured: `node --trace-gc`, a one-lane `weft demo --redis`); starting it with
 * 128 MiB, two in 8 s, and the host's frames/s rose by a quarter.
 *
 * Threading: a run's supervisor raises it before starting the run's threads. Only on the main
 * thread: the value raised so far lives in this module, one copy per thread, and a run started from
 * a worker thread could otherwise lower what the main thread raised (V8 has no way to read the
 * flag back). Lifecycle: process-wide; raised, never lowered, so it holds for every thread started
 * afterwards in the process, weft's or not.
 */
import { setFlagsFromString } from 'node:v8';
import { isMainThread } from 'node:worker_threads';

// What the process runs with: the command line's value (`node --initial-old-space-size=N`), then
// whatever was raised here.
let current = initialHeapFromArgv(process.execArgv);

/** The initial old-space size, MiB, that Node options in `argv` set (0: V8's default). */
export function initialHeapFromArgv(argv: readonly string[]): number {
  let mb = 0;
  for (const a of argv) {
    const m = /^--initial-old-space-size=(\d+)$/.exec(a.replace(/_/g, '-'));
    if (m !== null) mb = Math.max(mb, Number(m[1]));
  }
  return mb;
}

/** The initial old-space size, MiB, threads started now get (0: V8's default). */
export function initialHeapMb(): number {
  return current;
}

/**
 * Raises the initial old-generation size of threads started from now on to at least `mb` MiB; on a
 * worker thread, does nothing (see the module comment).
 */
export function raiseInitialHeap(mb: number | undefined): void {
  if (!isMainThread || mb === undefined || !Number.isSafeInteger(mb) || mb <= current) return;
  current = mb;
  setFlagsFromString(`--initial-old-space-size=${mb}`);
}
