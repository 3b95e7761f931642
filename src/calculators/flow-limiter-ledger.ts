/**
 * The FlowLimiter's bookkeeping: packets it holds, and the ALLOW decisions its auxiliary streams
 * follow (MediaPipe's `allowed_` map: the decision in force from each timestamp on).
 *
 * Threading: one calculator instance's, on its actor's thread.
 */
import type { CalculatorContext } from '../core/calculator.js';
import { Timestamp } from '../core/timestamp.js';

/** A packet the limiter holds: its own reference to a frame (or -1). */
export interface Queued {
  readonly ts: number;
  readonly value: unknown;
  readonly frame: number;
}

/** Releases the frames of packets that will never be sent. */
export function releaseQueued(ctx: CalculatorContext<object>, packets: readonly Queued[]): void {
  for (const q of packets) if (q.frame >= 0) ctx.frames.release(q.frame);
}

/**
 * ALLOW decisions by timestamp, ascending: `at(t)` is the last decision at or before t. Before any
 * decision everything is allowed (MediaPipe seeds the map with `Unset → true`).
 */
export class AllowLedger {
  private readonly times: number[] = [Timestamp.Unset];
  private readonly values: boolean[] = [true];

  /** Records the decision for the frame at `ts` (timestamps arrive in increasing order). */
  set(ts: number, allow: boolean): void {
    this.times.push(ts);
    this.values.push(allow);
  }

  /** The decision in force at `ts`. */
  at(ts: number): boolean {
    let i = this.times.length - 1;
    while (i > 0 && this.times[i]! > ts) i--;
    return this.values[i]!;
  }

  /** Forgets decisions no timestamp at or above `lowest` can need (keeps the one covering it). */
  prune(lowest: number): void {
    let keep = 0;
    while (keep + 1 < this.times.length && this.times[keep + 1]! <= lowest) keep++;
    if (keep === 0) return;
    this.times.splice(0, keep);
    this.values.splice(0, keep);
  }
}
