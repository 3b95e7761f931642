/**
 * PreprocessCalculator: turns 8-bit RGB(A) frames into tensor frames: normalized float32, or the
 * pixels' bytes rearranged (uint8) for a model that scales them itself.
 *
 * Threading: the definition is plain data plus functions; an instance runs on its actor's thread.
 */
import { type CalculatorContext, defineCalculator, type InputPacket } from '../core/calculator.js';
import { InvalidArgumentError } from '../core/errors.js';
import type { InputElementType } from './inference-batch.js';

/** Options of {@link PreprocessCalculator}. Plain data, structured-cloneable; any thread. */
export interface PreprocessOptions {
  /** Frame width in pixels. Default 32. */
  readonly width: number;
  /** Frame height in pixels. Default 32. */
  readonly height: number;
  /** Input pixel layout: `'rgb'` (default) or `'rgba'` (alpha dropped). */
  readonly format: 'rgb' | 'rgba';
  /** Output layout: `'chw'` (planar, what ONNX vision models take; default) or `'hwc'`. */
  readonly layout: 'chw' | 'hwc';
  /**
   * Output element type. `'float32'` (default): `(byte / 255 - mean) / std`, 4 bytes a value.
   * `'uint8'`: the bytes themselves, only rearranged (alpha dropped, `layout`), for a model that
   * takes raw pixels and scales them itself: a quarter of the bytes for the frame pool, the rings'
   * consumer and the inference copy. `mean` and `std` must then keep their defaults.
   */
  readonly dtype: InputElementType;
  /** Per channel (R, G, B) mean subtracted after scaling to [0, 1]. Default [0, 0, 0]. */
  readonly mean: readonly number[];
  /** Per channel divisor applied after the mean. Default [1, 1, 1]. */
  readonly std: readonly number[];
}

/** Per channel `scale` and `bias` such that `byte * scale + bias = (byte / 255 - mean) / std`. */
export function normalization(
  mean: readonly number[],
  std: readonly number[],
): { scale: Float32Array; bias: Float32Array } {
  const scale = new Float32Array(3);
  const bias = new Float32Array(3);
  for (let c = 0; c < 3; c++) {
    scale[c] = 1 / (255 * std[c]!);
    bias[c] = -mean[c]! / std[c]!;
  }
  return { scale, bias };
}

/**
 * Writes `src` (RGB(A) bytes) into `dst` (float32, `3 × width × height`) as `byte × scale + bias` per
 * channel, in `o.layout`. The whole per-frame work of PreprocessCalculator, callable on any thread
 * without a runtime (the serial baselines use it). Allocation-free.
 */
export function normalizePixels(
  src: Uint8Array,
  dst: Float32Array,
  o: Pick<PreprocessOptions, 'width' | 'height' | 'format' | 'layout'>,
  scale: Float32Array,
  bias: Float32Array,
): void {
  const ch = o.format === 'rgba' ? 4 : 3;
  const pixels = o.width * o.height;
  const s0 = scale[0]!;
  const s1 = scale[1]!;
  const s2 = scale[2]!;
  const b0 = bias[0]!;
  const b1 = bias[1]!;
  const b2 = bias[2]!;
  if (o.layout === 'chw') {
    for (let i = 0, j = 0; i < pixels; i++, j += ch) {
      dst[i] = src[j]! * s0 + b0;
      dst[pixels + i] = src[j + 1]! * s1 + b1;
      dst[2 * pixels + i] = src[j + 2]! * s2 + b2;
    }
  } else {
    for (let i = 0, j = 0; i < pixels * 3; i += 3, j += ch) {
      dst[i] = src[j]! * s0 + b0;
      dst[i + 1] = src[j + 1]! * s1 + b1;
      dst[i + 2] = src[j + 2]! * s2 + b2;
    }
  }
}

/**
 * Writes `src` (RGB(A) bytes) into `dst` (`3 × width × height` bytes) unscaled, in `o.layout`, alpha
 * dropped: PreprocessCalculator's per-frame work for `dtype: 'uint8'`, callable on any thread.
 * Allocation-free.
 */
export function arrangePixels(
  src: Uint8Array,
  dst: Uint8Array,
  o: Pick<PreprocessOptions, 'width' | 'height' | 'format' | 'layout'>,
): void {
  const ch = o.format === 'rgba' ? 4 : 3;
  const pixels = o.width * o.height;
  if (o.layout === 'chw') {
    for (let i = 0, j = 0; i < pixels; i++, j += ch) {
      dst[i] = src[j]!;
      dst[pixels + i] = src[j + 1]!;
      dst[2 * pixels + i] = src[j + 2]!;
    }
  } else if (ch === 3) {
    dst.set(src.subarray(0, pixels * 3));
  } else {
    for (let i = 0, j = 0; i < pixels * 3; i += 3, j += 4) {
      dst[i] = src[j]!;
      dst[i + 1] = src[j + 1]!;
      dst[i + 2] = src[j + 2]!;
    }
  }
}

