/**
 * How a camera fleet is laid out: which shard owns which camera, and how frame timestamps are made.
 *
 * - Camera `c` belongs to shard `hash(c) % shards` (seed 004's `hash(camera_id) % MAX_SHARDS`), so
 *   adding cameras never moves existing ones and shards stay within a few cameras of each other.
 * - A frame's timestamp is `captureMicros × shards + shard`, where `captureMicros` is µs since the
 *   fleet's epoch: shards never collide, and merging every shard's stream in timestamp order
 *   interleaves cameras fairly by capture time. A shard keeps its own timestamps strictly rising.
 *
 * Threading: pure functions; any thread.
 */

import { hash32 } from '../core/hash32.js';

/** 32-bit integer hash (a fixed-point mix): spreads consecutive camera ids over shards. Pure; any thread. */
export function hashCamera(camera: number): number {
  return hash32(camera);
}

/** The shard that owns `camera`. Pure; any thread. */
export function shardOf(camera: number, shards: number): number {
  return hashCamera(camera) % shards;
}

/** The cameras of `shard` (ids in [0, cameras)), ascending. Allocates the list. Pure; any thread. */
export function camerasOfShard(cameras: number, shards: number, shard: number): Int32Array {
  const own: number[] = [];
  for (let c = 0; c < cameras; c++) if (shardOf(c, shards) === shard) own.push(c);
  return Int32Array.from(own);
}

/** Timestamp of a frame captured `captureMicros` after the epoch by `shard`. Pure; any thread. */
export function fleetTimestamp(captureMicros: number, shards: number, shard: number): number {
  return Math.floor(captureMicros) * shards + shard;
}

/**
 * The value travelling beside each frame (`META` streams): who captured it, and when. Plain data,
 * structured-cloneable; any thread.
 */
export interface FrameMeta {
  /** Camera id. */
  readonly camera: number;
  /** The camera's frame number: 0, 1, 2, … with no gaps, dropped frames included. */
  readonly seq: number;
  /** Capture time, ms on the `performance.timeOrigin + performance.now()` scale (any thread). */
  readonly capturedAt: number;
}

/**
 * What a fleet's postprocess hands to its sink for each frame. Plain data, structured-cloneable;
 * any thread.
 */
export interface Detection extends FrameMeta {
  /** The predicted class. */
  readonly label: number;
  /** Its score. */
  readonly score: number;
  /** Items in the inference batch the frame ran in. */
  readonly batchSize: number;
}

/** Milliseconds on a scale every thread shares (each thread's timeOrigin differs). */
export function wallMs(): number {
  return performance.timeOrigin + performance.now();
}
