// MediaPipe's core calculators with MediaPipe's contracts, part 3: BeginLoop/EndLoop, SplitVector
// (and its list-message form), ConcatenateVector (and its list-message form) and PacketResampler,
// each with MediaPipe's own tests (their inputs and expected outputs) ported to weft's
// CalculatorGraph, plus fault rows: malformed input fails the run typed, naming the node.
import { describe, expect, it } from 'vitest';
import { CalculatorGraph, defaultRegistry } from '../src/api/calculator-graph.js';
import { CalculatorRegistry } from '../src/core/calculator-registry.js';
import { Timestamp } from '../src/core/timestamp.js';
import { closedAfterEach } from './fixtures/closed-after-each.js';

const { graphs } = closedAfterEach();

type Seen = [number, unknown][];

/** A calculator module from source: the tests' helper calculators, which only these tests use. */
const module = (source: string): string => `data:text/javascript,${encodeURIComponent(source)}`;

// The helper calculators of begin_end_loop_calculator_graph_test.cc, as MediaPipe defines them.
const registry = new CalculatorRegistry(defaultRegistry())
  .register(
    'IncrementCalculator',
    module(`export default {
      name: 'IncrementCalculator',
      contract: { inputs: { '': 'one' }, outputs: { '': 'one' }, timestampOffset: 0 },
      create: () => ({
        process(ctx) { ctx.output(0).add(ctx.input(0).value + 1, ctx.inputTimestamp); },
      }),
    };`),
  )
  .register(
    'MultiplierCalculator',
    module(`export default {
      name: 'MultiplierCalculator',
      contract: { inputs: { '': { min: 2, max: 2 } }, outputs: { '': 'one' }, timestampOffset: 0 },
      create: () => ({
        process(ctx) { ctx.output(0).add(ctx.input(0).value * ctx.input(1).value, ctx.inputTimestamp); },
      }),
    };`),
  )
  // MediaPipe's sets offset 0. weft's engine raises an offset-0 output to the input's settled
  // bound after each process call, even past a bound-only timestamp it has yet to process here, so
  // this one, which emits at every settled timestamp anyway, declares no offset.
  .register(
    'PassThroughOrEmptyVectorCalculator',
    module(`export default {
      name: 'PassThroughOrEmptyVectorCalculator',
      contract: {
        inputs: { '': 'one' }, outputs: { '': 'one' }, timestampOffset: null, processTimestampBounds: true,
      },
      create: () => ({
        process(ctx) {
          const p = ctx.input(0);
          ctx.output(0).add(p.isEmpty ? [] : p.value, ctx.inputTimestamp);
        },
      }),
    };`),
  );

/** Parses a graph and records every graph output stream's packets as [timestamp, value]. */
function load(text: string): { g: CalculatorGraph; seen: (stream: string) => Seen } {
  const g = CalculatorGraph.fromText(text, { registry });
  graphs.push(g);
  const all = new Map<string, Seen>();
  for (const s of g.config.outputStreams) {
    const list: Seen = [];
    all.set(s, list);
    g.observeOutputStream(s, (ts, v) => list.push([ts, v]));
  }
  return { g, seen: (s) => all.get(s)! };
}

/** MediaPipe's CalculatorRunner::Run: every packet in, inputs closed, the run waited for. */
async function feed(
  g: CalculatorGraph,
  packets: readonly (readonly [string, unknown, number])[],
): Promise<void> {
  await g.startRun();
  for (const [stream, value, ts] of packets) await g.addPacket(stream, value, ts);
  g.closeAllInputStreams();
  await g.waitUntilDone();
}

/** A graph the validation refuses: one problem, of `code`, naming node `node`, at config time. */
async function expectInvalid(text: string, code: string, node: string, message: string): Promise<void> {
  const g = CalculatorGraph.fromText(text, { registry });
  graphs.push(g);
  await expect(g.validate()).rejects.toMatchObject({
    code: 'ERR_WEFT_GRAPH_INVALID',
    problems: [
      expect.objectContaining({ code, node, phase: 'config', message: expect.stringContaining(message) }),
    ],
  });
}

