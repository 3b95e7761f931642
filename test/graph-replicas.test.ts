// Replicas: `parallelism: N` runs a stateless calculator as N actors, outputs back in timestamp order.
import { afterEach, describe, expect, it } from 'vitest';
import { CalculatorGraph } from '../src/api/calculator-graph.js';
import { prepareGraph } from '../src/api/graph-preparation.js';
import { pull, push, Session } from '../src/api/session.js';
import { CalculatorRegistry } from '../src/core/calculator-registry.js';
import { graph } from '../src/core/graph-builder.js';
import { formatGraphText, parseGraphText } from '../src/core/graph-text.js';
import { closeStartedRuns, registry, startRun, testOptions } from './fixtures/run/setup.js';

afterEach(closeStartedRuns);

const reg = new CalculatorRegistry(registry).register(
  'JitterCalculator',
  new URL('./fixtures/graph/jitter.ts', import.meta.url),
);

describe('replica expansion', () => {
  it('turns a node into dispatch → N replicas → gather, named after the node', async () => {
    const config = graph()
      .input('in')
      .output('out')
      .node('PassThroughCalculator', {
        name: 'p',
        inputs: { '': 'in' },
        outputs: { '': 'out' },
        parallelism: 3,
      })
      .build();
    const { graph: g } = await prepareGraph(config, reg);
    expect(g.nodes.map((n) => n.name)).toEqual(['p.dispatch', 'p[0]', 'p[1]', 'p[2]', 'p.gather']);
    expect(g.nodes.map((n) => n.calculator)).toEqual([
      'ReplicaDispatchCalculator',
      'PassThroughCalculator',
      'PassThroughCalculator',
      'PassThroughCalculator',
      'ReplicaGatherCalculator',
    ]);
    expect(g.nodes[0]!.outputs).toHaveLength(3);
    expect(g.nodes[4]!.inputs).toHaveLength(3);
    expect(g.nodes[4]!.outputs.map((p) => p.name)).toEqual(['out']);
  });

  it('takes the contract default, and parallelism 1 leaves the node alone', async () => {
    const build = (parallelism?: number) =>
      graph()
        .input('in')
        .node('JitterCalculator', {
          name: 'j',
          inputs: { '': 'in' },
          outputs: { '': 'out' },
          ...(parallelism === undefined ? {} : { parallelism }),
        })
        .build();
    expect((await prepareGraph(build(), reg)).graph.nodes).toHaveLength(5);
    expect((await prepareGraph(build(1), reg)).graph.nodes.map((n) => n.name)).toEqual(['j']);
  });

  it('reads and writes parallelism in the text format', () => {
    const text =
      'input_stream: "a"\nnode { calculator: "PassThroughCalculator" input_stream: "a" output_stream: "b" parallelism: 4 }';
    const config = parseGraphText(text);
    expect(config.nodes[0]!.parallelism).toBe(4);
    expect(parseGraphText(formatGraphText(config)).nodes[0]!.parallelism).toBe(4);
  });
});

describe('replicas in actors', () => {
  it('outputs every packet once, in timestamp order, although replicas finish out of order', async () => {
    const config = graph()
      .input('in')
      .output('out')
      .node('JitterCalculator', { name: 'j', inputs: { '': 'in' }, outputs: { '': 'out' } })
      .build();
    const g = new CalculatorGraph(config, { ...testOptions, registry: reg });
    try {
      const got: number[] = [];
      g.observeOutputStream('out', (_ts, v) => got.push(v as number));
      await g.startRun();
      const n = 300;
      for (let i = 0; i < n; i++) await g.addPacket('in', i, i * 1000);
      g.closeAllInputStreams();
      await g.waitUntilDone();
      expect(got).toEqual(Array.from({ length: n }, (_, i) => i * 2));
      const replicas = g.stageStats().filter((s) => /^j\[\d\]$/.test(s.node));
      // Round robin: each of the 3 replicas processed its third of the packets.
      expect(replicas.map((s) => s.packetsIn)).toEqual([100, 100, 100]);
    } finally {
      await g.close();
    }
  });

  it("keeps a multi-input node's input sets together: each sum comes from one replica", async () => {
    const session = new Session({ ...testOptions, registry: reg }).add(
      push('a'),
      push('b'),
      graph().node('AdderCalculator', {
        name: 'add',
        inputs: { '': ['a', 'b'] },
        outputs: { '': 'sum' },
        parallelism: 2,
      }),
      pull('sum'),
    );
    const run = await startRun(session.build());
    const got: number[] = [];
    const puller = (async () => {
      for await (const s of run.output()) got.push(s.value as number);
    })();
    for (let i = 0; i < 50; i++) {
      await run.push({ input: 'a', value: i, timestamp: i });
      await run.push({ input: 'b', value: 1000 * i, timestamp: i });
    }
    run.closeInput();
    await puller;
    await run.waitUntilDone();
    expect(got).toEqual(Array.from({ length: 50 }, (_, i) => 1001 * i));
  });
});
