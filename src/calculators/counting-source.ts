/**
 * CountingSourceCalculator: MediaPipe's test source that counts, with its contract (its side
 * packets MAX_COUNT, ERROR_COUNT, BATCH_SIZE, INITIAL_VALUE, INCREMENT, ERROR_ON_OPEN).
 *
 * Threading: the definition is plain data plus functions; an instance runs on its actor's thread.
 */
import { type CalculatorContext, defineCalculator, type NodeWiring, STOP } from '../core/calculator.js';
import { CalculatorError, InvalidArgumentError } from '../core/errors.js';

/** CountingSourceCalculator takes no options: side packets configure it. Plain data; any thread. */
export type CountingSourceOptions = Record<string, never>;

const INT_TAGS = ['MAX_COUNT', 'ERROR_COUNT', 'BATCH_SIZE', 'INITIAL_VALUE', 'INCREMENT'] as const;

/**
 * Emits `MAX_COUNT` batches of `BATCH_SIZE` integers `INITIAL_VALUE, INITIAL_VALUE + INCREMENT, …`,
 * each packet at the timestamp equal to its value, one batch per `process` call; then STOP.
 *
 * - Output: one untagged stream of integers.
 * - Input side packets (all optional integers, at least one of `MAX_COUNT` and `ERROR_COUNT`
 *   wired): `MAX_COUNT` (batches, ≥ 0), `ERROR_COUNT` (fail after this many batches, ≥ 0),
 *   `BATCH_SIZE` (> 0, default 1), `INITIAL_VALUE` (default 0), `INCREMENT` (> 0, default 1);
 *   `ERROR_ON_OPEN` (a boolean: true fails `open` with "expected error").
 * - Order (MediaPipe's): a call first fails if `ERROR_COUNT` batches were emitted, then stops if
 *   `MAX_COUNT` were, so an `ERROR_COUNT` ≤ `MAX_COUNT` always fails the run; STOP comes on the call
 *   after the last batch, as MediaPipe's StatusStop does.
 * - Errors: a side packet of the wrong type or out of range fails `open` with InvalidArgumentError;
 *   the deliberate failures ("expected error") are CalculatorErrors, weft's error for a calculator
 *   that fails of its own accord (MediaPipe: NotFound on open, Internal in process).
 * - Timestamps: its own (the values); `timestampOffset: null`.
 * - Threading: runs on its actor's thread.
 */
export default defineCalculator<CountingSourceOptions>({
  name: 'CountingSourceCalculator',
  description:
    'Test source: MAX_COUNT batches of BATCH_SIZE counting integers (from INITIAL_VALUE by INCREMENT), each at its own value as timestamp.',
  contract: {
    outputs: { '': 'one' },
    inputSidePackets: {
      MAX_COUNT: 'optional',
      ERROR_COUNT: 'optional',
      BATCH_SIZE: 'optional',
      INITIAL_VALUE: 'optional',
      INCREMENT: 'optional',
      ERROR_ON_OPEN: 'optional',
    },
    validate: (wiring: NodeWiring) =>
      (wiring.inputSidePackets.MAX_COUNT?.length ?? 0) + (wiring.inputSidePackets.ERROR_COUNT?.length ?? 0) >
      0
        ? undefined
        : 'CountingSourceCalculator needs a MAX_COUNT or an ERROR_COUNT input side packet',
    timestampOffset: null,
  },
  create: () => {
    let maxCount = -1;
    let errorCount = -1;
    let batchSize = 1;
    let counter = 0;
    let increment = 1;
    let batches = 0;
    return {
      open(ctx) {
        const errorOnOpen = ctx.sidePacket('ERROR_ON_OPEN');
        if (errorOnOpen !== undefined && typeof errorOnOpen !== 'boolean') {
          throw new InvalidArgumentError(
            `CountingSourceCalculator: ERROR_ON_OPEN must be a boolean, not ${String(errorOnOpen)}`,
          );
        }
        if (errorOnOpen === true) throw new CalculatorError('CountingSourceCalculator: expected error');
        const [max, error, batch, initial, inc] = INT_TAGS.map((tag) => intSidePacket(ctx, tag));
        if (error !== undefined) errorCount = atLeast(error, 0, 'ERROR_COUNT');
        if (max !== undefined) maxCount = atLeast(max, 0, 'MAX_COUNT');
        if (batch !== undefined) batchSize = atLeast(batch, 1, 'BATCH_SIZE');
        if (initial !== undefined) counter = initial;
        if (inc !== undefined) increment = atLeast(inc, 1, 'INCREMENT');
      },
      process(ctx) {
        if (errorCount >= 0 && batches >= errorCount) {
          throw new CalculatorError(`CountingSourceCalculator: expected error after ${batches} batches`);
        }
        if (maxCount >= 0 && batches >= maxCount) return STOP;
        const out = ctx.output(0);
        for (let i = 0; i < batchSize; i++) {
          out.add(counter, counter);
          counter += increment;
        }
        batches++;
        return undefined;
      },
    };
  },
});

function intSidePacket(ctx: CalculatorContext<CountingSourceOptions>, tag: string): number | undefined {
  const v = ctx.sidePacket(tag);
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) {
    throw new InvalidArgumentError(`CountingSourceCalculator: ${tag} must be an integer, not ${String(v)}`);
  }
  return v;
}

function atLeast(v: number, min: number, tag: string): number {
  if (v < min) throw new InvalidArgumentError(`CountingSourceCalculator: ${tag} must be ≥ ${min}, not ${v}`);
  return v;
}
