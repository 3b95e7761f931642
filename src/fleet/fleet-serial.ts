/**
 * The camera fleet's per-frame work called in turn on one thread, with no runtime: the `pipeline`
 * bench's baseline (`fleet.serial`). Each frame is rendered as a shard renders it (`cameraFormat`),
 * turned into a tensor as PreprocessCalculator does (`tensorType`), batched (full batches of
 * `batchSize`) into the same onnxruntime session setup as OnnxInferenceCalculator, and post-processed
 * and accounted as the fleet's postprocess and sink do; only the threads, rings and frame pool are
 * missing.
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

/** What {@link runFleetSerial} measured. */
export interface FleetSerialReport {
  readonly frames: number;
  readonly seconds: number;
  readonly fps: number;
  /** Checksum over the predicted labels, to compare with a weft run on the same frames. */
  readonly labelSum: number;
}

/**
 * Runs `frames` frames of `cameras` cameras (round robin, as one shard would) through the fleet's
 * work on this thread. Resolves with the rate. The model must take `fleetModel(options)`'s input.
 */
export async function runFleetSerial(
  options: {
    readonly modelPath: string;
    readonly frames: number;
  } & Partial<
    Pick<FleetOptions, 'cameras' | 'width' | 'height' | 'batchSize' | 'cameraFormat' | 'tensorType'>
  >,
): Promise<FleetSerialReport> {
  const { width, height, batchSize, cameraFormat, tensorType } = { ...FLEET_DEFAULTS, ...options };
  const own = camerasOfShard(options.cameras ?? 1000, 1, 0);
  const batcher = await InferenceBatcher.create(await loadOrt(), {
    modelPath: options.modelPath,
    inputName: '',
    outputName: '',
    intraOpThreads: 1,
    batchSize,
    inputShape: [3, height, width],
    inputType: tensorType,
  });
  try {
    const pixels = new Uint8Array(width * height * channelsOf(cameraFormat));
    const floats = new Float32Array(width * height * 3);
    // The item's bytes: float32 values as bytes, or the arranged pixels themselves.
    const tensorBytes =
      tensorType === 'uint8' ? new Uint8Array(width * height * 3) : new Uint8Array(floats.buffer);
    const { scale, bias } = normalization([0, 0, 0], [1, 1, 1]);
    const layout = { width, height, format: cameraFormat, layout: 'chw' } as const;
    // What renderSyntheticFrame takes, made once: only the seed (the camera) changes, as in a shard.
    const look = { width, height, format: cameraFormat, seed: 0 };
    const metas: Detection[] = [];
    let labelSum = 0;
    let done = 0;
    const t0 = performance.now();
    for (let g = 0; g < options.frames; g++) {
      const camera = own[g % own.length]!;
      const seq = Math.floor(g / own.length);
      const capturedAt = wallMs();
      look.seed = camera;
      renderSyntheticFrame(pixels, look, seq);
      if (tensorType === 'uint8') arrangePixels(pixels, tensorBytes, layout);
      else normalizePixels(pixels, floats, layout, scale, bias);
      batcher.add(tensorBytes, 0, g);
      // The detection's non-inference fields, completed when the batch ran.
      metas.push({ camera, seq, capturedAt, label: 0, score: 0, batchSize: 0 });
      if (batcher.count === batchSize || g === options.frames - 1) {
        const out = await batcher.run(batcher.count === batchSize ? 'full' : 'close');
        for (let i = 0; i < out.size; i++) {
          labelSum += toDetection(resultOf(out, i), metas[i]!).label;
          done++;
        }
        batcher.clear();
        metas.length = 0;
      }
    }
    const seconds = (performance.now() - t0) / 1000;
    return { frames: done, seconds, fps: done / seconds, labelSum };
  } finally {
    await batcher.release();
  }
}
