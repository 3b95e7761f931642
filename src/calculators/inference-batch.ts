/**
 * The batch side of OnnxInferenceCalculator: one onnxruntime session, one reused batch buffer, and the
 * items (stream, timestamp) gathered into it. No calculator context here: the calculator decides
 * when a batch runs and where its results go; this class copies, runs and hands back rows.
 *
 * Memory: the batch buffer is a plain (non-shared) typed array of `batchSize` items, made once, of
 * the model input's element type: float32, or uint8 for a model that takes raw pixels (a quarter of
 * the bytes to move between threads and to copy; the model casts and scales them itself).
 * onnxruntime-node 1.30 rejects tensors whose data is a SharedArrayBuffer view ("Invalid argument"),
 * so every item is copied out of the shared frame pool once, when it arrives; the frame can go back
 * to the pool at once instead of being held until its batch runs. One tensor per batch length is made
 * over a prefix of that buffer the first time that length runs, so a batch allocates no input tensor
 * after warm-up. A model with a fixed batch dimension always gets the whole buffer, the unused rows
 * zeroed.
 *
 * Threading: one instance per calculator instance, on its actor's thread; not thread-safe. The
 * buffer must not be written while a run is in flight ({@link InferenceBatcher.running}).
 */
import { InvalidArgumentError } from '../core/errors.js';
import { Timestamp } from '../core/timestamp.js';
import type { OrtModule, OrtSession, OrtTensor, OrtValueMetadata } from './ort-runtime.js';

/** Element types a model input may have: float32, or uint8 (raw pixels the model scales itself). */
export type InputElementType = 'float32' | 'uint8';

/**
 * What ran a batch: it filled up, its timer expired, or the calculator closed with items pending.
 * Plain data; any thread.
 */
export type BatchTrigger = 'full' | 'timeout' | 'close';

/** What the session and buffer are built from (the calculator's options, resolved). */
export interface BatcherConfig {
  readonly modelPath: string;
  readonly inputName: string;
  readonly outputName: string;
  readonly intraOpThreads: number;
  readonly batchSize: number;
  readonly inputShape: readonly number[] | null;
  /** The items' element type: `'auto'` takes the model input's; a type given must be the model's. */
  readonly inputType: 'auto' | InputElementType;
}

/** A finished batch: its output rows and what it cost. */
export interface BatchOutput {
  readonly size: number;
  readonly trigger: BatchTrigger;
  /** The output tensor's data: row i is `[i * rowLength, (i + 1) * rowLength)`. */
  readonly data: Float32Array;
  readonly rowLength: number;
  /** Time spent copying this batch's items out of shared memory, in ms. */
  readonly copyMs: number;
  /** Wall time of `session.run`, in ms. */
  readonly runMs: number;
}

/** One session, one reused batch buffer. See the file header. */
export class InferenceBatcher {
  /** Items gathered; rows [0, count) of the buffer are theirs. */
  count = 0;
  /** True while `run` is in flight: the buffer must not change. */
  running = false;
  /** Per item: its timestamp and the input stream (index) it came from. */
  readonly timestamps: Float64Array;
  readonly streams: Int32Array;
  /** The model input's element type; the buffer is of this type. */
  readonly elementType: InputElementType;
  /** Elements and bytes per item. */
  readonly itemElements: number;
  readonly itemBytes: number;
  /** Per item `[dims...]` without the batch dimension. */
  readonly itemShape: readonly number[];
  private readonly bytes: Uint8Array;
  private readonly buffer: Float32Array | Uint8Array;
  // Input tensors by batch length − 1, made on first use; a fixed-batch model uses only [0].
  private readonly tensors: (OrtTensor | undefined)[] = [];
  private readonly fixedBatch: boolean;
  private copyMs = 0;

