/**
 * A sample that waits at a Push input's boundary — pushed, not yet written into the graph's rings —
 * and what becomes of it: written into a ring by the pump, or dropped without entering the graph
 * (the drop accounting: its frame released, its ids forgotten, counted, and `onInputDrop` told).
 *
 * Threading: the thread that owns the Run. Lifecycle: a pending sample is created by a push that
 * finds no room in the rings and lives in the input boundary's queue until the pump writes it or
 * the boundary drops it; the boundary owns its frame reference meanwhile.
 */
import { isFrameRef } from '../transport/codec.js';
import type { FramePool } from '../transport/frame-pool.js';
import type { RingWriter } from '../transport/ring-queue.js';
import type { InputDropReason } from './run-options.js';
import type { InputHost, InputStats, PushSample } from './run-types.js';

/** A sample waiting at an input boundary. Not public API. */
export interface PendingSample {
  readonly value: unknown;
  readonly timestamp: number;
  readonly streamId: number | string | undefined;
  readonly frameId: number;
  /** The sample carried its own ids (they are attached to outputs). */
  readonly hasIds: boolean;
}

/** The pending form of `sample` at `timestamp`; `seq`, the input's count, is its default frameId. */
export function pendingOf(sample: PushSample, timestamp: number, seq: number): PendingSample {
  return {
    value: sample.value,
    timestamp,
    streamId: sample.streamId,
    frameId: sample.frameId ?? seq,
    hasIds: sample.streamId !== undefined || sample.frameId !== undefined,
  };
}

/** Writes `p` into `w` without waiting; false when the ring has no room. */
export function tryWrite(w: RingWriter, p: PendingSample): boolean {
  const v = p.value;
  if (typeof v === 'number') return w.tryPushNumber(p.timestamp, v);
  if (isFrameRef(v)) return w.tryPushFrame(p.timestamp, v.handle);
  return w.tryPushValue(p.timestamp, v);
}

/** Gives back the `refs` frame references of `p` that no ring took (a write failed). */
export function releaseUnwritten(frames: FramePool, p: PendingSample, refs: number): void {
  if (!isFrameRef(p.value)) return;
  for (let i = 0; i < refs && frames.isValid(p.value.handle); i++) {
    frames.release(p.value.handle);
  }
}

/**
 * Drops a sample that never entered the graph: its frame goes back to the pool, the user is told.
 * `wasAccepted`: the push was taken (so its ids were noted and must be forgotten).
 */
export function discard(
  host: InputHost,
  input: string,
  stats: InputStats,
  p: PendingSample,
  reason: InputDropReason,
  wasAccepted = true,
): void {
  if (isFrameRef(p.value) && host.frames.isValid(p.value.handle)) {
    host.frames.release(p.value.handle);
  }
  if (wasAccepted && p.hasIds) host.forgetIds(input, p.timestamp);
  if (reason === 'queue_full') stats.dropped++;
  else if (reason === 'evicted') stats.evicted++;
  else stats.cancelled++;
  host.options.onInputDrop?.({
    reason,
    port: input,
    streamId: p.streamId,
    frameId: p.frameId,
    timestamp: p.timestamp,
  });
}
