/**
 * The per-frame function of the pool benchmarks: a plain function (not a calculator) that reads
 * every byte of its frame in place and spins `micros` µs of CPU, a stand-in for real per-frame work.
 * PoolCalculator (`pool.weft`) and the piscina baseline (`pool.piscina`) run this same function.
 *
 * Threading: runs on a pool thread; the frame view is shared memory, valid during the call only.
 */
import type { PoolCall } from '../../src/actors/pool-protocol.js';
import { burn } from '../calculators/burn-cpu.js';

/** CPU time each call spends besides reading its frame; read from the environment, default 0. */
const micros = Number(process.env.WEFT_BENCH_POOL_MICROS ?? 0);

/** A 32-bit hash of the frame's bytes, mixed with `micros` µs of CPU work seeded by the timestamp. */
export default function frameWork(input: unknown, call: PoolCall): number {
  const v = input as Uint8Array;
  let h = 0;
  for (let i = 0; i < v.length; i++) h = (Math.imul(h, 31) + v[i]!) >>> 0;
  return micros > 0 ? (h ^ burn(micros, call.timestamp)) >>> 0 : h;
}
