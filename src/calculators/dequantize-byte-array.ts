/**
 * DequantizeByteArrayCalculator: each byte of a byte array back to a float between two limits
 * (MediaPipe's DequantizeByteArrayCalculator, with its contract and
 * DequantizeByteArrayCalculatorOptions), undoing QuantizeFloatVectorCalculator
 * (quantize-float-vector.ts) up to half a step.
 *
 * Threading: the definition is plain data plus functions; an instance runs on its actor's thread.
 */
import { defineCalculator } from '../core/calculator.js';
import { InvalidArgumentError } from '../core/errors.js';
import { quantizationLimitsProblem } from './quantize-float-vector.js';
import { describeValue } from './vector-value.js';

/**
 * Options of {@link DequantizeByteArrayCalculator} (MediaPipe's
 * DequantizeByteArrayCalculatorOptions). Plain data, structured-cloneable; any thread.
 */
export interface DequantizeByteArrayOptions {
  /** The value byte 255 stands for (less half a step). Required (null: unset). */
  readonly maxQuantizedValue: number | null;
  /** The value byte 0 stands for (plus half a step). Required (null: unset). */
  readonly minQuantizedValue: number | null;
}

/**
 * Decodes each `ENCODED` byte array into a `Float32Array` on `FLOAT_VECTOR`: byte b becomes
 * `b · range / 255 + (range / 512 + min)` with `range = max − min`, in float as MediaPipe computes
 * it (the middle of the byte's step, so over [-2, 2] byte 127 gives about 0).
 *
 * - Input: `ENCODED`, a `Uint8Array` (a Node Buffer is one; MediaPipe's byte `std::string`).
 *   Output: `FLOAT_VECTOR`, a `Float32Array` (MediaPipe's `std::vector<float>`), at the input
 *   timestamp.
 * - Options: see {@link DequantizeByteArrayOptions}; both are required and max must exceed min by
 *   at least FLT_EPSILON, refused with the graph (BadOptionsError) where MediaPipe fails `Open`.
 * - Timestamps: `timestampOffset: 0`. MediaPipe sets no offset; weft's default keeps the output's
 *   bound level with the input's where MediaPipe leaves it behind (the packets are the same).
 * - Errors: an input that is no `Uint8Array` (a string included: weft strings are text, not bytes)
 *   fails `process` with InvalidArgumentError.
 * - Allocation: the output array only.
 * - Threading: runs on its actor's thread.
 */
const DequantizeByteArrayCalculator = defineCalculator<DequantizeByteArrayOptions>({
  name: 'DequantizeByteArrayCalculator',
  description: 'Dequantizes each ENCODED byte array into floats (FLOAT_VECTOR) between min and max.',
  contract: {
    inputs: { ENCODED: 'one' },
    outputs: { FLOAT_VECTOR: 'one' },
    options: { maxQuantizedValue: null, minQuantizedValue: null },
    validateOptions: (o) => quantizationLimitsProblem(o, 'DequantizeByteArrayCalculatorOptions'),
    timestampOffset: 0,
    // Stateless: a node may run it as several replicas.
    parallelism: 1,
  },
  create: () => {
    let scalar = 0;
    let bias = 0;
    return {
      open(ctx) {
        const max = Math.fround(ctx.options.maxQuantizedValue!);
        const min = Math.fround(ctx.options.minQuantizedValue!);
        const range = Math.fround(max - min);
        // Double arithmetic stored into floats, as the C++ members are.
        scalar = Math.fround(range / 255);
        bias = Math.fround(range / 512 + min);
      },
      process(ctx) {
        const p = ctx.input('ENCODED');
        if (p.isEmpty) return;
        const bytes = p.value;
        if (p.frame >= 0 || !(bytes instanceof Uint8Array)) {
          throw new InvalidArgumentError(
            `DequantizeByteArrayCalculator ENCODED must be a Uint8Array, not ${p.frame >= 0 ? 'a frame packet' : describeValue(bytes)}`,
          );
        }
        const out = new Float32Array(bytes.length);
        for (let i = 0; i < bytes.length; i++) out[i] = Math.fround(bytes[i]! * scalar) + bias;
        ctx.output('FLOAT_VECTOR').add(out, ctx.inputTimestamp);
      },
    };
  },
});
export default DequantizeByteArrayCalculator;
