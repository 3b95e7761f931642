/**
 * BeginLoopCalculator: opens a loop over the elements of an array, one packet per element at
 * loop-internal timestamps (MediaPipe's BeginLoopCalculator template, with its contract). Its
 * partner EndLoopCalculator (end-loop.ts) gathers the loop body's results back into one array.
 *
 * MediaPipe registers one class per element type (BeginLoopIntCalculator,
 * BeginLoopNormalizedRectCalculator, ...). weft values are plain values, so one implementation
 * serves every name whose element type weft carries as a value; each name is its own definition
 * (the registry checks a definition's name), made by {@link beginLoopCalculator}.
 *
 * Threading: the definitions are plain data plus functions; an instance runs on its actor's thread.
 */
import { type CalculatorContext, type CalculatorDefinition, defineCalculator } from '../core/calculator.js';
import { forwardPacket } from './forward.js';
import { checkItem, vectorIn } from './vector-value.js';

/** BeginLoopCalculator takes no options. Plain data; any thread. */
export type BeginLoopOptions = Record<string, never>;

/**
 * The BeginLoop definition registered as `name`.
 *
 * - Inputs: `ITERABLE`, an array (or typed array) per packet; `CLONE:i` (any number), loop-wide
 *   values; `TICK` (optional, deprecated in MediaPipe: bounds are processed anyway), any value.
 * - Outputs: `ITEM`, one packet per element; `BATCH_END`, the ITERABLE packet's timestamp (a number)
 *   as the value; `CLONE:i`, the `CLONE:i` input's packet again with each element. As many `CLONE`
 *   outputs as inputs (checked with the graph).
 * - Timestamps, exactly as MediaPipe: a loop-internal counter starts at 0 and gives each element the
 *   next timestamp (ITEM and CLONE share it); BATCH_END goes out at the last element's timestamp. An
 *   empty array, or a timestamp where ITERABLE only moved its bound (`processTimestampBounds`),
 *   uses up one timestamp: BATCH_END at it, and the ITEM and CLONE bounds past it, so the EndLoop
 *   downstream still answers that input timestamp. `timestampOffset: null`: the outputs' timestamps
 *   are unrelated to the input's.
 * - Errors: an ITERABLE packet that is no array fails `process` with InvalidArgumentError naming
 *   it; so does an element that is a frame reference (it holds no reference of its own to hand on).
 * - Frames: a frame packet on a CLONE input is re-emitted with one extra reference per element.
 * - Allocation: none per element beyond the runtime's packet (the elements are the values).
 * - Threading: an instance runs on its actor's thread.
 */
export function beginLoopCalculator(name: string): CalculatorDefinition<BeginLoopOptions> {
  return defineCalculator<BeginLoopOptions>({
    name,
    description:
      'Emits each element of an ITERABLE array as an ITEM at its own loop timestamp, then BATCH_END.',
    contract: {
      inputs: { ITERABLE: 'one', CLONE: 'many', TICK: 'optional' },
      outputs: { ITEM: 'one', BATCH_END: 'one', CLONE: 'many' },
      validate: (w) => {
        const inputs = w.inputs.CLONE?.length ?? 0;
        const outputs = w.outputs.CLONE?.length ?? 0;
        return inputs === outputs
          ? undefined
          : `${name} needs as many CLONE outputs as CLONE inputs (has ${inputs} inputs, ${outputs} outputs)`;
      },
      processTimestampBounds: true,
      timestampOffset: null,
    },
    create: () => {
      // MediaPipe's loop_internal_timestamp_: the timestamp the next element gets.
      let loopTs = 0;
      return {
        process(ctx) {
          const first = loopTs;
          const iterable = ctx.input('ITERABLE');
          if (!iterable.isEmpty) {
            const items = vectorIn(iterable, `${name} ITERABLE`);
            const item = ctx.output('ITEM');
            for (let i = 0; i < items.length; i++) {
              const v = items[i];
              checkItem(v, `${name} ITERABLE element ${i}`);
              item.add(v, loopTs);
              forwardClones(ctx, loopTs);
              loopTs++;
            }
          }
          const batchEnd = ctx.output('BATCH_END');
          if (loopTs === first) {
            // Nothing to iterate: the timestamp is used up all the same, so EndLoop hears of it.
            loopTs++;
            batchEnd.add(ctx.inputTimestamp, first);
            raise(ctx.output('ITEM'), loopTs);
            for (let i = 0; i < ctx.outputCount('CLONE'); i++) raise(ctx.output('CLONE', i), loopTs);
          } else {
            batchEnd.add(ctx.inputTimestamp, loopTs - 1);
          }
        },
      };
    },
  });
}

