import { afterEach, describe, expect, it } from 'vitest';
import { CalculatorGraph, defaultRegistry } from '../src/actors/calculator-graph.js';
import { CalculatorRegistry } from '../src/core/calculator-registry.js';
import { graph } from '../src/core/graph-builder.js';

const registry = new CalculatorRegistry(defaultRegistry()).register(
  'BurnCpuCalculator',
  new URL('../bench/calculators/burn-cpu.ts', import.meta.url),
);

let g: CalculatorGraph | undefined;
afterEach(async () => {
  await g?.close();
});

describe('Chrome trace export', () => {
  it('parses as trace JSON with one track per actor and stage events on those tracks', async () => {
    g = new CalculatorGraph(
      graph()
        .node('CounterSourceCalculator', { name: 'source', outputs: { '': 'a' }, options: { count: 100 } })
        .node('BurnCpuCalculator', {
          name: 'slow',
          inputs: { '': 'a' },
          outputs: { '': 'b' },
          options: { micros: 2000 },
        })
        .node('PassThroughCalculator', { name: 'after', inputs: { '': 'b' }, outputs: { '': 'c' } })
        .output('c')
        .build(),
      { registry, profileIntervalMs: 20 },
    );
    await g.runToCompletion();
    const trace = JSON.parse(JSON.stringify(g.chromeTrace())) as { traceEvents: Record<string, unknown>[] };
    const tracks = trace.traceEvents.filter((e) => e.name === 'thread_name');
    expect(tracks.map((e) => (e.args as { name: string }).name)).toEqual([
      'source (CounterSourceCalculator)',
      'slow (BurnCpuCalculator)',
      'after (PassThroughCalculator)',
    ]);
    expect(new Set(tracks.map((e) => e.tid)).size).toBe(3);
    const spans = trace.traceEvents.filter((e) => e.ph === 'X');
    expect(spans.length).toBeGreaterThan(0);
    for (const e of spans) expect([1, 2, 3]).toContain(e.tid);
    expect(spans.some((e) => e.tid === 2 && e.name === 'work')).toBe(true);
  });
});
