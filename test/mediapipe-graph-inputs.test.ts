// Graph input streams as MediaPipe throttles them (calculator_graph_test.cc,
// calculator_graph_event_loop_test.cc), ported with MediaPipe's configs and expectations: an input is
// full while a queue it feeds holds max_queue_size packets; adding then waits (and a graph stuck
// behind the wait is a deadlock, reported or resolved) or, in add-if-not-full mode, is refused.
import { describe, expect, it } from 'vitest';
import { CalculatorGraph } from '../src/api/calculator-graph.js';
import { defaultRegistry } from '../src/api/graph-preparation.js';
import { CalculatorRegistry } from '../src/core/calculator-registry.js';
import { GraphThrottledError } from '../src/core/errors.js';
import { graph } from '../src/core/graph-builder.js';
import { closedAfterEach } from './fixtures/closed-after-each.js';

const registry = new CalculatorRegistry(defaultRegistry()).register(
  'BlockingPassThroughCalculator',
  new URL('./fixtures/mediapipe/blocking.ts', import.meta.url),
);
const { graphs } = closedAfterEach();

function load(text: string, warnings: string[] = []): CalculatorGraph {
  const g = CalculatorGraph.fromText(text, { registry, onWarning: (m) => warnings.push(m) });
  graphs.push(g);
  return g;
}

const TWO_INPUTS = `
  max_queue_size: 1
  input_stream: 'input1'
  input_stream: 'input2'
  node {
    calculator: 'PassThroughCalculator'
    input_stream: 'input1'
    input_stream: 'input2'
    output_stream: 'output1'
    output_stream: 'output2'
  }
`;

describe('deadlocks behind a graph input', () => {
  it.each([
    ['DeadlockIsReportedAndSufficientInfoProvided', ''],
    [
      'DeadlockIsReportedAndSufficientInfoProvidedMultipleCalculators',
      `node { calculator: 'MergeCalculator' input_stream: 'output1' input_stream: 'output2'
              output_stream: 'output3' }`,
    ],
  ])('%s: the waiting add fails with the deadlock, naming the input and the calculator', async (_, more) => {
    const g = load(`report_deadlock: true ${TWO_INPUTS} ${more}`);
    await g.startRun();
    expect(await g.addPacket('input1', 1, 0)).toBe(true);
    const err = await g.addPacket('input1', 1, 1).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'ERR_WEFT_DEADLOCK',
      node: 'PassThroughCalculator',
      stream: 'input1',
      message: expect.stringMatching(/deadlock.*input1.*PassThroughCalculator/),
    });
    await expect(g.waitUntilDone()).rejects.toBe(err);
  });

  it('without report_deadlock the full queue grows, with a warning, and the add goes through', async () => {
    const warnings: string[] = [];
    const g = load(TWO_INPUTS, warnings);
    await g.startRun();
    await g.addPacket('input1', 1, 0);
    expect(await g.addPacket('input1', 2, 1)).toBe(true);
    expect(warnings.join('\n')).toMatch(/raising max_queue_size of input :0 \("input1"\).* from 1 to 2/);
    g.closeAllInputStreams();
    await g.waitUntilDone();
  });
});

