/**
 * The shared start signal of a two-thread measurement: one SharedArrayBuffer of Int32 cells that the
 * main thread and both workers of a pair see.
 *
 * Per repetition `r` (1-based) each worker finishes its setup (or its previous repetition), calls
 * {@link signalReady}, and the producer parks in {@link waitForStart} until the main thread, having
 * seen both workers ready, calls {@link releaseStart}. Parking the producer on a futex instead of
 * sending it a message keeps the main thread's event loop out of the measured interval.
 *
 * Timestamps come from {@link clockNs}: `process.hrtime` reads the process-wide monotonic clock, so
 * a producer's start and a consumer's end taken in different threads can be subtracted. Each
 * thread's `performance.now()` counts from that thread's own time origin and cannot.
 *
 * Threading: imported by the main thread and by task modules inside workers; no thread imports.
 */

const START = 0;
const READY = 1;
const CELLS = 2;

/** Allocates the signal cells; pass the buffer to both workers in their task arguments. */
export function createStartSignal(): SharedArrayBuffer {
  return new SharedArrayBuffer(CELLS * Int32Array.BYTES_PER_ELEMENT);
}

/** Worker side: announces that this thread is ready for the next repetition. */
export function signalReady(signal: SharedArrayBuffer): void {
  const cells = new Int32Array(signal);
  Atomics.add(cells, READY, 1);
  Atomics.notify(cells, READY);
}

/** Worker side: blocks until the main thread has released repetition `rep` (1-based). */
export function waitForStart(signal: SharedArrayBuffer, rep: number): void {
  const cells = new Int32Array(signal);
  for (;;) {
    const seen = Atomics.load(cells, START);
    if (seen >= rep) return;
    Atomics.wait(cells, START, seen);
  }
}

/** Main side: how many `signalReady` calls have happened so far. */
export function readyCount(signal: SharedArrayBuffer): number {
  return Atomics.load(new Int32Array(signal), READY);
}

/**
 * Main side: resolves once at least `target` ready signals were given. Uses `Atomics.waitAsync`
 * because a synchronous wait would freeze the main thread's event loop (and the workers' console).
 */
export async function waitReady(signal: SharedArrayBuffer, target: number): Promise<void> {
  const cells = new Int32Array(signal);
  for (;;) {
    const seen = Atomics.load(cells, READY);
    if (seen >= target) return;
    const waited = Atomics.waitAsync(cells, READY, seen, 1000);
    if (waited.async) await waited.value;
  }
}

/** Main side: lets the workers start repetition `rep` (1-based). */
export function releaseStart(signal: SharedArrayBuffer, rep: number): void {
  const cells = new Int32Array(signal);
  Atomics.store(cells, START, rep);
  Atomics.notify(cells, START);
}

/** Monotonic nanoseconds, comparable across threads of one process. */
export function clockNs(): bigint {
  return process.hrtime.bigint();
}
