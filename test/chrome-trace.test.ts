import { afterEach, describe, expect, it } from 'vitest';
import { CalculatorGraph } from '../src/api/calculator-graph.js';
import { slowChain, slowRegistry } from './fixtures/graph/slow-chain.js';

let g: CalculatorGraph | undefined;
afterEach(async () => {
  await g?.close();
});

describe('Chrome trace export', () => {
  it('parses as trace JSON with one track per actor and stage events on those tracks', async () => {
    g = new CalculatorGraph(slowChain(100, 2000, false).build(), {
      registry: slowRegistry,
      profileIntervalMs: 20,
    });
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
