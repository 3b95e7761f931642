// MediaPipe's FlowLimiterCalculator tests (calculators/core/flow_limiter_calculator_test.cc), ported
// with their inputs, options and expected outputs. MediaPipe runs them on a simulated clock: a
// downstream SleepCalculator takes `sleep` µs per frame (`warmup` for the first), then a
// DropCalculator loses the third frame it sees (and, with `dropTimestamps`, its bound too), and the
// end of that chain is FINISHED. The same timeline is replayed here as a discrete-event simulation
// around the calculator, so every arrival, FINISHED and close happens in MediaPipe's order.
import { describe, expect, it } from 'vitest';
import { CalculatorGraph } from '../src/api/calculator-graph.js';
import { defaultRegistry } from '../src/api/graph-preparation.js';
import FlowLimiterCalculator from '../src/calculators/flow-limiter.js';
import { CalculatorRegistry } from '../src/core/calculator-registry.js';
import { graph } from '../src/core/graph-builder.js';
import { CalculatorRunner } from '../src/testing/calculator-runner.js';
import { closedAfterEach } from './fixtures/closed-after-each.js';

const { graphs } = closedAfterEach();
const blockingRegistry = new CalculatorRegistry(defaultRegistry()).register(
  'BlockingPassThroughCalculator',
  new URL('./fixtures/mediapipe/blocking.ts', import.meta.url),
);

interface Scenario {
  readonly options: Record<string, number>;
  readonly warmup: number;
  readonly sleep: number;
  readonly dropTimestamps: boolean;
  /** Adds at time 10000·step: [input, index] pairs (input 0 main, 1 auxiliary); value i at ts 10000·i. */
  readonly adds: (step: number) => [number, number][];
  readonly steps: number;
}

interface Outcome {
  main: number[];
  aux: number[];
  allow: [number, boolean][];
}

async function simulate(s: Scenario): Promise<Outcome> {
  const aux = s.adds(1).some(([input]) => input === 1) || s.adds(10).some(([input]) => input === 1);
  const r = new CalculatorRunner(FlowLimiterCalculator, {
    inputs: { '': aux ? 2 : 1 },
    outputs: { '': aux ? 2 : 1, ALLOW: 1 },
    backEdges: ['FINISHED'],
    options: s.options,
  });
  await r.open();
  // Pending FINISHED arrivals of the downstream chain, by time.
  const finishes: { at: number; ts: number; bound: boolean }[] = [];
  let busyUntil = 0;
  let seen = 0;
  let released = 0;
  // Frames the limiter let out since the last look go down the chain, one at a time.
  const downstream = (now: number) => {
    const out = r.outputs(':0');
    for (; released < out.length; released++) {
      const ts = out[released]!.timestamp;
      const start = Math.max(now, busyUntil);
      busyUntil = start + (seen === 0 ? s.warmup : s.sleep);
      seen++;
      if (seen === 3 && s.dropTimestamps) continue; // the frame and its bound are lost
      finishes.push({ at: busyUntil, ts: seen === 3 ? ts + 1 : ts, bound: seen === 3 });
    }
  };
  const finishUntil = async (t: number) => {
    for (;;) {
      finishes.sort((a, b) => a.at - b.at);
      const f = finishes[0];
      if (f === undefined || f.at > t) return;
      finishes.shift();
      if (f.bound) r.setBound('FINISHED', f.ts);
      else r.addPacket('FINISHED', f.ts, f.ts);
      await r.run();
      downstream(f.at);
    }
  };
  for (let step = 0; step <= s.steps; step++) {
    const now = step * 10000;
    await finishUntil(now);
    for (const [input, i] of s.adds(step)) r.addPacket(`:${input}`, i * 10000, i);
    await r.run();
    downstream(now);
  }
  await finishUntil(s.steps * 10000 + 5000);
  r.closeInput(':0');
  if (aux) r.closeInput(':1');
  await r.run();
  await finishUntil(Number.MAX_SAFE_INTEGER);
  const ids = (output: string) => r.outputs(output).map((p) => p.value as number);
  const outcome = {
    // out_1: what left the chain, so without the third frame the DropCalculator lost.
    main: ids(':0').filter((_, k) => k !== 2),
    aux: aux ? ids(':1') : [],
    allow: r.outputs('ALLOW').map((p): [number, boolean] => [p.timestamp, p.value as boolean]),
  };
  await r.close();
  return outcome;
}

