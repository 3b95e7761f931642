// Nodes sharing a thread (chains of one-to-one nodes, MediaPipe executors): the layout rule, and the
// same results, bounds, lifecycle and stage stats as on threads of their own.
import { describe, expect, it } from 'vitest';
import { actorGroups, type Chaining } from '../src/actors/actor-groups.js';
import { liveThreadCount } from '../src/actors/thread-task.js';
import { CalculatorGraph } from '../src/api/calculator-graph.js';
import { defaultRegistry, prepareGraph } from '../src/api/graph-preparation.js';
import { pull, push, Session } from '../src/api/session.js';
import { CalculatorRegistry } from '../src/core/calculator-registry.js';
import { InvalidArgumentError } from '../src/core/errors.js';
import { graph } from '../src/core/graph-builder.js';
import type { GraphConfig } from '../src/core/graph-config.js';
import { closedAfterEach } from './fixtures/closed-after-each.js';
import { waitUntil } from './helpers/wait-until.js';

const probe = new URL('./fixtures/graph/turn-probe.ts', import.meta.url);
const registry = new CalculatorRegistry(defaultRegistry())
  .register('AsyncDelayCalculator', new URL('./fixtures/graph/async-delay.ts', import.meta.url))
  .register('ProbeSourceCalculator', probe, 'ProbeSourceCalculator')
  .register('ProbeTakerCalculator', probe, 'ProbeTakerCalculator')
  .register('MicrotaskCountCalculator', probe, 'MicrotaskCountCalculator');
const { graphs, runs } = closedAfterEach();

async function layoutOf(config: GraphConfig, chaining: Chaining, cores = 64): Promise<number[][]> {
  const { graph: resolved } = await prepareGraph(config, registry, () => {});
  return actorGroups(resolved, chaining, cores).groups.map((g) => [...g]);
}

/** source → a → b, with b also read by c and a graph output: a fan-out after b. */
const fanOut = graph()
  .node('CounterSourceCalculator', { name: 'src', outputs: { '': 's' }, options: { count: 10 } })
  .node('PassThroughCalculator', { name: 'a', inputs: { '': 's' }, outputs: { '': 'x' } })
  .node('PassThroughCalculator', { name: 'b', inputs: { '': 'x' }, outputs: { '': 'y' } })
  .node('PassThroughCalculator', { name: 'c', inputs: { '': 'y' }, outputs: { '': 'z' } })
  .node('PassThroughCalculator', { name: 'd', inputs: { '': 'y' }, outputs: { '': 'w' } })
  .output('z')
  .output('w')
  .build();

describe('which nodes share a thread', () => {
  it('chaining fuses one-to-one links only: not across a fan-out or into a join', async () => {
    expect(await layoutOf(fanOut, 'on')).toEqual([[0, 1, 2], [3], [4]]);
    expect(await layoutOf(fanOut, 'off')).toEqual([[0], [1], [2], [3], [4]]);
    const join = graph()
      .node('CounterSourceCalculator', { name: 'l', outputs: { '': 'l' }, options: { count: 1 } })
      .node('CounterSourceCalculator', { name: 'r', outputs: { '': 'r' }, options: { count: 1 } })
      .node('MergeCalculator', { name: 'm', inputs: { '': ['l', 'r'] }, outputs: { '': 'o' } })
      .output('o')
      .build();
    expect(await layoutOf(join, 'on')).toEqual([[0], [1], [2]]);
  });

  it("'auto' keeps about a thread per core: a chain is cut into near-equal segments once nodes outnumber cores", async () => {
    expect(await layoutOf(fanOut, 'auto', 6)).toEqual([[0], [1], [2], [3], [4]]);
    // 5 nodes on 2 cores: the chain src → a → b (3 of the 5 nodes) gets ceil(3 × 2 / 5) = 2 threads.
    expect(await layoutOf(fanOut, 'auto', 2)).toEqual([[0], [1, 2], [3], [4]]);
    expect(await layoutOf(fanOut, 'auto', 1)).toEqual([[0, 1, 2], [3], [4]]);
    // Two heavy stages between a source and a sink, on 2 cores: each keeps a thread of its own.
    const burn = graph()
      .node('CounterSourceCalculator', { outputs: { '': 's' }, options: { count: 1 } })
      .node('PassThroughCalculator', { inputs: { '': 's' }, outputs: { '': 'x' } })
      .node('PassThroughCalculator', { inputs: { '': 'x' }, outputs: { '': 'y' } })
      .node('PassThroughCalculator', { inputs: { '': 'y' }, outputs: { '': 'z' } })
      .output('z')
      .build();
    expect(await layoutOf(burn, 'auto', 2)).toEqual([
      [0, 1],
      [2, 3],
    ]);
    // Fed by the application (a graph input): the main thread takes a core, the chain gets one thread.
    const fed = graph()
      .input('in')
      .node('PassThroughCalculator', { inputs: { '': 'in' }, outputs: { '': 'x' } })
      .node('PassThroughCalculator', { inputs: { '': 'x' }, outputs: { '': 'y' } })
      .node('PassThroughCalculator', { inputs: { '': 'y' }, outputs: { '': 'z' } })
      .output('z')
      .build();
    expect(await layoutOf(fed, 'auto', 2)).toEqual([[0, 1, 2]]);
    expect(await layoutOf(fed, 'auto', 4)).toEqual([[0], [1], [2]]);
  });

  it('nodes naming one executor share a thread, chained or not, and are never chained with others', async () => {
    const config = graph({ executors: [{ name: 'lane' }] })
      .node('CounterSourceCalculator', { name: 'src', outputs: { '': 's' }, options: { count: 10 } })
      .node('PassThroughCalculator', { name: 'a', inputs: { '': 's' }, outputs: { '': 'x' } })
      .node('PassThroughCalculator', {
        name: 'b',
        inputs: { '': 'x' },
        outputs: { '': 'y' },
        executor: 'lane',
      })
      .node('PassThroughCalculator', { name: 'c', inputs: { '': 'y' }, outputs: { '': 'z' } })
      .node('PassThroughCalculator', {
        name: 'd',
        inputs: { '': 'y' },
        outputs: { '': 'w' },
        executor: 'lane',
      })
      .output('z')
      .output('w')
      .build();
    expect(await layoutOf(config, 'off')).toEqual([[0], [1], [2, 4], [3]]);
    expect(await layoutOf(config, 'on')).toEqual([[0, 1], [2, 4], [3]]);
  });
});

