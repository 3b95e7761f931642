/**
 * Where the camera fleet lives in Redis when it spans hosts: the key names `weft feed`, `weft demo
 * --redis` and `weft report` agree on, all under one prefix.
 *
 * - `<prefix>:cam:<s>`: input stream s of `streams`; camera c goes to `hash(c) % streams` (seed 004's
 *   sharding), so a camera's frames stay in order in one stream.
 * - `<prefix>:results`: one entry per processed frame (a detection), written by every consumer.
 * - `<prefix>:dead-letter`: entries that broke the wire format, with why.
 * - `<prefix>:produced`, `<prefix>:dropped`: hashes camera → frames, kept by the feed.
 * - `<prefix>:feed`: hash of the feed's settings (cameras, streams, size), read by the consumers.
 * - consumer group `<prefix>-fleet` on every input stream.
 *
 * Threading: pure functions; any thread.
 */
import { shardOf } from '../fleet/fleet-layout.js';

/** The default prefix. */
export const DEFAULT_PREFIX = 'weft';
/** Input streams by default: seed 004's 32 shards. */
export const DEFAULT_STREAMS = 32;

/** The key names of one fleet. Plain data, structured-cloneable; any thread. */
export interface ClusterKeys {
  readonly prefix: string;
  readonly group: string;
  readonly results: string;
  readonly deadLetter: string;
  readonly produced: string;
  readonly dropped: string;
  readonly feed: string;
  /** Input stream `s`. */
  stream(s: number): string;
}

/** The keys under `prefix`. Pure; any thread. */
export function clusterKeys(prefix: string = DEFAULT_PREFIX): ClusterKeys {
  return {
    prefix,
    group: `${prefix}-fleet`,
    results: `${prefix}:results`,
    deadLetter: `${prefix}:dead-letter`,
    produced: `${prefix}:produced`,
    dropped: `${prefix}:dropped`,
    feed: `${prefix}:feed`,
    stream: (s) => `${prefix}:cam:${s}`,
  };
}

/** The input stream of `camera`. Pure; any thread. */
export function streamOfCamera(camera: number, streams: number): number {
  return shardOf(camera, streams);
}

/** The input streams lane `lane` of `lanes` reads: those with `s % lanes === lane`. Pure; any thread. */
export function streamsOfLane(streams: number, lanes: number, lane: number): number[] {
  const out: number[] = [];
  for (let s = lane; s < streams; s += lanes) out.push(s);
  return out;
}
