/**
 * QuantizeFloatVectorCalculator: each float of an array as one byte in [0, 255], linearly between
 * two limits (MediaPipe's QuantizeFloatVectorCalculator, with its contract and
 * QuantizeFloatVectorCalculatorOptions). DequantizeByteArrayCalculator (dequantize-byte-array.ts)
 * maps the bytes back.
 *
 * Threading: the definition is plain data plus functions; an instance runs on its actor's thread.
 */
import { defineCalculator } from '../core/calculator.js';
import { InvalidArgumentError } from '../core/errors.js';
import { describeValue, vectorIn } from './vector-value.js';

/**
 * Options of {@link QuantizeFloatVectorCalculator} (MediaPipe's
 * QuantizeFloatVectorCalculatorOptions). Plain data, structured-cloneable; any thread.
 */
export interface QuantizeFloatVectorOptions {
  /** The value that becomes 255; higher values saturate to it. Required (null: unset). */
  readonly maxQuantizedValue: number | null;
  /** The value that becomes 0; lower values saturate to it. Required (null: unset). */
  readonly minQuantizedValue: number | null;
}

/** C's FLT_EPSILON: the gap MediaPipe requires between the limits. */
export const FLT_EPSILON = 2 ** -23;

/**
 * Checks a pair of quantization limits as MediaPipe's Open does; the message, or undefined.
 * Shared with DequantizeByteArrayCalculator, whose options are the same two fields.
 */
export function quantizationLimitsProblem(
  o: { readonly maxQuantizedValue: number | null; readonly minQuantizedValue: number | null },
  optionsName: string,
): string | undefined {
  if (o.maxQuantizedValue === null || o.minQuantizedValue === null) {
    return `Both max_quantized_value and min_quantized_value must be provided in ${optionsName}.`;
  }
  if (typeof o.maxQuantizedValue !== 'number' || typeof o.minQuantizedValue !== 'number') {
    return 'max_quantized_value and min_quantized_value must be numbers';
  }
  const max = Math.fround(o.maxQuantizedValue);
  const min = Math.fround(o.minQuantizedValue);
  // float arithmetic, as the C++ compares: max < min + FLT_EPSILON.
  if (!(max >= Math.fround(min + FLT_EPSILON))) {
    return 'max_quantized_value must be greater than min_quantized_value.';
  }
  return undefined;
}

/**
 * Encodes each `FLOAT_VECTOR` array as a `Uint8Array` on `ENCODED`, one byte per element: the value
 * clamped to [min, max], then `(value − min) · 255 / (max − min)` truncated, computed in float as
 * MediaPipe does (so -64, 0, 64 over [-64, 64] give 0, 127, 255).
 *
 * - Input: `FLOAT_VECTOR`, an array of numbers or a typed array. Output: `ENCODED`, a `Uint8Array`
 *   (MediaPipe's byte `std::string`), at the input timestamp.
 * - Options: see {@link QuantizeFloatVectorOptions}; both are required and max must exceed min by at
 *   least FLT_EPSILON, refused with the graph (BadOptionsError) where MediaPipe fails `Open`.
 * - Timestamps: `timestampOffset: 0`. MediaPipe sets no offset; weft's default keeps the output's
 *   bound level with the input's where MediaPipe leaves it behind (the packets are the same).
 * - Errors: an input that is no array, or an element that is no number, fails `process` with
 *   InvalidArgumentError. A NaN element encodes as 0 (C++ leaves that cast undefined).
 * - Allocation: the output bytes only.
 * - Threading: runs on its actor's thread.
 */
const QuantizeFloatVectorCalculator = defineCalculator<QuantizeFloatVectorOptions>({
  name: 'QuantizeFloatVectorCalculator',
  description: 'Quantizes each FLOAT_VECTOR array into bytes (ENCODED) between min and max_quantized_value.',
  contract: {
    inputs: { FLOAT_VECTOR: 'one' },
    outputs: { ENCODED: 'one' },
    options: { maxQuantizedValue: null, minQuantizedValue: null },
    validateOptions: (o) => quantizationLimitsProblem(o, 'QuantizeFloatVectorCalculatorOptions'),
    timestampOffset: 0,
    // Stateless: a node may run it as several replicas.
    parallelism: 1,
  },
  create: () => {
    let min = 0;
    let max = 0;
    let scale = 0;
    return {
      open(ctx) {
        min = Math.fround(ctx.options.minQuantizedValue!);
        max = Math.fround(ctx.options.maxQuantizedValue!);
        // 255.0 / range_ is a double division of a float range, as in the C++.
        scale = 255 / Math.fround(max - min);
      },
      process(ctx) {
        const p = ctx.input('FLOAT_VECTOR');
        if (p.isEmpty) return;
        const v = vectorIn(p, 'QuantizeFloatVectorCalculator FLOAT_VECTOR');
        const out = new Uint8Array(v.length);
        for (let i = 0; i < v.length; i++) {
          const x = v[i];
          if (typeof x !== 'number') {
            throw new InvalidArgumentError(
              `QuantizeFloatVectorCalculator FLOAT_VECTOR element ${i} must be a number, not ${describeValue(x)}`,
            );
          }
          let f = Math.fround(x);
          if (f < min) f = min;
          if (f > max) f = max;
          out[i] = Math.trunc(Math.fround(f - min) * scale);
        }
        ctx.output('ENCODED').add(out, ctx.inputTimestamp);
      },
    };
  },
});
export default QuantizeFloatVectorCalculator;
