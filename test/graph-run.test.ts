import { afterEach, describe, expect, it } from 'vitest';
import { liveThreadCount } from '../src/actors/thread-task.js';
import { CalculatorGraph, type CalculatorGraphOptions } from '../src/api/calculator-graph.js';
import { defaultRegistry } from '../src/api/graph-preparation.js';
import { CalculatorRegistry } from '../src/core/calculator-registry.js';
import {
  CalculatorError,
  CancelledError,
  DeadlockError,
  GraphInvalidError,
  NodeStuckError,
  WorkerExitError,
} from '../src/core/errors.js';
import { graph } from '../src/core/graph-builder.js';
import { Timestamp } from '../src/core/timestamp.js';

const registry = new CalculatorRegistry(defaultRegistry());
for (const [name, file] of [
  ['FailInCalculator', 'fail-in'],
  ['HoldUntilCloseCalculator', 'hold-until-close'],
  ['LifecycleProbeCalculator', 'lifecycle-probe'],
  ['FrameSourceCalculator', 'frame-source'],
  ['FrameCheckCalculator', 'frame-check'],
  ['AsyncDelayCalculator', 'async-delay'],
  ['FrameHoarderCalculator', 'frame-hoarder'],
] as const) {
  registry.register(name, new URL(`./fixtures/graph/${file}.ts`, import.meta.url));
}

const open: CalculatorGraph[] = [];
function make(config: ReturnType<ReturnType<typeof graph>['build']>, options: CalculatorGraphOptions = {}) {
  const g = new CalculatorGraph(config, { registry, watchdogMs: 20, shutdownTimeoutMs: 2000, ...options });
  open.push(g);
  return g;
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((g) => g.close()));
});

function collect(g: CalculatorGraph, stream: string): { ts: number; value: unknown }[] {
  const out: { ts: number; value: unknown }[] = [];
  g.observeOutputStream(stream, (ts, value) => out.push({ ts, value }));
  return out;
}