  private constructor(
    private readonly session: OrtSession,
    private readonly inputName: string,
    private readonly outputName: string,
    private readonly ort: OrtModule,
    batchSize: number,
    itemShape: readonly number[],
    fixedBatch: boolean,
    elementType: InputElementType,
  ) {
    this.itemShape = itemShape;
    this.itemElements = itemShape.reduce((a, b) => a * b, 1);
    this.elementType = elementType;
    this.fixedBatch = fixedBatch;
    const Elements = elementType === 'uint8' ? Uint8Array : Float32Array;
    this.itemBytes = this.itemElements * Elements.BYTES_PER_ELEMENT;
    this.buffer = new Elements(batchSize * this.itemElements);
    this.bytes = new Uint8Array(this.buffer.buffer);
    this.timestamps = new Float64Array(batchSize);
    this.streams = new Int32Array(batchSize);
  }

  /** Loads the model (CPU execution provider) and sizes the buffer. Releases the session on failure. */
  static async create(ort: OrtModule, c: BatcherConfig): Promise<InferenceBatcher> {
    const session = await ort.InferenceSession.create(c.modelPath, {
      executionProviders: ['cpu'],
      intraOpNumThreads: c.intraOpThreads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
    });
    try {
      const inputName = c.inputName || session.inputNames[0];
      const outputName = c.outputName || session.outputNames[0];
      if (inputName === undefined || !session.inputNames.includes(inputName)) {
        throw new InvalidArgumentError(
          `model ${c.modelPath} has no input "${inputName}" (inputs: ${session.inputNames.join(', ')})`,
        );
      }
      if (outputName === undefined || !session.outputNames.includes(outputName)) {
        throw new InvalidArgumentError(
          `model ${c.modelPath} has no output "${outputName}" (outputs: ${session.outputNames.join(', ')})`,
        );
      }
      const meta = session.inputMetadata[session.inputNames.indexOf(inputName)];
      const { itemShape, fixed, elementType } = resolveShape(c, inputName, meta);
      if (fixed !== undefined && fixed !== c.batchSize) {
        throw new InvalidArgumentError(
          `model input "${inputName}" has a fixed batch of ${fixed}: set batchSize to ${fixed}, ` +
            `not ${c.batchSize}`,
        );
      }
      return new InferenceBatcher(
        session,
        inputName,
        outputName,
        ort,
        c.batchSize,
        itemShape,
        fixed !== undefined,
        elementType,
      );
    } catch (err) {
      await session.release();
      throw err;
    }
  }

  /** True when the buffer holds `batchSize` items. */
  get full(): boolean {
    return this.count === this.timestamps.length;
  }

  /**
   * Copies one item (exactly `itemBytes` bytes, e.g. a view of a pool frame) into the next row.
   * The one copy out of shared memory that onnxruntime-node needs. No allocation.
   */
  add(src: Uint8Array, stream: number, timestamp: number): void {
    if (this.running || this.full) throw new InvalidArgumentError('batch buffer is busy or full');
    if (src.byteLength !== this.itemBytes) {
      throw new InvalidArgumentError(
        `input item has ${src.byteLength} bytes; the model takes ${this.elementType} [${this.itemShape.join(', ')}] ` +
          `= ${this.itemBytes} bytes per item`,
      );
    }
    const t0 = performance.now();
    this.bytes.set(src, this.count * this.itemBytes);
    this.copyMs += performance.now() - t0;
    this.timestamps[this.count] = timestamp;
    this.streams[this.count] = stream;
    this.count++;
  }

