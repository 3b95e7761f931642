/**
 * MakePairCalculator: the packets of two streams at one timestamp as one pair (MediaPipe's
 * MakePairCalculator, with its contract).
 *
 * Threading: the definition is plain data plus functions; an instance runs on its actor's thread.
 */
import { defineCalculator, type InputPacket } from '../core/calculator.js';
import { InvalidArgumentError } from '../core/errors.js';

/** MakePairCalculator takes no options. Plain data; any thread. */
export type MakePairOptions = Record<string, never>;

/**
 * Emits, at each timestamp where either input has a packet, the pair `[first, second]` of the two
 * inputs' values.
 *
 * - Inputs: exactly two untagged streams. Output: one untagged stream of 2-element arrays.
 * - Timestamps: the pair carries the input timestamp; `timestampOffset: 0` (api2's default).
 * - Difference from MediaPipe: its pair holds two packets (each with its own timestamp, possibly
 *   empty); weft's holds the two values, `null` for an input with no packet at the timestamp, since
 *   a weft value cannot carry a packet (and `undefined` would cross threads as `null` anyway).
 * - Errors: a frame packet on either input fails `process` with InvalidArgumentError: a frame is
 *   not a value that can sit inside an array (it lives in the frame pool only while referenced).
 * - Allocation: one 2-element array per output packet (the pair is the value).
 * - Threading: runs on its actor's thread.
 */
export default defineCalculator<MakePairOptions>({
  name: 'MakePairCalculator',
  description: 'Emits the values of its two inputs at each timestamp as one [first, second] pair.',
  contract: {
    inputs: { '': { min: 2, max: 2 } },
    outputs: { '': 'one' },
    timestampOffset: 0,
  },
  create: () => ({
    process(ctx) {
      ctx.output(0).add([pairValue(ctx.input(0), 0), pairValue(ctx.input(1), 1)], ctx.inputTimestamp);
    },
  }),
});

function pairValue(p: InputPacket, index: number): unknown {
  if (p.isEmpty) return null;
  if (p.frame >= 0) {
    throw new InvalidArgumentError(
      `MakePairCalculator: input ${index} at ${p.timestamp} is a frame, which cannot sit inside a pair`,
    );
  }
  return p.value;
}
