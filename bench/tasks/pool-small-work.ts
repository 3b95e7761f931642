/**
 * The small task of the pool benchmarks (`pool.weft` / `pool.piscina`): a few microseconds of CPU
 * on a number, the shape of work where the per-task cost of the runtime, not the work, decides the
 * rate. `pool.weft` runs the same `burn` through BurnCpuCalculator replicas; `pool.piscina` calls
 * this function through piscina's `run()`.
 *
 * Threading: runs on a pool thread; pure.
 */
import type { PoolCall } from '../../src/actors/pool-protocol.js';
import { burn } from '../calculators/burn-cpu.js';

/** CPU time of one small task. */
export const SMALL_TASK_MICROS = 5;

/** The same result as BurnCpuCalculator's for this packet, so both cases do identical work. */
export default function smallWork(input: unknown, _call: PoolCall): number {
  return burn(SMALL_TASK_MICROS, input as number) & 0xffff;
}
