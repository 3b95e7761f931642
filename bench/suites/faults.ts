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
 * The suite runs the compiled package (dist/, built by `npm install` or `npm run build`) with a
 * JavaScript calculator, as users run weft. Each case runs a counter source (timestamps 0 to 100) → the calculator (which fails at 100) → a
 * pass-through;
 * thread start-up is not counted. The median of the repetitions is reported.
 *
 * Threading: main thread.
 */
import { existsSync } from 'node:fs';
import type { Suite, SuiteContext } from '../lib/suite.js';

type Weft = typeof import('../../src/index.js');
type Fault = 'none' | 'throw' | 'exit' | 'oom' | 'loop';

// The compiled package, as users run it: threads from dist/ load no TypeScript loader, whose code
// would otherwise sit in every thread's heap (and slow the out-of-memory case with it).
const DIST = new URL('../../dist/index.js', import.meta.url);
let weft: Weft | undefined;
async function compiled(): Promise<Weft> {
  if (!existsSync(DIST)) throw new Error('the faults suite runs the compiled package: npm run build first');
  weft ??= (await import(DIST.href)) as Weft;
  return weft;
}

/** The failing node's heap limit, MiB. */
const HEAP_MB = 64;

const CASES: readonly [string, Fault][] = [
  ['faults.clean', 'none'],
  ['faults.throw', 'throw'],
  ['faults.exit', 'exit'],
  ['faults.oom', 'oom'],
  ['faults.stuck500', 'loop'],
];

/** Milliseconds from the injected fault to the run's end; throws if the run ended the wrong way. */
export async function faultToFailure(fault: Fault): Promise<number> {
  const { CalculatorGraph, CalculatorRegistry, defaultRegistry, graph } = await compiled();
  const registry = new CalculatorRegistry(defaultRegistry()).register(
    'FaultAtCalculator',
    new URL('../calculators/fault-at.mjs', import.meta.url),
  );
  const stamp = new SharedArrayBuffer(8);
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

async function run(ctx: SuiteContext): Promise<void> {
  for (const [name, fault] of CASES) {
    const times: number[] = [];
    for (let r = 0; r < ctx.reps; r++) {
      ctx.progress(`faults ${name}: repetition ${r + 1}/${ctx.reps}`);
      try {
        times.push(await faultToFailure(fault));
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
}

/** The suite. */
export const faultsSuite: Suite = {
  name: 'faults',
  description:
    'time from an injected calculator fault (throw, exit, out of memory, stuck call) to the run failing',
  ratios: [
    { case: 'faults.throw', baseline: 'faults.clean', metric: 'ms' },
    { case: 'faults.exit', baseline: 'faults.clean', metric: 'ms' },
    { case: 'faults.oom', baseline: 'faults.clean', metric: 'ms' },
  ],
  run,
};
