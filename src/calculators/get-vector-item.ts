/**
 * GetVectorItemCalculator: one element of each array, picked by an INDEX stream or the
 * `item_index` option (MediaPipe's GetVectorItemCalculator template, with its contract and
 * GetVectorItemCalculatorOptions).
 *
 * MediaPipe registers one class per element type; weft values are plain values, so one
 * implementation serves every name, each its own definition made by {@link getVectorItemCalculator}.
 *
 * Threading: the definitions are plain data plus functions; an instance runs on its actor's thread.
 */
import { type CalculatorDefinition, defineCalculator } from '../core/calculator.js';
import { InvalidArgumentError } from '../core/errors.js';
import { checkItem, describeValue, vectorIn } from './vector-value.js';

/**
 * Options of {@link getVectorItemCalculator} (MediaPipe's GetVectorItemCalculatorOptions). Plain
 * data, structured-cloneable; any thread.
 */
export interface GetVectorItemOptions {
  /** The index to pick where no INDEX packet gives one; null (default): unset, as in proto2. */
  readonly itemIndex: number | null;
  /** An index past the end emits nothing instead of failing. Default false. */
  readonly outputEmptyOnOob: boolean;
}

/**
 * The definition registered as `name`.
 *
 * - Inputs: `VECTOR`, an array (or typed array); `INDEX` (optional), an integer per timestamp.
 *   Output: `ITEM`, the element at the index, at the input timestamp.
 * - The index: the INDEX packet at the timestamp if there is one, else `itemIndex`; with neither,
 *   nothing is emitted. An INDEX input or `itemIndex` is needed (checked at `open`).
 * - Timestamps: `timestampOffset: 0`, as MediaPipe sets.
 * - Errors, each failing the call with InvalidArgumentError: neither INDEX nor `itemIndex` (at
 *   `open`); a VECTOR that is no array, an index that is no integer or is negative, an index past
 *   the end without `outputEmptyOnOob`, an element that is a frame reference (at `process`).
 * - Allocation: none per packet.
 * - Threading: an instance runs on its actor's thread.
 */
export function getVectorItemCalculator(name: string): CalculatorDefinition<GetVectorItemOptions> {
  return defineCalculator<GetVectorItemOptions>({
    name,
    description: 'Emits the element of each VECTOR array at the INDEX packet or the item_index option.',
    contract: {
      inputs: { VECTOR: 'one', INDEX: 'optional' },
      outputs: { ITEM: 'one' },
      options: { itemIndex: null, outputEmptyOnOob: false },
      validateOptions: (o) =>
        o.itemIndex !== null && !Number.isSafeInteger(o.itemIndex)
          ? `item_index must be an integer, not ${String(o.itemIndex)}`
          : typeof o.outputEmptyOnOob !== 'boolean'
            ? 'output_empty_on_oob must be a boolean'
            : undefined,
      timestampOffset: 0,
      // Stateless: a node may run it as several replicas.
      parallelism: 1,
    },
    create: () => {
      let indexed = false;
      return {
        open(ctx) {
          indexed = ctx.inputCount('INDEX') > 0;
          if (!indexed && ctx.options.itemIndex === null) {
            throw new InvalidArgumentError(
              `${name} needs an INDEX input stream or the item_index option (neither is given)`,
            );
          }
        },
        process(ctx) {
          const p = ctx.input('VECTOR');
          if (p.isEmpty) return;
          const items = vectorIn(p, `${name} VECTOR`);
          let idx: number;
          const ip = indexed ? ctx.input('INDEX') : undefined;
          if (ip !== undefined && !ip.isEmpty) {
            if (typeof ip.value !== 'number' || !Number.isSafeInteger(ip.value)) {
              throw new InvalidArgumentError(
                `${name} INDEX must be an integer, not ${describeValue(ip.value)}`,
              );
            }
            idx = ip.value;
          } else if (ctx.options.itemIndex !== null) {
            idx = ctx.options.itemIndex;
          } else {
            return;
          }
          if (idx < 0) {
            throw new InvalidArgumentError(`${name}: index ${idx} at ${ctx.inputTimestamp} is negative`);
          }
          if (idx >= items.length) {
            if (ctx.options.outputEmptyOnOob) return;
            throw new InvalidArgumentError(
              `${name}: index ${idx} at ${ctx.inputTimestamp} is out of range for a VECTOR of ${items.length} (set output_empty_on_oob to emit nothing instead)`,
            );
          }
          const item = items[idx];
          checkItem(item, `${name} VECTOR element ${idx}`);
          ctx.output('ITEM').add(item, ctx.inputTimestamp);
        },
      };
    },
  });
}

/**
 * weft's generic name, for arrays of any plain values. Any thread may import it; an instance runs
 * on its actor's thread.
 */
export default getVectorItemCalculator('GetVectorItemCalculator');

// MediaPipe's registered names; their element types are plain values (messages) in weft.
/** MediaPipe's `GetLandmarkListVectorItemCalculator`: {@link getVectorItemCalculator} under that name. */
export const GetLandmarkListVectorItemCalculator = getVectorItemCalculator(
  'GetLandmarkListVectorItemCalculator',
);
/**
 * MediaPipe's `GetNormalizedLandmarkListVectorItemCalculator`: {@link getVectorItemCalculator}
 * under that name.
 */
export const GetNormalizedLandmarkListVectorItemCalculator = getVectorItemCalculator(
  'GetNormalizedLandmarkListVectorItemCalculator',
);
/**
 * MediaPipe's `GetClassificationListVectorItemCalculator`: {@link getVectorItemCalculator} under
 * that name.
 */
export const GetClassificationListVectorItemCalculator = getVectorItemCalculator(
  'GetClassificationListVectorItemCalculator',
);
/** MediaPipe's `GetDetectionVectorItemCalculator`: {@link getVectorItemCalculator} under that name. */
export const GetDetectionVectorItemCalculator = getVectorItemCalculator('GetDetectionVectorItemCalculator');
/** MediaPipe's `GetNormalizedRectVectorItemCalculator`: {@link getVectorItemCalculator} under that name. */
export const GetNormalizedRectVectorItemCalculator = getVectorItemCalculator(
  'GetNormalizedRectVectorItemCalculator',
);
/** MediaPipe's `GetRectVectorItemCalculator`: {@link getVectorItemCalculator} under that name. */
export const GetRectVectorItemCalculator = getVectorItemCalculator('GetRectVectorItemCalculator');
