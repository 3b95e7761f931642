// MediaPipe's lifecycle tests (calculator_graph_test.cc CheckInputTimestamp), ported: the input
// timestamp each call of a source sees, and a source that stops itself.
import { describe, expect, it } from 'vitest';
import { CalculatorGraph, defaultRegistry } from '../src/api/calculator-graph.js';
import { CalculatorRegistry } from '../src/core/calculator-registry.js';
import { closedAfterEach } from './fixtures/closed-after-each.js';

const registry = new CalculatorRegistry(defaultRegistry()).register(
  'CheckInputTimestampSourceCalculator',
  new URL('./fixtures/mediapipe/check-input-timestamp.ts', import.meta.url),
);
const { graphs } = closedAfterEach();

describe('lifecycle, as MediaPipe runs it', () => {
  it('CheckInputTimestamp: a source sees Unstarted in open, 0 in process, Done in close; STOP ends it', async () => {
    const g = CalculatorGraph.fromText(
      `
      output_stream: "out"
      node { calculator: "CheckInputTimestampSourceCalculator" output_stream: "integer" }
      node { calculator: "PassThroughCalculator" input_stream: "integer" output_stream: "out" }
    `,
      { registry },
    );
    graphs.push(g);
    const seen: number[] = [];
    g.observeOutputStream('out', (ts, value) => {
      expect(value).toBe(ts);
      seen.push(ts);
    });
    await g.runToCompletion();
    expect(seen).toEqual([0, 1, 2, 3, 4]);
  });
});
