/**
 * Suite `scaling`: how throughput grows with actors on the cores present, so that the same command
 * measures a laptop, a 2-core CI box and a many-core server.
 *
 * The graph is CPU-bound: its input (fed by the main thread) goes to `k` BurnCpuCalculator actors
 * (each spins `MICROS` µs of CPU per packet, every packet goes to every one of them), and each
 * burner feeds a count sink of its own. It runs at k = 1, 2, 4, … N actors, N =
 * `os.availableParallelism()` (1 and N always included). For each k it reports `scaling.k<k>`:
 * - `msgs_per_s`: packets processed per second by all k burners together, from the first packet fed
 *   (every actor started: thread start-up is never counted) to the last sink's last packet;
 * - `speedup`: that rate over the k = 1 rate of the same run (ideal: k, while k ≤ cores);
 * - `efficiency`: speedup / k (ideal: 1).
 *
 * The sinks and the main thread sleep almost all the time, but they are threads too: on 2 cores,
 * k = 2 shares them with the two burners.
 *
 * Threading: main thread.
 */
import os from 'node:os';
import { CalculatorGraph } from '../../src/api/calculator-graph.js';
import { defaultRegistry } from '../../src/api/graph-preparation.js';
import { CalculatorRegistry } from '../../src/core/calculator-registry.js';
import { graph } from '../../src/core/graph-builder.js';
import type { SinkStats } from '../calculators/count-sink.js';
import type { Suite, SuiteContext } from '../lib/suite.js';

const registry = new CalculatorRegistry(defaultRegistry())
  .register('BurnCpuCalculator', new URL('../calculators/burn-cpu.ts', import.meta.url))
  .register('CountSinkCalculator', new URL('../calculators/count-sink.ts', import.meta.url));

/** CPU per packet per burner: far above the ~1 µs a packet costs to move, so the work dominates. */
const MICROS = 500;

/** 1, 2, 4, … below `cores`, then `cores` itself: the actor counts the suite measures. */
export function scalingLevels(cores: number): number[] {
  const n = Math.max(1, Math.floor(cores));
  const levels: number[] = [];
  for (let k = 1; k < n; k *= 2) levels.push(k);
  levels.push(n);
  return levels;
}

/** The case name of level `k`. */
export function scalingCase(k: number): string {
  return `scaling.k${k}`;
}

/** Epoch milliseconds, comparable with the sinks' `firstAt`/`lastAt` (measured on their threads). */
const epochMs = () => performance.timeOrigin + performance.now();

/**
 * One run of the graph at `k` burners; packets per second over all of them. The main thread feeds
 * the graph input only once every actor has started, so the clock starts with the work; it stops at
 * the last sink's last packet. (Timing from a sink's first packet instead would miss the first batch
 * a ring publishes: 32 packets, most of a quick run.)
 */
async function runOnce(k: number, count: number): Promise<number> {
  const b = graph().input('n');
  for (let i = 0; i < k; i++) {
    b.node('BurnCpuCalculator', {
      name: `burn${i}`,
      inputs: { '': 'n' },
      outputs: { '': `b${i}` },
      options: { micros: MICROS },
    });
    b.node('CountSinkCalculator', {
      name: `sink${i}`,
      inputs: { '': `b${i}` },
      outputSidePackets: { STATS: `stats${i}` },
    });
    b.outputSidePacket(`stats${i}`);
  }
  const g = new CalculatorGraph(b.build(), { registry });
  try {
    await g.startRun();
    const t0 = epochMs();
    for (let i = 0; i < count; i++) await g.addPacket('n', i, i);
    g.closeAllInputStreams();
    await g.waitUntilDone();
    const side = g.outputSidePackets();
    const stats = Array.from({ length: k }, (_, i) => side[`stats${i}`] as SinkStats);
    if (stats.some((s) => s.count !== count)) {
      throw new Error(`a sink got ${stats.map((s) => s.count).join('/')} packets, expected ${count}`);
    }
    const last = Math.max(...stats.map((s) => s.lastAt));
    return last > t0 ? (k * count) / ((last - t0) / 1000) : 0;
  } finally {
    await g.close();
  }
}

async function measure(ctx: SuiteContext, k: number, count: number): Promise<number> {
  let best = 0;
  for (let r = 1; r <= ctx.reps; r++) {
    ctx.progress(`scaling ${scalingCase(k)}: repetition ${r}/${ctx.reps} (${k} burner actors)`);
    best = Math.max(best, await runOnce(k, count));
  }
  return best;
}

/** Measures every level up to `cores` actors (the suite passes the cores present; tests fewer). */
export async function runScaling(ctx: SuiteContext, cores: number): Promise<void> {
  const count = ctx.quick ? 100 : 600;
  let base = 0;
  for (const k of scalingLevels(cores)) {
    const name = scalingCase(k);
    let rate: number;
    try {
      rate = await measure(ctx, k, count);
    } catch (err) {
      ctx.fail(name, err);
      continue;
    }
    ctx.record(name, 'msgs_per_s', rate, 'msg/s');
    if (k === 1) base = rate;
    if (base <= 0) continue;
    const speedup = rate / base;
    ctx.record(name, 'speedup', speedup, 'x');
    ctx.record(name, 'efficiency', speedup / k, 'x');
  }
}

/** Suite `scaling`. */
export const scalingSuite: Suite = {
  name: 'scaling',
  description: 'a CPU-bound graph at 1, 2, 4 … N actors (N = cores): speedup and parallel efficiency',
  // Speedup and efficiency are recorded as results: they are the ratios against k = 1.
  ratios: [],
  run: (ctx) => runScaling(ctx, os.availableParallelism()),
};
