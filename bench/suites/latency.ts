/**
 * Suite `latency`: what one sample costs end to end when nothing else is in flight, and what a
 * graph costs to start, against what a Node engineer would write without weft.
 *
 * - `latency.idle.hop1`, `latency.idle.hop4`: a Run of Push → N PassThroughCalculator nodes in a
 *   line → Pull (N = 1, 4), every option at its default — so the default chaining (`'auto'`) decides
 *   the threads: on a host with fewer free cores than nodes it runs the chain on fewer threads (on
 *   2 cores, one), as any user's graph would. One sample every `TICK_MS` (10 ms), never more than one
 *   in flight: push, await the pulled sample, record the time between, wait for the next tick.
 *   Between samples the chain is idle — its threads park — so every sample pays the wake-ups, which
 *   is the latency a sparse, event-driven input sees. Metrics `p50_us` and `p99_us`.
 * - `latency.idle.hop4.threads`: the 4-node chain with `chaining: 'off'`, one thread per node, so
 *   that a sample crosses 4 thread hops: what the chain costs where every node has its own core.
 * - `latency.idle.hop1.postMessage`, `latency.idle.hop4.postMessage`: the same pacing through N
 *   worker threads relaying `{ ts, value }` with MessagePort postMessage (this thread → w1 → … → wN
 *   → this thread; the `graph` suite's stage task, `tasks/post-chain-task.ts`).
 * - `startup.graph4`: from building the Run (Session, `build()`, `start()`) of Push → 4 PassThrough
 *   (`chaining: 'off'`, 4 threads) → Pull to the first sample pulled back out: what a short-lived
 *   job pays before its first result. Metric `ms`, the median of 5 fresh runs.
 * - `startup.graph4.js`, `startup.graph4.js-weft`: the same with 4 nodes of a user's JavaScript
 *   calculator that forwards each packet, importing `weft/calculator` (`calculators/relay-calc.mjs`)
 *   or `weft` (`calculators/relay-weft.mjs`), on the compiled package (dist/) as users run it (from
 *   source, a thread whose calculator module is JavaScript outside weft loads weft's sources through
 *   tsx): what each node's thread pays for the entry its calculator module imports.
 * - `startup.piscina4`: from `new Piscina({ minThreads: 4, maxThreads: 4 })` on a task module that
 *   returns its input (`tasks/piscina-echo-task.ts`) to the result of its first `run()`; the median
 *   of 5 fresh pools. Both load their worker code the same way (TypeScript through tsx, from source).
 *
 * Every idle case first sends `WARM` samples back to back, untimed (see `pacedLatencies`: a live
 * stream's code is JIT-compiled; both sides get the same warm-up), then `total` paced ones. `--reps`
 * does not apply: the idle cases pool their samples into percentiles, and the start-up cases always
 * take 5 fresh repetitions. Every run, relay and pool is closed in a `finally`.
 *
 * Threading: main thread (it pushes and pulls, posts and receives, and owns every thread started).
 */
import { Piscina } from 'piscina';
import type { Chaining } from '../../src/actors/actor-groups.js';
import type { Run } from '../../src/api/run.js';
import { pull, push, Session } from '../../src/api/session.js';
import { graph } from '../../src/core/graph-builder.js';
import { tsxBootstrapModule } from '../../src/core/module-loader.js';
import { compiledWeft, type Weft } from '../lib/compiled-package.js';
import { PostRelay, pacedLatencies, percentile, SAMPLE_TIMEOUT_MS, TICK_MS } from '../lib/latency.js';
import type { Suite, SuiteContext } from '../lib/suite.js';

/** Untimed back-to-back samples before an idle case's paced ones (see `pacedLatencies`). */
const WARM = 2000;
/** Fresh graphs (and pools) per start-up case; the median is reported. */
const STARTUP_REPS = 5;
const STARTUP_HOPS = 4;
const EXT = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
const ECHO_TASK = new URL(`../tasks/piscina-echo-task.${EXT}`, import.meta.url);

/** What a chain is built with: weft from source, or the compiled package. */
type ChainApi = Pick<Weft, 'graph' | 'Session' | 'push' | 'pull'> & {
  readonly registry?: InstanceType<Weft['CalculatorRegistry']>;
};
const FROM_SOURCE: ChainApi = { graph, Session, push, pull };