/**
 * Every packet a graph's outputs deliver, per output, in order, and its end; bounds are checked to
 * rise and never to pass a later packet (which bounds reach the main thread depends on timing).
 */
async function outputsOf(config: GraphConfig, chaining: Chaining) {
  const g = new CalculatorGraph(config, { registry, chaining, watchdogMs: 20 });
  graphs.push(g);
  const seen: Record<string, unknown[]> = {};
  for (const name of config.outputStreams ?? []) {
    const list: unknown[] = (seen[name] = []);
    let settled = Number.NEGATIVE_INFINITY;
    g.observeOutputStream(name, {
      packet: (ts, value) => {
        expect(ts).toBeGreaterThanOrEqual(settled);
        settled = ts + 1;
        list.push([ts, value]);
      },
      bound: (bound) => {
        expect(bound).toBeGreaterThanOrEqual(settled);
        settled = bound;
      },
      end: () => list.push('end'),
    });
  }
  await g.runToCompletion();
  const stages = g.stageStats().map((s) => [s.node, s.packetsIn, s.packetsOut, s.processCalls]);
  await g.close();
  return { seen, stages };
}

describe('a chain behaves as the same nodes on threads of their own', () => {
  it('same packets, timestamps, rising bounds and per-node stage stats, with a timestamp shift and an async node inside', async () => {
    const config = graph()
      .node('CounterSourceCalculator', { name: 'src', outputs: { '': 's' }, options: { count: 3000 } })
      .node('TimeShiftCalculator', {
        name: 'shift',
        inputs: { '': 's' },
        outputs: { '': 'x' },
        options: { shiftUs: 7 },
      })
      .node('PacketThinnerCalculator', {
        name: 'thin',
        inputs: { '': 'x' },
        outputs: { '': 'y' },
        options: { period: 3, thinnerType: 'SYNC' },
      })
      .node('AsyncDelayCalculator', { name: 'async', inputs: { '': 'y' }, outputs: { '': 'z' } })
      .output('z')
      .build();
    const alone = await outputsOf(config, 'off');
    const chained = await outputsOf(config, 'on');
    expect(chained.seen.z!.length).toBeGreaterThan(1000);
    expect(chained).toEqual(alone);
  });

  it('runs a chain on one thread: five nodes, one worker', async () => {
    const config = graph()
      .node('CounterSourceCalculator', { outputs: { '': 's0' }, options: { count: 100 } })
      .node('PassThroughCalculator', { inputs: { '': 's0' }, outputs: { '': 's1' } })
      .node('PassThroughCalculator', { inputs: { '': 's1' }, outputs: { '': 's2' } })
      .node('PassThroughCalculator', { inputs: { '': 's2' }, outputs: { '': 's3' } })
      .node('PassThroughCalculator', { inputs: { '': 's3' }, outputs: { '': 's4' } })
      .output('s4')
      .build();
    const g = new CalculatorGraph(config, { registry, chaining: 'on' });
    graphs.push(g);
    let threads = -1;
    let count = 0;
    g.observeOutputStream('s4', () => {
      if (count++ === 0) threads = liveThreadCount();
    });
    await g.runToCompletion();
    expect(count).toBe(100);
    expect(threads).toBe(1);
  });
});

