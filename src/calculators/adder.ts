/**
 * AdderCalculator: sums numeric streams timestamp by timestamp.
 *
 * Threading: the definition is plain data plus functions; an instance runs on its actor's thread.
 */
import { defineCalculator } from '../core/calculator.js';
import { InvalidArgumentError } from '../core/errors.js';

/** Options of {@link AdderCalculator}. */
export interface AdderOptions {
  /**
   * When every input is empty at a settled timestamp: `false` (default) emits nothing there (the
   * bound still moves, by the offset), `true` emits `0` so that every settled timestamp has a sum.
   */
  readonly emitEmpty: boolean;
}

/**
 * Emits the sum of the non-empty inputs at each input timestamp (weft's own calculator).
 *
 * - Inputs: one or more untagged streams of numbers. Output: one untagged stream.
 * - Options: `emitEmpty` (default false), see {@link AdderOptions}.
 * - Timestamps: the sum goes out at the input timestamp. `timestampOffset: 0` keeps the output bound
 *   level with the inputs' when nothing is emitted. `processTimestampBounds` is on because
 *   `emitEmpty: true` needs a `process` call at timestamps where only bounds arrived (the contract is
 *   static, so it cannot depend on the option); with `emitEmpty: false` those calls return at once.
 * - Errors: a non-number value fails `process`, naming the input and timestamp.
 * - Threading: runs on its actor's thread.
 */
const AdderCalculator = defineCalculator<AdderOptions>({
  name: 'AdderCalculator',
  description: 'Adds the numbers present on its inputs at each timestamp.',
  contract: {
    inputs: { '': { min: 1, max: Number.POSITIVE_INFINITY } },
    outputs: { '': 'one' },
    options: { emitEmpty: false },
    timestampOffset: 0,
    // Stateless: a node may run it as several replicas.
    parallelism: 1,
    processTimestampBounds: true,
  },
  create: () => ({
    process(ctx) {
      let sum = 0;
      let present = false;
      const n = ctx.inputCount('');
      for (let i = 0; i < n; i++) {
        const p = ctx.input(i);
        if (p.isEmpty) continue;
        if (typeof p.value !== 'number') {
          throw new InvalidArgumentError(
            `AdderCalculator input ${i} at ${ctx.inputTimestamp} is ${typeof p.value}, not a number`,
          );
        }
        sum += p.value;
        present = true;
      }
      if (present || ctx.options.emitEmpty) ctx.output(0).add(sum, ctx.inputTimestamp);
    },
  }),
});
export default AdderCalculator;