/**
 * Push 'in' → `hops` nodes of `calculator` in a line → Pull 'out'. Only the layout is set
 * (`chaining`, left at the session's default when undefined); the Run's options are the defaults.
 */
function buildChain(
  hops: number,
  chaining: Chaining | undefined,
  calculator = 'PassThroughCalculator',
  api: ChainApi = FROM_SOURCE,
): Run {
  const b = api.graph();
  for (let i = 1; i <= hops; i++) {
    b.node(calculator, {
      name: `hop${i}`,
      inputs: { '': i === 1 ? 'in' : `s${i - 1}` },
      outputs: { '': i === hops ? 'out' : `s${i}` },
    });
  }
  return new api.Session({
    ...(api.registry === undefined ? {} : { registry: api.registry }),
    ...(chaining === undefined ? {} : { chaining }),
  })
    .add(api.push('in'))
    .add(b)
    .add(api.pull('out'))
    .build();
}

/** Pushes sample `i` and waits for it to come out: the only sample in flight. */
async function weftRoundTrip(run: Run, i: number): Promise<void> {
  const sample = { value: i };
  // With nothing else in flight the input always has room; `push` only if it ever had not.
  if (!run.tryPush(sample)) await run.push(sample);
  const r = await run.pull(SAMPLE_TIMEOUT_MS);
  if (r.status !== 'sample' || r.sample.value !== i) {
    throw new Error(`sample ${i}: pull gave ${r.status === 'sample' ? `value ${r.sample.value}` : r.status}`);
  }
}

/** Paced samples through a started, warmed-up weft chain; µs each. */
async function weftIdle(
  ctx: SuiteContext,
  name: string,
  hops: number,
  chaining: Chaining | undefined,
  total: number,
  warm: number,
): Promise<number[]> {
  const run = buildChain(hops, chaining);
  try {
    await run.start();
    ctx.progress(`latency ${name}: ${warm} warm-up samples, then ${total}, one per ${TICK_MS} ms`);
    return await pacedLatencies(total, warm, (i) => weftRoundTrip(run, i));
  } finally {
    await run.close();
  }
}

/** The same through `hops` postMessage relay workers (loaded and answering before the first sample). */
async function postIdle(
  ctx: SuiteContext,
  name: string,
  hops: number,
  total: number,
  warm: number,
): Promise<number[]> {
  const relay = await PostRelay.start(hops);
  try {
    ctx.progress(`latency ${name}: ${warm} warm-up samples, then ${total}, one per ${TICK_MS} ms`);
    return await pacedLatencies(total, warm, (i) => relay.roundTrip(i));
  } finally {
    await relay.close();
  }
}

/** The compiled package with the user calculators of the `startup.graph4.js*` cases registered. */
async function compiledChainApi(): Promise<ChainApi> {
  const w = await compiledWeft();
  const registry = new w.CalculatorRegistry(w.defaultRegistry())
    .register('RelayCalculator', new URL('../calculators/relay-calc.mjs', import.meta.url))
    .register('RelayWeftCalculator', new URL('../calculators/relay-weft.mjs', import.meta.url));
  return { graph: w.graph, Session: w.Session, push: w.push, pull: w.pull, registry };
}

/** `startup.graph4` (or a `.js` variant), once: build and start a fresh Run, then one sample through it. */
async function graphStartupMs(calculator?: string, api?: ChainApi): Promise<number> {
  const t0 = performance.now();
  const run = buildChain(STARTUP_HOPS, 'off', calculator, api);
  try {
    await run.start();
    await weftRoundTrip(run, 0);
    return performance.now() - t0;
  } finally {
    await run.close();
  }
}

/** `startup.piscina4`, once: a fresh pool of 4 threads, then one task through it. */
async function piscinaStartupMs(): Promise<number> {
  // From source the task module is TypeScript: each thread registers tsx's hooks before piscina
  // imports it, as `tasks/fleet-piscina.ts` does (the `--import tsx` loader does not reach workers).
  // Made before the clock starts: it is a string, not start-up work.
  const bootstrap = EXT === 'ts' ? tsxBootstrapModule() : undefined;
  const t0 = performance.now();
  const pool = new Piscina<number, number>({
    filename: ECHO_TASK.href,
    minThreads: STARTUP_HOPS,
    maxThreads: STARTUP_HOPS,
    ...(bootstrap === undefined ? {} : { execArgv: [`--import=${bootstrap}`] }),
  });
  try {
    const r = await pool.run(7);
    if (r !== 7) throw new Error(`piscina echo returned ${r}`);
    return performance.now() - t0;
  } finally {
    await pool.destroy();
  }
}

