// MediaPipe's bound tests (calculator_graph_bounds_test.cc SetInputStreamTimestampBound and
// EmptyPacketOutput), ported with their inputs and expected outputs: a bound set on a graph input,
// and a bound emitted instead of a packet, reach a node that turns settled timestamps into packets;
// and any stream can be observed, not only declared outputs.
import { describe, expect, it } from 'vitest';
import { CalculatorGraph } from '../src/api/calculator-graph.js';
import { defaultRegistry } from '../src/api/graph-preparation.js';
import { CalculatorRegistry } from '../src/core/calculator-registry.js';
import { closedAfterEach } from './fixtures/closed-after-each.js';

const bounds = new URL('./fixtures/mediapipe/bounds.ts', import.meta.url);
const registry = new CalculatorRegistry(defaultRegistry())
  .register('ProcessBoundToPacketCalculator', bounds, 'ProcessBoundToPacketCalculator')
  .register('EmptyPacketCalculator', bounds, 'EmptyPacketCalculator');
const { graphs } = closedAfterEach();

/** Loads `text`; `outputs()` waits until `output_0` has seen `n` packets and returns them. */
function load(text: string) {
  const g = CalculatorGraph.fromText(text, { registry });
  graphs.push(g);
  const seen: [number, unknown][] = [];
  const waiters: [number, () => void][] = [];
  g.observeOutputStream('output_0', (ts, v) => {
    seen.push([ts, v]);
    for (const [n, wake] of waiters) if (seen.length >= n) wake();
  });
  const outputs = (n: number) =>
    new Promise<[number, unknown][]>((resolve) => {
      if (seen.length >= n) resolve(seen);
      else waiters.push([n, () => resolve(seen)]);
    });
  return { g, seen, outputs };
}

const expected = Array.from({ length: 9 }, (_, i) => [10 + 10 * i, 10 + 10 * i]);

describe('timestamp bounds, as MediaPipe propagates them', () => {
  it('SetInputStreamTimestampBound: each bound on a graph input settles a timestamp downstream', async () => {
    const { g, seen, outputs } = load(`
      input_stream: "input_0"
      output_stream: "output_0"
      node { calculator: "ProcessBoundToPacketCalculator" input_stream: "input_0" output_stream: "output_0" }
    `);
    await g.startRun();
    for (let i = 0; i < 9; i++) {
      await g.setInputStreamTimestampBound('input_0', 10 + 10 * i + 1);
      await outputs(i + 1);
    }
    g.closeAllPacketSources();
    await g.waitUntilDone();
    expect(seen).toEqual(expected);
  });

  it('a bound below what the input already promised is refused at the call', async () => {
    const { g } = load(`
      input_stream: "input_0"
      output_stream: "output_0"
      node { calculator: "ProcessBoundToPacketCalculator" input_stream: "input_0" output_stream: "output_0" }
    `);
    await g.startRun();
    await g.setInputStreamTimestampBound('input_0', 50);
    await expect(g.setInputStreamTimestampBound('input_0', 40)).rejects.toMatchObject({
      code: 'ERR_WEFT_TIMESTAMP_ORDER',
      stream: 'input_0',
    });
    await expect(g.addPacket('input_0', 1, 49)).rejects.toMatchObject({ code: 'ERR_WEFT_TIMESTAMP_ORDER' });
    await expect(g.setInputStreamTimestampBound('input_0', Number.NaN)).rejects.toMatchObject({
      code: 'ERR_WEFT_INVALID_TIMESTAMP',
    });
    g.closeAllInputStreams();
    await g.waitUntilDone();
  });

  it('EmptyPacketOutput: an empty packet (a bound) upstream becomes a packet downstream', async () => {
    const { g, seen, outputs } = load(`
      input_stream: "input_0"
      output_stream: "output_0"
      node { calculator: "EmptyPacketCalculator" input_stream: "input_0" output_stream: "empty_0" }
      node { calculator: "ProcessBoundToPacketCalculator" input_stream: "empty_0" output_stream: "output_0" }
    `);
    await g.startRun();
    for (let i = 0; i < 9; i++) {
      await g.addPacket('input_0', i, 10 + 10 * i);
      await outputs(i + 1);
    }
    g.closeAllPacketSources();
    await g.waitUntilDone();
    expect(seen).toEqual(expected);
  });
});

describe('observing any stream, as MediaPipe allows', () => {
  it('a stream between two nodes is observed like an output; the outputs are unchanged', async () => {
    const g = CalculatorGraph.fromText(
      `
      input_stream: "in"
      output_stream: "out"
      node { calculator: "PassThroughCalculator" input_stream: "in" output_stream: "mid" }
      node { calculator: "PassThroughCalculator" input_stream: "mid" output_stream: "out" }
    `,
      { registry },
    );
    graphs.push(g);
    const mid: [number, unknown][] = [];
    const out: [number, unknown][] = [];
    g.observeOutputStream('mid', (ts, v) => mid.push([ts, v]));
    g.observeOutputStream('out', (ts, v) => out.push([ts, v]));
    await g.startRun();
    for (let ts = 1; ts <= 3; ts++) await g.addPacket('in', ts * 10, ts);
    g.closeAllInputStreams();
    await g.waitUntilDone();
    expect(mid).toEqual([
      [1, 10],
      [2, 20],
      [3, 30],
    ]);
    expect(out).toEqual(mid);
  });

  it('a stream no node produces is refused when the graph is validated', async () => {
    const g = CalculatorGraph.fromText(
      `
      input_stream: "in"
      output_stream: "out"
      node { calculator: "PassThroughCalculator" input_stream: "in" output_stream: "out" }
    `,
      { registry },
    );
    graphs.push(g);
    g.observeOutputStream('nowhere', () => {});
    await expect(g.startRun()).rejects.toMatchObject({ code: 'ERR_WEFT_GRAPH_INVALID' });
  });

  it('a declared graph output nothing produces is ignored with a warning, as MediaPipe ignores it', async () => {
    // MediaPipe reads a graph's output_stream only when the graph is a subgraph (side_packet_to_stream
    // test AtTimestampWithMultipleOutputs declares one nothing produces, and runs).
    const warnings: string[] = [];
    const g = CalculatorGraph.fromText(
      `
      input_stream: "in"
      output_stream: "packet"
      output_stream: "out"
      output_side_packet: "nothing"
      node { calculator: "PassThroughCalculator" input_stream: "in" output_stream: "out" }
    `,
      { registry, onWarning: (m) => warnings.push(m) },
    );
    graphs.push(g);
    const out: number[] = [];
    g.observeOutputStream('out', (ts) => out.push(ts));
    await g.startRun();
    await g.addPacket('in', 'x', 3);
    g.closeAllInputStreams();
    await g.waitUntilDone();
    expect(out).toEqual([3]);
    expect(warnings.join('\n')).toMatch(
      /output_stream "packet", output_side_packet "nothing", which no node produces/,
    );
    expect(g.outputSidePackets()).toEqual({});
  });
});
