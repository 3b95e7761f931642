/**
 * The camera-fleet pipeline (seed 004) as a weft graph, and one call that runs it. One lane per
 * shard, joined once at the end:
 *
 * ```
 * shard_s        (CameraShardCalculator: the cameras hash(c) % K = s, batched reads)
 *    │ FRAME        │ META
 *    ▼              │
 * preprocess_s ×P   │         P, R: replicas within the lane (`parallelism`), 1 by default
 *    ▼              │
 * inference_s ×R    │         batches of 16 / 5 ms, one onnxruntime session per actor
 *    │ RESULT       │
 *    ▼              ▼
 * postprocess (RESULT:s + META:s of every lane, joined in timestamp order) → sink
 * ```
 *
 * Lanes rather than one merge feeding shared stages: every frame crosses four rings instead of
 * seven, no actor exists only to forward packets, and nothing in front of inference is a single
 * actor all frames must pass, so the lanes scale with the cores (measured on 2 cores: merge,
 * replica dispatch and gather cost ~36 µs of CPU a frame, ~8% of the work, and two more isolates
 * compiling the same code). Each lane's inference batches its own shard's frames; per-camera order
 * holds because a camera lives in one lane, and the postprocess's Default handler puts the lanes
 * back in timestamp order.
 *
 * Only frame handles cross the rings; camera frames (RGBA) and tensors (uint8, planar) stay in the
 * shared pool, in two size classes, so cameras waiting on a full class can never starve preprocess
 * of tensor slots.
 *
 * Threading: main thread (it builds and drives the graph); the stats block is shared memory.
 */

import { availableParallelism } from 'node:os';
import type { InputElementType } from '../calculators/inference-batch.js';
import { channelsOf } from '../calculators/synthetic-video.js';
import { InvalidArgumentError } from '../core/errors.js';
import { graph } from '../core/graph-builder.js';
import type { GraphConfig } from '../core/graph-config.js';
import type { FramePoolOptions } from '../transport/frame-pool.js';
import { createFleetStats, type FleetStatsDescriptor } from './fleet-stats.js';

/**
 * The fleet's sizes; every field has a default (see {@link FLEET_DEFAULTS}). Plain data,
 * structured-cloneable; any thread.
 */
export interface FleetOptions {
  /** Synthetic cameras. */
  readonly cameras: number;
  /** Shard actors the cameras are spread over (by hash of camera id); one lane each. */
  readonly shards: number;
  /** Frames per second per camera; 0: as fast as the pipeline goes (no drops). */
  readonly fps: number;
  /** Frames per camera before the fleet ends; -1: until stopped. */
  readonly framesPerCamera: number;
  /** Frame size in pixels; the model takes `[3, height, width]`. */
  readonly width: number;
  readonly height: number;
  /**
   * The cameras' pixel format: `'rgba'` (4 bytes a pixel, what canvas, WebCodecs and most decoders
   * hand out) or `'rgb'`. Camera frames and tensors must differ in size: the pool's size classes
   * tell them apart (so `'rgb'` goes with float32 tensors only).
   */
  readonly cameraFormat: 'rgb' | 'rgba';
  /**
   * The tensors preprocess writes and the model takes: `'uint8'` (raw pixels, planar; the model casts
   * and scales them: see `inputType` of the tiny classifier) or `'float32'` (scaled to [0, 1] by
   * preprocess). uint8 moves a quarter of the bytes between preprocess and inference, and the model
   * scales them vectorized instead of a JS loop: measured on 2 cores, the fleet went from 3.7-3.8 to
   * 4.0-4.3 K frames/s and its serial baseline from 2.3-2.5 to 2.7-2.8 K.
   */
  readonly tensorType: InputElementType;
  /** Preprocess replicas per lane. */
  readonly preprocessReplicas: number;
  /** Inference replicas per lane (one onnxruntime session each). */
  readonly inferenceReplicas: number;
  /** Inference batch size and timeout (seed 004: 16 and 5 ms). */
  readonly batchSize: number;
  readonly batchTimeoutMs: number;
  /** Frames per shard `process` call (seed 004's BATCH_READ_COUNT). */
  readonly readBatch: number;
  /** Per-input queue limit of every node. */
  readonly maxQueueSize: number;
  /**
   * How the stages sit on threads: `'lanes'` runs each lane whole (shard, preprocess, inference,
   * postprocess, sink: a camera lives in one lane, so nothing needs to join them) on one executor
   * thread, so a frame stays on the core that rendered it until it is accounted; `'stages'` gives
   * every stage a thread of its own and joins the lanes in one postprocess (more pipeline
   * parallelism, a wake-up and a cache miss per hop). Stages with replicas keep their own threads.
   */
  readonly layout: 'lanes' | 'stages';
  /**
   * Chaos: the probability per inference batch that the inference thread crashes (see the
   * inference calculator's `crashRate`). Default 0.
   */
  readonly faultRate: number;
  /**
   * Inference under the `restart` policy (a fresh thread after each crash, up to 1000 a minute per
   * node, at-most-once), on threads of its own; false: a crash fails the run, as in MediaPipe.
   */
  readonly restart: boolean;
}