function forwardClones(ctx: CalculatorContext<BeginLoopOptions>, at: number): void {
  const n = ctx.inputCount('CLONE');
  for (let i = 0; i < n; i++) {
    const p = ctx.input('CLONE', i);
    if (!p.isEmpty) forwardPacket(ctx, p, ctx.output('CLONE', i), at);
  }
}

function raise(out: { nextTimestampBound: number; setNextTimestampBound(b: number): void }, b: number): void {
  if (b > out.nextTimestampBound) out.setNextTimestampBound(b);
}

/**
 * weft's generic name, for loops over any plain values. Any thread may import it; an instance runs
 * on its actor's thread.
 */
export default beginLoopCalculator('BeginLoopCalculator');

// MediaPipe's registered names whose elements weft carries as plain values (not its frame and GPU
// types: a frame cannot sit inside an array value), plus the test-registered integer variant.
/** MediaPipe's test-registered `BeginLoopIntegerCalculator`: {@link beginLoopCalculator} under that name. */
export const BeginLoopIntegerCalculator = beginLoopCalculator('BeginLoopIntegerCalculator');
/** MediaPipe's `BeginLoopIntCalculator`: {@link beginLoopCalculator} under that name. */
export const BeginLoopIntCalculator = beginLoopCalculator('BeginLoopIntCalculator');
/** MediaPipe's `BeginLoopUint64tCalculator`: {@link beginLoopCalculator} under that name. */
export const BeginLoopUint64tCalculator = beginLoopCalculator('BeginLoopUint64tCalculator');
/** MediaPipe's `BeginLoopFloatCalculator`: {@link beginLoopCalculator} under that name. */
export const BeginLoopFloatCalculator = beginLoopCalculator('BeginLoopFloatCalculator');
/** MediaPipe's `BeginLoopStringCalculator`: {@link beginLoopCalculator} under that name. */
export const BeginLoopStringCalculator = beginLoopCalculator('BeginLoopStringCalculator');
/**
 * MediaPipe's `BeginLoopNormalizedLandmarkListVectorCalculator`: {@link beginLoopCalculator} under
 * that name.
 */
export const BeginLoopNormalizedLandmarkListVectorCalculator = beginLoopCalculator(
  'BeginLoopNormalizedLandmarkListVectorCalculator',
);
/** MediaPipe's `BeginLoopNormalizedRectCalculator`: {@link beginLoopCalculator} under that name. */
export const BeginLoopNormalizedRectCalculator = beginLoopCalculator('BeginLoopNormalizedRectCalculator');
/** MediaPipe's `BeginLoopDetectionCalculator`: {@link beginLoopCalculator} under that name. */
export const BeginLoopDetectionCalculator = beginLoopCalculator('BeginLoopDetectionCalculator');
/** MediaPipe's `BeginLoopMatrixCalculator`: {@link beginLoopCalculator} under that name. */
export const BeginLoopMatrixCalculator = beginLoopCalculator('BeginLoopMatrixCalculator');
/** MediaPipe's `BeginLoopMatrixVectorCalculator`: {@link beginLoopCalculator} under that name. */
export const BeginLoopMatrixVectorCalculator = beginLoopCalculator('BeginLoopMatrixVectorCalculator');
/** MediaPipe's `BeginLoopTensorCalculator`: {@link beginLoopCalculator} under that name. */
export const BeginLoopTensorCalculator = beginLoopCalculator('BeginLoopTensorCalculator');
