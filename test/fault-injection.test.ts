// Faults as a user's buggy calculator makes them, through the public graph API: every kind, in
// every phase, fails the run with a typed error naming the node and the phase, keeping the cause,
// and leaves no thread and no frame behind. A fault that went unreported would hang the test into
// its timeout or let the run resolve. Calls that never return: fault-stuck.test.ts.
import { describe, expect, it } from 'vitest';
import { liveThreadCount } from '../src/actors/thread-task.js';
import { CalculatorGraph } from '../src/api/calculator-graph.js';
import { pull, push, Session } from '../src/api/session.js';
import {
  CalculatorError,
  CancelledError,
  NodeStuckError,
  OutOfMemoryError,
  type WeftError,
  WorkerExitError,
} from '../src/core/errors.js';
import { graph } from '../src/core/graph-builder.js';
import { closedAfterEach } from './fixtures/closed-after-each.js';
import type { FaultKind, FaultPhase } from './fixtures/faults/faulty.js';
import { buggy, faultyGraph, faultyRun, type Layout } from './fixtures/faults/faulty-graphs.js';
import { faultRegistry } from './fixtures/faults/registry.js';

const registry = faultRegistry;

const opened = closedAfterEach();
const { graphs } = opened;

const KINDS: readonly [FaultKind, abstract new (...a: never[]) => WeftError, RegExp][] = [
  ['throw', CalculatorError, /injected throw/],
  ['reject', CalculatorError, /injected reject/],
  ['timer', CalculatorError, /injected timer/],
  ['floating', CalculatorError, /injected floating/],
  ['exit', WorkerExitError, /exit code 3/],
];
const PHASES: readonly FaultPhase[] = ['open', 'process', 'close'];

const LAYOUTS: readonly Layout[] = ['own', 'chained', 'executor'];

describe('a calculator fault fails the run, typed, naming node and phase', () => {
  it.each(
    LAYOUTS.flatMap((layout) =>
      KINDS.flatMap(([kind, cls, why]) => PHASES.map((phase) => [kind, phase, layout, cls, why] as const)),
    ),
  )('%s in %s, nodes on threads: %s', async (kind, phase, layout, cls, why) => {
    const g = faultyGraph(opened, kind, phase, {}, layout);
    const err = await g.runToCompletion().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(cls);
    expect(err).toMatchObject({ node: 'buggy', phase });
    const text = `${(err as Error).message} ${String((err as Error).cause)}`;
    expect(text).toMatch(why);
    // One context, the node's: a thread's own "[phase run]" does not leak into the message.
    expect((err as Error).message.match(/ \[(node|phase|stream) /g)).toHaveLength(1);
    await g.close();
    expect(g.frames.inUse()).toBe(0);
  });
});

describe('a microtask a synchronous calculator queued that throws fails the run, typed, naming the node', () => {
  // It runs when the thread next yields, which for a busy synchronous node may be while it finishes
  // (the thread's late error then races its result, and the error must win: it used to arrive as
  // WorkerExitError "exit code 1 after its result"), or while another node of a shared thread runs.
  it.each(LAYOUTS.flatMap((layout) => PHASES.map((phase) => [phase, layout] as const)))(
    'queued in %s, nodes on threads: %s',
    async (phase, layout) => {
      const g = faultyGraph(opened, 'microtask', phase, {}, layout);
      const err = await g.runToCompletion().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(CalculatorError);
      // Charged to the node and the stage that queued it, whichever runs when it throws.
      expect(err).toMatchObject({ node: 'buggy', phase });
      expect(`${(err as Error).message} ${String((err as Error).cause)}`).toMatch(/injected microtask/);
      await g.close();
      expect(g.frames.inUse()).toBe(0);
    },
  );
});

describe('a shared thread ended by process.exit from a timer is charged to the node that set it', () => {
  it.each(['chained', 'executor'] as const)('nodes on threads: %s', async (layout) => {
    const g = faultyGraph(opened, 'timerExit', 'process', {}, layout);
    const err = await g.runToCompletion().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkerExitError);
    expect(err).toMatchObject({ node: 'buggy' });
    expect((err as Error).message).toMatch(/FaultyCalculator: thread .* exited with exit code 3/);
    await g.close();
    expect(g.frames.inUse()).toBe(0);
  });
});

