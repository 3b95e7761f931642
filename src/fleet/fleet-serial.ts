/**
 * The camera fleet's per-frame work with no runtime: {@link FleetFrameWork} renders a frame as a
 * shard renders it (`cameraFormat`), turns it into a tensor as PreprocessCalculator does
 * (`tensorType`), batches it (full batches of `batchSize`) into the same onnxruntime session setup
 * as OnnxInferenceCalculator, and post-processes it as the fleet's postprocess does;
 * {@link runFleetSerial} calls it frame after frame on one thread and accounts the results as the
 * sink does: the `pipeline` bench's baseline (`fleet.serial`). Only the threads, rings and frame pool
 * are missing. The bench's `fleet.piscina` runs the same work, a batch per task, on piscina threads.
 *
 * Threading: the calling thread (onnxruntime's session runs with the same single intra-op thread).
 */

import { resultOf } from '../calculators/inference.js';
import { InferenceBatcher } from '../calculators/inference-batch.js';
import { loadOrt } from '../calculators/ort-runtime.js';
import { arrangePixels, normalization, normalizePixels } from '../calculators/preprocess.js';
import { channelsOf, renderSyntheticFrame } from '../calculators/synthetic-video.js';
import { FLEET_DEFAULTS, type FleetOptions } from './fleet-graph.js';
import { camerasOfShard, type Detection, wallMs } from './fleet-layout.js';
import { toDetection } from './fleet-postprocess.js';

/** What {@link runFleetSerial} measured. Plain data; any thread. */
export interface FleetSerialReport {
  readonly frames: number;
  readonly seconds: number;
  readonly fps: number;
  /** Checksum over the predicted labels, to compare with a weft run on the same frames. */
  readonly labelSum: number;
}

/** What {@link FleetFrameWork} takes: the model (taking `fleetModel(options)`'s input) and sizes. */
export type FleetFrameWorkOptions = { readonly modelPath: string } & Partial<
  Pick<FleetOptions, 'width' | 'height' | 'batchSize' | 'cameraFormat' | 'tensorType'>
>;

/**
 * The fleet's work on frames, one batch at a time: {@link add} renders, preprocesses and queues a
 * frame, {@link run} classifies the queued frames and returns their detections. One session and one
 * set of buffers, made once. Threading: one thread; not thread-safe. Lifecycle: create → (add* →
 * run)* → release.
 */
export class FleetFrameWork {
  readonly batchSize: number;
  private readonly pixels: Uint8Array;
  private readonly floats: Float32Array;
  // The item's bytes: float32 values as bytes, or the arranged pixels themselves.
  private readonly tensorBytes: Uint8Array;
  private readonly norm: { scale: Float32Array; bias: Float32Array };
  private readonly layout: { width: number; height: number; format: 'rgb' | 'rgba'; layout: 'chw' };
  // What renderSyntheticFrame takes, made once: only the seed (the camera) changes, as in a shard.
  private readonly look: { width: number; height: number; format: 'rgb' | 'rgba'; seed: number };
  // The queued frames' detections without their inference fields, completed when the batch ran.
  private readonly metas: Detection[] = [];

  private constructor(
    private readonly batcher: InferenceBatcher,
    private readonly tensorType: FleetOptions['tensorType'],
    o: Pick<FleetOptions, 'width' | 'height' | 'batchSize' | 'cameraFormat'>,
  ) {
    const { width, height, cameraFormat } = o;
    this.batchSize = o.batchSize;
    this.pixels = new Uint8Array(width * height * channelsOf(cameraFormat));
    this.floats = new Float32Array(width * height * 3);
    this.tensorBytes =
      tensorType === 'uint8' ? new Uint8Array(width * height * 3) : new Uint8Array(this.floats.buffer);
    this.norm = normalization([0, 0, 0], [1, 1, 1]);
    this.layout = { width, height, format: cameraFormat, layout: 'chw' };
    this.look = { width, height, format: cameraFormat, seed: 0 };
  }

  /** Loads the model into a session with one intra-op thread, as OnnxInferenceCalculator does. */
  static async create(options: FleetFrameWorkOptions): Promise<FleetFrameWork> {
    const o = { ...FLEET_DEFAULTS, ...options };
    const batcher = await InferenceBatcher.create(await loadOrt(), {
      modelPath: options.modelPath,
      inputName: '',
      outputName: '',
      intraOpThreads: 1,
      batchSize: o.batchSize,
      inputShape: [3, o.height, o.width],
      inputType: o.tensorType,
    });
    return new FleetFrameWork(batcher, o.tensorType, o);
  }

  /** Frames queued for the next {@link run}. */
  get count(): number {
    return this.batcher.count;
  }

  /** Renders frame `seq` of `camera` (its capture time: now), preprocesses it and queues it. */
  add(camera: number, seq: number): void {
    const capturedAt = wallMs();
    this.look.seed = camera;
    renderSyntheticFrame(this.pixels, this.look, seq);
    if (this.tensorType === 'uint8') arrangePixels(this.pixels, this.tensorBytes, this.layout);
    else normalizePixels(this.pixels, this.floats, this.layout, this.norm.scale, this.norm.bias);
    this.batcher.add(this.tensorBytes, 0, this.metas.length);
    this.metas.push({ camera, seq, capturedAt, label: 0, score: 0, batchSize: 0 });
  }

  /** Classifies the queued frames (at least one) and returns their detections, in the order added. */
  async run(): Promise<Detection[]> {
    const out = await this.batcher.run(this.batcher.full ? 'full' : 'close');
    const detections: Detection[] = [];
    for (let i = 0; i < out.size; i++) detections.push(toDetection(resultOf(out, i), this.metas[i]!));
    this.batcher.clear();
    this.metas.length = 0;
    return detections;
  }

  /** Releases the session's native resources. */
  release(): Promise<void> {
    return this.batcher.release();
  }
}

/**
 * Runs `frames` frames of `cameras` cameras (round robin, as one shard would) through the fleet's
 * work on this thread. Resolves with the rate. The model must take `fleetModel(options)`'s input.
 * Lifecycle: its onnxruntime session is released before the promise settles, also on failure.
 */
export async function runFleetSerial(
  options: {
    readonly frames: number;
  } & FleetFrameWorkOptions &
    Partial<Pick<FleetOptions, 'cameras'>>,
): Promise<FleetSerialReport> {
  const own = camerasOfShard(options.cameras ?? 1000, 1, 0);
  const work = await FleetFrameWork.create(options);
  try {
    let labelSum = 0;
    let done = 0;
    const t0 = performance.now();
    for (let g = 0; g < options.frames; g++) {
      work.add(own[g % own.length]!, Math.floor(g / own.length));
      if (work.count === work.batchSize || g === options.frames - 1) {
        for (const d of await work.run()) {
          labelSum += d.label;
          done++;
        }
      }
    }
    const seconds = (performance.now() - t0) / 1000;
    return { frames: done, seconds, fps: done / seconds, labelSum };
  } finally {
    await work.release();
  }
}
