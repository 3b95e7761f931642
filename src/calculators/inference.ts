/**
 * OnnxInferenceCalculator: runs an ONNX model on onnxruntime-node (CPU), batching items from one or more
 * streams, and emits one result per item at the item's own timestamp.
 *
 * Threading: the definition is plain data plus functions; an instance runs on its actor's thread and
 * owns one onnxruntime session. onnxruntime-node is imported in `open`, so validating a graph on the
 * main thread does not load the native library.
 */
import { isMainThread } from 'node:worker_threads';
import type { CalculatorContext, InputPacket, OutputPort } from '../core/calculator.js';
import { defineCalculator } from '../core/calculator.js';
import { InvalidArgumentError } from '../core/errors.js';
import { nextAllowedInStream, Timestamp } from '../core/timestamp.js';
import {
  type BatchOutput,
  type BatchTrigger,
  InferenceBatcher,
  type InputElementType,
} from './inference-batch.js';
import { loadOrt } from './ort-runtime.js';

// See `InferenceOptions.crashRate`. A worker thread only: on the main thread it would end the process.
function injectCrash(rate: number): void {
  if (!isMainThread && Math.random() < rate) process.exit(70);
}

export type { BatchTrigger } from './inference-batch.js';

/** Schedules the batch timeout. Injected in tests to control time; default: `setTimeout`. */
export interface BatchClock {
  /** Calls `fire` once, `delayMs` from now, unless the returned function cancels it first. */
  schedule(delayMs: number, fire: () => void): () => void;
}

/**
 * Options of {@link OnnxInferenceCalculator}. Plain data, structured-cloneable (they travel to the
 * node's thread), except `clock`; any thread.
 */
export interface InferenceOptions {
  /** Path of the .onnx file. Required, unless the `MODEL_PATH` side packet gives it. */
  readonly modelPath: string;
  /** Model input fed with the batch. Default '': the model's first input. */
  readonly inputName: string;
  /** Model output turned into results. Default '': the model's first output. */
  readonly outputName: string;
  /** onnxruntime intra-op threads of this actor's session. Default 1 (one actor, one core). */
  readonly intraOpThreads: number;
  /** Items per batch; a full batch runs at once. Default 16. */
  readonly batchSize: number;
  /** A partial batch runs this many ms after its first item reached `process`. Default 5. */
  readonly batchTimeoutMs: number;
  /**
   * Per item shape without the batch dimension, e.g. `[3, 32, 32]`. Default null: the model's.
   * Needed when the model's item dimensions are symbolic.
   */
  readonly inputShape: readonly number[] | null;
  /**
   * Element type of input items: `'float32'` or `'uint8'` (raw pixels, for a model that scales them
   * itself), which must be the model input's. Default `'auto'`: the model input's.
   */
  readonly inputType: 'auto' | InputElementType;
  /**
   * The timer of the batch timeout. Default null: `setTimeout`. A function cannot cross threads, so
   * only a calculator run on the caller's thread (the CalculatorRunner) can be given one.
   */
  readonly clock: BatchClock | null;
  /**
   * Fault injection, for chaos tests of a restart policy (`weft demo --fault-rate`): the probability
   * per batch that the node's thread crashes (`process.exit(70)`) as the batch's first item arrives,
   * when the calculator holds nothing of its own, so that what the crash loses is exactly what the
   * runtime counts as lost. Default 0. Never on the main thread (a CalculatorRunner ignores it).
   */
  readonly crashRate: number;
}

/**
 * The value emitted for each item. Plain data (`scores` a typed array the codec carries), made on
 * the actor's thread; any thread.
 */
export interface InferenceResult {
  /** The item's row of the output tensor (for the tiny classifier: softmax scores). */
  readonly scores: Float32Array;
  /** Index of the highest score. */
  readonly top: number;
  /** Items in the batch this one ran in. */
  readonly batchSize: number;
}

/**
 * The value emitted on `BATCH` for each batch run. Plain data, made on the actor's thread and
 * carried in packets; any thread.
 */
export interface BatchInfo {
  /** Achieved batch size. */
  readonly size: number;
  /** Why it ran: full, its timeout expired, or the calculator closed. */
  readonly trigger: BatchTrigger;
  /** Timestamps of its first and last items. */
  readonly firstTimestamp: number;
  readonly lastTimestamp: number;
  /** Copying its items out of shared memory, ms. */
  readonly copyMs: number;
  /** `session.run`, ms. */
  readonly runMs: number;
}

const realClock: BatchClock = {
  schedule(delayMs, fire) {
    const t = setTimeout(fire, delayMs);
    return () => clearTimeout(t);
  },
};

