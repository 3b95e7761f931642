/**
 * EndLoopCalculator: closes a loop opened by BeginLoopCalculator (begin-loop.ts), gathering the loop
 * body's ITEM packets into one array emitted at the original input timestamp (MediaPipe's
 * EndLoopCalculator template, with its contract).
 *
 * As with BeginLoop, MediaPipe's per-type names (EndLoopNormalizedRectCalculator, ...) share one weft
 * implementation; {@link endLoopCalculator} makes the definition for each name.
 *
 * Threading: the definitions are plain data plus functions; an instance runs on its actor's thread.
 */
import { type CalculatorDefinition, defineCalculator } from '../core/calculator.js';
import { InvalidArgumentError } from '../core/errors.js';
import { isRangeValue, nextAllowedInStream } from '../core/timestamp.js';

/** EndLoopCalculator takes no options. Plain data; any thread. */
export type EndLoopOptions = Record<string, never>;

/**
 * The EndLoop definition registered as `name`.
 *
 * - Inputs: `ITEM`, the loop body's results at loop-internal timestamps; `BATCH_END`, from the
 *   BeginLoop, whose value is the timestamp to emit the gathered array at. Output: `ITERABLE`.
 * - At each input set, a present ITEM is appended; a present BATCH_END then emits the array at the
 *   timestamp it carries and starts a new one. With nothing gathered (an empty array went into the
 *   loop, or every ITEM was dropped), only the ITERABLE bound moves past that timestamp: downstream
 *   learns there is no packet there, as in MediaPipe.
 * - Timestamps: `timestampOffset: null`: the output follows the BATCH_END values, not the
 *   loop-internal input timestamps.
 * - Errors: a frame packet on ITEM (a frame cannot sit inside an array value), or a BATCH_END value
 *   that is no timestamp, fails `process` with InvalidArgumentError.
 * - Allocation: one array per batch (the output value).
 * - Threading: an instance runs on its actor's thread.
 */
export function endLoopCalculator(name: string): CalculatorDefinition<EndLoopOptions> {
  return defineCalculator<EndLoopOptions>({
    name,
    description: 'Gathers ITEM packets into one array, emitted at the timestamp each BATCH_END carries.',
    contract: {
      inputs: { ITEM: 'one', BATCH_END: 'one' },
      outputs: { ITERABLE: 'one' },
      timestampOffset: null,
    },
    create: () => {
      let gathered: unknown[] | null = null;
      return {
        process(ctx) {
          const item = ctx.input('ITEM');
          if (!item.isEmpty) {
            if (item.frame >= 0) {
              throw new InvalidArgumentError(
                `${name} ITEM: a frame packet cannot be gathered into an array value`,
              );
            }
            if (gathered === null) gathered = [];
            gathered.push(item.value);
          }
          const batchEnd = ctx.input('BATCH_END');
          if (batchEnd.isEmpty) return;
          const at = batchEnd.value;
          if (typeof at !== 'number' || !isRangeValue(at)) {
            throw new InvalidArgumentError(
              `${name} BATCH_END must carry the timestamp to emit at, not ${String(at)}`,
            );
          }
          const out = ctx.output('ITERABLE');
          if (gathered !== null) {
            out.add(gathered, at);
            gathered = null;
          } else {
            const bound = nextAllowedInStream(at);
            if (bound > out.nextTimestampBound) out.setNextTimestampBound(bound);
          }
        },
      };
    },
  });
}

/**
 * weft's generic name, for loops over any plain values. Any thread may import it; an instance runs
 * on its actor's thread.
 */
export default endLoopCalculator('EndLoopCalculator');

// MediaPipe's registered names whose elements weft carries as plain values (not its frame and GPU
// types: a frame cannot sit inside an array value), plus the test-registered integer variant.
/** MediaPipe's test-registered `EndLoopIntegersCalculator`: {@link endLoopCalculator} under that name. */
export const EndLoopIntegersCalculator = endLoopCalculator('EndLoopIntegersCalculator');
/** MediaPipe's `EndLoopBooleanCalculator`: {@link endLoopCalculator} under that name. */
export const EndLoopBooleanCalculator = endLoopCalculator('EndLoopBooleanCalculator');
/** MediaPipe's `EndLoopFloatCalculator`: {@link endLoopCalculator} under that name. */
export const EndLoopFloatCalculator = endLoopCalculator('EndLoopFloatCalculator');
/** MediaPipe's `EndLoopNormalizedRectCalculator`: {@link endLoopCalculator} under that name. */
export const EndLoopNormalizedRectCalculator = endLoopCalculator('EndLoopNormalizedRectCalculator');
/** MediaPipe's `EndLoopLandmarkListVectorCalculator`: {@link endLoopCalculator} under that name. */
export const EndLoopLandmarkListVectorCalculator = endLoopCalculator('EndLoopLandmarkListVectorCalculator');
/** MediaPipe's `EndLoopNormalizedLandmarkListVectorCalculator`: {@link endLoopCalculator} under that name. */
export const EndLoopNormalizedLandmarkListVectorCalculator = endLoopCalculator(
  'EndLoopNormalizedLandmarkListVectorCalculator',
);
/** MediaPipe's `EndLoopRenderDataCalculator`: {@link endLoopCalculator} under that name. */
export const EndLoopRenderDataCalculator = endLoopCalculator('EndLoopRenderDataCalculator');
/** MediaPipe's `EndLoopClassificationListCalculator`: {@link endLoopCalculator} under that name. */
export const EndLoopClassificationListCalculator = endLoopCalculator('EndLoopClassificationListCalculator');
/** MediaPipe's `EndLoopDetectionCalculator`: {@link endLoopCalculator} under that name. */
export const EndLoopDetectionCalculator = endLoopCalculator('EndLoopDetectionCalculator');
/** MediaPipe's `EndLoopMatrixCalculator`: {@link endLoopCalculator} under that name. */
export const EndLoopMatrixCalculator = endLoopCalculator('EndLoopMatrixCalculator');
/** MediaPipe's `EndLoopTensorCalculator`: {@link endLoopCalculator} under that name. */
export const EndLoopTensorCalculator = endLoopCalculator('EndLoopTensorCalculator');
/** MediaPipe's `EndLoopTfLiteTensorCalculator`: {@link endLoopCalculator} under that name. */
export const EndLoopTfLiteTensorCalculator = endLoopCalculator('EndLoopTfLiteTensorCalculator');
/** MediaPipe's `EndLoopAffineMatrixCalculator`: {@link endLoopCalculator} under that name. */
export const EndLoopAffineMatrixCalculator = endLoopCalculator('EndLoopAffineMatrixCalculator');
/** MediaPipe's `EndLoopImageSizeCalculator`: {@link endLoopCalculator} under that name. */
export const EndLoopImageSizeCalculator = endLoopCalculator('EndLoopImageSizeCalculator');
