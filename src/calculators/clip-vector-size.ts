/**
 * ClipVectorSizeCalculator: keeps at most the first `max_vec_size` elements of each array
 * (MediaPipe's ClipVectorSizeCalculator template, with its contract and
 * ClipVectorSizeCalculatorOptions).
 *
 * MediaPipe registers one class per element type; weft values are plain values, so one
 * implementation serves every name, each its own definition made by {@link clipVectorSizeCalculator}.
 *
 * Threading: the definitions are plain data plus functions; an instance runs on its actor's thread.
 */
import { type CalculatorDefinition, defineCalculator } from '../core/calculator.js';
import { InvalidArgumentError } from '../core/errors.js';
import { describeValue, vectorIn } from './vector-value.js';

/**
 * Options of {@link clipVectorSizeCalculator} (MediaPipe's ClipVectorSizeCalculatorOptions). Plain
 * data, structured-cloneable; any thread.
 */
export interface ClipVectorSizeOptions {
  /** The most elements an output array holds. Default 1; at least 1. */
  readonly maxVecSize: number;
}

/**
 * The clip definition registered as `name`.
 *
 * - Input: one untagged stream, an array (or typed array). Output: one untagged stream, the first
 *   `maxVecSize` elements in an array of the same kind (all of them when there are fewer).
 * - Side packet: an optional untagged integer; when given it replaces `maxVecSize` (as MediaPipe,
 *   it may be below 1, and then fails the first `process`, not `open`).
 * - Options: see {@link ClipVectorSizeOptions}; a `maxVecSize` below 1 is refused with the graph
 *   (BadOptionsError), as MediaPipe refuses it in its contract.
 * - Timestamps: the output carries the input timestamp; `timestampOffset: 0`, as MediaPipe sets.
 * - Errors: a side packet that is no integer fails `open`; an input that is no array, or a
 *   `max_vec_size` below 1, fails `process`; all with InvalidArgumentError.
 * - Allocation: the output array only.
 * - Threading: an instance runs on its actor's thread.
 */
export function clipVectorSizeCalculator(name: string): CalculatorDefinition<ClipVectorSizeOptions> {
  return defineCalculator<ClipVectorSizeOptions>({
    name,
    description: 'Keeps at most the first max_vec_size elements of each input array.',
    contract: {
      inputs: { '': 'one' },
      outputs: { '': 'one' },
      inputSidePackets: { '': 'optional' },
      options: { maxVecSize: 1 },
      validateOptions: (o) =>
        !Number.isSafeInteger(o.maxVecSize)
          ? `max_vec_size must be an integer, not ${String(o.maxVecSize)}`
          : o.maxVecSize < 1
            ? 'max_vec_size should be greater than or equal to 1.'
            : undefined,
      timestampOffset: 0,
      // Stateless: a node may run it as several replicas.
      parallelism: 1,
    },
    create: () => {
      let max = 0;
      return {
        open(ctx) {
          max = ctx.options.maxVecSize;
          if (ctx.sidePacketCount('') > 0) {
            const side = ctx.sidePacket<unknown>(0);
            if (side !== undefined) {
              if (typeof side !== 'number' || !Number.isSafeInteger(side)) {
                throw new InvalidArgumentError(
                  `${name}: the max_vec_size side packet must be an integer, not ${describeValue(side)}`,
                );
              }
              max = side;
            }
          }
        },
        process(ctx) {
          if (max < 1) {
            throw new InvalidArgumentError(`${name}: max_vec_size should be greater than or equal to 1.`);
          }
          const p = ctx.input(0);
          if (p.isEmpty) return;
          const v = vectorIn(p, `${name} input`);
          ctx.output(0).add(v.slice(0, max), ctx.inputTimestamp);
        },
      };
    },
  });
}

/**
 * weft's generic name, for arrays of any plain values. Any thread may import it; an instance runs
 * on its actor's thread.
 */
export default clipVectorSizeCalculator('ClipVectorSizeCalculator');

// MediaPipe's registered names; their element types are plain values in weft.
/** MediaPipe's `ClipNormalizedRectVectorSizeCalculator`: {@link clipVectorSizeCalculator} under that name. */
export const ClipNormalizedRectVectorSizeCalculator = clipVectorSizeCalculator(
  'ClipNormalizedRectVectorSizeCalculator',
);
/** MediaPipe's `ClipDetectionVectorSizeCalculator`: {@link clipVectorSizeCalculator} under that name. */
export const ClipDetectionVectorSizeCalculator = clipVectorSizeCalculator(
  'ClipDetectionVectorSizeCalculator',
);