/** Records one idle case's percentiles, or its failure. */
async function idleCase(ctx: SuiteContext, name: string, measure: () => Promise<number[]>): Promise<void> {
  try {
    const us = await measure();
    ctx.record(name, 'p50_us', percentile(us, 0.5), 'µs');
    ctx.record(name, 'p99_us', percentile(us, 0.99), 'µs');
  } catch (err) {
    ctx.fail(name, err);
  }
}

/**
 * The start-up cases, their repetitions interleaved (in alternating order), so that all see the
 * same machine: on shared cores a burst of other work must not fall on one case only. A case that
 * fails once is reported and not repeated; the other goes on.
 */
async function startupCases(ctx: SuiteContext): Promise<void> {
  // Imported before any clock starts: the package's own import is not a graph's start-up. Without
  // a build (no dist/) only the two cases on the compiled package fail; the others run from source.
  const compiled = await compiledChainApi().catch((err: unknown) => err as Error);
  const onCompiled = (calculator: string) => () =>
    compiled instanceof Error ? Promise.reject(compiled) : graphStartupMs(calculator, compiled);
  const cases = [
    { name: 'startup.piscina4', once: piscinaStartupMs, ms: [] as number[], failed: false },
    { name: 'startup.graph4', once: () => graphStartupMs(), ms: [] as number[], failed: false },
    {
      name: 'startup.graph4.js-weft',
      once: onCompiled('RelayWeftCalculator'),
      ms: [] as number[],
      failed: false,
    },
    {
      name: 'startup.graph4.js',
      once: onCompiled('RelayCalculator'),
      ms: [] as number[],
      failed: false,
    },
  ];
  for (let r = 1; r <= STARTUP_REPS; r++) {
    for (const c of r % 2 === 1 ? cases : [...cases].reverse()) {
      if (c.failed) continue;
      ctx.progress(`latency ${c.name}: repetition ${r}/${STARTUP_REPS}`);
      try {
        c.ms.push(await c.once());
      } catch (err) {
        c.failed = true;
        ctx.fail(c.name, err);
      }
    }
  }
  for (const c of cases) if (!c.failed) ctx.record(c.name, 'ms', percentile(c.ms, 0.5), 'ms');
}

/** Suite `latency`. */
export const latencySuite: Suite = {
  name: 'latency',
  description:
    'one sample at a time through idle chains vs postMessage workers; graph start-up vs a piscina pool',
  ratios: [
    {
      case: 'latency.idle.hop1',
      baseline: 'latency.idle.hop1.postMessage',
      metric: 'p50_us',
      target: 0.5,
      lowerIsBetter: true,
    },
    {
      case: 'latency.idle.hop4',
      baseline: 'latency.idle.hop4.postMessage',
      metric: 'p50_us',
      target: 0.5,
      lowerIsBetter: true,
    },
    {
      case: 'latency.idle.hop4',
      baseline: 'latency.idle.hop4.postMessage',
      metric: 'p99_us',
      target: 1.0,
      lowerIsBetter: true,
    },
    { case: 'startup.graph4', baseline: 'startup.piscina4', metric: 'ms', target: 1.0, lowerIsBetter: true },
    { case: 'startup.graph4.js', baseline: 'startup.graph4.js-weft', metric: 'ms', lowerIsBetter: true },
  ],
  async run(ctx) {
    const total = ctx.quick ? 100 : 500;
    const warm = ctx.quick ? 500 : WARM;
    // Each weft case after its baseline, as in the other suites.
    for (const hops of [1, 4]) {
      const name = `latency.idle.hop${hops}`;
      const base = `${name}.postMessage`;
      await idleCase(ctx, base, () => postIdle(ctx, base, hops, total, warm));
      await idleCase(ctx, name, () => weftIdle(ctx, name, hops, undefined, total, warm));
    }
    const threads = 'latency.idle.hop4.threads';
    await idleCase(ctx, threads, () => weftIdle(ctx, threads, 4, 'off', total, warm));
    await startupCases(ctx);
  },
};
