/**
 * Suite `faults`: how soon a failing calculator fails its run — the time from the moment a fault is
 * injected (stamped in shared memory by the failing calculator itself) to the moment the run's
 * `waitUntilDone()` rejects on the main thread.
 *
 * - `faults.throw`: `process` throws.
 * - `faults.exit`: `process` calls `process.exit(5)`: the thread is gone without a word.
 * - `faults.oom`: `process` grows its heap until the node's 64 MiB limit ends its thread; the stamp
 *   is taken when the heap is 90 % full (filling it is not the fault; V8's last-resort collections
 *   before it gives up are counted).
 * - `faults.stuck500`: `process` never returns, under a 500 ms stuck-call limit (so at least 500 ms).
 * - `faults.clean` (the baseline): timestamp 100 is the source's last packet, the calculator only
 *   stamps it and the run ends normally: what ending the graph costs without any fault.
 *
 * - `restart.recovery`: the same calculator, fed by the application, exits at timestamp 100 under
 *   the `restart` policy, a second after its first packets; the time from the crash to the first
 *   packet processed by the fresh instance on its fresh thread (stamped by it; packets keep coming
 *   meanwhile).
 *   Beside `faults.exit`: recovering against failing.
 * - `fleet.faulty` vs `fleet.clean`: the camera fleet with inference under `restart`, crashing about
 *   once a second, against the same fleet without crashes, in alternating windows
 *   (bench/tasks/fleet-faulty.ts). Also `restarts_per_s` and `lost_frames` of the faulty fleet.
 *
 * The suite runs the compiled package (dist/, built by `npm install` or `npm run build`) with a
 * JavaScript calculator, as users run weft. Each case runs a counter source (timestamps 0 to 100) → the calculator (which fails at 100) → a
 * pass-through;
 * thread start-up is not counted. The median of the repetitions is reported.
 *
 * Threading: main thread.
 */
import { compiledWeft } from '../lib/compiled-package.js';
import type { Suite, SuiteContext } from '../lib/suite.js';
import { fleetFaultCases } from '../tasks/fleet-faulty.js';

type Fault = 'none' | 'throw' | 'exit' | 'oom' | 'loop';

/** The failing node's heap limit, MiB. */
const HEAP_MB = 64;

const CASES: readonly [string, Fault][] = [
  ['faults.clean', 'none'],
  ['faults.throw', 'throw'],
  ['faults.exit', 'exit'],
  ['faults.oom', 'oom'],
  ['faults.stuck500', 'loop'],
];

// The compiled package and a registry with FaultAtCalculator (JavaScript, as users write them).
async function faultAt() {
  const w = await compiledWeft();
  const registry = new w.CalculatorRegistry(w.defaultRegistry()).register(
    'FaultAtCalculator',
    new URL('../calculators/fault-at.mjs', import.meta.url),
  );
  return { CalculatorGraph: w.CalculatorGraph, graph: w.graph, registry };
}

/** Milliseconds from the injected fault to the run's end; throws if the run ended the wrong way. */
export async function faultToFailure(fault: Fault): Promise<number> {
  const { CalculatorGraph, graph, registry } = await faultAt();
  const stamp = new SharedArrayBuffer(16);
  const g = new CalculatorGraph(
    graph()
      .node('CounterSourceCalculator', { outputs: { '': 'n' }, options: { count: 101 } })
      .node('FaultAtCalculator', {
        name: 'faulty',
        inputs: { '': 'n' },
        outputs: { '': 'm' },
        options: { fault, at: 100, stamp, heapLimitMb: HEAP_MB },
        stuckTimeoutMs: 500,
        heapLimitMb: HEAP_MB,
      })
      .node('PassThroughCalculator', { inputs: { '': 'm' }, outputs: { '': 'out' } })
      .build(),
    { registry },
  );
  try {
    await g.startRun();
    let failed = false;
    await g.waitUntilDone().catch(() => {
      failed = true;
    });
    const end = performance.timeOrigin + performance.now();
    if (failed !== (fault !== 'none'))
      throw new Error(`fault ${fault}: the run ${failed ? 'failed' : 'ended cleanly'}`);
    const at = new Float64Array(stamp)[0]!;
    if (at === 0) throw new Error(`fault ${fault}: never injected`);
    return end - at;
  } finally {
    await g.close();
  }
}

/**
 * Milliseconds from a crash (`process.exit` at timestamp 100) of a node under the `restart` policy
 * to the first packet its fresh instance processed. Packets come from the application, and
 * the crash a second after the first 100 of them: a node that crashes has been running a while,
 * not starting up.
 */
export async function restartRecovery(): Promise<number> {
  const { CalculatorGraph, graph, registry } = await faultAt();
  const stamp = new SharedArrayBuffer(16);
  const g = new CalculatorGraph(
    graph()
      .input('in')
      .node('FaultAtCalculator', {
        name: 'faulty',
        inputs: { '': 'in' },
        outputs: { '': 'm' },
        options: { fault: 'exit', at: 100, stamp, heapLimitMb: HEAP_MB },
        restart: { policy: 'restart' },
      })
      .node('PassThroughCalculator', { inputs: { '': 'm' }, outputs: { '': 'out' } })
      .build(),
    { registry },
  );
  try {
    await g.startRun();
    for (let ts = 0; ts < 100; ts++) await g.addPacket('in', ts, ts);
    await g.waitUntilIdle();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    // The crash, then packets as fast as they go until the fresh instance has processed one: those
    // its predecessor read before it died are lost with it.
    const stamps = new Float64Array(stamp);
    for (let ts = 100; stamps[1] === 0; ts++) await g.addPacket('in', ts, ts);
    const [at, recovered] = stamps;
    g.closeAllInputStreams();
    await g.waitUntilDone();
    if (at === 0) throw new Error('restart.recovery: the fault was never injected');
    return recovered! - at!;
  } finally {
    await g.close();
  }
}

async function run(ctx: SuiteContext): Promise<void> {
  const cases: [string, () => Promise<number>][] = [
    ...CASES.map(([name, fault]): [string, () => Promise<number>] => [name, () => faultToFailure(fault)]),
    ['restart.recovery', restartRecovery],
  ];
  for (const [name, measure] of cases) {
    const times: number[] = [];
    for (let r = 0; r < ctx.reps; r++) {
      ctx.progress(`faults ${name}: repetition ${r + 1}/${ctx.reps}`);
      try {
        times.push(await measure());
      } catch (err) {
        ctx.fail(name, err);
        break;
      }
    }
    if (times.length === ctx.reps) {
      times.sort((a, b) => a - b);
      ctx.record(name, 'ms', times[Math.floor(times.length / 2)]!, 'ms');
    }
  }
  try {
    await fleetFaultCases(ctx);
  } catch (err) {
    ctx.fail('fleet.faulty', err);
  }
}

/** The suite. */
export const faultsSuite: Suite = {
  name: 'faults',
  description:
    'time from an injected calculator fault (throw, exit, out of memory, stuck call) to the run failing; ' +
    'recovery under the restart policy, and the camera fleet crashing once a second vs not at all',
  ratios: [
    { case: 'faults.throw', baseline: 'faults.clean', metric: 'ms' },
    { case: 'faults.exit', baseline: 'faults.clean', metric: 'ms' },
    { case: 'faults.oom', baseline: 'faults.clean', metric: 'ms' },
    { case: 'restart.recovery', baseline: 'faults.exit', metric: 'ms' },
    { case: 'fleet.faulty', baseline: 'fleet.clean', metric: 'fps', target: 0.9 },
  ],
  run,
};
