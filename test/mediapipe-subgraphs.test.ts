// Subgraphs, expanded as MediaPipe's subgraph_expansion does: a node whose calculator is a
// registered subgraph (a config with `type:`) becomes the subgraph's nodes, their names prefixed
// with the node's, joined to the node's streams by tag and index; nested subgraphs expand too.
import { describe, expect, it } from 'vitest';
import { CalculatorGraph } from '../src/api/calculator-graph.js';
import { defaultRegistry, prepareGraph } from '../src/api/graph-preparation.js';
import { CalculatorRegistry } from '../src/core/calculator-registry.js';
import { formatGraphText, parseGraphText } from '../src/core/graph-text.js';
import { closedAfterEach } from './fixtures/closed-after-each.js';

const { graphs } = closedAfterEach();

const DOUBLE = `
  type: "DoubleSubgraph"
  input_stream: "IN:x"
  output_stream: "OUT:y"
  node { calculator: "AdderCalculator" input_stream: "x" input_stream: "x" output_stream: "y" }
`;
// A subgraph made of subgraphs: quadruples.
const QUADRUPLE = `
  type: "QuadrupleSubgraph"
  input_stream: "IN:a"
  output_stream: "OUT:c"
  node { calculator: "DoubleSubgraph" input_stream: "IN:a" output_stream: "OUT:b" }
  node { name: "again" calculator: "DoubleSubgraph" input_stream: "IN:b" output_stream: "OUT:c" }
`;

function registry(): CalculatorRegistry {
  return new CalculatorRegistry(defaultRegistry()).registerSubgraph(DOUBLE).registerSubgraph(QUADRUPLE);
}

describe('subgraphs, as MediaPipe expands them', () => {
  it('a subgraph node runs as the subgraph, its names prefixed, its ports joined by tag', async () => {
    const g = CalculatorGraph.fromText(
      `
      input_stream: "in"
      output_stream: "out"
      node { calculator: "DoubleSubgraph" input_stream: "IN:in" output_stream: "OUT:mid" }
      node { name: "second" calculator: "QuadrupleSubgraph" input_stream: "IN:mid" output_stream: "OUT:out" }
    `,
      { registry: registry() },
    );
    graphs.push(g);
    const resolved = await g.validate();
    expect(resolved.nodes.map((n) => n.name)).toEqual([
      'doublesubgraph__AdderCalculator',
      'second__doublesubgraph__AdderCalculator',
      'second__again__AdderCalculator',
    ]);
    expect(resolved.streams.map((s) => s.name).sort()).toEqual(['in', 'mid', 'out', 'second__b']);
    const out: number[] = [];
    g.observeOutputStream('out', (_ts, v) => out.push(v as number));
    await g.startRun();
    for (let ts = 1; ts <= 3; ts++) await g.addPacket('in', ts, ts);
    g.closeAllInputStreams();
    await g.waitUntilDone();
    expect(out).toEqual([8, 16, 24]);
  });

  it('a tag the subgraph does not declare is a PortTagError naming it', async () => {
    const config = parseGraphText(`
      input_stream: "in"
      node { calculator: "DoubleSubgraph" input_stream: "VIDEO:in" output_stream: "OUT:out" }
    `);
    await expect(prepareGraph(config, registry())).rejects.toMatchObject({
      code: 'ERR_WEFT_PORT_TAG',
      message: expect.stringContaining('tag "VIDEO" does not exist in the subgraph config'),
    });
  });

  it('a subgraph that contains itself is refused', async () => {
    const r = new CalculatorRegistry(defaultRegistry()).registerSubgraph(`
      type: "Loop" input_stream: "IN:a" output_stream: "OUT:b"
      node { calculator: "Loop" input_stream: "IN:a" output_stream: "OUT:b" }
    `);
    const config = parseGraphText(
      'input_stream: "in" node { calculator: "Loop" input_stream: "IN:in" output_stream: "OUT:out" }',
    );
    await expect(prepareGraph(config, r)).rejects.toMatchObject({ code: 'ERR_WEFT_INVALID_ARGUMENT' });
  });

  it('a subgraph config keeps its tagged ports through formatGraphText', () => {
    const parsed = parseGraphText(DOUBLE);
    expect(parsed.subgraph).toMatchObject({
      type: 'DoubleSubgraph',
      inputStreams: [{ tag: 'IN', index: 0, name: 'x' }],
    });
    expect(parseGraphText(formatGraphText(parsed))).toStrictEqual(parsed);
  });

  it('registerSubgraph refuses a config without type and a name already taken', () => {
    const r = new CalculatorRegistry(defaultRegistry());
    expect(() => r.registerSubgraph('input_stream: "a"')).toThrow(/needs a type/);
    r.registerSubgraph(DOUBLE);
    expect(() => r.registerSubgraph(DOUBLE)).toThrow(/already registered/);
  });
});

describe('subgraph options (graph_options, option_value), as MediaPipe applies them', () => {
  // A subgraph whose option `shift` (default 7) sets its inner TimeShiftCalculator's shiftUs.
  const SHIFTER = `
    type: "ShiftSubgraph"
    input_stream: "IN:x"
    output_stream: "OUT:y"
    graph_options: { [type.googleapis.com/mediapipe.ShiftSubgraphOptions] { shift: 7 } }
    node {
      calculator: "TimeShiftCalculator" input_stream: "x" output_stream: "y"
      options: { [mediapipe.TimeShiftCalculatorOptions.ext] { shift_us: 0 } }
      option_value: "shift_us:options/shift"
    }
  `;

  async function shifted(node: string): Promise<number[]> {
    const g = CalculatorGraph.fromText(
      `input_stream: "in" output_stream: "out"
       node { calculator: "ShiftSubgraph" input_stream: "IN:in" output_stream: "OUT:out" ${node} }`,
      { registry: new CalculatorRegistry(defaultRegistry()).registerSubgraph(SHIFTER) },
    );
    graphs.push(g);
    const seen: number[] = [];
    g.observeOutputStream('out', (ts) => seen.push(ts));
    await g.startRun();
    for (const ts of [10, 20]) await g.addPacket('in', ts, ts);
    g.closeAllInputStreams();
    await g.waitUntilDone();
    return seen;
  }

  it("the node's options set the subgraph's option, which option_value copies into the inner node", async () => {
    expect(await shifted('options: { [mediapipe.ShiftSubgraphOptions.ext] { shift: 100 } }')).toEqual([
      110, 120,
    ]);
  });

  it("without the node's options the subgraph's graph_options default applies", async () => {
    expect(await shifted('')).toEqual([17, 27]);
  });

  it('graph_options and option_value survive formatGraphText', () => {
    const config = parseGraphText(SHIFTER);
    expect(config.graphOptions).toEqual({ shift: 7 });
    expect(config.nodes[0]!.optionValues).toEqual(['shift_us:options/shift']);
    const printed = formatGraphText(config);
    expect(printed).toContain('[type.googleapis.com/mediapipe.ShiftSubgraphOptions]');
    expect(parseGraphText(printed)).toStrictEqual(config);
  });

  it('a malformed option_value is refused, typed, naming the node', async () => {
    const g = CalculatorGraph.fromText(
      `input_stream: "in" output_stream: "out"
       node { name: "shift" calculator: "TimeShiftCalculator" input_stream: "in" output_stream: "out"
              option_value: "shift_us" }`,
    );
    graphs.push(g);
    await expect(g.validate()).rejects.toMatchObject({
      code: 'ERR_WEFT_INVALID_ARGUMENT',
      node: 'shift',
      message: expect.stringContaining('not node_field:graph_field'),
    });
  });
});
