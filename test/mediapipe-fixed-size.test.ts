// MediaPipe's FixedSizeHandlerBounds (calculator_graph_bounds_test.cc), ported with its inputs and
// expected outputs: a FixedSize node takes a packet that reaches it idle at once, and trims only what
// arrives while it works; the timestamps it dropped still let the join downstream go on.
import { describe, expect, it } from 'vitest';
import { CalculatorGraph } from '../src/api/calculator-graph.js';
import { defaultRegistry } from '../src/api/graph-preparation.js';
import { CalculatorRegistry } from '../src/core/calculator-registry.js';
import { graph } from '../src/core/graph-builder.js';
import { closedAfterEach } from './fixtures/closed-after-each.js';

const registry = new CalculatorRegistry(defaultRegistry()).register(
  'BlockingPassThroughCalculator',
  new URL('./fixtures/mediapipe/blocking.ts', import.meta.url),
);
const { graphs } = closedAfterEach();

describe('FixedSizeInputStreamHandler, as MediaPipe schedules it', () => {
  it('FixedSizeHandlerBounds: thinned [0, 3], output [0, 1, 2, 3]', async () => {
    const gate = new SharedArrayBuffer(8);
    const cell = new Int32Array(gate);
    const entered = async (n: number) => {
      for (let e = Atomics.load(cell, 0); e < n; e = Atomics.load(cell, 0)) {
        await Atomics.waitAsync(cell, 0, e).value;
      }
    };
    const release = (n: number) => {
      Atomics.store(cell, 1, n);
      Atomics.notify(cell, 1);
    };
    const g = new CalculatorGraph(
      graph()
        .input('input')
        .node('BlockingPassThroughCalculator', {
          inputs: { '': 'input' },
          outputs: { '': 'thinned' },
          options: { gate },
          inputStreamHandler: { name: 'FixedSizeInputStreamHandler' },
        })
        .node('PassThroughCalculator', {
          inputs: { '': ['thinned', 'input'] },
          outputs: { '': ['thinned_output', 'output'] },
        })
        .output('thinned_output')
        .output('output')
        .build(),
      { registry },
    );
    graphs.push(g);
    const thinned: number[] = [];
    const output: number[] = [];
    g.observeOutputStream('thinned_output', (ts) => thinned.push(ts));
    g.observeOutputStream('output', (ts) => output.push(ts));
    await g.startRun();
    await g.waitUntilIdle();
    // As MediaPipe's test: all four at once. The idle node takes 0 as it arrives; 1, 2 and 3 reach
    // it while process(0) holds, whether in the same read or later.
    for (let ts = 0; ts <= 3; ts++) await g.addPacket('input', 33, ts);
    await entered(1);
    release(1);
    await entered(2); // the next call is the newest packet's: 1 and 2 were dropped
    release(2);
    await g.waitUntilIdle();
    expect(thinned).toEqual([0, 3]);
    expect(output).toEqual([0, 1, 2, 3]);
    g.closeAllPacketSources();
    await g.waitUntilDone();
    expect(Atomics.load(cell, 0)).toBe(2);
  });
});