/**
 * Converts each RGB(A) frame (interleaved bytes, rows packed) into a tensor frame of
 * `3 * height * width` values, planar (CHW) by default: the input OnnxInferenceCalculator expects for a
 * model taking `[N, 3, height, width]`. Float32 values are `(byte / 255 - mean[c]) / std[c]`; uint8
 * values are the bytes (`dtype`).
 *
 * - Inputs: one untagged stream of frame packets. Outputs: one untagged stream of frame packets.
 * - Options: see {@link PreprocessOptions}; a frame whose size does not match them fails `process`.
 * - Timestamps: each output at its input's timestamp (`timestampOffset` 0).
 * - Frames: the output is a new pool frame (`12 * width * height` bytes, `3 * width * height` for
 *   uint8), handed over with `addFrame`; the input frame is read in place and released by the
 *   engine after `process`.
 * - Hot path: float32: one Float32Array view object per frame over the new frame's shared bytes.
 * - Threading: runs on its actor's thread.
 */
const PreprocessCalculator = defineCalculator<PreprocessOptions>({
  name: 'PreprocessCalculator',
  description:
    'Turns RGB or RGBA frames into planar (CHW) or interleaved tensors for a model: float32 scaled to [0, 1] (optionally normalized) or raw uint8.',
  contract: {
    inputs: { '': 'one' },
    outputs: { '': 'one' },
    options: {
      width: 32,
      height: 32,
      format: 'rgb',
      layout: 'chw',
      dtype: 'float32',
      mean: [0, 0, 0],
      std: [1, 1, 1],
    },
    validateOptions: (o) => {
      for (const key of ['width', 'height'] as const) {
        if (!Number.isSafeInteger(o[key]) || o[key] < 1)
          return `${key} must be an integer ≥ 1, not ${o[key]}`;
      }
      if (o.format !== 'rgb' && o.format !== 'rgba') return `format must be 'rgb' or 'rgba', not ${o.format}`;
      if (o.layout !== 'chw' && o.layout !== 'hwc') return `layout must be 'chw' or 'hwc', not ${o.layout}`;
      if (o.mean.length !== 3 || !o.mean.every(Number.isFinite)) return 'mean must be 3 finite numbers';
      if (o.std.length !== 3 || !o.std.every((s) => Number.isFinite(s) && s !== 0)) {
        return 'std must be 3 finite non-zero numbers';
      }
      if (o.dtype !== 'float32' && o.dtype !== 'uint8')
        return `dtype must be 'float32' or 'uint8', not ${o.dtype}`;
      if (o.dtype === 'uint8' && (o.mean.some((m) => m !== 0) || o.std.some((d) => d !== 1))) {
        return "dtype 'uint8' writes the bytes unscaled: mean and std apply to 'float32' only (the model scales uint8 input itself)";
      }
      return undefined;
    },
    // Stateless: a node may run it as several replicas.
    parallelism: 1,
  },
  create: () => {
    // out = byte * scale[c] + bias[c], folded once from mean and std.
    let scale: Float32Array = new Float32Array(3);
    let bias: Float32Array = new Float32Array(3);
    return {
      open(ctx) {
        ({ scale, bias } = normalization(ctx.options.mean, ctx.options.std));
      },
      process(ctx) {
        const p = ctx.input(0);
        if (p.isEmpty) return;
        if (p.frame < 0) throw new InvalidArgumentError('PreprocessCalculator takes frame packets only');
        const o = ctx.options;
        const ch = o.format === 'rgba' ? 4 : 3;
        const pixels = o.width * o.height;
        const length = ctx.frames.byteLength(p.frame);
        if (length !== pixels * ch) {
          throw new InvalidArgumentError(
            `frame at ${p.timestamp} has ${length} bytes; ${o.width}x${o.height} ${o.format} needs ${pixels * ch}`,
          );
        }
        const bytesOut = o.dtype === 'uint8';
        const size = pixels * (bytesOut ? 3 : 12);
        const h = ctx.frames.tryAlloc(size);
        if (h >= 0) return write(ctx, p, h);
        // The tensor class is empty: wait without blocking the thread, whose event loop may be what
        // frees a slot (an inference call in flight on a shared executor thread).
        return ctx.frames.allocAsync(size).then((slot) => write(ctx, p, slot));
      },
    };

    function write(ctx: CalculatorContext<PreprocessOptions>, p: InputPacket, h: number): void {
      const o = ctx.options;
      const pixels = o.width * o.height;
      const bytesOut = o.dtype === 'uint8';
      const src = ctx.frames.bytes(p.frame);
      try {
        const bytes = ctx.frames.bytes(h);
        if (bytesOut) {
          arrangePixels(src, bytes, o);
        } else {
          // Allocates one view per frame; pool slots start on size-class boundaries: aligned.
          normalizePixels(src, new Float32Array(bytes.buffer, bytes.byteOffset, pixels * 3), o, scale, bias);
        }
      } catch (err) {
        ctx.frames.release(h);
        throw err;
      }
      ctx.output(0).addFrame(h, p.timestamp);
    }
  },
});
export default PreprocessCalculator;