describe('running a graph of actors', () => {
  it('runs a source through a chain of pass-through actors, in order, to the end', async () => {
    const g = make(
      graph()
        .node('CounterSourceCalculator', { outputs: { '': 'a' }, options: { count: 500 } })
        .node('PassThroughCalculator', { name: 'p1', inputs: { '': 'a' }, outputs: { '': 'b' } })
        .node('PassThroughCalculator', { name: 'p2', inputs: { '': 'b' }, outputs: { '': 'c' } })
        .output('c')
        .build(),
    );
    const out = collect(g, 'c');
    await g.runToCompletion();
    expect(out.map((p) => p.ts)).toEqual(Array.from({ length: 500 }, (_, i) => i));
    expect(out.map((p) => p.value)).toEqual(Array.from({ length: 500 }, (_, i) => i));
    expect(liveThreadCount()).toBe(0);
  });

  it('keeps per-node counters equal to the packets actually sent', async () => {
    const g = make(
      graph()
        .node('CounterSourceCalculator', { name: 'src', outputs: { '': 'a' }, options: { count: 300 } })
        .node('PassThroughCalculator', { name: 'p1', inputs: { '': 'a' }, outputs: { '': 'b' } })
        .node('PassThroughCalculator', { name: 'p2', inputs: { '': 'b' }, outputs: { '': 'c' } })
        .output('c')
        .build(),
    );
    await g.runToCompletion();
    const stats = Object.fromEntries(g.stageStats().map((s) => [s.node, s]));
    expect(stats.src).toMatchObject({ packetsIn: 0, packetsOut: 300, processCalls: 300, state: 'Done' });
    expect(stats.p1).toMatchObject({ packetsIn: 300, packetsOut: 300, processCalls: 300, queueDepths: [0] });
    expect(stats.p2).toMatchObject({
      packetsIn: 300,
      packetsOut: 300,
      processCalls: 300,
      queueLimits: [100],
    });
  });

  it('feeds graph inputs from the main thread and closes cleanly', async () => {
    const g = make(
      graph()
        .input('in')
        .node('PassThroughCalculator', { inputs: { '': 'in' }, outputs: { '': 'out' } })
        .output('out')
        .build(),
    );
    const out = collect(g, 'out');
    await g.startRun();
    for (let t = 10; t < 20; t++) await g.addPacket('in', { t }, t);
    g.closeAllInputStreams();
    await g.waitUntilDone();
    expect(out).toEqual(Array.from({ length: 10 }, (_, i) => ({ ts: 10 + i, value: { t: 10 + i } })));
  });

  it('keeps the lifecycle order, delivers packets from open and close, and returns side packets', async () => {
    const g = make(
      graph()
        .input('in')
        .inputSidePacket('greeting')
        .outputSidePacket('log')
        .node('LifecycleProbeCalculator', {
          inputs: { '': 'in' },
          outputs: { '': 'out' },
          inputSidePackets: { GREETING: 'greeting' },
          outputSidePackets: { LOG: 'log' },
        })
        .output('out')
        .build(),
    );
    const out = collect(g, 'out');
    await g.startRun({ greeting: 'world' });
    await g.addPacket('in', 'x', 5);
    await g.addPacket('in', 'y', 6);
    g.closeAllInputStreams();
    await g.waitUntilDone();
    expect(out).toEqual([
      { ts: 1, value: 'hello world' },
      { ts: 5, value: 'x' },
      { ts: 6, value: 'y' },
      { ts: Timestamp.Max, value: 'bye' },
    ]);
    expect(g.outputSidePackets().log).toEqual(['open@Unstarted', 'process@5', 'process@6', 'close@Done']);
  });

  it('fans one frame out to two actors without copying, and frees every frame', async () => {
    const g = make(
      graph()
        .node('FrameSourceCalculator', { outputs: { '': 'frames' }, options: { count: 200, bytes: 8192 } })
        .node('FrameCheckCalculator', { name: 'c1', inputs: { '': 'frames' }, outputs: { '': 'a' } })
        .node('FrameCheckCalculator', { name: 'c2', inputs: { '': 'frames' }, outputs: { '': 'b' } })
        .output('a', 'b')
        .build(),
    );
    const a = collect(g, 'a');
    const b = collect(g, 'b');
    await g.runToCompletion();
    expect(a.length).toBe(200);
    expect(b.map((p) => p.value)).toEqual(a.map((p) => p.value));
    expect(g.frames.inUse()).toBe(0);
  });

  it('runs an async calculator whose process awaits timers, fed from another actor and from main', async () => {
    const g = make(
      graph()
        .input('in')
        .node('AsyncDelayCalculator', { name: 'slow', inputs: { '': 'in' }, outputs: { '': 'out' } })
        .output('out')
        .build(),
    );
    const out = collect(g, 'out');
    await g.startRun();
    for (let t = 1; t <= 20; t++) await g.addPacket('in', t, t);
    g.closeAllInputStreams();
    await g.waitUntilDone();
    expect(out).toEqual(Array.from({ length: 20 }, (_, i) => ({ ts: i + 1, value: (i + 1) * 10 })));
  });

  it('reports every validation problem before any worker starts', async () => {
    const g = make(
      graph()
        .node('NoSuchCalculator', { inputs: { '': 'x' }, outputs: { '': 'y' } })
        .node('PassThroughCalculator', { inputs: { '': 'missing' }, outputs: { '': 'y' } })
        .build(),
    );
    const err = await g.startRun().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GraphInvalidError);
    const codes = (err as { problems: { code: string }[] }).problems.map((p) => p.code);
    expect(codes).toContain('ERR_WEFT_UNKNOWN_CALCULATOR');
    expect(codes).toContain('ERR_WEFT_NO_PRODUCER');
    expect(liveThreadCount()).toBe(0);
  });
});

describe('failures end the run promptly and leak nothing', () => {
  function failing(phase: string) {
    return graph()
      .node('CounterSourceCalculator', { outputs: { '': 'a' }, options: { count: 100_000 } })
      .node('FailInCalculator', {
        name: 'breaker',
        inputs: { '': 'a' },
        outputs: { '': 'b' },
        options: { phase, at: 3 },
      })
      .node('PassThroughCalculator', { name: 'after', inputs: { '': 'b' }, outputs: { '': 'c' } })
      .output('c')
      .build();
  }

  it.each([
    ['process', CalculatorError, 'process'],
    ['close', CalculatorError, 'close'],
  ])('an error thrown in %s fails the run with the node, phase and cause', async (phase, cls, wantPhase) => {
    const g = make(failing(phase));
    const err = await g.runToCompletion().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(cls);
    expect(err).toMatchObject({ node: 'breaker', phase: wantPhase });
    expect((err as Error).message).toContain('FailInCalculator');
    expect(((err as Error).cause as Error).message).toMatch(/bad packet at 3|refusing to close/);
    expect(liveThreadCount()).toBe(0);
    expect(g.frames.inUse()).toBe(0);
  });

  it('an error in open rejects startRun and nothing keeps running', async () => {
    const g = make(failing('open'));
    const err = await g.startRun().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CalculatorError);
    expect(err).toMatchObject({ node: 'breaker', phase: 'open' });
    expect(liveThreadCount()).toBe(0);
  });

  it('a worker that exits mid-run fails the run with WorkerExitError naming the node', async () => {
    const g = make(failing('exit'));
    const err = await g.runToCompletion().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkerExitError);
    expect((err as Error).message).toContain('breaker');
    expect(liveThreadCount()).toBe(0);
  });

  it('a calculator stuck in a call past the limit fails the run with NodeStuckError', async () => {
    const g = make(failing('hang'), { stuckTimeoutMs: 1000 });
    const err = await g.runToCompletion().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NodeStuckError);
    expect(err).toMatchObject({ node: 'breaker' });
    // The stuck thread was ended but not waited for; close() waits until it is gone.
    await g.close();
    expect(liveThreadCount()).toBe(0);
  });

  it('cancel() stops a running graph: waitUntilDone rejects with CancelledError', async () => {
    const g = make(
      graph()
        .node('CounterSourceCalculator', { outputs: { '': 'a' }, options: { count: 1e9 } })
        .node('PassThroughCalculator', { inputs: { '': 'a' }, outputs: { '': 'b' } })
        .output('b')
        .build(),
    );
    let seen = 0;
    g.observeOutputStream('b', () => {
      seen++;
      if (seen === 1000) void g.cancel();
    });
    await g.startRun();
    await expect(g.waitUntilDone()).rejects.toBeInstanceOf(CancelledError);
    expect(liveThreadCount()).toBe(0);
  });
});

