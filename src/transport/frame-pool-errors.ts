/**
 * Errors of the frame pool: each names the pool, the handle (decoded into class, slot and
 * generation) and what happened. Built on the cold path only.
 *
 * Threading: pure functions, any thread.
 */
import {
  FrameForeignError,
  FrameStaleError,
  FrameTooLargeError,
  InvalidArgumentError,
  PoolExhaustedError,
  UsageError,
} from '../core/errors.js';
import { describeHandle } from './frame-pool-layout.js';

/** A handle of another pool, or not a handle at all. */
export function foreignError(pool: string, poolId: number, h: number): Error {
  return new FrameForeignError(
    `frame pool "${pool}" (pool id ${poolId}): ${describeHandle(h)} is not a handle of this pool`,
    { phase: 'transport' },
  );
}

/** A released or reused frame; `state` is the slot's state word as read. */
export function staleError(pool: string, op: string, h: number, state: number): Error {
  const why =
    (state & 0xffff) === 0
      ? 'the frame was already released (slot is free)'
      : `the slot was reused by a newer frame (generation ${state >>> 16})`;
  return new FrameStaleError(`frame pool "${pool}": ${op}(${describeHandle(h)}): ${why}`, {
    phase: 'transport',
  });
}

/**
 * A frame record whose frame was gone before its reader took it: a reference was handed on by
 * someone who did not own it, most likely the stream's writer. `stream` is the ring's name, which
 * names the writer. Worded as the likely cause, not a verdict: the double release may also have
 * happened further upstream and surfaced here.
 */
export function handedOnStaleError(stream: string, h: number): Error {
  return new FrameStaleError(
    `${describeHandle(h)} was released before it arrived: a frame reference was handed on by code ` +
      'that did not own it, most likely the writer of this stream (an input frame forwarded without ' +
      'frames.retain(), or one frame added twice)',
    { stream, phase: 'transport' },
  );
}

/** No slot in class `c` within the timeout. */
export function exhaustedError(
  pool: string,
  c: number,
  byteLength: number,
  slots: number,
  slotBytes: number,
  timeoutMs: number,
): Error {
  return new PoolExhaustedError(
    `frame pool "${pool}": no free slot for ${byteLength} bytes in class ${c} ` +
      `(${slots} x ${slotBytes} bytes) within ${timeoutMs} ms`,
    { phase: 'transport' },
  );
}

/** Larger than the largest class. */
export function tooLargeError(pool: string, byteLength: number, largest: number): Error {
  return new FrameTooLargeError(
    `frame pool "${pool}": ${byteLength} bytes exceed its largest class (${largest} bytes)`,
    { phase: 'transport' },
  );
}

/** A byteLength that is not a non-negative safe integer. */
export function badLengthError(pool: string, byteLength: unknown): Error {
  return new InvalidArgumentError(
    `frame pool "${pool}": byteLength ${String(byteLength)} is not a non-negative safe integer`,
    { phase: 'transport' },
  );
}

/** A timeout that is negative or NaN. */
export function badTimeoutError(timeoutMs: unknown): Error {
  return new InvalidArgumentError(`frame pool: timeoutMs ${String(timeoutMs)} must be >= 0 or Infinity`, {
    phase: 'transport',
  });
}

/** `refcount` -1: the count itself is out of range; otherwise the count would overflow it. */
export function retainError(pool: string, h: number, count: unknown, refcount: number): Error {
  const why =
    refcount < 0
      ? `count ${String(count)} is not an integer in 0..65535`
      : `count ${String(count)} would overflow refcount ${refcount} past 65535`;
  return new InvalidArgumentError(`frame pool "${pool}": retain(${describeHandle(h)}): ${why}`, {
    phase: 'transport',
  });
}

/** Throws unless `timeoutMs` is a non-negative number (Infinity allowed). */
export function checkTimeout(timeoutMs: number): void {
  if (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs) || timeoutMs < 0) {
    throw badTimeoutError(timeoutMs);
  }
}

/** An alloc on the main thread that would have to wait: it must not stop the loop that releases frames. */
export function mainThreadWaitError(byteLength: number): UsageError {
  return new UsageError(
    `frame pool: no free slot for ${byteLength} bytes, and alloc would block the main thread's ` +
      'event loop (which releases frames): use `await frames.allocAsync(bytes)` there',
  );
}
