// MediaPipe's cycle tests (calculator_graph_test.cc Cycle, calculator_graph_bounds_test.cc
// PropagateBoundLoop), ported with their inputs and expected outputs: a back edge holds readiness
// like any input, the EarlyClose handler closes the loop's node when its forward input ends, and a
// graph that goes idle with a loop still open (a FlowLimiter's FINISHED edge) ends cleanly.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CalculatorGraph } from '../src/api/calculator-graph.js';
import { defaultRegistry } from '../src/api/graph-preparation.js';
import { CalculatorRegistry } from '../src/core/calculator-registry.js';
import { closedAfterEach } from './fixtures/closed-after-each.js';

const registry = new CalculatorRegistry(defaultRegistry())
  .register('UnitDelayCalculator', new URL('./fixtures/mediapipe/unit-delay.ts', import.meta.url))
  .register(
    'ScalarMultiplierCalculator',
    new URL('./fixtures/mediapipe/scalar-multiplier.ts', import.meta.url),
  )
  .register('Delay20Calculator', new URL('./fixtures/mediapipe/delay-20.ts', import.meta.url))
  .register(
    'OutputAndBoundSourceCalculator',
    new URL('./fixtures/mediapipe/output-and-bound-source.ts', import.meta.url),
  );

const { graphs } = closedAfterEach();

function load(text: string): CalculatorGraph {
  const g = CalculatorGraph.fromText(text, { registry, watchdogMs: 20 });
  graphs.push(g);
  return g;
}

function collect(g: CalculatorGraph, stream: string): [number, unknown][] {
  const seen: [number, unknown][] = [];
  g.observeOutputStream(stream, (ts, value) => seen.push([ts, value]));
  return seen;
}

/** An accumulator loop: integers + old_sum → sum, and sum delayed back into old_sum. */
function accumulator(source: string, delay: string): string {
  return `
    output_stream: "sum"
    ${source}
    node {
      calculator: "AdderCalculator"
      input_stream: "integers"
      input_stream: "old_sum"
      input_stream_info { tag_index: ":1" back_edge: true }
      output_stream: "sum"
      input_stream_handler { input_stream_handler: "EarlyCloseInputStreamHandler" }
    }
    node { calculator: "${delay}" input_stream: "sum" output_stream: "old_sum" }
  `;
}

describe('cycles, as MediaPipe runs them', () => {
  it('Cycle: running sums 1, 3, 6, 10, 15 at timestamps 0..4', async () => {
    const g = load(
      accumulator(
        `node {
          calculator: "CounterSourceCalculator" output_stream: "integers"
          node_options { [type.googleapis.com/weft.CounterSourceOptions] { start: 1 count: 5 } }
        }`,
        'UnitDelayCalculator',
      ),
    );
    const sum = collect(g, 'sum');
    await g.runToCompletion();
    expect(sum).toEqual([
      [0, 1],
      [1, 3],
      [2, 6],
      [3, 10],
      [4, 15],
    ]);
  });

  it('PropagateBoundLoop: 101 running sums i(i+1)/2 at timestamps 20i, bounds crossing the back edge', async () => {
    const g = load(
      accumulator(
        'node { calculator: "OutputAndBoundSourceCalculator" output_stream: "integers" }',
        'Delay20Calculator',
      ),
    );
    const sum = collect(g, 'sum');
    await g.runToCompletion();
    expect(sum).toEqual(Array.from({ length: 101 }, (_, i) => [20 * i, (i * (i + 1)) / 2]));
  });

  it('a FlowLimiter loop ends once its input closes and the graph is idle', async () => {
    const g = load(readFileSync(new URL('../examples/graphs/flow-limited.pbtxt', import.meta.url), 'utf8'));
    const out = collect(g, 'out');
    await g.startRun();
    for (let ts = 1; ts <= 5; ts++) await g.addPacket('in', ts, ts);
    g.closeAllInputStreams();
    await g.waitUntilDone();
    expect(out.length).toBeGreaterThan(0);
    for (const [ts, v] of out) expect(v).toBe(2 * ts);
  });

  it('a FlowLimiter loop that never saw a packet ends too (an ended input is not a full queue)', async () => {
    const g = load(readFileSync(new URL('../examples/graphs/flow-limited.pbtxt', import.meta.url), 'utf8'));
    const out = collect(g, 'out');
    await g.runToCompletion();
    expect(out).toEqual([]);
  });

  // Example 6.2 of Discrete-Time Signal Processing (3rd ed.), H(z) = (1 + 2z⁻¹) / (1 − 1.5z⁻¹ + 0.9z⁻²),
  // as MediaPipe's DirectFormI and DirectFormII build it: two cycles each. MediaPipe's
  // GlobalCountSource is a CounterSource from 1; its IntToFloat is a PassThrough (one number type).
  const SOURCE = `
    node {
      calculator: "CounterSourceCalculator" output_stream: "integers"
      node_options { [type.googleapis.com/weft.CounterSourceOptions] { start: 1 count: 5 } }
    }
    node { calculator: "PassThroughCalculator" input_stream: "integers" output_stream: "x" }`;
  const add = (a: string, b: string, out: string, back = false) => `
    node {
      calculator: "AdderCalculator" input_stream: "${a}" input_stream: "${b}" output_stream: "${out}"
      ${back ? 'input_stream_info { tag_index: ":1" back_edge: true }' : ''}
      input_stream_handler { input_stream_handler: "EarlyCloseInputStreamHandler" }
    }`;
  const delay = (a: string, out: string) =>
    `node { calculator: "UnitDelayCalculator" input_stream: "${a}" output_stream: "${out}" }`;
  const times = (a: string, side: string, out: string) =>
    `node { calculator: "ScalarMultiplierCalculator" input_stream: "${a}" input_side_packet: "${side}" output_stream: "${out}" }`;

  it.each([
    [
      'DirectFormI',
      [
        delay('x', 'a'),
        times('a', 'b1', 'b'),
        add('x', 'b', 'c'),
        add('c', 'f', 'y', true),
        delay('y', 'd'),
        times('d', 'a1', 'e'),
        delay('d', 'g'),
        times('g', 'a2', 'h'),
        add('e', 'h', 'f'),
      ],
    ],
    [
      'DirectFormII',
      [
        add('x', 'f', 'a', true),
        delay('a', 'b'),
        times('b', 'a1', 'd'),
        delay('b', 'c'),
        times('c', 'a2', 'e'),
        add('d', 'e', 'f'),
        times('b', 'b1', 'g'),
        add('a', 'g', 'y'),
      ],
    ],
  ])('%s: y = 1, 5.5, 14.35, 26.575, 39.9475 at timestamps 0..4', async (_, nodes) => {
    const g = load(`output_stream: "y" ${SOURCE} ${nodes.join('\n')}`);
    const y = collect(g, 'y');
    await g.runToCompletion({ a1: 1.5, a2: -0.9, b1: 2.0 });
    expect(y.map(([ts]) => ts)).toEqual([0, 1, 2, 3, 4]);
    const expected = [1.0, 5.5, 14.35, 26.575, 39.9475];
    for (const [i, [, v]] of y.entries()) expect(v).toBeCloseTo(expected[i]!, 4);
  });
});
