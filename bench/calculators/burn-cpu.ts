/**
 * BurnCpuCalculator: forwards each packet after spinning the CPU for `micros` microseconds — a
 * stand-in for real per-packet work (decode, resize, inference) in the CPU-parallelism benchmarks.
 */
import { defineCalculator } from '../../src/core/calculator.js';

/** Options of {@link BurnCpuCalculator}. */
export interface BurnCpuOptions {
  /** CPU time to spend per packet. */
  micros: number;
}

/** Spins `micros` µs of CPU and returns a value that depends on the work, so it cannot be skipped. */
export function burn(micros: number, seed: number): number {
  const end = performance.now() + micros / 1000;
  let x = seed | 0;
  while (performance.now() < end) for (let i = 0; i < 200; i++) x = (Math.imul(x, 1103515245) + 12345) | 0;
  return x;
}

export default defineCalculator<BurnCpuOptions>({
  name: 'BurnCpuCalculator',
  contract: {
    inputs: { '': 'one' },
    outputs: { '': 'one' },
    options: { micros: 1000 },
    // Stateless: the pool benchmark runs it as replicas.
    parallelism: 1,
  },
  create: () => ({
    process(ctx) {
      const p = ctx.input(0);
      if (p.isEmpty) return;
      ctx.output(0).add(burn(ctx.options.micros, p.value as number) & 0xffff, ctx.inputTimestamp);
    },
  }),
});
