/**
 * A tiny image classifier built in code: Conv → Relu → GlobalAveragePool → Flatten → Gemm → Softmax,
 * with deterministic weights from a seeded PRNG. It stands in for a real model in tests, examples
 * and benchmarks: small enough to run in milliseconds on one CPU thread, real enough that
 * onnxruntime does the work a vision model does (a convolution over every pixel, a batch dimension).
 *
 * Model (opset 13, IR version 8):
 * | tensor   | shape                   | notes                                                 |
 * |----------|-------------------------|-------------------------------------------------------|
 * | `input`  | [N, C, H, W] float32    | N symbolic (dynamic batch) unless `batch` is given    |
 * |          | or uint8                | uint8 (`inputType`): a Cast first, 1/255 in conv's W  |
 * | conv     | [N, hidden, H, W]       | 3×3, pads 1, stride 1, bias; then Relu                |
 * | pooled   | [N, hidden]             | GlobalAveragePool then Flatten(axis 1)                |
 * | `scores` | [N, classes] float32    | Gemm (transB) then Softmax(axis 1): rows sum to 1     |
 *
 * Threading: pure functions plus one file write in {@link ensureModel}; any thread. Call
 * `ensureModel` once on the main thread and pass the path to the actors, which load it themselves.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { InvalidArgumentError } from '../core/errors.js';
import { dataType, type ElementType, encodeModel, floatTensor, node, valueInfo } from './onnx-graph.js';

/** Options of {@link buildTinyClassifier}. Plain data, structured-cloneable; any thread. */
export interface TinyClassifierOptions {
  /** Per item `[channels, height, width]`. Default `[3, 32, 32]`. */
  readonly inputShape?: readonly [number, number, number];
  /** Output classes. Default 10. */
  readonly classes?: number;
  /** Channels of the convolution. Default 8. */
  readonly hidden?: number;
  /** PRNG seed of the weights. Default 1. */
  readonly seed?: number;
  /** A fixed batch size; default: a dynamic batch dimension named `N`. */
  readonly batch?: number;
  /**
   * The input's element type. `'float32'` (default): pixels already scaled to [0, 1]. `'uint8'`:
   * raw 8-bit pixels (0-255), cast to float inside the model with the 1/255 scale folded into the
   * convolution's weights, as deployed vision models often take their input; the scores then equal
   * the float32 model's on `bytes / 255`, up to float rounding.
   */
  readonly inputType?: ElementType;
}

/** A built model and what callers need to feed it. Plain data, structured-cloneable; any thread. */
export interface TinyClassifier {
  /** The ONNX protobuf bytes. */
  readonly bytes: Uint8Array;
  readonly inputName: 'input';
  readonly outputName: 'scores';
  /** Per item `[channels, height, width]`. */
  readonly inputShape: readonly [number, number, number];
  readonly classes: number;
  readonly inputType: ElementType;
  /** The fixed batch size, or undefined for a dynamic batch. */
  readonly batch: number | undefined;
}

/**
 * Builds the tiny classifier. Deterministic: the same options give the same bytes. Pure; any
 * thread.
 * @throws InvalidArgumentError for sizes that are not positive integers, a seed that is not a safe
 *   integer, or an unknown input type.
 */