describe('a calculator that exhausts its heap ends its own thread, not the process', () => {
  // A node with a heap limit of its own is never chained: on an executor, its limit is the thread's.
  it.each(
    (['own', 'executor'] as const).flatMap((layout) => PHASES.map((phase) => [phase, layout] as const)),
  )('in %s, under a node heap limit of 64 MiB, nodes on threads: %s', async (phase, layout) => {
    const g = faultyGraph(opened, 'oom', phase, { heapLimitMb: 64 }, layout);
    const err = await g.runToCompletion().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutOfMemoryError);
    expect(err).toMatchObject({ node: 'buggy', phase });
    expect((err as Error).message).toMatch(/FaultyCalculator: .*limit 64 MiB/);
    await g.close();
    expect(g.frames.inUse()).toBe(0);
  });
});

describe('a calculator whose close throws while the run is stopped', () => {
  function liveGraph(): CalculatorGraph {
    const g = new CalculatorGraph(
      graph()
        .input('in')
        .node('FaultyCalculator', buggy('throw', 'close', 'in'))
        .output('out')
        .build(),
      { registry, watchdogMs: 20 },
    );
    graphs.push(g);
    return g;
  }

  function expectReportedStop(err: unknown): void {
    expect(err).toBeInstanceOf(CancelledError);
    expect((err as Error).message).toMatch(/node "buggy" failed while stopping/);
    expect((err as Error).cause).toBeInstanceOf(CalculatorError);
    expect((err as Error).cause).toMatchObject({ node: 'buggy', phase: 'close' });
  }

  it.each(['cancel', 'close'] as const)(
    'CalculatorGraph.%s(): waitUntilDone reports it as the cause',
    async (how) => {
      const g = liveGraph();
      const seen = new Promise<void>((resolve) => g.observeOutputStream('out', () => resolve()));
      await g.startRun();
      await g.addPacket('in', 1, 1);
      await seen;
      await g[how]();
      expectReportedStop(await g.waitUntilDone().catch((e: unknown) => e));
    },
  );

  it('Run.stop(): waitUntilDone reports it as the cause, and close() does not throw it again', async () => {
    const run = faultyRun(opened, 'throw', 'close');
    await run.start();
    await run.push({ value: 1 });
    expect((await run.pull()).status).toBe('sample');
    await run.stop();
    expectReportedStop(await run.waitUntilDone().catch((e: unknown) => e));
    await expect(run.close()).resolves.toBeUndefined();
  });

  it('Run.close() with nothing else awaited: close rejects with it', async () => {
    const run = faultyRun(opened, 'throw', 'close');
    await run.start();
    await run.push({ value: 1 });
    expect((await run.pull()).status).toBe('sample');
    expectReportedStop(await run.close().catch((e: unknown) => e));
  });
});

describe('a calculator whose close never returns while the run is stopped', () => {
  it.each(['loop', 'hang'] as const)(
    'close %s: stop() resolves with its thread gone, and the stop names the node stuck in close',
    async (fault) => {
      const run = new Session({ registry, watchdogMs: 20, shutdownTimeoutMs: 200 })
        .add(push('in'), graph().node('FaultyCalculator', buggy(fault, 'close', 'in')), pull('out'))
        .build();
      opened.runs.push(run);
      await run.start();
      await run.push({ value: 1 });
      expect((await run.pull()).status).toBe('sample');
      await run.stop();
      expect(liveThreadCount()).toBe(0);
      const err = await run.waitUntilDone().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CancelledError);
      expect((err as Error).message).toMatch(/node "buggy" failed while stopping: .*still in its close call/);
      expect((err as Error).cause).toBeInstanceOf(NodeStuckError);
      expect((err as Error).cause).toMatchObject({ node: 'buggy', phase: 'close' });
    },
  );
});

describe('the end of an output is final only once its producer finished cleanly', () => {
  it('a producer whose close throws after it ended the output: the pull rejects, never reports closed', async () => {
    // The end of stream reaches the output before the thread reports the failure of its close:
    // reporting `closed` then would be a clean end of a failed run (it did, in about half the runs).
    for (let attempt = 0; attempt < 8; attempt++) {
      const run = faultyRun(opened, 'throw', 'close');
      await run.start();
      for (let i = 0; i < 3; i++) await run.push({ value: i });
      run.closeInput();
      const seen: unknown[] = [];
      let last: unknown;
      for (;;) {
        const r = await run.pull().catch((e: unknown) => e);
        if (r instanceof Error) {
          last = r;
          break;
        }
        if ((r as { status: string }).status !== 'sample') {
          last = r;
          break;
        }
        seen.push((r as { sample: { value: unknown } }).sample.value);
      }
      expect(seen).toEqual([0, 1, 2]);
      expect(last).toBeInstanceOf(CalculatorError);
      expect(last).toMatchObject({ node: 'buggy', phase: 'close' });
      await run.close();
    }
  });
});

