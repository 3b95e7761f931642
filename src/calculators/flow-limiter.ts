/**
 * FlowLimiterCalculator: caps the number of frames in flight through the part of a graph it guards,
 * dropping the frames that would have to wait.
 *
 * Threading: the definition is plain data plus functions; an instance runs on its actor's thread.
 */
import { defineCalculator, type OutputPort } from '../core/calculator.js';
import { nextAllowedInStream, Timestamp } from '../core/timestamp.js';

/** Options of {@link FlowLimiterCalculator} (MediaPipe's FlowLimiterCalculatorOptions). */
export interface FlowLimiterOptions {
  /** Frames let through and not yet FINISHED, at most. Default 1. */
  readonly maxInFlight: number;
  /** Frames held back waiting for a slot, at most; past it the oldest waiting frame is dropped. Default 0. */
  readonly maxInQueue: number;
  /**
   * 0 (default): off. Otherwise, a frame in flight whose timestamp is more than this many µs older
   * than the newest input timestamp is assumed finished (its FINISHED was lost). Measured in
   * timestamps, not wall time, so runs are deterministic.
   */
  readonly inFlightTimeoutUs: number;
}

interface Queued {
  readonly ts: number;
  readonly value: unknown;
  /** The frame handle (we hold one reference while queued), or -1. */
  readonly frame: number;
}

/**
 * Lets a frame through while fewer than `maxInFlight` are in flight; queues up to `maxInQueue` more
 * and drops the oldest queued frame when the queue is full (MediaPipe's FlowLimiterCalculator).
 *
 * - Inputs: the frames (untagged, one); `FINISHED`, the back edge from the end of the guarded part
 *   (declare it `back_edge` in `input_stream_info`): a packet or bound at T marks every frame in
 *   flight at or before T finished; optional `OPTIONS`, accepted for MediaPipe configs and ignored.
 * - Outputs: the frames let through (untagged, one); optional `ALLOW`, a boolean at every input
 *   frame's timestamp: true when it was let through, false when it was dropped.
 * - Options: see {@link FlowLimiterOptions}.
 * - Handler: Immediate (FINISHED must not wait for the frame input, and the reverse) with
 *   `processTimestampBounds`. A FINISHED packet calls `process` at once; a FINISHED bound alone is
 *   honoured at the next call (weft's engine does not wake a node for a back edge's bound, and
 *   closes the node once the frame input is done, without waiting for the back edge).
 * - Timestamps: frames keep their timestamps. `timestampOffset: null`: frames leave when a slot frees,
 *   not when they arrive, so `process` sets the bounds itself: the output's bound moves to the oldest
 *   queued frame, or to the input's bound when nothing is queued, so dropped timestamps never stall a
 *   downstream join. Frames still queued at `close` are dropped (ALLOW false), which MediaPipe does not
 *   report.
 * - Frames: a queued frame holds one reference; it is handed to the output when let through and
 *   released when dropped.
 * - Threading: runs on its actor's thread.
 */
const FlowLimiterCalculator = defineCalculator<FlowLimiterOptions>({
  name: 'FlowLimiterCalculator',
  description:
    'Lets at most maxInFlight packets into the section it guards, dropping those that would wait past maxInQueue; FINISHED (a back edge) reports completions.',
  contract: {
    inputs: { '': 'one', FINISHED: 'one', OPTIONS: 'optional' },
    outputs: { '': 'one', ALLOW: 'optional' },
    options: { maxInFlight: 1, maxInQueue: 0, inFlightTimeoutUs: 0 },
    validateOptions: (o) => {
      if (!Number.isSafeInteger(o.maxInFlight) || o.maxInFlight < 1) {
        return `maxInFlight must be an integer ≥ 1, not ${o.maxInFlight}`;
      }
      if (!Number.isSafeInteger(o.maxInQueue) || o.maxInQueue < 0) {
        return `maxInQueue must be an integer ≥ 0, not ${o.maxInQueue}`;
      }
      if (!Number.isSafeInteger(o.inFlightTimeoutUs) || o.inFlightTimeoutUs < 0) {
        return `inFlightTimeoutUs must be an integer ≥ 0 (0 = off), not ${o.inFlightTimeoutUs}`;
      }
      return undefined;
    },
    inputStreamHandler: { name: 'ImmediateInputStreamHandler' },
    processTimestampBounds: true,
    timestampOffset: null,
  },
  create: () => {
    // Timestamps of the frames let through and not yet finished, oldest first.
    const inFlight: number[] = [];
    // Frames waiting for a slot, oldest first.
    const queue: Queued[] = [];
    return {
      process(ctx) {
        const { maxInFlight, maxInQueue, inFlightTimeoutUs } = ctx.options;
        const out = ctx.output(0);
        const allowOut = ctx.outputCount('ALLOW') > 0 ? ctx.output('ALLOW') : undefined;

        // FINISHED's packet or bound at T: every frame up to T is done. (MediaPipe tests that T is the
        // input timestamp; releasing up to FINISHED's settled timestamp on every call is the same rule,
        // and does not depend on how the handler groups inputs into calls.)
        const finished = ctx.input('FINISHED').timestamp;
        while (inFlight.length > 0 && inFlight[0]! <= finished) inFlight.shift();

        const p = ctx.input(0);
        if (!p.isEmpty) {
          if (p.frame >= 0) ctx.frames.retain(p.frame);
          queue.push({ ts: p.timestamp, value: p.value, frame: p.frame });
        }

        // Abandon frames in flight that are too old next to the newest input (MediaPipe's rule).
        const latest = p.timestamp;
        if (inFlightTimeoutUs > 0 && latest === ctx.inputTimestamp && latest < Timestamp.Max) {
          while (inFlight.length > 0 && latest - inFlight[0]! > inFlightTimeoutUs) inFlight.shift();
        }

        while (inFlight.length < maxInFlight && queue.length > 0) {
          const q = queue.shift()!;
          if (q.frame >= 0) out.addFrame(q.frame, q.ts);
          else out.add(q.value, q.ts);
          allowOut?.add(true, q.ts);
          inFlight.push(q.ts);
        }
        while (queue.length > maxInQueue) {
          const q = queue.shift()!;
          if (q.frame >= 0) ctx.frames.release(q.frame);
          allowOut?.add(false, q.ts);
        }

        if (queue.length > 0) {
          raise(out, queue[0]!.ts);
        } else {
          // Nothing waits: the output may promise as much as the input has.
          const bound = nextAllowedInStream(p.timestamp);
          raise(out, bound);
          if (allowOut !== undefined) raise(allowOut, bound);
        }
      },
      close(ctx) {
        // The run is over: frames still waiting never get a slot.
        const allowOut = ctx.outputCount('ALLOW') > 0 ? ctx.output('ALLOW') : undefined;
        for (const q of queue.splice(0)) {
          if (q.frame >= 0) ctx.frames.release(q.frame);
          allowOut?.add(false, q.ts);
        }
      },
    };
  },
});
export default FlowLimiterCalculator;

/** Raises an output's bound; never lowers it (the Immediate handler's timestamps may go back). */
function raise(out: OutputPort, bound: number): void {
  if (bound > out.nextTimestampBound) out.setNextTimestampBound(bound);
}
