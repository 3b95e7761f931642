/**
 * MediaPipe timestamps as JavaScript numbers.
 *
 * A timestamp is a safe integer count of microseconds. MediaPipe's special values sit at the two
 * ends of the safe-integer range, outside the range of ordinary timestamps, in the same order as
 * in MediaPipe: `Unset < Unstarted < PreStream < Min ... Max < PostStream < OneOverPostStream < Done`.
 * Keeping them as plain numbers lets a timestamp travel in one float64 ring field and compare with
 * `<` at no cost.
 *
 * Threading: pure functions and constants, any thread.
 */
import { InvalidTimestampError, TimestampOrderError } from './errors.js';

const LOW = Number.MIN_SAFE_INTEGER;
const HIGH = Number.MAX_SAFE_INTEGER;

/** The special timestamp values, in MediaPipe's order. Frozen numbers, the same on every thread. */
export const Timestamp = Object.freeze({
  /** No timestamp was set. Never valid on a stream. */
  Unset: LOW,
  /** The input timestamp seen by `open()`. */
  Unstarted: LOW + 1,
  /** A packet that comes before every other packet of a stream (it must be the only one). */
  PreStream: LOW + 2,
  /** The smallest ordinary timestamp. */
  Min: LOW + 3,
  /** The largest ordinary timestamp. */
  Max: HIGH - 3,
  /** A packet that comes after every other packet of a stream (it must be the only one). */
  PostStream: HIGH - 2,
  /** The bound that follows PostStream. */
  OneOverPostStream: HIGH - 1,
  /** The bound of a closed stream; the input timestamp seen by `close()`. */
  Done: HIGH,
});

/** True for an ordinary timestamp in [Min, Max]. Pure; any thread. */
export function isRangeValue(t: number): boolean {
  return Number.isSafeInteger(t) && t >= Timestamp.Min && t <= Timestamp.Max;
}

/** True for a timestamp a packet may carry: [PreStream, PostStream]. Pure; any thread. */
export function isAllowedInStream(t: number): boolean {
  return Number.isSafeInteger(t) && t >= Timestamp.PreStream && t <= Timestamp.PostStream;
}

/** True for any value usable as a timestamp bound: [PreStream, Done]. */
export function isBound(t: number): boolean {
  return Number.isSafeInteger(t) && t >= Timestamp.PreStream && t <= Timestamp.Done;
}

/**
 * MediaPipe's `NextAllowedInStream`: the smallest timestamp allowed after a packet at `t`. Pure;
 * any thread.
 */
export function nextAllowedInStream(t: number): number {
  if (t >= Timestamp.Max || t === Timestamp.PreStream) return Timestamp.OneOverPostStream;
  if (t < Timestamp.Min) return Timestamp.Min;
  return t + 1;
}

/** MediaPipe's `PreviousAllowedInStream`: the largest timestamp settled below bound `t`. Pure; any thread. */
export function previousAllowedInStream(t: number): number {
  if (t <= Timestamp.Min || t === Timestamp.PostStream) return Timestamp.Unstarted;
  if (t > Timestamp.Max) return Timestamp.Max;
  return t - 1;
}

/** Adds an offset to a range value, clamping to [Min, Max] as MediaPipe's arithmetic does. */
export function addClamped(t: number, offset: number): number {
  const r = t + offset;
  if (r < Timestamp.Min) return Timestamp.Min;
  if (r > Timestamp.Max) return Timestamp.Max;
  return r;
}

const NAMES = new Map<number, string>(Object.entries(Timestamp).map(([k, v]) => [v, k]));

/** Human-readable form for messages: special values by name, others as numbers. Pure; any thread. */
export function formatTimestamp(t: number): string {
  return NAMES.get(t) ?? String(t);
}

/**
 * Throws {@link InvalidTimestampError} unless `t` is a safe integer in [PreStream, Done].
 * `where` names the stream (and node) for the message. Cheap enough for the hot path: one call,
 * no allocation on success.
 */
export function checkTimestamp(t: number, where: string): void {
  if (!isBound(t)) {
    throw new InvalidTimestampError(`timestamp ${String(t)} is not a safe integer in [PreStream, Done]`, {
      stream: where,
      phase: 'transport',
    });
  }
}

/**
 * The check of a packet added to a graph input from outside (`Run.push`, `CalculatorGraph.addPacket`),
 * shared so both report the same errors at the call, never later inside the graph:
 * InvalidTimestampError for a value no packet may carry (NaN, ±Infinity, a fraction, outside
 * [PreStream, PostStream]); TimestampOrderError for one the stream no longer accepts after `last` (the
 * previous packet, or `Timestamp.Unset`): not above it, or anything at all after a packet at
 * PreStream, Max or PostStream, which end what a stream may carry.
 */
export function checkInputTimestamp(ts: number, last: number, stream: string): void {
  if (!isAllowedInStream(ts)) {
    throw new InvalidTimestampError(
      `timestamp ${String(ts)} added to input "${stream}" is not a safe integer in [PreStream, PostStream]`,
      { stream, phase: 'run' },
    );
  }
  if (last === Timestamp.Unset) return;
  const next = nextAllowedInStream(last);
  if (next === Timestamp.OneOverPostStream) {
    throw new TimestampOrderError(
      `input "${stream}" takes no packet after the one at ${formatTimestamp(last)}`,
      { stream, phase: 'run' },
    );
  }
  if (ts < next) {
    throw new TimestampOrderError(
      `timestamp ${ts} added to input "${stream}" must be at least ${formatTimestamp(next)}: ` +
        `the input's last packet or timestamp bound (${formatTimestamp(last)}) allows nothing lower`,
      { stream, phase: 'run' },
    );
  }
}
