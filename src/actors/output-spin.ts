/**
 * The adaptive poll with which the main thread catches a result that is about to come out of the
 * graph (see `OutputPump.poll`), instead of waiting for the wake-up through its event loop.
 *
 * Why a poll at all: a worker parked in `Atomics.wait` wakes in a few µs, but the main thread
 * waits with `Atomics.waitAsync`, whose wake-up is a task posted to its event loop — measured here
 * at 15–60 µs, more than a lone sample takes through an idle chain of actors. A pull that comes
 * right after a push (the request/response shape of a live stream) is the case worth a poll.
 *
 * Why adaptive: a poll that does not find the result blocked the event loop for nothing. The budget
 * doubles when a poll found its result and halves when it did not, so a graph whose results take
 * longer than the cap (a model, a wide graph) soon polls for a few µs only, and the event loop
 * loses at most {@link OutputSpin.MAX_US} per pull in any case.
 *
 * Threading: the thread that owns the run (one instance per output pump).
 */
import type { InputSet } from '../transport/input-set.js';

/** Adaptive budget of the main thread's output poll. */
export class OutputSpin {
  /** The most a poll blocks its thread, µs. */
  static readonly MAX_US = 250;
  /** The poll of a pump whose results mostly take longer than MAX_US: a glance, not a wait. */
  static readonly MIN_US = 2;
  // Decaying share of recent waits that ended within MAX_US (whether a poll or a wake-up ended them).
  private hits = 1;
  private since = 0;

  /**
   * The µs to poll for now: 0 while the graph's running threads fill every core (`gauge` words:
   * running threads, cores), where polling would take a core from the very thread producing the
   * result; MAX_US while most recent results came within it; MIN_US otherwise.
   */
  budgetUs(gauge: Int32Array | null): number {
    if (gauge !== null && Atomics.load(gauge, 0) >= Atomics.load(gauge, 1)) return 0;
    return this.hits >= 0.5 ? OutputSpin.MAX_US : OutputSpin.MIN_US;
  }

  /** A caller starts waiting for a result now (performance.now() ms); the first wait counts. */
  waiting(now: number): void {
    if (this.since === 0) this.since = now;
  }

  /** A result was delivered at `now`: the wait that started at {@link waiting} is over. */
  delivered(now: number): void {
    if (this.since === 0) return;
    const hit = (now - this.since) * 1000 <= OutputSpin.MAX_US ? 1 : 0;
    this.since = 0;
    this.hits = this.hits * 0.875 + hit * 0.125;
  }
}

/**
 * Polls `set` until some enabled reader is readable or `budgetUs` passed; true when one is.
 * Reads the clock once per 32 polls: a poll is a few shared loads, the clock costs more.
 */
export function spinUntilReadable(set: InputSet, budgetUs: number): boolean {
  const end = performance.now() + budgetUs / 1000;
  for (;;) {
    for (let k = 0; k < 32; k++) if (set.firstReadable() >= 0) return true;
    if (performance.now() >= end) return false;
  }
}
