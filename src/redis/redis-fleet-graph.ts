/**
 * The camera fleet as one host's share of a multi-host fleet: the same lanes as `fleetGraph`
 * (preprocess → batched ONNX inference → postprocess, each lane whole on one executor thread), fed
 * from Redis instead of rendered in place, and ending in Redis instead of in shared counters:
 *
 * ```
 * lane_l (one thread):
 *   source_l (RedisStreamSourceCalculator: streams s % lanes = l, consumer group <prefix>-fleet)
 *      │ FRAME (handle)            │ META (stream, entry id, camera, frame, capture time)
 *   preprocess_l                   │
 *   inference_l                    │
 *   postprocess_l (RESULT + META → DETECTION)
 *   sink_l (RedisStreamSinkCalculator: XADD <prefix>:results, then XACK the entry: the ack point)
 * ```
 *
 * Several processes (hosts) running this graph share the work through the consumer group: each
 * lane is one consumer, every input stream is read by one lane of each process.
 *
 * Threading: main thread (it builds the config). Lifecycle: pure.
 */
import { hostname } from 'node:os';
import { graph } from '../core/graph-builder.js';
import type { GraphConfig } from '../core/graph-config.js';
import type { FramePoolOptions } from '../transport/frame-pool.js';
import { clusterKeys, DEFAULT_PREFIX, DEFAULT_STREAMS, streamsOfLane } from './cluster-keys.js';
import { createRedisCounters, type RedisCountersDescriptor } from './redis-counters.js';
import type { RedisTlsFiles } from './redis-tls.js';

/** One host's share of the fleet. Plain data, structured-cloneable; any thread. */
export interface RedisFleetOptions {
  readonly url: string;
  readonly prefix: string;
  /** Input streams the feed writes (its `--streams`). */
  readonly streams: number;
  /** Lanes (consumers) in this process; at most `streams`. */
  readonly lanes: number;
  /** Frame width and height (the feed's `--size`): frames of another size are dead-lettered. */
  readonly size: number;
  readonly batchSize: number;
  readonly batchTimeoutMs: number;
  /**
   * Entries per read over all of a lane's streams (seed 004: 32), split evenly between them (COUNT
   * is per stream: 32 from each of 8 streams would be 256 frames, 9 MiB, in one reply, more than a
   * lane holds), and the read's block (1 ms).
   */
  readonly readCount: number;
  readonly blockMs: number;
  /** A consumer's entries pending this long are claimed by another. */
  readonly claimIdleMs: number;
  /** STOP once the group has nothing left for this long; -1: run until stopped. */
  readonly stopWhenDrainedMs: number;
  /** Consumer names are `<consumerPrefix>-lane<l>`. Default `host-pid`. */
  readonly consumerPrefix: string;
  /** The results stream keeps about this many entries (`MAXLEN ~`). */
  readonly resultsMaxLen: number;
  /** PEM files for a `rediss://` URL (the server's CA, a client certificate and key). */
  readonly tls: RedisTlsFiles;
}

/** Defaults for one host on this machine. Plain data, frozen; any thread: spread it to change it. */
export const REDIS_FLEET_DEFAULTS: Omit<RedisFleetOptions, 'url'> = Object.freeze({
  prefix: DEFAULT_PREFIX,
  streams: DEFAULT_STREAMS,
  lanes: 1,
  size: 96,
  batchSize: 16,
  batchTimeoutMs: 5,
  readCount: 32,
  blockMs: 1,
  claimIdleMs: 10_000,
  stopWhenDrainedMs: -1,
  consumerPrefix: '',
  resultsMaxLen: 1_000_000,
  tls: Object.freeze({}),
});

/** A built host graph. */
export interface RedisFleetGraph {
  readonly config: GraphConfig;
  readonly frames: FramePoolOptions;
  readonly counters: RedisCountersDescriptor;
  readonly options: RedisFleetOptions;
}

/**
 * Builds one host's graph for `modelPath` (a model taking `[3, size, size]` uint8). Any thread (in
 * practice the main thread, which runs it); each call allocates fresh shared counters and opens no
 * connection.
 */
export function redisFleetGraph(
  modelPath: string,
  options: Partial<RedisFleetOptions> & { url: string },
): RedisFleetGraph {
  const o: RedisFleetOptions = { ...REDIS_FLEET_DEFAULTS, ...options };
  const lanes = Math.max(1, Math.min(o.lanes, o.streams));
  const keys = clusterKeys(o.prefix);
  const counters = createRedisCounters(lanes);
  const who = o.consumerPrefix || `${hostname()}-${process.pid}`;
  const frameBytes = o.size * o.size * 4;
  const b = graph({
    maxQueueSize: Math.max(16, o.batchSize),
    executors: Array.from({ length: lanes }, (_, l) => ({ name: `lane_${l}` })),
  });
  for (let l = 0; l < lanes; l++) {
    const executor = `lane_${l}`;
    b.node('RedisStreamSourceCalculator', {
      name: `source_${l}`,
      outputs: { FRAME: `frame_${l}`, META: `meta_${l}` },
      options: {
        url: o.url,
        tls: o.tls,
        streams: streamsOfLane(o.streams, lanes, l).map((s) => keys.stream(s)),
        group: keys.group,
        consumer: `${who}-lane${l}`,
        count: Math.max(1, Math.ceil(o.readCount / streamsOfLane(o.streams, lanes, l).length)),
        blockMs: o.blockMs,
        claimIdleMs: o.claimIdleMs,
        claimEveryMs: Math.max(50, Math.min(1000, Math.floor(o.claimIdleMs / 4))),
        deadLetterStream: keys.deadLetter,
        frameBytes,
        maxFrameBytes: frameBytes,
        stopWhenDrainedMs: o.stopWhenDrainedMs,
        counters,
        lane: l,
      },
      executor,
    });
    b.node('PreprocessCalculator', {
      name: `preprocess_${l}`,
      inputs: { '': `frame_${l}` },
      outputs: { '': `tensor_${l}` },
      options: { width: o.size, height: o.size, format: 'rgba', dtype: 'uint8' },
      executor,
    });
    b.node('OnnxInferenceCalculator', {
      name: `inference_${l}`,
      inputs: { '': `tensor_${l}` },
      outputs: { '': `result_${l}` },
      options: {
        modelPath,
        batchSize: o.batchSize,
        batchTimeoutMs: o.batchTimeoutMs,
        inputShape: [3, o.size, o.size],
        inputType: 'uint8',
      },
      executor,
    });
    b.node('FleetPostprocessCalculator', {
      name: `postprocess_${l}`,
      inputs: { RESULT: [`result_${l}`], META: [`meta_${l}`] },
      outputs: { DETECTION: `detection_${l}` },
      executor,
    });
    b.node('RedisStreamSinkCalculator', {
      name: `sink_${l}`,
      inputs: { IN: `detection_${l}`, ACK: `meta_${l}` },
      options: {
        url: o.url,
        tls: o.tls,
        stream: keys.results,
        maxLen: o.resultsMaxLen,
        by: `${who}-lane${l}`,
        counters,
        lane: l,
      },
      executor,
    });
  }
  const camera = Math.ceil(frameBytes / 64) * 64;
  const tensor = Math.ceil((o.size * o.size * 3) / 64) * 64;
  const frames: FramePoolOptions = {
    name: 'redis-fleet',
    classes: [
      { slotBytes: camera, slots: lanes * (o.batchSize * 2 + 16) },
      { slotBytes: tensor, slots: lanes * (o.batchSize + 8) },
    ],
  };
  return { config: b.build(), frames, counters, options: { ...o, lanes } };
}