/**
 * Batches items and runs an ONNX model on them with onnxruntime-node's CPU provider.
 *
 * - Inputs: untagged, one or more streams of items: frame packets holding a tensor of `inputShape`
 *   in the model input's element type, float32 or uint8 (e.g. from PreprocessCalculator, `dtype`
 *   to match), or Float32Array / Uint8Array values. Side packet: optional
 *   `MODEL_PATH`, overriding the `modelPath` option.
 * - Outputs: untagged, one per input: an {@link InferenceResult} per item at the item's timestamp on
 *   the output of the item's stream; optional `BATCH`: a {@link BatchInfo} per batch run.
 * - Batching: items from every stream fill one batch of `batchSize`. A full batch runs inside the
 *   `process` call that filled it. A partial batch runs `batchTimeoutMs` after its first item reached
 *   `process`: the timer asks for a wake call (`ctx.waker()`), which runs the batch and emits its
 *   results at once, without waiting for another packet. `close` runs whatever is still gathered.
 * - Timestamps: `timestampOffset: null` (results lag their inputs). After each call every output's
 *   bound is raised to its oldest pending item's timestamp, or past its input's settled timestamp
 *   when nothing is pending, so downstream joins never wait on items already answered nor on
 *   timestamps that carried no item. `BATCH` packets go at a batch's last item's timestamp (raised to
 *   that stream's bound where items from several streams would make it go back).
 * - Frames: an item's bytes are copied into the batch buffer in the `process` that receives it, so
 *   no frame is retained; the engine releases each input frame when `process` returns.
 * - Lifecycle: `open` loads the model (async); `close` flushes and releases the session. An error in
 *   a run the timer asked for fails that wake call, like any `process` error.
 * - Threading: runs on its actor's thread; the session's own threads are onnxruntime's.
 */
const OnnxInferenceCalculator = defineCalculator<InferenceOptions>({
  name: 'OnnxInferenceCalculator',
  description:
    'Batches tensor frames or typed arrays from one or more streams and runs an ONNX model on them with onnxruntime-node (CPU); one result per item, at its timestamp.',
  contract: {
    inputs: { '': 'many' },
    outputs: { '': 'many', BATCH: 'optional' },
    inputSidePackets: { MODEL_PATH: 'optional' },
    options: {
      modelPath: '',
      inputName: '',
      outputName: '',
      intraOpThreads: 1,
      batchSize: 16,
      batchTimeoutMs: 5,
      inputShape: null,
      inputType: 'auto',
      clock: null,
      crashRate: 0,
    },
    validateOptions: (o) => {
      if (!Number.isSafeInteger(o.batchSize) || o.batchSize < 1 || o.batchSize > 65536) {
        return `batchSize must be an integer in [1, 65536], not ${o.batchSize}`;
      }
      if (!Number.isFinite(o.batchTimeoutMs) || o.batchTimeoutMs < 0) {
        return `batchTimeoutMs must be a number ≥ 0, not ${o.batchTimeoutMs}`;
      }
      if (!Number.isSafeInteger(o.intraOpThreads) || o.intraOpThreads < 0) {
        return `intraOpThreads must be an integer ≥ 0 (0: onnxruntime's default), not ${o.intraOpThreads}`;
      }
      if (o.inputType !== 'auto' && o.inputType !== 'float32' && o.inputType !== 'uint8') {
        return `inputType must be 'auto', 'float32' or 'uint8', not ${String(o.inputType)}`;
      }
      const shape = o.inputShape;
      if (
        shape !== null &&
        (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d > 0))
      ) {
        return `inputShape must be null or an array of integers ≥ 1, not ${JSON.stringify(shape)}`;
      }
      if (typeof o.modelPath !== 'string') return 'modelPath must be a string';
      if (!(o.crashRate >= 0 && o.crashRate <= 1)) {
        return `crashRate must be a probability in [0, 1], not ${String(o.crashRate)}`;
      }
      return undefined;
    },
    validate: (w) => {
      const ins = w.inputs['']?.length ?? 0;
      const outs = w.outputs['']?.length ?? 0;
      return ins === outs
        ? undefined
        : `needs one untagged output per untagged input (${ins} in, ${outs} out)`;
    },
    timestampOffset: null,
    // Bound-only input updates call `process` too, so output bounds follow the inputs even when no
    // packet arrives.
    processTimestampBounds: true,
    // Replicas each batch their own share of the items: results never depend on another item.
    parallelism: 1,
  },
  // onnxruntime starts loading with the node's thread, not at the first open: a standby thread of a
  // node under the `restart` policy has it ready before it takes over (what it cost at each restart
  // of the fleet's inference, besides the session). A failure surfaces at open.
  prepare: async () => {
    await loadOrt();
  },
  create: () => {
    let batcher: InferenceBatcher | null = null;
    let cancelTimer: (() => void) | null = null;
    let wake: () => void = () => {};

    // Puts every packet of this call from input `first` on into the batch; runs the batch when full.
    function addFrom(ctx: CalculatorContext<InferenceOptions>, first: number): Promise<void> | undefined {
      const b = batcher!;
      const n = ctx.inputCount('');
      for (let i = first; i < n; i++) {
        const p = ctx.input(i);
        if (p.isEmpty) continue;
        if (b.count === 0 && ctx.options.crashRate > 0) injectCrash(ctx.options.crashRate);
        b.add(itemBytes(ctx, p, b.elementType), i, p.timestamp);
        if (b.count === 1 && !b.full) armTimer(ctx.options);
        if (b.full) {
          disarmTimer();
          return b.run('full').then((out) => {
            emit(ctx, out);
            return addFrom(ctx, i + 1);
          });
        }
      }
      raiseBounds(ctx, b);
      return undefined;
    }

    // The wake call the timer asked for: run the partial batch, unless it filled up meanwhile.
    function onTimeout(ctx: CalculatorContext<InferenceOptions>): Promise<void> | undefined {
      const b = batcher!;
      if (cancelTimer !== null || b.count === 0) return undefined;
      return b.run('timeout').then((out) => {
        emit(ctx, out);
        raiseBounds(ctx, b);
      });
    }

    function armTimer(o: InferenceOptions): void {
      cancelTimer = (o.clock ?? realClock).schedule(o.batchTimeoutMs, () => {
        cancelTimer = null;
        wake();
      });
    }

    function disarmTimer(): void {
      cancelTimer?.();
      cancelTimer = null;
    }

    // Emits a finished batch's rows at their items' timestamps, then frees the buffer.
    function emit(ctx: CalculatorContext<InferenceOptions>, out: BatchOutput): void {
      const b = batcher!;
      for (let i = 0; i < out.size; i++) {
        ctx.output(b.streams[i]!).add(resultOf(out, i), b.timestamps[i]!);
      }
      if (ctx.outputCount('BATCH') > 0) {
        const port = ctx.output('BATCH');
        const last = b.timestamps[out.size - 1]!;
        const info: BatchInfo = {
          size: out.size,
          trigger: out.trigger,
          firstTimestamp: b.timestamps[0]!,
          lastTimestamp: last,
          copyMs: out.copyMs,
          runMs: out.runMs,
        };
        port.add(info, Math.max(last, port.nextTimestampBound));
      }
      b.clear();
    }

    return {
      async open(ctx) {
        const path = ctx.sidePacket<string | undefined>('MODEL_PATH') ?? ctx.options.modelPath;
        if (typeof path !== 'string' || path === '') {
          throw new InvalidArgumentError(
            'OnnxInferenceCalculator needs modelPath (option or MODEL_PATH side packet)',
          );
        }
        wake = ctx.waker();
        const o = ctx.options;
        batcher = await InferenceBatcher.create(await loadOrt(), {
          modelPath: path,
          inputName: o.inputName,
          outputName: o.outputName,
          intraOpThreads: o.intraOpThreads,
          batchSize: o.batchSize,
          inputShape: o.inputShape,
          inputType: o.inputType,
        });
      },
      process(ctx) {
        return ctx.woken ? onTimeout(ctx) : addFrom(ctx, 0);
      },
      async close(ctx) {
        disarmTimer();
        const b = batcher;
        if (b === null) return;
        try {
          if (b.count > 0) emit(ctx, await b.run('close'));
        } finally {
          batcher = null;
          await b.release();
        }
      },
    };
  },
});
export default OnnxInferenceCalculator;