const mainOnly =
  (steps: number) =>
  (step: number): [number, number][] =>
    step <= steps ? [[0, step]] : [];

// TwoInputStreams' pattern: the auxiliary stream lags by one up to step 9, then leads by one (and
// never gets packet 10).
const twoStreams = (step: number): [number, number][] => {
  if (step === 0) return [[0, 0]];
  if (step <= 9)
    return [
      [0, step],
      [1, step - 1],
    ];
  if (step <= 20)
    return [
      [1, step + 1],
      [0, step],
    ];
  return [];
};

describe('FlowLimiterCalculator, as MediaPipe tests it', () => {
  it('FinishedTimestamps: a FINISHED bound alone lets the next frame through', async () => {
    const o = await simulate({
      options: { maxInFlight: 1, maxInQueue: 1 },
      warmup: 22000,
      sleep: 22000,
      dropTimestamps: false,
      adds: mainOnly(8),
      steps: 8,
    });
    // Frame 4 was let through and lost downstream; its bound still freed the slot for 6.
    expect(o.main).toEqual([0, 2, 6, 8]);
    expect(o.allow).toEqual([
      [0, true],
      [10000, false],
      [20000, true],
      [30000, false],
      [40000, true],
      [50000, false],
      [60000, true],
      [70000, false],
      [80000, true],
    ]);
  });

  it('FinishedLost: a frame whose FINISHED never comes is abandoned after in_flight_timeout', async () => {
    const o = await simulate({
      options: { maxInFlight: 1, maxInQueue: 1, inFlightTimeout: 100000 },
      warmup: 22000,
      sleep: 22000,
      dropTimestamps: true,
      adds: mainOnly(20),
      steps: 20,
    });
    expect(o.main).toEqual([0, 2, 14, 17, 19, 20]);
  });

  it('FinishedDelayed: frames released by in_flight_timeout during a long warmup are processed later', async () => {
    const o = await simulate({
      options: { maxInFlight: 1, maxInQueue: 1, inFlightTimeout: 100000 },
      warmup: 500000,
      sleep: 22000,
      dropTimestamps: false,
      adds: mainOnly(70),
      steps: 70,
    });
    expect(o.main).toEqual([0, 10, 30, 40, 50, 60, 63, 65, 67, 69, 70]);
  });

  it('TwoInputStreams: the auxiliary stream passes where the main stream was let through', async () => {
    const o = await simulate({
      options: { maxInFlight: 1, maxInQueue: 1, inFlightTimeout: 100000 },
      warmup: 22000,
      sleep: 22000,
      dropTimestamps: true,
      adds: twoStreams,
      steps: 20,
    });
    expect(o.main).toEqual([0, 2, 14, 17, 19, 20]);
    expect(o.aux).toEqual([0, 2, 4, 14, 17, 19, 20, 21]);
  });

  it('ZeroQueue: with max_in_queue 0 every frame that finds the slot taken is dropped at once', async () => {
    const o = await simulate({
      options: { maxInFlight: 1, maxInQueue: 0, inFlightTimeout: 100000 },
      warmup: 12000,
      sleep: 12000,
      dropTimestamps: true,
      adds: twoStreams,
      steps: 20,
    });
    expect(o.main).toEqual([0, 2, 15, 17, 19]);
    expect(o.aux).toEqual([0, 2, 4, 15, 17, 19]);
    const expected: [number, boolean][] = [
      [0, true],
      [10000, false],
      [20000, true],
      [30000, false],
      [40000, true],
      ...Array.from({ length: 10 }, (_, k): [number, boolean] => [50000 + 10000 * k, false]),
      [150000, true],
      [160000, false],
      [170000, true],
      [180000, false],
      [190000, true],
      [200000, false],
    ];
    expect(o.allow).toEqual(expected);
  });

  it('OPTIONS and MAX_IN_FLIGHT side packets override the node options', async () => {
    const r = new CalculatorRunner(FlowLimiterCalculator, {
      outputs: { '': 1, ALLOW: 1 },
      backEdges: ['FINISHED'],
      sidePackets: { OPTIONS: { max_in_queue: 1 }, MAX_IN_FLIGHT: 2 },
    });
    await r.open();
    for (const ts of [1, 2, 3, 4]) r.addPacket(':0', ts, ts);
    await r.run();
    // Two in flight, one queued (3 dropped for 4).
    expect(r.outputs(':0').map((p) => p.timestamp)).toEqual([1, 2]);
    expect(r.outputs('ALLOW').map((p) => [p.timestamp, p.value])).toEqual([
      [1, true],
      [2, true],
      [3, false],
    ]);
    await r.close();
  });

  it('an OPTIONS packet with a value out of range fails the node, typed, naming it', async () => {
    const r = new CalculatorRunner(FlowLimiterCalculator, {
      inputs: { '': 1, FINISHED: 1, OPTIONS: 1 },
      backEdges: ['FINISHED'],
      name: 'limiter',
    });
    await r.open();
    r.addPacket('OPTIONS', 1, { max_in_flight: 0 });
    r.addPacket(':0', 1, 'a');
    await expect(r.run()).rejects.toMatchObject({
      code: 'ERR_WEFT_CALCULATOR',
      node: 'limiter',
      phase: 'process',
      message: expect.stringContaining('maxInFlight must be an integer ≥ 1, not 0'),
    });
  });

  it('a frame still queued when the input ends waits for its FINISHED, in a graph with a loop', async () => {
    const g = new CalculatorGraph(
      graph()
        .input('in')
        .node('FlowLimiterCalculator', {
          inputs: { '': 'in', FINISHED: { stream: 'out', backEdge: true } },
          outputs: { '': 'limited' },
          options: { maxInFlight: 1, maxInQueue: 1 },
        })
        .node('PassThroughCalculator', { inputs: { '': 'limited' }, outputs: { '': 'out' } })
        .output('out')
        .build(),
    );
    graphs.push(g);
    const out: number[] = [];
    g.observeOutputStream('out', (ts) => out.push(ts));
    await g.startRun();
    for (let ts = 1; ts <= 5; ts++) await g.addPacket('in', ts, ts);
    g.closeAllInputStreams();
    await g.waitUntilDone();
    // Whatever was dropped while frames were in flight, the last frame queued is let through.
    expect(out.at(-1)).toBe(5);
  });

  it('FramesDropped: frames beyond the queue are dropped, ALLOW says so, timestamps unaltered', async () => {
    // MediaPipe's semaphore graph: the node after the limiter holds each frame until released.
    const gate = new SharedArrayBuffer(8);
    const cell = new Int32Array(gate);
    const g = new CalculatorGraph(
      graph()
        .input('in_1')
        .node('FlowLimiterCalculator', {
          inputs: { '': 'in_1', FINISHED: { stream: 'out_1', backEdge: true } },
          outputs: { '': 'in_1_sampled', ALLOW: 'allow' },
          options: { maxInFlight: 1, maxInQueue: 1 },
        })
        .node('BlockingPassThroughCalculator', {
          inputs: { '': 'in_1_sampled' },
          outputs: { '': 'out_1' },
          options: { gate },
        })
        .output('out_1')
        .output('allow')
        .build(),
      { registry: blockingRegistry },
    );
    graphs.push(g);
    const out: [number, unknown][] = [];
    g.observeOutputStream('out_1', (ts, v) => out.push([ts, v]));
    // ALLOW packets as they come, awaited one at a time (MediaPipe's OutputStreamPoller::Next).
    const allow: boolean[] = [];
    const waiting: (() => void)[] = [];
    g.observeOutputStream('allow', (_, v) => {
      allow.push(v as boolean);
      waiting.shift()?.();
    });
    let taken = 0;
    const nextAllow = async (): Promise<boolean> => {
      if (allow.length <= taken) await new Promise<void>((resolve) => waiting.push(resolve));
      return allow[taken++]!;
    };
    const release = (n: number) => {
      Atomics.store(cell, 1, n);
      Atomics.notify(cell, 1);
    };
    await g.startRun();
    await g.addPacket('in_1', 0, 0);
    for (let i = 0; i < 9; i++) {
      expect(await nextAllow()).toBe(true);
      await g.addPacket('in_1', i * 10 + 5, i * 10 + 5); // waits in the limiter's queue
      await g.addPacket('in_1', i * 10 + 10, i * 10 + 10); // drops the one queued
      expect(await nextAllow()).toBe(false);
      release(i + 1);
    }
    release(10);
    g.closeInputStream('in_1');
    await g.waitUntilDone();
    expect(out.map(([ts]) => ts)).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
    expect(out.map(([, v]) => v)).toEqual(out.map(([ts]) => ts));
  });
});
