// MediaPipe fields weft reads but does not use are never dropped silently: they are kept for
// formatGraphText and reported once, with the reason, when the graph is prepared.
import { describe, expect, it } from 'vitest';
import { CalculatorGraph } from '../src/api/calculator-graph.js';
import { formatGraphText, parseGraphText } from '../src/core/graph-text.js';
import { closedAfterEach } from './fixtures/closed-after-each.js';

const { graphs } = closedAfterEach();

const TEXT = `num_threads: 4
input_stream: "in"
output_stream: "out"
node {
  calculator: "PassThroughCalculator"
  input_stream: "in"
  output_stream: "out"
  max_in_flight: 2
  buffer_size_hint: 3
}`;

describe('MediaPipe fields weft does not use', () => {
  it('are reported once per graph, each with why', async () => {
    const warnings: string[] = [];
    const g = CalculatorGraph.fromText(TEXT, { onWarning: (m) => warnings.push(m) });
    graphs.push(g);
    await g.validate();
    await g.validate();
    // Observing a stream after validate() makes the graph validate again (as `weft run` does).
    g.observeOutputStream('out', () => {});
    await g.validate();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(
      "num_threads: 4: a graph's threads follow its nodes, executors and chaining in weft",
    );
    expect(warnings[0]).toMatch(/node "PassThroughCalculator #0": max_in_flight: 2: .*never overlap/);
    expect(warnings[0]).toContain('buffer_size_hint: 3: queues are sized by max_queue_size');
  });

  it('are written back by formatGraphText, so the text still says what MediaPipe would do', () => {
    const printed = formatGraphText(parseGraphText(TEXT));
    expect(printed).toContain('num_threads: 4');
    expect(printed).toContain('max_in_flight: 2');
    expect(printed).toContain('buffer_size_hint: 3');
    expect(parseGraphText(printed)).toStrictEqual(parseGraphText(TEXT));
  });
});

describe('MediaPipe constructs the parser keeps', () => {
  const SWITCH = `type: "ModelLoader"
input_side_packet: "MODEL_COMPLEXITY:model_complexity"
output_side_packet: "MODEL:model"
packet_generator { packet_generator: "SomeGenerator" output_side_packet: "generated" }
node {
  calculator: "SwitchContainer"
  input_side_packet: "SELECT:model_complexity"
  output_side_packet: "PACKET:model"
  option_value: "OPTIONS:options"
  options: {
    [mediapipe.SwitchContainerOptions.ext] {
      select: 1
      contained_node: {
        calculator: "ConstantSidePacketCalculator"
        options: { [mediapipe.ConstantSidePacketCalculatorOptions.ext]: { packet { string_value: "lite.tflite" } } }
      }
    }
  }
}`;

  it('an extension inside options (a contained node) keeps its bracketed name, through formatGraphText', () => {
    const config = parseGraphText(SWITCH);
    expect(config.nodes[0]!.options).toEqual({
      select: 1,
      containedNode: {
        calculator: 'ConstantSidePacketCalculator',
        options: {
          '[mediapipe.ConstantSidePacketCalculatorOptions.ext]': { packet: { stringValue: 'lite.tflite' } },
        },
      },
    });
    const printed = formatGraphText(config);
    expect(printed).toContain('[mediapipe.ConstantSidePacketCalculatorOptions.ext] {');
    expect(parseGraphText(printed)).toStrictEqual(config);
  });

  it('packet_generator is kept unused, and reported; option_value is read', () => {
    const config = parseGraphText(SWITCH);
    expect(config.unused).toEqual([
      'packet_generator { packet_generator: "SomeGenerator" output_side_packet: "generated" }',
    ]);
    expect(config.nodes[0]!.unused).toBeUndefined();
    expect(config.nodes[0]!.optionValues).toEqual(['OPTIONS:options']);
  });
});