describe('a graph input throttled behind a faulty node', () => {
  // The node holds max_queue_size 1: once it is stuck, or gone, the application's next add waits for
  // room that never comes. The wait must end with the run's failure, not hang.
  it.each([
    ['loop', NodeStuckError],
    ['hang', NodeStuckError],
    ['exit', WorkerExitError],
    ['throw', CalculatorError],
  ] as const)('%s in process: the waiting addPacket rejects with the run’s error', async (kind, cls) => {
    const g = new CalculatorGraph(
      graph({ maxQueueSize: 1 })
        .input('in')
        .node('FaultyCalculator', buggy(kind, 'process', 'in', { stuckTimeoutMs: 300 }))
        .output('out')
        .build(),
      { registry, watchdogMs: 20 },
    );
    graphs.push(g);
    g.observeOutputStream('out', () => {});
    await g.startRun();
    const err = await (async () => {
      for (let ts = 0; ts < 1000; ts++) await g.addPacket('in', ts, ts);
    })().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(cls);
    expect(err).toMatchObject({ node: 'buggy' });
    await expect(g.waitUntilDone()).rejects.toBe(err);
    await g.close();
    expect(g.frames.inUse()).toBe(0);
  });
});

describe('an application callback that throws', () => {
  it.each(['packet', 'end'] as const)(
    'an output observer throwing in %s fails the run with ObserverError naming the stream',
    async (where) => {
      const g = new CalculatorGraph(
        graph()
          .node('CounterSourceCalculator', { outputs: { '': 'n' }, options: { count: 3 } })
          .node('PassThroughCalculator', { inputs: { '': 'n' }, outputs: { '': 'out' } })
          .output('out')
          .build(),
        { registry },
      );
      graphs.push(g);
      const boom = () => {
        throw new TypeError(`observer gave up in ${where}`);
      };
      g.observeOutputStream('out', where === 'packet' ? { packet: boom } : { end: boom });
      const err = await g.runToCompletion().catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'ERR_WEFT_OBSERVER', stream: 'out' });
      expect((err as Error).cause).toBeInstanceOf(TypeError);
    },
  );

  it('an output observer throwing in bound fails the run with ObserverError naming the stream', async () => {
    // A closed gate turns a packet into a bound alone: the observer's bound callback is called.
    const g = new CalculatorGraph(
      graph()
        .input('in')
        .input('allow')
        .node('GateCalculator', {
          inputs: { '': 'in', ALLOW: 'allow' },
          outputs: { '': 'out' },
        })
        .output('out')
        .build(),
      { registry },
    );
    graphs.push(g);
    g.observeOutputStream('out', {
      bound: () => {
        throw new TypeError('observer gave up in bound');
      },
    });
    await g.startRun();
    await g.addPacket('allow', false, 10);
    await g.addPacket('in', 1, 10);
    const err = await g.waitUntilDone().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_WEFT_OBSERVER', stream: 'out' });
    expect((err as Error).cause).toBeInstanceOf(TypeError);
  });
});

describe('side packets the run cannot deliver', () => {
  it('a side packet that cannot be copied to a thread (a function) is a CodecError naming it', async () => {
    const g = new CalculatorGraph(
      graph()
        .inputSidePacket('count')
        .node('CounterSourceCalculator', {
          name: 'counter',
          outputs: { '': 'n' },
          inputSidePackets: { COUNT: 'count' },
        })
        .output('n')
        .build(),
      { registry },
    );
    graphs.push(g);
    const err = await g.startRun({ count: () => 3 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_WEFT_CODEC', node: 'counter', stream: 'count', phase: 'open' });
    expect((err as Error).message).toContain('side packet "count"');
    await g.close();
  });

  it('a side packet another node sets only after its open cannot feed a node: SidePacketMissingError naming both', async () => {
    const g = new CalculatorGraph(
      graph()
        .node('CounterSourceCalculator', { name: 'first', outputs: { '': 'n' }, options: { count: 2 } })
        .node('CollectorCalculator', {
          name: 'collect',
          inputs: { '': 'n' },
          outputSidePackets: { COLLECTED: 'c' },
        })
        .node('CounterSourceCalculator', {
          name: 'second',
          outputs: { '': 'm' },
          inputSidePackets: { COUNT: 'c' },
        })
        .output('m')
        .build(),
      { registry },
    );
    graphs.push(g);
    const err = await g.startRun().catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'ERR_WEFT_SIDE_PACKET_MISSING',
      node: 'second',
      stream: 'c',
      phase: 'open',
    });
    expect((err as Error).message).toContain('node "collect"');
    await g.close();
  });
});