// The item's bytes: a frame's bytes in the pool (the batcher checks their length), or the bytes of a
// value of the model's element type: a Float32Array or a Uint8Array.
function itemBytes(
  ctx: CalculatorContext<InferenceOptions>,
  p: InputPacket,
  type: InputElementType,
): Uint8Array {
  // Allocates a subarray view per item: the pool's cached view spans the whole slot.
  if (p.frame >= 0) return ctx.frames.bytes(p.frame).subarray(0, ctx.frames.byteLength(p.frame));
  const v = p.value;
  // Allocates a byte view of the value: value items are the slow path (frames are the fast one).
  if (v instanceof (type === 'float32' ? Float32Array : Uint8Array)) {
    return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  }
  throw new InvalidArgumentError(
    `OnnxInferenceCalculator takes frame packets or ${type === 'float32' ? 'Float32Array' : 'Uint8Array'} ` +
      `values (the model input is ${type}), not ${Object.prototype.toString.call(v)}`,
  );
}

// Every output's bound: its oldest pending item, or past its input's settled timestamp.
function raiseBounds(ctx: CalculatorContext<InferenceOptions>, b: InferenceBatcher): void {
  const n = ctx.outputCount('');
  let low: number = Timestamp.Done;
  for (let i = 0; i < n; i++) {
    const pending = b.firstPending(i);
    const out = ctx.output(i);
    raise(out, pending !== Timestamp.Unset ? pending : nextAllowedInStream(ctx.input(i).timestamp));
    low = Math.min(low, out.nextTimestampBound);
  }
  if (ctx.outputCount('BATCH') > 0) raise(ctx.output('BATCH'), low);
}

/** Raises a bound; never lowers it (under the Immediate handler timestamps may go back). */
function raise(out: OutputPort, bound: number): void {
  if (bound > out.nextTimestampBound) out.setNextTimestampBound(bound);
}

/**
 * Row `i` of a finished batch as an item's result. Allocates the row copy and the result object:
 * the value leaves the thread anyway. Threading: any thread.
 */
export function resultOf(out: BatchOutput, i: number): InferenceResult {
  const len = out.rowLength;
  const scores = out.data.slice(i * len, (i + 1) * len);
  return { scores, top: argmax(scores), batchSize: out.size };
}

function argmax(v: Float32Array): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i]! > v[best]!) best = i;
  return best;
}
