/**
 * NonZeroCalculator: 1 where its input is non-zero, 0 where it is zero, and the same as a boolean
 * (MediaPipe's NonZeroCalculator, with its contract).
 *
 * Threading: the definition is plain data plus functions; an instance runs on its actor's thread.
 */
import { type CalculatorContext, defineCalculator, type NodeWiring, STOP } from '../core/calculator.js';
import { InvalidArgumentError } from '../core/errors.js';
import { describeValue } from './vector-value.js';

/** NonZeroCalculator takes no options. Plain data; any thread. */
export type NonZeroOptions = Record<string, never>;

type Ctx = CalculatorContext<NonZeroOptions>;

/**
 * Emits, for each `INPUT` packet, whether its number is non-zero: `1`/`0` on `OUTPUT` and
 * `true`/`false` on `OUTPUT_BOOL`, at the input timestamp.
 *
 * - Input: `INPUT`, a number per packet, as a stream or, as MediaPipe's side fallback allows, as an
 *   input side packet (exactly one of the two). Outputs: `OUTPUT` and `OUTPUT_BOOL`, both optional;
 *   at least one is needed (checked with the graph).
 * - Timestamps: `timestampOffset: 0` (MediaPipe's api2 default).
 * - Side packet form: the node has no input streams, so it runs as a source; it emits once, at
 *   timestamp 0 (the input timestamp of a source's `process`, as in MediaPipe), then ends.
 *   Difference from MediaPipe: there the source's `process` is called again at the same timestamp
 *   and the run fails on the repeated timestamp; weft stops after the one emission.
 * - Errors: an INPUT that is not a number fails the call with InvalidArgumentError.
 * - Allocation: none.
 * - Threading: runs on its actor's thread.
 */
export default defineCalculator<NonZeroOptions>({
  name: 'NonZeroCalculator',
  description: 'Emits 1 (OUTPUT) and true (OUTPUT_BOOL) for each non-zero INPUT, 0 and false for zero.',
  contract: {
    inputs: { INPUT: 'optional' },
    inputSidePackets: { INPUT: 'optional' },
    outputs: { OUTPUT: 'optional', OUTPUT_BOOL: 'optional' },
    validate: (w: NodeWiring) => {
      const streams = w.inputs.INPUT?.length ?? 0;
      const sides = w.inputSidePackets.INPUT?.length ?? 0;
      if (streams + sides !== 1) {
        return `NonZeroCalculator needs INPUT as one input stream or one input side packet, not ${streams} streams and ${sides} side packets`;
      }
      return (w.outputs.OUTPUT?.length ?? 0) + (w.outputs.OUTPUT_BOOL?.length ?? 0) > 0
        ? undefined
        : 'NonZeroCalculator: at least one output stream is expected (OUTPUT or OUTPUT_BOOL).';
    },
    timestampOffset: 0,
  },
  create: () => ({
    process(ctx) {
      if (ctx.inputCount('INPUT') === 0) {
        emit(ctx, ctx.sidePacket('INPUT'), ctx.inputTimestamp);
        return STOP;
      }
      const p = ctx.input('INPUT');
      if (!p.isEmpty) emit(ctx, p.value, ctx.inputTimestamp);
      return undefined;
    },
  }),
});

function emit(ctx: Ctx, value: unknown, ts: number): void {
  if (typeof value !== 'number') {
    throw new InvalidArgumentError(`NonZeroCalculator INPUT must be a number, not ${describeValue(value)}`);
  }
  const nonZero = value !== 0;
  if (ctx.outputCount('OUTPUT') > 0) ctx.output('OUTPUT').add(nonZero ? 1 : 0, ts);
  if (ctx.outputCount('OUTPUT_BOOL') > 0) ctx.output('OUTPUT_BOOL').add(nonZero, ts);
}
