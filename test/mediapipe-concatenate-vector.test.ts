// Ports MediaPipe's concatenate_vector_calculator_test.cc (ConcatenateVectorCalculator: the int,
// float, string and unique-int tests) and concatenate_proto_list_calculator_test.cc (the
// list-message forms: ConcatenateNormalizedLandmarkListCalculatorTest and
// ConcatenateClassificationListCalculatorTest), plus typed arrays, and the faults: malformed input
// fails the run typed, naming the node.
import { describe, expect, it } from 'vitest';
import { failedIn, feed, graphHarness } from './fixtures/mediapipe/graph-harness.js';

const { load } = graphHarness();

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
  type Packet = readonly [string, unknown, number];
  // One packet per input at `ts`, input i getting values[i].
  const at = (ts: number, values: unknown[]): Packet[] => values.map((v, i) => [`in_${i}`, v, ts] as const);

  // A row: the test, calculator, inputs, options, packets, expected output.
  type Row = readonly [
    string,
    string,
    number,
    string,
    readonly Packet[],
    readonly (readonly [number, unknown])[],
  ];
  // The rows MediaPipe's int and float tests share (its 1.0 and 1 are one JS number).
  const shared = (prefix: string, calculator: string): Row[] => [
    [`${prefix}EmptyVectorInputs`, calculator, 3, '', at(1, [[], [], []]), [[1, []]]],
    [`${prefix}OneTimestamp`, calculator, 3, '', at(1, [[1, 2, 3], [4], [5, 6]]), [[1, [1, 2, 3, 4, 5, 6]]]],
    [
      `${prefix}TwoInputsAtTwoTimestamps`,
      calculator,
      3,
      '',
      [...at(1, [[1, 2, 3], [4], [5, 6]]), ...at(2, [[0, 2], [1], [3, 5]])],
      [
        [1, [1, 2, 3, 4, 5, 6]],
        [2, [0, 2, 1, 3, 5]],
      ],
    ],
  ];

  // TestConcatenateIntVectorCalculatorTest (its test-registered int variant, as the registered
  // ConcatenateInt32VectorCalculator), ConcatenateFloatVectorCalculatorTest, ConcatenateStringVector
  // CalculatorTest and TestConcatenateUniqueIntVectorCalculatorTest (graph-run).
  it.each<Row>([
    ...shared('', 'ConcatenateInt32VectorCalculator'),
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
    ...shared('Float ', 'ConcatenateFloatVectorCalculator'),
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
  ])('%s', async (_, calculator, inputs, options, packets, expected) => {
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