  /** Runs rows [0, count). The items stay until {@link InferenceBatcher.clear}. */
  async run(trigger: BatchTrigger): Promise<BatchOutput> {
    const n = this.count;
    if (n === 0 || this.running) throw new InvalidArgumentError('nothing to run, or a run is in flight');
    this.running = true;
    try {
      if (this.fixedBatch) this.buffer.fill(0, n * this.itemElements);
      const input = this.tensorFor(this.fixedBatch ? this.timestamps.length : n);
      const t0 = performance.now();
      // Allocates the feeds object and onnxruntime's result map: once per batch, not per item.
      const result = await this.session.run({ [this.inputName]: input });
      const runMs = performance.now() - t0;
      const out = result[this.outputName];
      if (out === undefined || !(out.data instanceof Float32Array)) {
        throw new InvalidArgumentError(`model output "${this.outputName}" is not a float32 tensor`);
      }
      const rows = out.dims[0] ?? 1;
      const copyMs = this.copyMs;
      this.copyMs = 0;
      return { size: n, trigger, data: out.data, rowLength: out.data.length / rows, copyMs, runMs };
    } finally {
      this.running = false;
    }
  }

  /** Forgets the items (after their results were emitted). */
  clear(): void {
    this.count = 0;
  }

  /** The timestamp of the oldest item of `stream` still in the buffer, or Timestamp.Unset. */
  firstPending(stream: number): number {
    for (let i = 0; i < this.count; i++) if (this.streams[i] === stream) return this.timestamps[i]!;
    return Timestamp.Unset;
  }

  // A tensor over the first n rows of the one buffer: shares its data, copies nothing. Allocates once
  // per batch length, on first use.
  private tensorFor(n: number): OrtTensor {
    const k = this.fixedBatch ? 0 : n - 1;
    let t = this.tensors[k];
    if (t === undefined) {
      const data = this.buffer.subarray(0, n * this.itemElements);
      const dims = [n, ...this.itemShape];
      t = this.tensors[k] =
        data instanceof Uint8Array
          ? new this.ort.Tensor('uint8', data, dims)
          : new this.ort.Tensor('float32', data, dims);
    }
    return t;
  }

  /** Releases the session's native resources. */
  async release(): Promise<void> {
    await this.session.release();
  }
}

// Per item shape: the model's dims after the batch dimension, symbolic ones taken from the option.
function resolveShape(
  c: BatcherConfig,
  inputName: string,
  meta: OrtValueMetadata | undefined,
): { itemShape: number[]; fixed: number | undefined; elementType: InputElementType } {
  const type = meta?.isTensor ? meta.type : 'float32';
  if (type !== 'float32' && type !== 'uint8') {
    throw new InvalidArgumentError(
      `model input "${inputName}" is ${type}; only float32 and uint8 are supported`,
    );
  }
  if (c.inputType !== 'auto' && c.inputType !== type) {
    throw new InvalidArgumentError(`inputType is ${c.inputType}, but model input "${inputName}" is ${type}`);
  }
  const dims = meta?.isTensor && meta.shape.length > 0 ? meta.shape : undefined;
  const given = c.inputShape;
  if (dims === undefined) {
    if (given === null) {
      throw new InvalidArgumentError(`model input "${inputName}" has no declared shape: set inputShape`);
    }
    return { itemShape: [...given], fixed: undefined, elementType: type };
  }
  const rest = dims.slice(1);
  if (given !== null && given.length !== rest.length) {
    throw new InvalidArgumentError(
      `inputShape [${given.join(', ')}] does not match model input "${inputName}" [${dims.join(', ')}] ` +
        '(inputShape is per item, without the batch dimension)',
    );
  }
  const itemShape = rest.map((d, i) => {
    const g = given?.[i];
    if (typeof d === 'number' && d > 0) {
      if (g !== undefined && g !== d) {
        throw new InvalidArgumentError(
          `inputShape [${given!.join(', ')}] does not match model input "${inputName}" [${dims.join(', ')}]`,
        );
      }
      return d;
    }
    if (g === undefined) {
      throw new InvalidArgumentError(
        `model input "${inputName}" [${dims.join(', ')}] has a symbolic dimension: set inputShape`,
      );
    }
    return g;
  });
  const d0 = dims[0];
  return { itemShape, fixed: typeof d0 === 'number' && d0 > 0 ? d0 : undefined, elementType: type };
}