export function buildTinyClassifier(options: TinyClassifierOptions = {}): TinyClassifier {
  const inputShape = options.inputShape ?? [3, 32, 32];
  const classes = options.classes ?? 10;
  const hidden = options.hidden ?? 8;
  const seed = options.seed ?? 1;
  const inputType = options.inputType ?? 'float32';
  const [c, h, w] = inputShape;
  for (const [what, v] of [
    ['channels', c],
    ['height', h],
    ['width', w],
    ['classes', classes],
    ['hidden', hidden],
    ['batch', options.batch ?? 1],
  ] as const) {
    if (!Number.isSafeInteger(v) || v < 1)
      throw new InvalidArgumentError(`${what} must be an integer ≥ 1, not ${v}`);
  }
  if (!Number.isSafeInteger(seed)) throw new InvalidArgumentError(`seed must be a safe integer, not ${seed}`);
  if (inputType !== 'float32' && inputType !== 'uint8') {
    throw new InvalidArgumentError(`inputType must be 'float32' or 'uint8', not ${inputType}`);
  }

  const random = mulberry32(seed);
  // He-uniform limits keep activations of a [0, 1] image in a range where softmax is not flat.
  const uniform = (n: number, limit: number) =>
    Float32Array.from({ length: n }, () => (random() * 2 - 1) * limit);
  const convW = uniform(hidden * c * 9, Math.sqrt(6 / (c * 9)));
  const convB = uniform(hidden, 0.1);
  const fcW = uniform(classes * hidden, Math.sqrt(6 / hidden) * 2);
  const fcB = uniform(classes, 0.1);

  const n = options.batch ?? 'N';
  // Bytes: Conv(cast(x), W / 255) = Conv(x / 255, W): the scaling costs nothing at run time.
  const bytesIn = inputType === 'uint8';
  const convIn = bytesIn ? convW.map((v) => v / 255) : convW;
  const bytes = encodeModel({
    name: 'tiny-classifier',
    docString: `weft tiny classifier: input ${inputType} [${n},${c},${h},${w}], ${classes} classes, seed ${seed}`,
    nodes: [
      ...(bytesIn ? [node('Cast', ['input'], ['pixels'], { to: dataType('float32') })] : []),
      node('Conv', [bytesIn ? 'pixels' : 'input', 'conv_w', 'conv_b'], ['conv'], {
        kernel_shape: [3, 3],
        pads: [1, 1, 1, 1],
        strides: [1, 1],
      }),
      node('Relu', ['conv'], ['relu']),
      node('GlobalAveragePool', ['relu'], ['pool']),
      node('Flatten', ['pool'], ['flat'], { axis: 1 }),
      node('Gemm', ['flat', 'fc_w', 'fc_b'], ['logits'], { transB: 1 }),
      node('Softmax', ['logits'], ['scores'], { axis: 1 }),
    ],
    initializers: [
      floatTensor('conv_w', [hidden, c, 3, 3], convIn),
      floatTensor('conv_b', [hidden], convB),
      floatTensor('fc_w', [classes, hidden], fcW),
      floatTensor('fc_b', [classes], fcB),
    ],
    inputs: [valueInfo('input', [n, c, h, w], inputType)],
    outputs: [valueInfo('scores', [n, classes])],
  });
  return {
    bytes,
    inputName: 'input',
    outputName: 'scores',
    inputShape,
    classes,
    inputType,
    batch: options.batch,
  };
}

/**
 * Options of {@link ensureModel}: the model's, plus where to put the file. Plain data,
 * structured-cloneable; any thread.
 */
export interface EnsureModelOptions extends TinyClassifierOptions {
  /**
   * The file to write. Default: `<os.tmpdir()>/weft-models/tiny-classifier-<hash>.onnx`, where the
   * hash is of the model bytes, so different options never share a file.
   */
  readonly path?: string;
}

/**
 * Builds the tiny classifier and writes it to a file once; returns the file's path. A file that
 * already holds exactly these bytes is left alone; otherwise the bytes go to a temporary file that
 * is renamed into place, so a concurrent reader (another process, another test) never sees half a
 * model. Any thread (file I/O on its event loop); the file is left for the next run, never deleted.
 */
export async function ensureModel(options: EnsureModelOptions = {}): Promise<string> {
  const { bytes } = buildTinyClassifier(options);
  const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  const path = options.path ?? join(tmpdir(), 'weft-models', `tiny-classifier-${hash}.onnx`);
  const existing = await readFile(path).catch(() => undefined);
  if (existing !== undefined && Buffer.compare(existing, bytes) === 0) return path;
  await mkdir(dirname(path), { recursive: true });
  // A unique name per call: two callers writing the same model at once must not share a temp file.
  const temporary = `${path}.${randomUUID()}.tmp`;
  await writeFile(temporary, bytes);
  await rename(temporary, path);
  return path;
}

/** mulberry32: a tiny seeded PRNG with good enough spread for weights; [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