/** A run whose calculator throws InvalidArgumentError in `phase`, at node `node`. */
const failedIn = (node: string, phase: 'open' | 'process', message: string) => ({
  code: 'ERR_WEFT_CALCULATOR',
  node,
  phase,
  cause: { code: 'ERR_WEFT_INVALID_ARGUMENT' },
  message: expect.stringContaining(message),
});

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

  it('SingleEmptyVector: only the bound moves', async () => {
    const { g, seen } = load(LOOP);
    await g.startRun();
    await g.addPacket('ints', [], 0);
    await g.waitUntilIdle();
    expect(seen('ints_plus_one')).toEqual([]);
    g.closeAllInputStreams();
    await g.waitUntilDone();
  });

  it('SingleNonEmptyVector: the loop body runs per element, the result at the input timestamp', async () => {
    const { g, seen } = load(LOOP);
    await g.startRun();
    await g.addPacket('ints', [0, 1, 2], 0);
    await g.waitUntilIdle();
    expect(seen('ints_plus_one')).toEqual([[0, [1, 2, 3]]]);
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

    it('SingleEmptyVector', async () => {
      const { g, seen } = load(GATED);
      await g.startRun();
      await send(g, 0, []);
      await g.waitUntilIdle();
      expect(seen('ints_plus_one_passed_through')).toEqual([[0, []]]);
      g.closeAllInputStreams();
      await g.waitUntilDone();
    });

    it('SingleNonEmptyVector', async () => {
      const { g, seen } = load(GATED);
      await g.startRun();
      await send(g, 0, [0, 1, 2]);
      await g.waitUntilIdle();
      expect(seen('ints_plus_one_passed_through')).toEqual([[0, [1, 2, 3]]]);
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

    it('SingleEmptyVector', async () => {
      const { g, seen } = load(CLONED);
      await g.startRun();
      await send(g, 0, 2, []);
      await g.waitUntilIdle();
      expect(seen('multiplied_ints')).toEqual([]);
      g.closeAllInputStreams();
      await g.waitUntilDone();
    });

    it('SingleNonEmptyVector', async () => {
      const { g, seen } = load(CLONED);
      await g.startRun();
      await send(g, 42, 2, [0, 1, 2]);
      await g.waitUntilIdle();
      expect(seen('multiplied_ints')).toEqual([[42, [0, 2, 4]]]);
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

describe('SplitVectorCalculator', () => {
  const splitGraph = (calculator: string, outputs: number, options: string): string => `
    input_stream: "in"
    ${Array.from({ length: outputs }, (_, i) => `output_stream: "range_${i}"`).join('\n')}
    node {
      name: "split"
      calculator: "${calculator}"
      input_stream: "in"
      ${Array.from({ length: outputs }, (_, i) => `output_stream: "range_${i}"`).join('\n')}
      options { [mediapipe.SplitVectorCalculatorOptions.ext] { ${options} } }
    }
  `;

  // The element types of MediaPipe's two test fixtures, as weft values: a tensor (a typed array)
  // for SplitTfLiteTensorVectorCalculatorTest, a landmark of a NormalizedLandmarkList for
  // SplitNormalizedLandmarkListCalculatorTest (whose input is the list message, not an array).
  const tensor = (i: number) => Float32Array.of(i);
  const landmark = (i: number) => ({ x: i * 3, y: i * 3, z: i * 3 });
  const fixtures = [
    {
      calculator: 'SplitTfLiteTensorVectorCalculator',
      input: (n: number) => Array.from({ length: n }, (_, i) => tensor(i)),
      list: (elements: unknown[]) => elements,
      element: tensor,
    },
    {
      calculator: 'SplitNormalizedLandmarkListCalculator',
      input: (n: number) => ({ landmark: Array.from({ length: n }, (_, i) => landmark(i)) }),
      list: (elements: unknown[]) => ({ landmark: elements }),
      element: landmark,
    },
  ];
  const range = (b: number, e: number, f: (i: number) => unknown) =>
    Array.from({ length: e - b }, (_, k) => f(b + k));

  describe.each(fixtures)('$calculator', ({ calculator, input, list, element }) => {
    it('SmokeTest: one output per range', async () => {
      const { g, seen } = load(
        splitGraph(
          calculator,
          3,
          'ranges: { begin: 0 end: 1 } ranges: { begin: 1 end: 4 } ranges: { begin: 4 end: 5 }',
        ),
      );
      await g.startRun();
      await g.addPacket('in', input(5), 0);
      await g.waitUntilIdle();
      expect(seen('range_0')).toEqual([[0, list(range(0, 1, element))]]);
      expect(seen('range_1')).toEqual([[0, list(range(1, 4, element))]]);
      expect(seen('range_2')).toEqual([[0, list(range(4, 5, element))]]);
      g.closeInputStream('in');
      await g.waitUntilDone();
    });

    it('SmokeTestElementOnly: each range’s one element itself', async () => {
      const { g, seen } = load(
        splitGraph(
          calculator,
          3,
          'ranges: { begin: 0 end: 1 } ranges: { begin: 2 end: 3 } ranges: { begin: 4 end: 5 } element_only: true',
        ),
      );
      await g.startRun();
      await g.addPacket('in', input(5), 0);
      await g.waitUntilIdle();
      expect(seen('range_0')).toEqual([[0, element(0)]]);
      expect(seen('range_1')).toEqual([[0, element(2)]]);
      expect(seen('range_2')).toEqual([[0, element(4)]]);
      g.closeInputStream('in');
      await g.waitUntilDone();
    });

    it('SmokeTestCombiningOutputs: every range into the one output', async () => {
      const { g, seen } = load(
        splitGraph(
          calculator,
          1,
          'ranges: { begin: 0 end: 1 } ranges: { begin: 2 end: 3 } ranges: { begin: 4 end: 5 } combine_outputs: true',
        ),
      );
      await g.startRun();
      await g.addPacket('in', input(5), 0);
      await g.waitUntilIdle();
      expect(seen('range_0')).toEqual([[0, list([element(0), element(2), element(4)])]]);
      g.closeInputStream('in');
      await g.waitUntilDone();
    });

    it.each([
      ['InvalidRangeTest', 1, 'ranges: { begin: 0 end: 0 }', 'begin index should be less than the end index'],
      [
        'InvalidOverlappingRangesTest',
        1,
        'ranges: { begin: 0 end: 3 } ranges: { begin: 1 end: 4 } combine_outputs: true',
        'Ranges must be non-overlapping',
      ],
      [
        'ElementOnlyDisablesVectorOutputs',
        3,
        'ranges: { begin: 0 end: 1 } ranges: { begin: 1 end: 4 } ranges: { begin: 4 end: 5 } element_only: true',
        'all ranges should be of size 1',
      ],
    ])('%s: the graph is refused', async (_, outputs, options, message) => {
      await expectInvalid(splitGraph(calculator, outputs, options), 'ERR_WEFT_BAD_OPTIONS', 'split', message);
    });

    it.each([
      ['InvalidOutputStreamCountTest', 2, 'ranges: { begin: 0 end: 1 }', 'should match the number of ranges'],
      [
        'InvalidCombineOutputsMultipleOutputsTest',
        2,
        'ranges: { begin: 0 end: 1 } ranges: { begin: 2 end: 3 } combine_outputs: true',
        'exactly one output stream',
      ],
    ])(
      '%s: the run is refused in open (weft checks counts against options there)',
      async (_, n, options, message) => {
        const { g } = load(splitGraph(calculator, n, options));
        await expect(g.startRun()).rejects.toMatchObject(failedIn('split', 'open', message));
      },
    );

    it('fault: a range outside the input fails the run, naming the node', async () => {
      const { g } = load(
        splitGraph(calculator, 2, 'ranges: { begin: 0 end: 1 } ranges: { begin: 1 end: 4 }'),
      );
      await g.startRun();
      await g.addPacket('in', input(3), 0).catch(() => false);
      g.closeAllInputStreams();
      await expect(g.waitUntilDone()).rejects.toMatchObject(
        failedIn('split', 'process', 'largest range end 4 exceeds'),
      );
    });
  });

  describe('MovableSplitUniqueIntPtrCalculatorTest, as SplitTensorVectorCalculator (a moving variant)', () => {
    const ints = [0, 1, 2, 3, 4, 5];

    it('InvalidOverlappingRangesTest: moving elements, ranges may not overlap even uncombined', async () => {
      await expectInvalid(
        splitGraph(
          'SplitTensorVectorCalculator',
          1,
          'ranges: { begin: 0 end: 3 } ranges: { begin: 1 end: 4 }',
        ),
        'ERR_WEFT_BAD_OPTIONS',
        'split',
        'non-overlapping',
      );
    });

    it('SmokeTest', async () => {
      const { g, seen } = load(
        splitGraph(
          'SplitTensorVectorCalculator',
          3,
          'ranges: { begin: 0 end: 1 } ranges: { begin: 1 end: 4 } ranges: { begin: 4 end: 5 }',
        ),
      );
      await feed(g, [['in', ints, 1]]);
      expect([seen('range_0'), seen('range_1'), seen('range_2')]).toEqual([
        [[1, [0]]],
        [[1, [1, 2, 3]]],
        [[1, [4]]],
      ]);
    });

    it('SmokeTestElementOnly', async () => {
      const { g, seen } = load(
        splitGraph(
          'SplitTensorVectorCalculator',
          3,
          'ranges: { begin: 0 end: 1 } ranges: { begin: 2 end: 3 } ranges: { begin: 4 end: 5 } element_only: true',
        ),
      );
      await feed(g, [['in', ints, 1]]);
      expect([seen('range_0'), seen('range_1'), seen('range_2')]).toEqual([[[1, 0]], [[1, 2]], [[1, 4]]]);
    });

    it('SmokeTestCombiningOutputs', async () => {
      const { g, seen } = load(
        splitGraph(
          'SplitTensorVectorCalculator',
          1,
          'ranges: { begin: 0 end: 1 } ranges: { begin: 2 end: 3 } ranges: { begin: 4 end: 5 } combine_outputs: true',
        ),
      );
      await feed(g, [['in', ints, 1]]);
      expect(seen('range_0')).toEqual([[1, [0, 2, 4]]]);
    });
  });

  it('a typed array stays typed, split or combined; one range written once is a list of one', async () => {
    const { g, seen } = load(`
      input_stream: "in"
      output_stream: "one"
      output_stream: "both"
      node {
        calculator: "SplitFloatVectorCalculator"
        input_stream: "in"
        output_stream: "one"
        options { [mediapipe.SplitVectorCalculatorOptions.ext] { ranges: { begin: 1 end: 3 } } }
      }
      node {
        calculator: "SplitVectorCalculator"
        input_stream: "in"
        output_stream: "both"
        options {
          [mediapipe.SplitVectorCalculatorOptions.ext] {
            ranges: { begin: 3 end: 4 } ranges: { begin: 0 end: 1 } combine_outputs: true
          }
        }
      }
    `);
    await feed(g, [['in', Float64Array.of(0, 1, 2, 3), 5]]);
    expect(seen('one')).toEqual([[5, Float64Array.of(1, 2)]]);
    expect(seen('both')).toEqual([[5, Float64Array.of(3, 0)]]);
  });

  it.each([
    ['SplitIntVectorCalculator', { landmark: [1] }, 'must be an array'],
    ['SplitNormalizedLandmarkListCalculator', [1, 2], 'list message with a "landmark" array'],
    ['SplitNormalizedLandmarkListCalculator', { landmark: 'x' }, '"landmark" is a string'],
  ])('fault: %s given a malformed input fails the run typed', async (calculator, value, message) => {
    const { g } = load(splitGraph(calculator, 1, 'ranges: { begin: 0 end: 1 }'));
    await g.startRun();
    await g.addPacket('in', value, 0).catch(() => false);
    g.closeAllInputStreams();
    await expect(g.waitUntilDone()).rejects.toMatchObject(failedIn('split', 'process', message));
  });
});

describe('ConcatenateVectorCalculator', () => {
  const concatGraph = (calculator: string, inputs: number, options = ''): string => `
    ${Array.from({ length: inputs }, (_, i) => `input_stream: "in_${i}"`).join('\n')}
    output_stream: "out"
    node {
      name: "concat"
      calculator: "${calculator}"
      ${Array.from({ length: inputs }, (_, i) => `input_stream: "in_${i}"`).join('\n')}
      output_stream: "out"
      ${options === '' ? '' : `options { [mediapipe.ConcatenateVectorCalculatorOptions.ext] { ${options} } }`}
    }
  `;
  const ALL_PRESENT = 'only_emit_if_all_present: true';
  // One packet per input at `ts`, input i getting values[i].
  const at = (ts: number, values: unknown[]) => values.map((v, i) => [`in_${i}`, v, ts] as const);

  // TestConcatenateIntVectorCalculatorTest (its test-registered int variant, as the registered
  // ConcatenateInt32VectorCalculator), ConcatenateFloatVectorCalculatorTest, ConcatenateStringVector
  // CalculatorTest and TestConcatenateUniqueIntVectorCalculatorTest (graph-run), each row:
  // calculator, inputs, options, packets, expected output.
  it.each([
    ['EmptyVectorInputs', 'ConcatenateInt32VectorCalculator', 3, '', at(1, [[], [], []]), [[1, []]]],
    [
      'OneTimestamp',
      'ConcatenateInt32VectorCalculator',
      3,
      '',
      at(1, [[1, 2, 3], [4], [5, 6]]),
      [[1, [1, 2, 3, 4, 5, 6]]],
    ],
    [
      'TwoInputsAtTwoTimestamps',
      'ConcatenateInt32VectorCalculator',
      3,
      '',
      [...at(1, [[1, 2, 3], [4], [5, 6]]), ...at(2, [[0, 2], [1], [3, 5]])],
      [
        [1, [1, 2, 3, 4, 5, 6]],
        [2, [0, 2, 1, 3, 5]],
      ],
    ],
    [
      'OneEmptyStreamStillOutput',
      'ConcatenateInt32VectorCalculator',
      2,
      '',
      at(1, [[1, 2, 3]]),
      [[1, [1, 2, 3]]],
    ],
    ['OneEmptyStreamNoOutput', 'ConcatenateInt32VectorCalculator', 2, ALL_PRESENT, at(1, [[1, 2, 3]]), []],
    ['ItemsOneTimestamp', 'ConcatenateInt32VectorCalculator', 3, '', at(1, [1, 2, 3]), [[1, [1, 2, 3]]]],
    [
      'ItemsTwoInputsAtTwoTimestamps',
      'ConcatenateInt32VectorCalculator',
      3,
      '',
      [...at(1, [1, 2, 3]), ...at(2, [4, 5, 6])],
      [
        [1, [1, 2, 3]],
        [2, [4, 5, 6]],
      ],
    ],
    [
      'ItemsOneEmptyStreamStillOutput',
      'ConcatenateInt32VectorCalculator',
      3,
      '',
      at(1, [1, 2]),
      [[1, [1, 2]]],
    ],
    ['ItemsOneEmptyStreamNoOutput', 'ConcatenateInt32VectorCalculator', 3, ALL_PRESENT, at(1, [1, 2]), []],
    [
      'MixedVectorsAndItems',
      'ConcatenateInt32VectorCalculator',
      4,
      '',
      at(1, [[1, 2], [3, 4, 5], 6, 7]),
      [[1, [1, 2, 3, 4, 5, 6, 7]]],
    ],
    [
      'MixedVectorsAndItemsAnother',
      'ConcatenateInt32VectorCalculator',
      4,
      '',
      at(1, [1, [2, 3], [4, 5, 6], 7]),
      [[1, [1, 2, 3, 4, 5, 6, 7]]],
    ],
    ['Float EmptyVectorInputs', 'ConcatenateFloatVectorCalculator', 3, '', at(1, [[], [], []]), [[1, []]]],
    [
      'Float OneTimestamp',
      'ConcatenateFloatVectorCalculator',
      3,
      '',
      at(1, [[1.0, 2.0, 3.0], [4.0], [5.0, 6.0]]),
      [[1, [1, 2, 3, 4, 5, 6]]],
    ],
    [
      'Float TwoInputsAtTwoTimestamps',
      'ConcatenateFloatVectorCalculator',
      3,
      '',
      [...at(1, [[1.0, 2.0, 3.0], [4.0], [5.0, 6.0]]), ...at(2, [[0.0, 2.0], [1.0], [3.0, 5.0]])],
      [
        [1, [1, 2, 3, 4, 5, 6]],
        [2, [0, 2, 1, 3, 5]],
      ],
    ],
    [
      'Float OneEmptyStreamStillOutput',
      'ConcatenateFloatVectorCalculator',
      2,
      '',
      at(1, [[1.5, 2.5]]),
      [[1, [1.5, 2.5]]],
    ],
    ['Float OneEmptyStreamNoOutput', 'ConcatenateFloatVectorCalculator', 2, ALL_PRESENT, at(1, [[1.0]]), []],
    [
      'String OneTimestamp',
      'ConcatenateStringVectorCalculator',
      3,
      '',
      at(1, [['a', 'b'], ['c'], ['d', 'e', 'f']]),
      [[1, ['a', 'b', 'c', 'd', 'e', 'f']]],
    ],
    [
      'UniqueInt ConsumeOneTimestamp',
      'ConcatenateVectorCalculator',
      3,
      '',
      at(1, [[0, 1, 2], [3], [4, 5]]),
      [[1, [0, 1, 2, 3, 4, 5]]],
    ],
    [
      'UniqueInt OneEmptyStreamStillOutput',
      'ConcatenateVectorCalculator',
      2,
      '',
      at(1, [[0, 1, 2]]),
      [[1, [0, 1, 2]]],
    ],
    [
      'UniqueInt OneEmptyStreamNoOutput',
      'ConcatenateVectorCalculator',
      2,
      ALL_PRESENT,
      at(1, [[0, 1, 2]]),
      [],
    ],
    [
      'typed arrays are spliced too',
      'ConcatenateFloatVectorCalculator',
      2,
      '',
      at(3, [Float32Array.of(0.5), [2]]),
      [[3, [0.5, 2]]],
    ],
  ] as const)('%s', async (_, calculator, inputs, options, packets, expected) => {
    const { g, seen } = load(concatGraph(calculator, inputs, options));
    await feed(g, packets);
    expect(seen('out')).toEqual(expected);
  });

  describe('list messages (ConcatenateNormalizedLandmarkListCalculator and kin)', () => {
    const landmarks = (n: number, multiplier: number) => ({
      landmark: Array.from({ length: n }, () => ({
        x: multiplier * 3,
        y: multiplier * 3,
        z: multiplier * 3,
      })),
    });
    const [input0, input1, input2] = [landmarks(3, 0), landmarks(1, 1), landmarks(2, 2)];
    const combined = { landmark: [...input0.landmark, ...input1.landmark, ...input2.landmark] };

    it.each([
      ['EmptyVectorInputs', 3, '', at(1, [{ landmark: [] }, {}, { landmark: [] }]), [[1, { landmark: [] }]]],
      ['OneTimestamp', 3, '', at(1, [input0, input1, input2]), [[1, combined]]],
      [
        'TwoInputsAtTwoTimestamps',
        3,
        '',
        [...at(1, [input0, input1, input2]), ...at(2, [input0, input1, input2])],
        [
          [1, combined],
          [2, combined],
        ],
      ],
      ['OneEmptyStreamStillOutput', 2, '', at(1, [input0]), [[1, input0]]],
      ['OneEmptyStreamNoOutput', 2, ALL_PRESENT, at(1, [input0]), []],
    ] as const)('%s', async (_, inputs, options, packets, expected) => {
      const { g, seen } = load(concatGraph('ConcatenateNormalizedLandmarkListCalculator', inputs, options));
      await feed(g, packets);
      expect(seen('out')).toEqual(expected);
    });

    it('ConcatenateClassificationListCalculatorTest.OneTimestamp', async () => {
      const c = (index: number, score: number) => ({ index, score, label: `test_${index}` });
      const { g, seen } = load(concatGraph('ConcatenateClassificationListCalculator', 2, ALL_PRESENT));
      await feed(
        g,
        at(1, [
          { classification: [c(0, 0.2), c(1, 0.3), c(2, 0.4)] },
          { classification: [c(3, 0.2), c(4, 0.3)] },
        ]),
      );
      expect(seen('out')).toEqual([
        [1, { classification: [c(0, 0.2), c(1, 0.3), c(2, 0.4), c(3, 0.2), c(4, 0.3)] }],
      ]);
    });

    it('fault: an input that is no list message fails the run, naming the node', async () => {
      const { g } = load(concatGraph('ConcatenateNormalizedLandmarkListCalculator', 2));
      await g.startRun();
      await g.addPacket('in_0', input0, 1);
      await g.addPacket('in_1', [1, 2], 1).catch(() => false);
      g.closeAllInputStreams();
      await expect(g.waitUntilDone()).rejects.toMatchObject(
        failedIn('concat', 'process', 'input 1 must be a list message'),
      );
    });
  });
});

describe('PacketResamplerCalculator', () => {
  interface Wiring {
    /** DATA-tagged data streams (MediaPipe's node-config tests) rather than untagged (SimpleRunner). */
    readonly tagged?: boolean;
    readonly headerIn?: boolean;
    readonly headerOut?: boolean;
    /** Side packets, each wired as TAG:tag. */
    readonly side?: readonly ('options' | 'seed')[];
  }
  // The resampler on a stream of "Frame #<ts>" strings, "in" to "out".
  const resampler = (options: string, w: Wiring = {}): string => {
    const tag = w.tagged === true ? 'DATA:' : '';
    const side = w.side ?? [];
    return `
      input_stream: "in"
      ${w.headerIn === true ? 'input_stream: "in_video_header"' : ''}
      output_stream: "out"
      ${w.headerOut === true ? 'output_stream: "out_video_header"' : ''}
      ${side.map((s) => `input_side_packet: "${s}"`).join(' ')}
      node {
        name: "resampler"
        calculator: "PacketResamplerCalculator"
        input_stream: "${tag}in"
        output_stream: "${tag}out"
        ${w.headerIn === true ? 'input_stream: "VIDEO_HEADER:in_video_header"' : ''}
        ${w.headerOut === true ? 'output_stream: "VIDEO_HEADER:out_video_header"' : ''}
        ${side.map((s) => `input_side_packet: "${s.toUpperCase()}:${s}"`).join(' ')}
        options { [mediapipe.PacketResamplerCalculatorOptions.ext] { ${options} } }
      }
    `;
  };
  const frames = (timestamps: readonly number[]) =>
    timestamps.map((ts) => ['in', `Frame #${ts}`, ts] as const);
  const expected = (frameTs: readonly number[], outTs: readonly number[]) =>
    outTs.map((ts, i) => [ts, `Frame #${frameTs[i]}`]);

  // Each row: MediaPipe's test (and block), options, input timestamps, expected frames and timestamps.
  it.each([
    ['NoPacketsInStream', 'frame_rate: 30', [], [], []],
    ['SinglePacketInStream 1 period', 'frame_rate: 30', [0], [0], [0]],
    ['SinglePacketInStream 0 < ts < first limit', 'frame_rate: 30', [1000], [1000], [1000]],
    ['SinglePacketInStream ts > first limit', 'frame_rate: 30', [16668], [16668], [16668]],
    ['TwoPacketsInStream 1 period', 'frame_rate: 30', [0, 16666], [0], [0]],
    ['TwoPacketsInStream left extreme', 'frame_rate: 30', [0, 16667], [0, 16667], [0, 33333]],
    ['TwoPacketsInStream right extreme', 'frame_rate: 30', [0, 49999], [0, 49999], [0, 33333]],
    ['TwoPacketsInStream filling 1', 'frame_rate: 30', [0, 50000], [0, 0, 50000], [0, 33333, 66667]],
    [
      'TwoPacketsInStream filling 2',
      'frame_rate: 30',
      [2000, 118666],
      [2000, 2000, 2000, 118666],
      [2000, 35333, 68667, 102000],
    ],
    [
      'InputAtExactFrequencyMiddlepoints',
      'frame_rate: 30',
      [0, 33333, 66667, 100000, 133333, 166667, 200000],
      [0, 33333, 66667, 100000, 133333, 166667, 200000],
      [0, 33333, 66667, 100000, 133333, 166667, 200000],
    ],
    [
      'MultiplePacketsForPeriods',
      'frame_rate: 30',
      [0, 16666, 16667, 20000, 33300, 49999, 50000, 66600],
      [0, 33300, 66600],
      [0, 33333, 66667],
    ],
    [
      'FillPeriodsWithLatestPacket 1',
      'frame_rate: 30',
      [0, 5000, 16666, 83334],
      [0, 16666, 16666, 83334],
      [0, 33333, 66667, 100000],
    ],
    [
      'FillPeriodsWithLatestPacket 2',
      'frame_rate: 30',
      [0, 16666, 16667, 25000, 33000, 35000, 135000],
      [0, 33000, 35000, 35000, 135000],
      [0, 33333, 66667, 100000, 133333],
    ],
    [
      'FillPeriodsWithLatestPacket 3',
      'frame_rate: 30',
      [0, 15000, 32000, 49999, 150000],
      [0, 32000, 49999, 49999, 49999, 150000],
      [0, 33333, 66667, 100000, 133333, 166667],
    ],
    [
      'SuperHighFrameRate 500000',
      'frame_rate: 500000',
      [0, 10, 13],
      [0, 0, 0, 0, 0, 10, 10, 13],
      [0, 2, 4, 6, 8, 10, 12, 14],
    ],
    [
      'SuperHighFrameRate 1000000',
      'frame_rate: 1000000',
      [0, 10, 13],
      [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10, 10, 10, 13],
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13],
    ],
    ['NegativeTimestampTest 1 period', 'frame_rate: 30', [-200, -20, 16466], [-200], [-200]],
    ['NegativeTimestampTest 2 periods', 'frame_rate: 30', [-200, -20, 16467], [-200, 16467], [-200, 33133]],
    [
      'NegativeTimestampTest filling',
      'frame_rate: 30',
      [-500, 66667],
      [-500, -500, 66667],
      [-500, 32833, 66167],
    ],
    [
      'NegativeTimestampTest initial < -period',
      'frame_rate: 30',
      [-50000, -33334, 33334],
      [-50000, -33334, -33334, 33334],
      [-50000, -16667, 16667, 50000],
    ],
    ['ExactFramesPerSecond', 'frame_rate: 50', [0, 9999, 29999], [0, 29999], [0, 20000]],
    [
      'ExactFramesPerSecond filling',
      'frame_rate: 50',
      [0, 10000, 50000],
      [0, 10000, 10000, 50000],
      [0, 20000, 40000, 60000],
    ],
    [
      'FrameRateTest same rate (the stream header part is not portable)',
      'frame_rate: 50, output_header: UPDATE_VIDEO_HEADER',
      [0, 10000, 30000, 50000, 60000],
      [0, 10000, 30000, 60000],
      [0, 20000, 40000, 60000],
    ],
    [
      'FrameRateTest new rate',
      'frame_rate: 50, output_header: UPDATE_VIDEO_HEADER',
      [0, 5000, 10010, 15001, 19990],
      [0, 19990],
      [0, 20000],
    ],
    [
      'FrameRateTest PASS_HEADER',
      'frame_rate: 50, output_header: PASS_HEADER',
      [0, 5000, 10010, 15001, 19990],
      [0, 19990],
      [0, 20000],
    ],
    [
      'FlushLastPacketWithoutRound',
      'frame_rate: 1',
      [0, 333333, 666667, 1000000, 1333333],
      [0, 1000000],
      [0, 1000000],
    ],
    [
      'FlushLastPacketWithRound',
      'frame_rate: 1',
      [0, 333333, 666667, 1000000, 1333333, 1666667],
      [0, 1000000, 1666667],
      [0, 1000000, 2000000],
    ],
    [
      'DoNotFlushLastPacketWithoutRound',
      'frame_rate: 1 flush_last_packet: false',
      [0, 333333, 666667, 1000000, 1333333],
      [0, 1000000],
      [0, 1000000],
    ],
    [
      'DoNotFlushLastPacketWithRound',
      'frame_rate: 1 flush_last_packet: false',
      [0, 333333, 666667, 1000000, 1333333, 1666667],
      [0, 1000000],
      [0, 1000000],
    ],
    [
      'InputAtExactFrequencyMiddlepointsAligned without base',
      'frame_rate: 30',
      [33111, 66667, 100000, 133333, 166667, 200000],
      [33111, 66667, 100000, 133333, 166667, 200000],
      [33111, 66444, 99778, 133111, 166444, 199778],
    ],
    [
      'InputAtExactFrequencyMiddlepointsAligned base 0',
      'frame_rate: 30 base_timestamp: 0',
      [33111, 66667, 100000, 133333, 166667, 200000],
      [33111, 66667, 100000, 133333, 166667, 200000],
      [33333, 66666, 100000, 133333, 166666, 200000],
    ],
    [
      'MultiplePacketsForPeriodsAligned without base',
      'frame_rate: 30',
      [-222, 16666, 16667, 20000, 33300, 49999, 50000, 66600],
      [-222, 33300, 66600],
      [-222, 33111, 66445],
    ],
    [
      'MultiplePacketsForPeriodsAligned base 900011',
      'frame_rate: 30 base_timestamp: 900011',
      [-222, 16666, 16667, 20000, 33300, 49999, 50000, 66600],
      [-222, 33300, 66600],
      [11, 33344, 66678],
    ],
    [
      'MultiplePacketsForPeriodsAligned base 11',
      'frame_rate: 30 base_timestamp: 11',
      [899888, 916666, 916667, 920000, 933300, 949999, 950000, 966600],
      [899888, 933300, 966600],
      [900011, 933344, 966678],
    ],
    [
      'FillPeriodsWithLatestPacketAligned without base',
      'frame_rate: 30',
      [-222, 15000, 32000, 49999, 150000],
      [-222, 32000, 49999, 49999, 49999, 150000],
      [-222, 33111, 66445, 99778, 133111, 166445],
    ],
    [
      'FillPeriodsWithLatestPacketAligned base 0',
      'frame_rate: 30 base_timestamp: 0',
      [-222, 15000, 32000, 49999, 150000],
      [-222, 32000, 49999, 49999, 49999, 150000],
      [0, 33333, 66667, 100000, 133333, 166667],
    ],
    [
      'FirstInputAfterMiddlepointAligned',
      'frame_rate: 30 base_timestamp: 0',
      [66667, 100020, 133333, 166667],
      [66667, 100020, 133333, 166667],
      [66667, 100000, 133334, 166667],
    ],
    [
      'FirstInputAfterMiddlepointAligned seek',
      'frame_rate: 30 base_timestamp: 0',
      [100020, 133333, 166667],
      [100020, 133333, 166667],
      [100000, 133333, 166667],
    ],
    [
      'OutputTimestampRangeAligned start and end',
      'frame_rate: 30 base_timestamp: 0 start_time: 40000 end_time: 160000',
      [-222, 15000, 32000, 49999, 150000],
      [49999, 49999, 49999],
      [66667, 100000, 133333],
    ],
    [
      'OutputTimestampRangeAligned round_limits',
      'frame_rate: 30 base_timestamp: 0 start_time: 40000 end_time: 160000 round_limits: true',
      [-222, 15000, 32000, 49999, 150000],
      [32000, 49999, 49999, 49999, 150000],
      [33333, 66667, 100000, 133333, 166667],
    ],
  ] as const)('%s', async (_, options, input, frameTs, outTs) => {
    const { g, seen } = load(resampler(options));
    await feed(g, frames(input));
    expect(seen('out')).toEqual(expected(frameTs, outTs));
  });

  // Each row: MediaPipe's test, options, input VideoHeader frame rate, input timestamps, expected
  // frames and timestamps, and the output VideoHeader's frame rate (undefined: no such output).
  it.each([
    [
      'UseInputFrameRateHeaderHasSameFramerate',
      'use_input_frame_rate: true frame_rate: 1000.0',
      200,
      [0, 5000, 10010, 15001, 19990],
      [0, 5000, 10010, 15001, 19990],
      [0, 5000, 10000, 15000, 20000],
      undefined,
    ],
    [
      'UseInputFrameRateHeaderHasSmallerFramerate',
      'use_input_frame_rate: true frame_rate: 1000.0',
      100,
      [0, 5000, 10010, 15001],
      [0, 10010, 15001],
      [0, 10000, 20000],
      undefined,
    ],
    [
      'UseInputFrameRateMaxFrameRateSmallerThanInput',
      'use_input_frame_rate: true frame_rate: 1000.0 max_frame_rate: 50.0',
      100,
      [0, 5000, 10010, 15001, 20010],
      [0, 20010],
      [0, 20000],
      undefined,
    ],
    [
      'MaxFrameRateOutputHeader',
      'use_input_frame_rate: true frame_rate: 1000.0 max_frame_rate: 50.0',
      100,
      [0, 5000, 10010, 15001, 20010],
      [0, 20010],
      [0, 20000],
      50,
    ],
    ['SetVideoHeader', 'frame_rate: 50.0', 1, [0, 5000, 10010, 15001, 19990], [0, 19990], [0, 20000], 50],
  ] as const)('%s', async (_, options, inRate, input, frameTs, outTs, outRate) => {
    const { g, seen } = load(
      resampler(options, { tagged: true, headerIn: true, headerOut: outRate !== undefined }),
    );
    const header = { width: 10, height: 100, frameRate: inRate, duration: 1.0, format: 'SRGB' };
    await feed(g, [['in_video_header', header, Timestamp.PreStream], ...frames(input)]);
    expect(seen('out')).toEqual(expected(frameTs, outTs));
    if (outRate !== undefined) {
      expect(seen('out_video_header')).toEqual([[Timestamp.PreStream, { ...header, frameRate: outRate }]]);
    }
  });

  it('a VIDEO_HEADER output without an input header: an empty header with the output rate', async () => {
    const { g, seen } = load(resampler('frame_rate: 25', { tagged: true, headerOut: true }));
    await feed(g, frames([0, 40000]));
    expect(seen('out')).toEqual(expected([0, 40000], [0, 40000]));
    expect(seen('out_video_header')).toEqual([
      [Timestamp.PreStream, { format: 'UNKNOWN', width: 0, height: 0, duration: 0, frameRate: 25 }],
    ]);
  });

  it.each([
    ['merged over the node’s options', { frameRate: 30 }],
    ['snake_case keys, as MediaPipe writes them', { frame_rate: 30, base_timestamp: 0 }],
  ])('OptionsSidePacket: %s', async (_, options) => {
    const { g, seen } = load(resampler('frame_rate: 60 base_timestamp: 0', { side: ['options'] }));
    await g.startRun({ options });
    for (const [s, v, ts] of frames([-222, 15000, 32000, 49999, 150000])) await g.addPacket(s, v, ts);
    g.closeAllInputStreams();
    await g.waitUntilDone();
    expect(seen('out')).toHaveLength(6);
  });

  it.each([
    ['an unset frame rate', '', {}, 'frame rate must be greater than zero'],
    ['a frame rate above 1e6', 'frame_rate: 2000000', {}, 'at most 1000000'],
    ['jitter without a SEED', 'frame_rate: 30 jitter: 0.2', {}, 'needs a SEED side packet'],
    ['a malformed OPTIONS side packet', 'frame_rate: 30', { options: 5 }, 'OPTIONS must be an object'],
  ])('fault: %s fails open, naming the node', async (_, options, side, message) => {
    const { g } = load(resampler(options, { side: 'options' in side ? ['options'] : [] }));
    await expect(g.startRun(side)).rejects.toMatchObject(failedIn('resampler', 'open', message));
  });

  it('fault: a jitter outside [0, 1] is refused with the graph', async () => {
    await expectInvalid(
      resampler('frame_rate: 30 jitter: 1.5'),
      'ERR_WEFT_BAD_OPTIONS',
      'resampler',
      'jitter',
    );
  });

  describe('jitter (weft: deterministic by SEED, not MediaPipe’s random sequence)', () => {
    // 100 packets 10 ms apart, resampled to 10 fps: 10 periods of 100000 µs.
    const input = Array.from({ length: 100 }, (_, i) => i * 10000);
    const sample = async (options: string, seed: string, from = 0): Promise<number[]> => {
      const { g, seen } = load(resampler(options, { side: ['seed'] }));
      await g.startRun({ seed });
      for (const [s, v, ts] of frames(input.filter((ts) => ts >= from))) await g.addPacket(s, v, ts);
      g.closeAllInputStreams();
      await g.waitUntilDone();
      for (const [, v] of seen('out')) expect(v).toMatch(/^Frame #\d+$/);
      return seen('out').map(([ts]) => ts);
    };

    it.each([
      ['without reflection', 'frame_rate: 10 jitter: 0.2'],
      ['with reflection (legacy)', 'frame_rate: 10 jitter: 0.2 jitter_with_reflection: true'],
      ['reproducible sampling', 'frame_rate: 10 jitter: 0.2 reproducible_sampling: true'],
    ])('%s: the same seed samples the same timestamps', async (_, options) => {
      const a = await sample(options, 'video-1');
      expect(a.length).toBeGreaterThanOrEqual(9);
      expect(await sample(options, 'video-1')).toEqual(a);
    });

    it('without reflection: one period ± jitter between samples', async () => {
      const ts = await sample('frame_rate: 10 jitter: 0.2', 'video-2');
      for (let i = 1; i < ts.length; i++) {
        const gap = ts[i]! - ts[i - 1]!;
        expect(gap).toBeGreaterThanOrEqual(80000 - 1);
        expect(gap).toBeLessThanOrEqual(120000);
      }
    });

    it('with reflection: every sample inside its own period from the first packet', async () => {
      const ts = await sample('frame_rate: 10 jitter: 0.2 jitter_with_reflection: true', 'video-3');
      ts.forEach((t, k) => {
        expect(t).toBeGreaterThanOrEqual(k * 100000);
        expect(t).toBeLessThan((k + 1) * 100000);
      });
    });

    it('reproducible sampling: a stream joined mid-way samples as the whole stream does', async () => {
      const options = 'frame_rate: 10 jitter: 0.2 reproducible_sampling: true';
      const whole = await sample(options, 'video-4');
      const late = await sample(options, 'video-4', 300000);
      expect(late.filter((t) => t >= 500000)).toEqual(whole.filter((t) => t >= 500000));
      whole.forEach((t, k) => {
        expect(t).toBeGreaterThanOrEqual(k * 100000);
        expect(t).toBeLessThan((k + 1) * 100000);
      });
    });
  });
});
