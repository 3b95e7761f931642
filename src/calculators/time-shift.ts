/**
 * TimeShiftCalculator: moves a stream in time by a fixed number of microseconds.
 *
 * Threading: the definition is plain data plus functions; an instance runs on its actor's thread.
 */
import { defineCalculator } from '../core/calculator.js';
import { InvalidTimestampError } from '../core/errors.js';
import { addClamped, formatTimestamp, isRangeValue, nextAllowedInStream } from '../core/timestamp.js';

/** Options of {@link TimeShiftCalculator}. */
export interface TimeShiftOptions {
  /** Microseconds added to every timestamp; an integer, negative to shift earlier. Default 0. */
  readonly shiftUs: number;
}

/**
 * Re-emits each packet at its timestamp plus `shiftUs` (weft's own calculator, after MediaPipe's
 * timestamp-offset examples).
 *
 * - Input: one untagged stream. Output: one untagged stream.
 * - Options: `shiftUs` (integer µs, may be negative).
 * - Timestamps: the output keeps the offset `shiftUs` from the input, packets and bounds alike. The
 *   contract's `timestampOffset` is static and cannot read an option, so the contract declares `null`
 *   and `processTimestampBounds: true`, and `process` sets the output bound to
 *   `inputTimestamp + 1 + shiftUs` itself when only a bound arrived: the same propagation an offset
 *   would give. Shifted timestamps are clamped to [Min, Max] (MediaPipe's arithmetic); two packets
 *   clamped onto the same timestamp fail `process` with InvalidTimestampError. PreStream and PostStream
 *   packets are not range values and keep their timestamp.
 * - Frames: forwarded with one extra reference.
 * - Threading: runs on its actor's thread.
 */
const TimeShiftCalculator = defineCalculator<TimeShiftOptions>({
  name: 'TimeShiftCalculator',
  description: 'Shifts every packet timestamp by a fixed offset.',
  contract: {
    inputs: { '': 'one' },
    outputs: { '': 'one' },
    options: { shiftUs: 0 },
    validateOptions: (o) =>
      Number.isSafeInteger(o.shiftUs) ? undefined : `shiftUs must be a safe integer, not ${o.shiftUs}`,
    timestampOffset: null,
    processTimestampBounds: true,
    // A Run's ids follow the shift: an output at T derives from the input at T - shiftUs.
    lineageShift: (o) => o.shiftUs,
  },
  create: () => ({
    process(ctx) {
      const ts = ctx.inputTimestamp;
      const shifted = isRangeValue(ts) ? addClamped(ts, ctx.options.shiftUs) : ts;
      const out = ctx.output(0);
      const p = ctx.input(0);
      if (!p.isEmpty) {
        if (shifted < out.nextTimestampBound) {
          throw new InvalidTimestampError(
            `TimeShiftCalculator: packet at ${formatTimestamp(ts)} shifted by ${ctx.options.shiftUs} ` +
              `clamps to ${formatTimestamp(shifted)}, ` +
              `below the output bound ${formatTimestamp(out.nextTimestampBound)}`,
          );
        }
        if (p.frame >= 0) {
          ctx.frames.retain(p.frame);
          out.addFrame(p.frame, shifted);
        } else {
          out.add(p.value, shifted);
        }
        return;
      }
      // Only a bound arrived: promise nothing below the shifted bound. Never lower it (clamping can
      // map several input timestamps onto one output timestamp).
      const bound = nextAllowedInStream(shifted);
      if (bound > out.nextTimestampBound) out.setNextTimestampBound(bound);
    },
  }),
});
export default TimeShiftCalculator;