describe('back-pressure and deadlock', () => {
  function deadlocking(reportDeadlock: boolean) {
    // The join waits for "held", which HoldUntilClose emits only when the source has finished;
    // the source blocks once the join's "direct" queue is full: a throttling deadlock.
    return graph({ maxQueueSize: 2, reportDeadlock })
      .node('CounterSourceCalculator', { outputs: { '': 'direct' }, options: { count: 20_000 } })
      .node('HoldUntilCloseCalculator', { inputs: { '': 'direct' }, outputs: { '': 'held' } })
      .node('MergeCalculator', { name: 'join', inputs: { '': ['direct', 'held'] }, outputs: { '': 'out' } })
      .output('out')
      .build();
  }

  it('reports a deadlock naming the full stream, the node and the fix', async () => {
    const g = make(deadlocking(true), { ringBytes: 1024 });
    const err = await g.runToCompletion().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeadlockError);
    expect(err).toMatchObject({ node: 'join', stream: 'direct' });
    expect((err as Error).message).toContain('max_queue_size');
    expect(liveThreadCount()).toBe(0);
  });

  it('resolves the deadlock by growing the queue, with a warning, when not asked to report it', async () => {
    const warnings: string[] = [];
    const g = make(deadlocking(false), { ringBytes: 1024, onWarning: (m) => warnings.push(m) });
    const out = collect(g, 'out');
    await g.runToCompletion();
    expect(out.length).toBe(20_000);
    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings[0]).toContain('"join"');
  });

  it('fails the run with PoolExhaustedError, by code and with the node, when allocAsync times out', async () => {
    const g = make(
      graph()
        .node('FrameSourceCalculator', {
          name: 'source',
          outputs: { '': 'frames' },
          options: { count: 10, bytes: 16, waitMs: 20 },
        })
        .node('FrameHoarderCalculator', { name: 'hoarder', inputs: { '': 'frames' } })
        .build(),
      tinyPool,
    );
    await g.startRun();
    const err = await g.waitUntilDone().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'ERR_WEFT_CALCULATOR', node: 'source', phase: 'process' });
    expect((err as Error).cause).toMatchObject({ code: 'ERR_WEFT_POOL_EXHAUSTED' });
    expect(g.frames.inUse()).toBe(0);
  });

  // Frames of 4 × 4 RGB from a 3-slot class, all kept downstream: the source waits for a slot forever.
  function frameStarved(reportDeadlock: boolean) {
    return graph({ reportDeadlock })
      .node('SyntheticVideoCalculator', {
        name: 'camera',
        outputs: { '': 'rgb' },
        options: { width: 4, height: 4, format: 'rgb', count: 100 },
      })
      .node('FrameHoarderCalculator', { name: 'hoarder', inputs: { '': 'rgb' } })
      .build();
  }
  const tinyPool = { frames: { name: 'tiny', classes: [{ slotBytes: 64, slots: 3 }] } };

  it.each([
    ['fails the run with a DeadlockError', true],
    ['warns', false],
  ])(
    'names a node starved of frames and the exhausted size class: with report_deadlock it %s',
    async (_, report) => {
      let warned!: (m: string) => void;
      const warning = new Promise<string>((resolve) => {
        warned = resolve;
      });
      const g = make(frameStarved(report), { ...tinyPool, onWarning: (m) => warned(m) });
      await g.startRun();
      const message = report
        ? await g.waitUntilDone().then(
            () => 'finished',
            (err: unknown) => {
              expect(err).toBeInstanceOf(DeadlockError);
              expect(err).toMatchObject({ node: 'camera', phase: 'run' });
              return (err as Error).message;
            },
          )
        : await warning;
      expect(message).toContain('node "camera" has waited');
      expect(message).toContain('3 slots of 64 bytes');
      expect(message).toContain('give the class more slots');
      await g.close();
      expect(liveThreadCount()).toBe(0);
    },
  );
});