describe('a shared thread yields as a thread of its own does', () => {
  it.each(['on', 'off'] as const)(
    'microtasks a call queued run before the next call that follows a wait for input (chaining %s)',
    async (chaining) => {
      const session = new Session({ registry, chaining }).add(
        push('in'),
        graph()
          .node('MicrotaskCountCalculator', { inputs: { '': 'in' }, outputs: { '': 'mid' } })
          .node('PassThroughCalculator', { inputs: { '': 'mid' }, outputs: { '': 'out' } }),
        pull('out'),
      );
      const run = session.build({ preset: 'reliable' });
      runs.push(run);
      await run.start();
      const seen: unknown[] = [];
      for (let t = 0; t < 4; t++) {
        await run.push({ value: t, timestamp: t });
        seen.push((await run.pullOrThrow()).value);
        // The node waits for input now: its next call comes after that wait, and after a yield.
        await waitUntil(
          () => run.stageStats().find((s) => s.node === 'MicrotaskCountCalculator')?.state === 'WaitingInput',
          'the node waits for input',
        );
      }
      expect(seen).toEqual([0, 1, 2, 3]);
    },
  );
});

/** The probe source → taker on one executor thread; what each packet says, and the thread count. */
async function probeRun(options: { count: number; micros: number; frameBytes: number }) {
  const config = graph({ executors: [{ name: 'lane' }] })
    .node('ProbeSourceCalculator', { outputs: { '': 's' }, options, executor: 'lane' })
    .node('ProbeTakerCalculator', { inputs: { '': 's' }, outputs: { '': 't' }, executor: 'lane' })
    .output('t')
    .build();
  const g = new CalculatorGraph(config, { registry, frames: { classes: [{ slotBytes: 64, slots: 64 }] } });
  graphs.push(g);
  let threads = -1;
  const behind: unknown[] = [];
  g.observeOutputStream('t', (_ts, value) => {
    // The probe's counter is module state: both nodes must be on one thread for it to mean anything.
    if (behind.length === 0) threads = liveThreadCount();
    behind.push(value);
  });
  await g.runToCompletion();
  return { threads, behind };
}

describe('a source sharing its thread with its consumer', () => {
  // A source batching its calls (as it does with no consumer on its thread) would run ahead of the
  // consumer: call i would find it had taken fewer than i packets.
  it("hands a heavy call's packets on to it before its next call", async () => {
    // Each call spins 1 ms, past the 0.2 ms a source turn may run before its consumer's turn.
    const { threads, behind } = await probeRun({ count: 20, micros: 1000, frameBytes: 0 });
    expect(threads).toBe(1);
    expect(behind).toEqual(Array.from({ length: 20 }, () => 0));
  });

  it('hands a call that made frames on to it before its next call, however cheap', async () => {
    const { threads, behind } = await probeRun({ count: 20, micros: 0, frameBytes: 64 });
    expect(threads).toBe(1);
    expect(behind).toEqual(Array.from({ length: 20 }, () => 0));
  });
});

describe('executors declared by Session fragments', () => {
  const onLane = (name: string, from: string, to: string) =>
    graph({ executors: [{ name: 'lane' }] }).node('PassThroughCalculator', {
      name,
      inputs: { '': from },
      outputs: { '': to },
      executor: 'lane',
    });

  it('fragments declaring one executor alike share it: one declaration, one thread, packets through', async () => {
    const session = new Session().add(
      push('in'),
      onLane('a', 'in', 'x'),
      onLane('b', 'x', 'out'),
      pull('out'),
    );
    expect(session.config.executors).toEqual([{ name: 'lane' }]);
    expect(actorGroups(await session.validate(), 'off', 64).groups.map((g) => [...g])).toEqual([[0, 1]]);
    const run = session.build();
    runs.push(run);
    await run.start();
    expect(await run.push({ value: 7, timestamp: 1 })).toBe(true);
    expect(await run.pullOrThrow()).toMatchObject({ value: 7, timestamp: 1 });
  });

  it('two fragments declaring one executor differently are refused, naming it', () => {
    const other = graph({ executors: [{ name: 'lane', numThreads: 2 }] }).node('PassThroughCalculator', {
      inputs: { '': 'x' },
      outputs: { '': 'out' },
      executor: 'lane',
    });
    const session = new Session().add(push('in'), onLane('a', 'in', 'x'), other, pull('out'));
    expect(() => session.config).toThrow(InvalidArgumentError);
    expect(() => session.config).toThrow(/executor "lane" is declared by two fragments/);
  });
});