/** The inference's policy under `restart: true`: crashes are expected, so the limit is high. */
const INFERENCE_RESTART = { policy: 'restart', maxRestarts: 1000, periodMs: 60_000 } as const;

/**
 * Defaults: seed 004's fleet (1000 cameras, 32 shards, batches of 16 / 5 ms), sized for 2 cores.
 * Frozen; any thread.
 */
export const FLEET_DEFAULTS: FleetOptions = Object.freeze({
  cameras: 1000,
  shards: 32,
  fps: 0,
  framesPerCamera: -1,
  width: 32,
  height: 32,
  cameraFormat: 'rgba',
  tensorType: 'uint8',
  preprocessReplicas: 1,
  inferenceReplicas: 1,
  batchSize: 16,
  batchTimeoutMs: 5,
  readBatch: 16,
  // Below MediaPipe's 100: a throughput run fills every queue, and each full queue is latency. Two
  // fleets in one process, run in alternating 2 s windows (both orders, 8 pairs each), put 8 ~3-4%
  // ahead of 16 in frames/s; 4 and 12 within noise of 8.
  maxQueueSize: 8,
  layout: 'lanes',
  faultRate: 0,
  restart: false,
});

/**
 * Shards for this host: one per core, up to seed 004's 32. Every shard is a thread that renders
 * frames; past one per core they only add context switches, and a timestamp-ordered merge waits
 * on whichever shard the OS left off a core (measured on 2 cores: 4 shards cost ~30% more CPU per
 * frame than 2). Threading: any thread.
 */
export function hostShards(cores: number = availableParallelism()): number {
  return Math.max(1, Math.min(FLEET_DEFAULTS.shards, cores));
}

/**
 * A fleet graph with what is needed to run and watch it. Plain data, structured-cloneable (`stats`
 * shares its SharedArrayBuffer); any thread.
 */
export interface FleetGraph {
  readonly config: GraphConfig;
  readonly stats: FleetStatsDescriptor;
  readonly frames: FramePoolOptions;
  readonly options: FleetOptions;
}

/**
 * What the fleet's model must take, as options of `ensureModel` / `buildTinyClassifier`: items of
 * `[3, height, width]` of the fleet's tensor type. Threading: any thread.
 */
export function fleetModel(options: Partial<FleetOptions> = {}): {
  readonly inputShape: readonly [number, number, number];
  readonly inputType: FleetOptions['tensorType'];
} {
  const o: FleetOptions = { ...FLEET_DEFAULTS, ...options };
  return { inputShape: [3, o.height, o.width], inputType: o.tensorType };
}

/**
 * Builds the fleet graph for `modelPath`, a model taking {@link fleetModel}'s input (e.g. from
 * `ensureModel(fleetModel(options))` of `weft/models`). Any thread (in practice the main thread,
 * which runs it); each call allocates a fresh shared stats block.
 * @throws InvalidArgumentError when camera frames and tensors would fall in one pool size class.
 */