describe('add modes', () => {
  // The BlockingPassThroughCalculator holds each process call until the test releases it.
  // With `front`, a PassThroughCalculator stands between the input and the blocking node.
  function blocked(maxQueueSize: number, front = false): { g: CalculatorGraph; cell: Int32Array } {
    // The gate is shared memory given as the node's option, as MediaPipe's test gives its mutex.
    const gate = new SharedArrayBuffer(8);
    const b = graph({ maxQueueSize }).input('input_numbers');
    if (front)
      b.node('PassThroughCalculator', { inputs: { '': 'input_numbers' }, outputs: { '': 'passed' } });
    const g = new CalculatorGraph(
      b
        .node('BlockingPassThroughCalculator', {
          inputs: { '': front ? 'passed' : 'input_numbers' },
          outputs: { '': 'output_numbers' },
          options: { gate },
        })
        .output('output_numbers')
        .build(),
      { registry },
    );
    graphs.push(g);
    return { g, cell: new Int32Array(gate) };
  }
  // Adds packets 0, 1, … to input_numbers until one is refused (at most 10): what refused it, and how many went in.
  async function addUntilRefused(g: CalculatorGraph): Promise<{ refused: unknown; added: number }> {
    let refused: unknown;
    let added = 0;
    for (let i = 0; i < 10 && refused === undefined; i++) {
      await g.addPacket('input_numbers', i, i).then(
        () => added++,
        (e: unknown) => {
          refused = e;
        },
      );
    }
    return { refused, added };
  }
  const release = (cell: Int32Array, n: number) => {
    Atomics.store(cell, 1, n);
    Atomics.notify(cell, 1);
  };

  it('ThrottleGraphInputStreamTwice: add-if-not-full refuses with "Graph is throttled", run after run', async () => {
    const { g, cell } = blocked(1);
    g.setGraphInputStreamAddMode('addIfNotFull');
    expect(g.getGraphInputStreamAddMode()).toBe('addIfNotFull');
    for (let run = 0; run < 2; run++) {
      Atomics.store(cell, 0, 0);
      Atomics.store(cell, 1, 0);
      await g.startRun();
      const { refused, added } = await addUntilRefused(g);
      expect(refused).toBeInstanceOf(GraphThrottledError);
      expect(refused).toMatchObject({
        code: 'ERR_WEFT_GRAPH_THROTTLED',
        stream: 'input_numbers',
        message: expect.stringContaining('Graph is throttled'),
      });
      // One in process, one queued: the third is refused at the latest.
      expect(added).toBeLessThanOrEqual(2);
      release(cell, 1000);
      g.closeInputStream('input_numbers');
      await g.waitUntilDone();
    }
  });

  it('a full queue further downstream throttles the input too (UpdateThrottledNodes: every ancestor source)', async () => {
    const { g, cell } = blocked(1, true);
    g.setGraphInputStreamAddMode('addIfNotFull');
    await g.startRun();
    const { refused, added } = await addUntilRefused(g);
    // The pass-through in front never holds a packet long: the blocking node's queue is what fills.
    // One in process, one waiting for it, and at most one more seen nowhere for a moment (taken
    // by the pass-through, its output not yet published): without the downstream check all ten go in.
    expect(refused).toBeInstanceOf(GraphThrottledError);
    expect(added).toBeLessThanOrEqual(3);
    release(cell, 1000);
    g.closeInputStream('input_numbers');
    await g.waitUntilDone();
  });

  it('ThrottlingDisabled: max_queue_size -1 never throttles', async () => {
    const { g, cell } = blocked(-1);
    g.setGraphInputStreamAddMode('addIfNotFull');
    await g.startRun();
    for (let i = 0; i < 10; i++) expect(await g.addPacket('input_numbers', i, i)).toBe(true);
    release(cell, 1000);
    g.closeInputStream('input_numbers');
    await g.waitUntilDone();
  });

  it('wait-till-not-full (the default) waits for room: a bounded wait ends false, nothing added', async () => {
    const { g, cell } = blocked(1);
    const seen: number[] = [];
    g.observeOutputStream('output_numbers', (ts) => seen.push(ts));
    await g.startRun();
    let ts = 0;
    // Fill: one packet in process, one queued; the next add finds the input full.
    while (await g.addPacket('input_numbers', ts, ts, 0)) ts++;
    expect(ts).toBeLessThanOrEqual(2);
    release(cell, 1000);
    expect(await g.addPacket('input_numbers', ts, ts)).toBe(true);
    g.closeInputStream('input_numbers');
    await g.waitUntilDone();
    expect(seen).toEqual(Array.from({ length: ts + 1 }, (_, i) => i));
  });

  it('refuses an unknown mode, typed', () => {
    const { g } = blocked(1);
    expect(() => g.setGraphInputStreamAddMode('dropOldest' as never)).toThrow(
      expect.objectContaining({ code: 'ERR_WEFT_INVALID_ARGUMENT' }),
    );
  });
});
