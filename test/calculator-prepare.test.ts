// A definition's `prepare` hook: run once on each thread that will run the calculator, as soon as
// its module is imported and before any instance (also on the idle standby of a node under the
// `restart` policy), never on a thread that only imports the module; its failure is ignored.
import { describe, expect, it } from 'vitest';
import { CalculatorGraph } from '../src/api/calculator-graph.js';
import { defaultRegistry } from '../src/api/graph-preparation.js';
import { CalculatorRegistry } from '../src/core/calculator-registry.js';
import { graph } from '../src/core/graph-builder.js';
import { closedAfterEach } from './fixtures/closed-after-each.js';
import { preparedHere } from './fixtures/graph/prepared.js';

const url = new URL('./fixtures/graph/prepared.ts', import.meta.url);
const registry = new CalculatorRegistry(defaultRegistry())
  .register('PreparedCalculator', url)
  .register('ThrowingPrepareCalculator', url, 'Throwing')
  .register('RejectingPrepareCalculator', url, 'Rejecting')
  .register('ExitingPrepareCalculator', url, 'Exiting')
  .register('LoopingPrepareCalculator', url, 'Looping');
const { graphs } = closedAfterEach();

type Record = { runsOn: number; preparedOn: number; prepared: number };

async function run(calculator: string, node: object = {}, values = [0, 1, 2, 3, 4]): Promise<Record[]> {
  const g = new CalculatorGraph(
    graph()
      .input('in')
      .node(calculator, { inputs: { '': 'in' }, outputs: { '': 'out' }, ...node })
      .output('out')
      .build(),
    { registry, chaining: 'off' },
  );
  graphs.push(g);
  const out: Record[] = [];
  g.observeOutputStream('out', (_ts, v) => out.push(v as Record));
  await g.startRun();
  for (const v of values) await g.addPacket('in', v, v);
  g.closeAllInputStreams();
  await g.waitUntilDone();
  return out;
}

describe('a calculator definition’s prepare hook', () => {
  it('runs once on the node’s thread before its instance processes, never on the thread that registers it', async () => {
    const out = await run('PreparedCalculator');
    expect(out).toHaveLength(5);
    const thread = out[0]!.runsOn;
    expect(thread).not.toBe(0);
    for (const r of out) expect(r).toEqual({ runsOn: thread, preparedOn: thread, prepared: 1 });
    // This thread imported the module (validation read its contract): no prepare here.
    expect(preparedHere.count).toBe(0);
  });

  it('runs once per thread, however many nodes of the calculator share it', async () => {
    const g = new CalculatorGraph(
      graph({ executors: [{ name: 'lane' }] })
        .input('in')
        .node('PreparedCalculator', { inputs: { '': 'in' }, outputs: { '': 'mid' }, executor: 'lane' })
        .node('PreparedCalculator', { inputs: { '': 'mid' }, outputs: { '': 'out' }, executor: 'lane' })
        .output('out')
        .build(),
      { registry },
    );
    graphs.push(g);
    const out: Record[] = [];
    g.observeOutputStream('out', (_ts, v) => out.push(v as Record));
    await g.startRun();
    await g.addPacket('in', 0, 0);
    g.closeAllInputStreams();
    await g.waitUntilDone();
    expect(out).toEqual([{ runsOn: out[0]!.runsOn, preparedOn: out[0]!.runsOn, prepared: 1 }]);
  });

  it('runs on the fresh thread that replaces a crashed one under the restart policy', async () => {
    const out = await run('PreparedCalculator', { restart: { policy: 'restart' }, options: { exitAt: 2 } });
    // The packet at 2 died with the first thread (at most once); the rest came through.
    expect(out).toHaveLength(4);
    const threads = [...new Set(out.map((r) => r.runsOn))];
    expect(threads).toHaveLength(2);
    for (const r of out) expect(r).toEqual({ runsOn: r.runsOn, preparedOn: r.runsOn, prepared: 1 });
  });

  it.each([
    ['throws', 'ThrowingPrepareCalculator'],
    ['rejects', 'RejectingPrepareCalculator'],
  ])('a prepare that %s is ignored: %s runs all the same', async (_how, calculator) => {
    expect(await run(calculator)).toHaveLength(5);
  });

  it('a prepare that ends its thread fails the run: WorkerExitError naming the node, in open', async () => {
    await expect(run('ExitingPrepareCalculator', { name: 'prep' })).rejects.toMatchObject({
      code: 'ERR_WEFT_WORKER_EXIT',
      node: 'prep',
      phase: 'open',
    });
  });

  it('a prepare that never returns is a stuck open: NodeStuckError naming the node, thread ended', async () => {
    const g = new CalculatorGraph(
      graph()
        .input('in')
        .node('LoopingPrepareCalculator', {
          name: 'prep',
          inputs: { '': 'in' },
          outputs: { '': 'out' },
          stuckTimeoutMs: 300,
        })
        .output('out')
        .build(),
      { registry, watchdogMs: 20 },
    );
    graphs.push(g);
    await expect(g.startRun()).rejects.toMatchObject({
      code: 'ERR_WEFT_NODE_STUCK',
      node: 'prep',
      phase: 'open',
    });
  });
});
