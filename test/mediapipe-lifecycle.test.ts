// MediaPipe's lifecycle and stopping tests, ported with their inputs and expected outputs
// (calculator_graph_test.cc CheckInputTimestamp and CheckInputTimestamp2,
// calculator_graph_stopping_test.cc CloseAllPacketSources): the input timestamp each call of a
// source sees, a source that stops itself, STOP from a node with inputs, which closes the sources
// while the node goes on, and closeAllPacketSources.
import { describe, expect, it } from 'vitest';
import { CalculatorGraph, defaultRegistry } from '../src/api/calculator-graph.js';
import { CalculatorRegistry } from '../src/core/calculator-registry.js';
import { closedAfterEach } from './fixtures/closed-after-each.js';

const stopping = new URL('./fixtures/mediapipe/stopping.ts', import.meta.url);
const registry = new CalculatorRegistry(defaultRegistry())
  .register(
    'CheckInputTimestampSourceCalculator',
    new URL('./fixtures/mediapipe/check-input-timestamp.ts', import.meta.url),
  )
  .register('InfiniteSequenceCalculator', stopping, 'InfiniteSequenceCalculator')
  .register('StoppingPassThroughCalculator', stopping, 'StoppingPassThroughCalculator');
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

  it('CheckInputTimestamp2: STOP from the sink closes the endless source; the sink goes on and the run ends cleanly', async () => {
    const g = CalculatorGraph.fromText(
      `
      output_stream: "out"
      node { calculator: "InfiniteSequenceCalculator" output_stream: "OUT:integer" }
      node {
        calculator: "StoppingPassThroughCalculator" input_stream: "integer" output_stream: "out"
        node_options { [type.googleapis.com/weft.StoppingPassThroughOptions] { stop_from: 5 } }
      }
    `,
      { registry },
    );
    graphs.push(g);
    const seen: number[] = [];
    g.observeOutputStream('out', (ts) => seen.push(ts));
    await g.runToCompletion();
    // 0..4, then whatever the source made before it was closed: every packet, in order.
    expect(seen.length).toBeGreaterThanOrEqual(5);
    expect(seen).toEqual(seen.map((_, i) => i));
  });

  it('CloseAllPacketSources: graph inputs end, the endless source closes, queued work finishes', async () => {
    const g = CalculatorGraph.fromText(
      `
      max_queue_size: 5
      input_stream: "input"
      output_stream: "input_out"
      output_stream: "count_out"
      output_stream: "event"
      output_stream: "event_out"
      node { calculator: "InfiniteSequenceCalculator" output_stream: "OUT:count" output_stream: "EVENT:event" }
      node {
        calculator: "StoppingPassThroughCalculator"
        input_stream: "count" input_stream: "input"
        output_stream: "count_out" output_stream: "input_out" output_stream: "EVENT:event_out"
        node_options { [type.googleapis.com/weft.StoppingPassThroughOptions] { stop_from: 11 } }
      }
    `,
      { registry },
    );
    graphs.push(g);
    const streams = ['input_out', 'count_out', 'event', 'event_out'] as const;
    const seen = Object.fromEntries(streams.map((s) => [s, [] as unknown[]]));
    let inputsThrough = () => {};
    const eight = new Promise<void>((resolve) => (inputsThrough = resolve));
    for (const s of streams) {
      g.observeOutputStream(s, (_ts, value) => {
        seen[s]!.push(value);
        if (s === 'input_out' && seen[s]!.length === 8) inputsThrough();
      });
    }
    await g.startRun();
    for (let i = 0; i < 8; i++) await g.addPacket('input', i, i);
    await eight;
    g.closeAllPacketSources();
    await g.waitUntilDone();
    expect(seen.input_out).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(seen.count_out!.length).toBeGreaterThanOrEqual(8);
    expect(seen.event).toEqual([1, 2]);
    expect(seen.event_out).toEqual([1, 2]);
  });
});
