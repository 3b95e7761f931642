// Ports MediaPipe's split_vector_calculator_test.cc (SplitVectorCalculator:
// SplitTfLiteTensorVectorCalculatorTest, and MovableSplitUniqueIntPtrCalculatorTest as the moving
// SplitTensorVectorCalculator) and split_proto_list_calculator_test.cc
// (SplitNormalizedLandmarkListCalculatorTest, over the list message), plus typed arrays, and the
// faults: malformed input fails the run typed, naming the node.
import { describe, expect, it } from 'vitest';
import { failedIn, feed, graphHarness } from './fixtures/mediapipe/graph-harness.js';

const { load, expectInvalid } = graphHarness();

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
    // Each row: the test, the ranges (one output each, unless combined), and each output's one packet.
    it.each([
      [
        'SmokeTest: one output per range',
        'ranges: { begin: 0 end: 1 } ranges: { begin: 1 end: 4 } ranges: { begin: 4 end: 5 }',
        [list(range(0, 1, element)), list(range(1, 4, element)), list(range(4, 5, element))],
      ],
      [
        'SmokeTestElementOnly: each range’s one element itself',
        'ranges: { begin: 0 end: 1 } ranges: { begin: 2 end: 3 } ranges: { begin: 4 end: 5 } element_only: true',
        [element(0), element(2), element(4)],
      ],
      [
        'SmokeTestCombiningOutputs: every range into the one output',
        'ranges: { begin: 0 end: 1 } ranges: { begin: 2 end: 3 } ranges: { begin: 4 end: 5 } combine_outputs: true',
        [list([element(0), element(2), element(4)])],
      ],
    ])('%s', async (_, options, expected) => {
      const { g, seen } = load(splitGraph(calculator, expected.length, options));
      await g.startRun();
      await g.addPacket('in', input(5), 0);
      await g.waitUntilIdle();
      for (const [i, value] of expected.entries()) expect(seen(`range_${i}`)).toEqual([[0, value]]);
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

    // Each row: the test, the ranges, and what each output holds.
    it.each([
      [
        'SmokeTest',
        'ranges: { begin: 0 end: 1 } ranges: { begin: 1 end: 4 } ranges: { begin: 4 end: 5 }',
        [[[1, [0]]], [[1, [1, 2, 3]]], [[1, [4]]]],
      ],
      [
        'SmokeTestElementOnly',
        'ranges: { begin: 0 end: 1 } ranges: { begin: 2 end: 3 } ranges: { begin: 4 end: 5 } element_only: true',
        [[[1, 0]], [[1, 2]], [[1, 4]]],
      ],
      [
        'SmokeTestCombiningOutputs',
        'ranges: { begin: 0 end: 1 } ranges: { begin: 2 end: 3 } ranges: { begin: 4 end: 5 } combine_outputs: true',
        [[[1, [0, 2, 4]]]],
      ],
    ])('%s', async (_, options, expected) => {
      const { g, seen } = load(splitGraph('SplitTensorVectorCalculator', expected.length, options));
      await feed(g, [['in', ints, 1]]);
      expect(range(0, expected.length, (i) => seen(`range_${i}`))).toEqual(expected);
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
