// Ports MediaPipe's begin_end_loop_calculator_graph_test.cc (BeginLoopCalculator and
// EndLoopCalculator: BeginEndLoopCalculatorGraphTest, ...ProcessingEmptyPacketsTest,
// ...WithClonedInputsTest and BeginEndTensorLoopCalculatorGraphTest), plus the loop-internal
// timestamps, the generic names, and the faults: malformed input fails the run typed, naming the node.
import { describe, expect, it } from 'vitest';
import type { CalculatorGraph } from '../src/api/calculator-graph.js';
import { failedIn, feed, graphHarness } from './fixtures/mediapipe/graph-harness.js';
import { loopRegistry } from './fixtures/mediapipe/loop-bodies.js';

const { load, expectInvalid } = graphHarness(loopRegistry);

describe('BeginLoopCalculator / EndLoopCalculator', () => {
  const LOOP = `
    input_stream: "ints"
    output_stream: "ints_plus_one"
    node {
      name: "begin"
      calculator: "BeginLoopIntegerCalculator"
      input_stream: "ITERABLE:ints"
      output_stream: "ITEM:int"
      output_stream: "BATCH_END:timestamp"
    }
    node { calculator: "IncrementCalculator" input_stream: "int" output_stream: "int_plus_one" }
    node {
      name: "end"
      calculator: "EndLoopIntegersCalculator"
      input_stream: "ITEM:int_plus_one"
      input_stream: "BATCH_END:timestamp"
      output_stream: "ITERABLE:ints_plus_one"
    }
  `;

  it('InputStreamForIterableIsEmpty: no packets, no output', async () => {
    const { g, seen } = load(LOOP);
    await g.startRun();
    await g.waitUntilIdle();
    expect(seen('ints_plus_one')).toEqual([]);
    g.closeAllInputStreams();
    await g.waitUntilDone();
  });

  it.each([
    ['SingleEmptyVector: only the bound moves', [], []],
    [
      'SingleNonEmptyVector: the loop body runs per element, the result at the input timestamp',
      [0, 1, 2],
      [[0, [1, 2, 3]]],
    ],
  ])('%s', async (_, ints, expected) => {
    const { g, seen } = load(LOOP);
    await g.startRun();
    await g.addPacket('ints', ints, 0);
    await g.waitUntilIdle();
    expect(seen('ints_plus_one')).toEqual(expected);
    g.closeAllInputStreams();
    await g.waitUntilDone();
  });

  it('MultipleVectors: an empty vector between two yields no packet at its timestamp', async () => {
    const { g, seen } = load(LOOP);
    await feed(g, [
      ['ints', [0, 1], 0],
      ['ints', [], 1],
      ['ints', [2, 3], 2],
    ]);
    expect(seen('ints_plus_one')).toEqual([
      [0, [1, 2]],
      [2, [3, 4]],
    ]);
  });

  it('loop-internal timestamps: one per element, BATCH_END at the last, an empty vector uses one up', async () => {
    const { g, seen } = load(`
      input_stream: "ints"
      output_stream: "item"
      output_stream: "batch_end"
      node {
        calculator: "BeginLoopIntCalculator"
        input_stream: "ITERABLE:ints"
        output_stream: "ITEM:item"
        output_stream: "BATCH_END:batch_end"
      }
    `);
    await feed(g, [
      ['ints', [10, 11], 100],
      ['ints', [], 200],
      ['ints', [12, 13, 14], 300],
    ]);
    expect(seen('item')).toEqual([
      [0, 10],
      [1, 11],
      [3, 12],
      [4, 13],
      [5, 14],
    ]);
    expect(seen('batch_end')).toEqual([
      [1, 100],
      [2, 200],
      [5, 300],
    ]);
  });

  it('EndLoopForIntegersDoesNotRace: two EndLoops over one stream and a second body', async () => {
    const { g, seen } = load(`
      input_stream: "ints"
      output_stream: "ints_plus_one"
      output_stream: "ints_plus_two"
      node {
        calculator: "BeginLoopIntegerCalculator"
        input_stream: "ITERABLE:ints"
        output_stream: "ITEM:int"
        output_stream: "BATCH_END:timestamp"
      }
      node { calculator: "IncrementCalculator" input_stream: "int" output_stream: "int_plus_one" }
      node {
        calculator: "EndLoopIntegersCalculator"
        input_stream: "ITEM:int_plus_one"
        input_stream: "BATCH_END:timestamp"
        output_stream: "ITERABLE:ints_plus_one"
      }
      node { calculator: "IncrementCalculator" input_stream: "int_plus_one" output_stream: "int_plus_two" }
      node {
        calculator: "EndLoopIntegersCalculator"
        input_stream: "ITEM:int_plus_two"
        input_stream: "BATCH_END:timestamp"
        output_stream: "ITERABLE:ints_plus_two"
      }
    `);
    await g.startRun();
    for (let i = 0; i < 100; i++) {
      await g.addPacket('ints', [i, i + 1, i + 2], i);
      await g.waitUntilIdle();
      expect(seen('ints_plus_one').splice(0)).toEqual([[i, [i + 1, i + 2, i + 3]]]);
      expect(seen('ints_plus_two').splice(0)).toEqual([[i, [i + 2, i + 3, i + 4]]]);
    }
    g.closeAllInputStreams();
    await g.waitUntilDone();
  });

  describe('ProcessingEmptyPackets: ITERABLE bounds without packets still reach the EndLoop', () => {
    const GATED = `
      input_stream: "ints"
      input_stream: "force_ints_to_be_timestamp_bound_update"
      output_stream: "ints_plus_one_passed_through"
      node {
        calculator: "GateCalculator"
        input_stream: "ints"
        input_stream: "DISALLOW:force_ints_to_be_timestamp_bound_update"
        output_stream: "ints_passed_through"
      }
      node {
        calculator: "BeginLoopIntegerCalculator"
        input_stream: "ITERABLE:ints_passed_through"
        output_stream: "ITEM:int"
        output_stream: "BATCH_END:timestamp"
      }
      node { calculator: "IncrementCalculator" input_stream: "int" output_stream: "int_plus_one" }
      node {
        calculator: "EndLoopIntegersCalculator"
        input_stream: "ITEM:int_plus_one"
        input_stream: "BATCH_END:timestamp"
        output_stream: "ITERABLE:ints_plus_one"
      }
      node {
        calculator: "PassThroughOrEmptyVectorCalculator"
        input_stream: "ints_plus_one"
        output_stream: "ints_plus_one_passed_through"
      }
    `;
    // An empty vector is gated away, so BeginLoop sees only a bound at its timestamp.
    const send = async (g: CalculatorGraph, ts: number, ints: number[]): Promise<void> => {
      await g.addPacket('force_ints_to_be_timestamp_bound_update', ints.length === 0, ts);
      await g.addPacket('ints', ints, ts);
    };

    it.each([
      ['SingleEmptyVector', [], [[0, []]]],
      ['SingleNonEmptyVector', [0, 1, 2], [[0, [1, 2, 3]]]],
    ])('%s', async (_, ints, expected) => {
      const { g, seen } = load(GATED);
      await g.startRun();
      await send(g, 0, ints);
      await g.waitUntilIdle();
      expect(seen('ints_plus_one_passed_through')).toEqual(expected);
      g.closeAllInputStreams();
      await g.waitUntilDone();
    });

    it('MultipleVectors', async () => {
      const { g, seen } = load(GATED);
      await g.startRun();
      await send(g, 0, []);
      await g.waitUntilIdle();
      await send(g, 1, [0, 1]);
      await send(g, 2, []);
      await g.waitUntilIdle();
      await send(g, 3, [2, 3]);
      await send(g, 4, []);
      await g.waitUntilIdle();
      g.closeAllInputStreams();
      await g.waitUntilDone();
      expect(seen('ints_plus_one_passed_through')).toEqual([
        [0, []],
        [1, [1, 2]],
        [2, []],
        [3, [3, 4]],
        [4, []],
      ]);
    });
  });

  describe('WithClonedInputs: CLONE packets repeat at every loop timestamp', () => {
    const CLONED = `
      input_stream: "ints"
      input_stream: "multiplier"
      output_stream: "multiplied_ints"
      node {
        calculator: "BeginLoopIntegerCalculator"
        input_stream: "ITERABLE:ints"
        input_stream: "CLONE:multiplier"
        output_stream: "ITEM:int_at_loop"
        output_stream: "CLONE:multiplier_cloned_at_loop"
        output_stream: "BATCH_END:timestamp"
      }
      node {
        calculator: "MultiplierCalculator"
        input_stream: "int_at_loop"
        input_stream: "multiplier_cloned_at_loop"
        output_stream: "multiplied_int_at_loop"
      }
      node {
        calculator: "EndLoopIntegersCalculator"
        input_stream: "ITEM:multiplied_int_at_loop"
        input_stream: "BATCH_END:timestamp"
        output_stream: "ITERABLE:multiplied_ints"
      }
    `;
    const send = async (g: CalculatorGraph, ts: number, multiplier: number, ints: number[]) => {
      await g.addPacket('ints', ints, ts);
      await g.addPacket('multiplier', multiplier, ts);
    };

    it('InputStreamForIterableIsEmpty', async () => {
      const { g, seen } = load(CLONED);
      await g.startRun();
      await g.addPacket('multiplier', 2, 42);
      await g.waitUntilIdle();
      expect(seen('multiplied_ints')).toEqual([]);
      g.closeAllInputStreams();
      await g.waitUntilDone();
    });

    it.each([
      ['SingleEmptyVector', 0, [], []],
      ['SingleNonEmptyVector', 42, [0, 1, 2], [[42, [0, 2, 4]]]],
    ])('%s', async (_, ts, ints, expected) => {
      const { g, seen } = load(CLONED);
      await g.startRun();
      await send(g, ts, 2, ints);
      await g.waitUntilIdle();
      expect(seen('multiplied_ints')).toEqual(expected);
      g.closeAllInputStreams();
      await g.waitUntilDone();
    });

    it('MultipleVectors', async () => {
      const { g, seen } = load(CLONED);
      await g.startRun();
      await send(g, 42, 2, [0, 1]);
      await send(g, 43, 2, []);
      await send(g, 44, 3, [2, 3]);
      g.closeAllInputStreams();
      await g.waitUntilDone();
      expect(seen('multiplied_ints')).toEqual([
        [42, [0, 2]],
        [44, [6, 9]],
      ]);
    });
  });

  it('BeginEndTensorLoopCalculatorGraphTest.SingleNonEmptyVector: tensors (typed arrays) survive the loop', async () => {
    const { g, seen } = load(`
      input_stream: "tensors"
      output_stream: "output_tensors"
      node {
        calculator: "BeginLoopTensorCalculator"
        input_stream: "ITERABLE:tensors"
        output_stream: "ITEM:tensor"
        output_stream: "BATCH_END:timestamp"
      }
      node { calculator: "PassThroughCalculator" input_stream: "tensor" output_stream: "copied_tensor" }
      node {
        calculator: "EndLoopTensorCalculator"
        input_stream: "ITEM:copied_tensor"
        input_stream: "BATCH_END:timestamp"
        output_stream: "ITERABLE:output_tensors"
      }
    `);
    const tensors = [0, 1, 2, 3].map((i) => ({ shape: [4, 3, 2, 1], data: new Float32Array(24).fill(i) }));
    await g.startRun();
    await g.addPacket('tensors', tensors, 0);
    await g.waitUntilIdle();
    const out = seen('output_tensors');
    expect(out).toHaveLength(1);
    expect(out[0]).toEqual([0, tensors]);
    g.closeAllInputStreams();
    await g.waitUntilDone();
  });

  it('the generic names and a typed-array ITERABLE', async () => {
    const { g, seen } = load(`
      input_stream: "floats"
      output_stream: "out"
      node {
        calculator: "BeginLoopCalculator"
        input_stream: "ITERABLE:floats"
        output_stream: "ITEM:f"
        output_stream: "BATCH_END:end"
      }
      node {
        calculator: "EndLoopCalculator"
        input_stream: "ITEM:f"
        input_stream: "BATCH_END:end"
        output_stream: "ITERABLE:out"
      }
    `);
    await feed(g, [['floats', Float32Array.of(0.5, 1.5), 7]]);
    expect(seen('out')).toEqual([[7, [0.5, 1.5]]]);
  });

  it('refuses CLONE inputs without as many CLONE outputs, with the graph', async () => {
    await expectInvalid(
      `
        input_stream: "ints" input_stream: "extra"
        node {
          name: "begin"
          calculator: "BeginLoopIntegerCalculator"
          input_stream: "ITERABLE:ints" input_stream: "CLONE:extra"
          output_stream: "ITEM:item" output_stream: "BATCH_END:end"
        }
      `,
      'ERR_WEFT_PORT_TAG',
      'begin',
      'as many CLONE outputs as CLONE inputs',
    );
  });

  it.each([
    ['a number', 5, 'not a number'],
    ['an object', { a: 1 }, 'not an object'],
    ['a string', 'abc', 'not a string'],
  ])('fault: an ITERABLE that is %s fails the run, naming the node', async (_, value, message) => {
    const { g } = load(LOOP);
    await g.startRun();
    // The run may already have failed and refuse the rest: the outcome is waitUntilDone's.
    await g.addPacket('ints', value, 0).catch(() => false);
    g.closeAllInputStreams();
    await expect(g.waitUntilDone()).rejects.toMatchObject(failedIn('begin', 'process', message));
  });

  it('fault: a BATCH_END that carries no timestamp fails the EndLoop', async () => {
    const { g } = load(`
      input_stream: "item" input_stream: "end"
      output_stream: "out"
      node {
        name: "end"
        calculator: "EndLoopCalculator"
        input_stream: "ITEM:item" input_stream: "BATCH_END:end"
        output_stream: "ITERABLE:out"
      }
    `);
    await g.startRun();
    await g.addPacket('item', 1, 0);
    await g.addPacket('end', 'later', 0).catch(() => false);
    g.closeAllInputStreams();
    await expect(g.waitUntilDone()).rejects.toMatchObject(
      failedIn('end', 'process', 'BATCH_END must carry the timestamp'),
    );
  });
});
