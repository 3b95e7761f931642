// A calculator's `initialHeapMb`: resolved onto its node, and applied by its run before the run's
// threads start, by raising V8's process-wide initial old-space size (never lowering it, nor what
// the command line set). These tests check that bookkeeping; what V8 does with the flag is
// measured, not asserted: the `cluster` bench suite, whose Redis hosts ran a full collection every
// ~70 ms without it (see src/actors/initial-heap.ts).
import { describe, expect, it } from 'vitest';
import { initialHeapFromArgv, initialHeapMb, raiseInitialHeap } from '../src/actors/initial-heap.js';
import { CalculatorGraph } from '../src/api/calculator-graph.js';
import { defaultRegistry, prepareGraph } from '../src/api/graph-preparation.js';
import { CalculatorRegistry } from '../src/core/calculator-registry.js';
import { graph } from '../src/core/graph-builder.js';
import RedisStreamSourceCalculator from '../src/redis/redis-stream-source.js';
import { closedAfterEach } from './fixtures/closed-after-each.js';

const registry = new CalculatorRegistry(defaultRegistry()).register(
  'BigHeapCalculator',
  new URL('./fixtures/graph/big-heap.ts', import.meta.url),
);
const { graphs } = closedAfterEach();

const config = graph()
  .node('CounterSourceCalculator', { name: 'src', outputs: { '': 's' }, options: { count: 3 } })
  .node('BigHeapCalculator', { name: 'big', inputs: { '': 's' }, outputs: { '': 'out' } })
  .output('out')
  .build();

describe('initialHeapMb', () => {
  it.each([
    [[], 0],
    [['--initial-old-space-size=64'], 64],
    [['--initial_old_space_size=200'], 200],
    [['--initial-heap-size=32', '--initial-old-space-size=16'], 16],
    [['--max-old-space-size=512'], 0],
  ])('reads what the command line %j set: %i', (argv, mb) => {
    expect(initialHeapFromArgv(argv)).toBe(mb);
  });

  it('comes onto the node from its calculator (and stays off nodes whose calculator declares none)', async () => {
    const { graph: resolved } = await prepareGraph(config, registry, () => {});
    expect(resolved.nodes.map((n) => n.initialHeapMb)).toEqual([undefined, 96]);
  });

  it("a run raises the process's setting to what its nodes ask for, before its threads start; a smaller one lowers nothing", async () => {
    const g = new CalculatorGraph(config, { registry });
    graphs.push(g);
    const seen: unknown[] = [];
    g.observeOutputStream('out', (_ts, v) => seen.push(v));
    await g.runToCompletion();
    expect(seen).toEqual([0, 1, 2]);
    expect(initialHeapMb()).toBeGreaterThanOrEqual(96);
    const before = initialHeapMb();
    raiseInitialHeap(8);
    expect(initialHeapMb()).toBe(before);
  });

  it('the Redis stream source asks for room for its socket buffers', () => {
    expect(RedisStreamSourceCalculator.contract.initialHeapMb).toBe(128);
  });
});
