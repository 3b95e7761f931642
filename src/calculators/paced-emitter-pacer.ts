/**
 * The paced emitter's timing: the clock it reads and schedules on, and the rule that decides when
 * the next buffered item may leave (target fps, adaptive rate, schedule slots).
 *
 * Threading: plain single-threaded objects, owned by one emitter on its actor's thread.
 */

/**
 * The time source of a paced emitter. Injected in tests (a manual clock whose time moves only when
 * the test says so); default {@link realPacerClock}. Threading: called on the emitter's thread only.
 */
export interface PacerClock {
  /** Milliseconds on a monotonic clock (any origin). */
  now(): number;
  /** Calls `fire` once, `delayMs` from now, unless the returned function cancels it first. */
  schedule(delayMs: number, fire: () => void): () => void;
}

/**
 * `performance.now()` and `setTimeout`: the clock of a paced emitter in a graph. Threading: any
 * thread; a timer fires on the thread that scheduled it.
 */
export const realPacerClock: PacerClock = {
  now: () => performance.now(),
  schedule(delayMs, fire) {
    const t = setTimeout(fire, delayMs);
    return () => clearTimeout(t);
  },
};

/** Highest `fps` accepted: one item per microsecond, the timestamp resolution. A constant; any thread. */
export const MAX_PACED_FPS = 1e6;

// Slots are float sums of 1000 / fps: a manual clock stepping by the same interval may land a hair
// below a slot that is due in exact arithmetic.
const SLOT_EPSILON_MS = 1e-6;

/** Why `fps` is not acceptable, or undefined when it is. */
export function fpsProblem(fps: unknown): string | undefined {
  return typeof fps === 'number' && Number.isFinite(fps) && fps > 0 && fps <= MAX_PACED_FPS
    ? undefined
    : `fps must be a number in (0, ${MAX_PACED_FPS}], not ${String(fps)}`;
}

/**
 * The pacing rule.
 *
 * - Rate: `rate = min(fps, 1000 / ema)`, where `ema` is an exponential moving average of the
 *   per-item inference time in ms (`report(ms, items)` adds `ms / items` with weight `alpha`). With
 *   no report yet, or a report of 0 ms, `rate = fps`. So the output never outruns the model, and
 *   never exceeds the target.
 * - Slots: item k may leave at `slot(k) = slot(k-1) + 1000 / rate`, the rate read when it leaves, so
 *   a change of fps or of the model's speed applies from the next item on. An item that leaves less
 *   than one interval late keeps its slot (timer lateness does not slow the average rate); one that
 *   leaves later — the buffer ran empty, or the thread stalled — restarts the schedule at the
 *   current time, so a stall is never followed by a burst.
 *
 * Threading: one thread (the emitter's). Lifecycle: one pacer per run.
 */
export class Pacer {
  private target: number;
  private ema: number | null = null;
  private lastSlot = Number.NEGATIVE_INFINITY;

  /** @param fps the target rate (checked by the caller). @param alpha weight of a new report, in (0, 1]. */
  constructor(
    fps: number,
    private readonly alpha: number,
  ) {
    this.target = fps;
  }

  /** The target rate. The caller checks a new value with {@link fpsProblem}. */
  get fps(): number {
    return this.target;
  }

  set fps(value: number) {
    this.target = value;
  }

  /** The rate items leave at now: the target, capped by the model's measured throughput. */
  get rate(): number {
    const ema = this.ema;
    return ema === null || ema <= 0 ? this.target : Math.min(this.target, 1000 / ema);
  }

  /** The smoothed per-item inference time in ms, or null before the first report. */
  get inferenceMs(): number | null {
    return this.ema;
  }

  /** Adds an inference time: `ms` for a batch of `items`. */
  report(ms: number, items: number): void {
    const per = ms / items;
    this.ema = this.ema === null ? per : this.ema + this.alpha * (per - this.ema);
  }

  /** The clock time (ms) the next item may leave at (-Infinity before the first one). */
  get nextDue(): number {
    return this.lastSlot + 1000 / this.rate;
  }

  /** True when the next item may leave at `now`. */
  isDue(now: number): boolean {
    return this.nextDue <= now + SLOT_EPSILON_MS;
  }

  /** Takes the slot of an item leaving at `now` (when {@link isDue}); returns the slot's time. */
  take(now: number): number {
    const interval = 1000 / this.rate;
    const due = this.lastSlot + interval;
    this.lastSlot = now - due < interval ? Math.min(due, now) : now;
    return this.lastSlot;
  }
}
