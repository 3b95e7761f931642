/**
 * A 32-bit integer hash shared by the synthetic data sources and camera sharding.
 *
 * Threading: a pure function; any thread.
 */

/**
 * lowbias32: cheap, well mixed, and the same on every platform, so synthetic frames and shard
 * assignments are reproducible across machines and runs.
 */
export function hash32(x: number): number {
  let v = x >>> 0;
  v ^= v >>> 16;
  v = Math.imul(v, 0x7feb352d);
  v ^= v >>> 15;
  v = Math.imul(v, 0x846ca68b);
  v ^= v >>> 16;
  return v >>> 0;
}
