/**
 * MergeToVectorCalculator: the packets of all its inputs at one timestamp, gathered into one array
 * in input order (MediaPipe's MergeToVectorCalculator template, with its contract).
 *
 * MediaPipe registers one class per element type; weft values are plain values, so one
 * implementation serves every name whose elements weft carries as values, each its own definition
 * made by {@link mergeToVectorCalculator}.
 *
 * Threading: the definitions are plain data plus functions; an instance runs on its actor's thread.
 */
import { type CalculatorDefinition, defineCalculator } from '../core/calculator.js';
import { InvalidArgumentError } from '../core/errors.js';
import { checkItem } from './vector-value.js';

/** MergeToVectorCalculator takes no options. Plain data; any thread. */
export type MergeToVectorOptions = Record<string, never>;

/**
 * The definition registered as `name`.
 *
 * - Inputs: untagged, one or more, any values. Output: one untagged stream, an array of the values
 *   present at the input timestamp, in input order (inputs without a packet there are skipped, so
 *   the array may be shorter than the input count).
 * - Timestamps: the output carries the input timestamp; `timestampOffset: 0`, as MediaPipe sets.
 * - Errors: a frame packet (a frame cannot sit inside an array value) fails `process` with
 *   InvalidArgumentError naming the input. This is why MediaPipe's MergeImagesToVectorCalculator and
 *   MergeGpuBuffersToVectorCalculator, whose elements are frames, have no weft counterpart.
 * - Allocation: the output array only.
 * - Threading: an instance runs on its actor's thread.
 */
export function mergeToVectorCalculator(name: string): CalculatorDefinition<MergeToVectorOptions> {
  return defineCalculator<MergeToVectorOptions>({
    name,
    description: 'Gathers the packets of its inputs at each timestamp into one array, in input order.',
    contract: {
      inputs: { '': { min: 1, max: Number.POSITIVE_INFINITY } },
      outputs: { '': 'one' },
      timestampOffset: 0,
      // Stateless: a node may run it as several replicas.
      parallelism: 1,
    },
    create: () => ({
      process(ctx) {
        const n = ctx.inputCount('');
        const out: unknown[] = [];
        for (let i = 0; i < n; i++) {
          const p = ctx.input(i);
          if (p.isEmpty) continue;
          if (p.frame >= 0) {
            throw new InvalidArgumentError(
              `${name} input ${i}: a frame packet cannot be gathered into an array value`,
            );
          }
          checkItem(p.value, `${name} input ${i}`);
          out.push(p.value);
        }
        ctx.output(0).add(out, ctx.inputTimestamp);
      },
    }),
  });
}

/**
 * weft's generic name, for any plain values. Any thread may import it; an instance runs on its
 * actor's thread.
 */
export default mergeToVectorCalculator('MergeToVectorCalculator');

// MediaPipe's registered name whose elements weft carries as plain values.
/** MediaPipe's `MergeDetectionsToVectorCalculator`: {@link mergeToVectorCalculator} under that name. */
export const MergeDetectionsToVectorCalculator = mergeToVectorCalculator('MergeDetectionsToVectorCalculator');