export function fleetGraph(modelPath: string, options: Partial<FleetOptions> = {}): FleetGraph {
  const o: FleetOptions = { ...FLEET_DEFAULTS, ...options };
  const camera = o.width * o.height * channelsOf(o.cameraFormat);
  const tensor = o.width * o.height * (o.tensorType === 'uint8' ? 3 : 12);
  // The pool picks the smallest class a length fits: the smaller kind's slots must be too small for
  // the larger kind, or both would draw on one class (and shards could starve preprocess of slots).
  if (roundUp(Math.min(camera, tensor)) >= Math.max(camera, tensor)) {
    throw new InvalidArgumentError(
      `fleet: ${o.cameraFormat} camera frames (${camera} bytes) and ${o.tensorType} tensors (${tensor} bytes) ` +
        'would share one frame pool size class: use cameraFormat rgba with uint8 tensors',
    );
  }
  const lanes = o.layout === 'lanes';
  const stats = createFleetStats(o.cameras, o.shards, lanes ? o.shards : 1);
  const executors = lanes ? Array.from({ length: o.shards }, (_, s) => ({ name: `lane_${s}` })) : [];
  // A lane takes a whole read batch per turn: with queues shorter than a batch, preprocess would
  // convert half a batch per round and inference wait a round more for its batch (measured on 2
  // cores, 8 → 16: 7.7 → 8.1 K frames/s, p50 latency 15 → 14 ms).
  const queue = lanes ? Math.max(o.maxQueueSize, o.readBatch) : o.maxQueueSize;
  const b = graph({ maxQueueSize: queue, executors });
  // A stage's executor in the lanes layout; replicas run on threads of their own.
  const on = (executor: string, replicas = 1) => (lanes && replicas === 1 ? { executor } : {});
  const results: string[] = [];
  const metas: string[] = [];
  for (let s = 0; s < o.shards; s++) {
    b.node('CameraShardCalculator', {
      name: `shard_${s}`,
      outputs: { FRAME: `frame_${s}`, META: `meta_${s}` },
      options: {
        cameras: o.cameras,
        shards: o.shards,
        shard: s,
        width: o.width,
        height: o.height,
        format: o.cameraFormat,
        fps: o.fps,
        framesPerCamera: o.framesPerCamera,
        readBatch: o.readBatch,
        stats,
      },
      ...on(`lane_${s}`),
    });
    b.node('PreprocessCalculator', {
      name: `preprocess_${s}`,
      inputs: { '': `frame_${s}` },
      outputs: { '': `tensor_${s}` },
      options: { width: o.width, height: o.height, format: o.cameraFormat, dtype: o.tensorType },
      parallelism: o.preprocessReplicas,
      ...on(`lane_${s}`, o.preprocessReplicas),
    });
    b.node('OnnxInferenceCalculator', {
      name: `inference_${s}`,
      inputs: { '': `tensor_${s}` },
      outputs: { '': `result_${s}` },
      options: {
        modelPath,
        batchSize: o.batchSize,
        batchTimeoutMs: o.batchTimeoutMs,
        inputShape: [3, o.height, o.width],
        inputType: o.tensorType,
        crashRate: o.faultRate,
      },
      parallelism: o.inferenceReplicas,
      // A restart replaces the node's thread: it cannot share its lane's.
      ...(o.restart ? { restart: INFERENCE_RESTART } : on(`lane_${s}`, o.inferenceReplicas)),
    });
    results.push(`result_${s}`);
    metas.push(`meta_${s}`);
  }
  if (lanes) {
    // Each lane accounts its own cameras: no thread joins the lanes (a camera lives in one lane, so
    // per-camera order and accounting need no join).
    for (let s = 0; s < o.shards; s++) {
      b.node('FleetPostprocessCalculator', {
        name: `postprocess_${s}`,
        inputs: { RESULT: [results[s]!], META: [metas[s]!] },
        outputs: { DETECTION: `detections_${s}` },
        ...on(`lane_${s}`),
      });
      b.node('FleetSinkCalculator', {
        name: `sink_${s}`,
        inputs: { DETECTION: `detections_${s}` },
        options: { stats, sink: s },
        ...on(`lane_${s}`),
      });
    }
  } else {
    b.node('FleetPostprocessCalculator', {
      name: 'postprocess',
      inputs: { RESULT: results, META: metas },
      outputs: { DETECTION: 'detections' },
    });
    b.node('FleetSinkCalculator', { name: 'sink', inputs: { DETECTION: 'detections' }, options: { stats } });
  }
  const frames: FramePoolOptions = {
    name: 'fleet',
    classes: [
      { slotBytes: roundUp(camera), slots: cameraSlots(o) },
      { slotBytes: roundUp(tensor), slots: tensorSlots(o) },
    ],
  };
  return { config: b.build(), stats, frames, options: o };
}

/**
 * Camera frames in flight at most: one read batch per shard and a little slack, no more. Each
 * extra slot is a frame waiting in a queue (latency) and memory the caches cannot hold; measured on
 * 2 cores, 48 slots instead of 128 halved p50 latency and raised throughput ~5%. A shard that finds
 * the class empty promises its next timestamp and waits for a slot (see CameraShardCalculator).
 */
function cameraSlots(o: FleetOptions): number {
  return Math.max(24, o.shards * o.readBatch + 8);
}

/**
 * Tensors in flight at most, over all lanes: per lane, three batches (the one inference is running,
 * the one it fills next, and one preprocess writes meanwhile). Inference copies each tensor into its
 * batch buffer on arrival and releases the slot at once, so only the queue in front of it holds
 * tensors. The lanes share the class, so a lane whose inference is busy can hold slots the other
 * lane's preprocess waits for: measured on 2 lanes, with one batch and a half per lane (48 slots)
 * one stage stood idle ~6% of the time, with three (96) ~3%, and the machine was 2-3% busier for it.
 * With preprocess replicas their gather holds one replica's tensors while it waits for the other's,
 * and a replica blocked on an empty class would wait forever: twice as many then.
 */
function tensorSlots(o: FleetOptions): number {
  // A lane on one thread converts and infers in turn: one batch and a little slack is all it can
  // use; more only queues tensors (latency). Measured on 2 cores, 48 → 24 a lane: p50 14 → 11 ms,
  // p99 30 → 21 ms, the same frames/s.
  if (o.layout === 'lanes' && o.inferenceReplicas === 1 && o.preprocessReplicas === 1)
    return o.shards * (o.batchSize + 8);
  const lane = 3 * o.inferenceReplicas * o.batchSize;
  return o.shards * (o.preprocessReplicas > 1 ? 2 * lane : lane);
}

// Slot sizes: a multiple of 64 bytes, so slots start on cache lines.
function roundUp(bytes: number): number {
  return Math.ceil(bytes / 64) * 64;
}
