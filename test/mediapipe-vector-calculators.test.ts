// Ports MediaPipe's clip_vector_size_calculator_test.cc (ClipVectorSizeCalculator),
// vector_size_calculator_test.cc (VectorSizeCalculator) and vector_indices_calculator_test.cc
// (IntVectorIndicesCalculatorTest), plus contract tests of MergeToVectorCalculator, which MediaPipe
// does not test, and the faults: malformed input fails the run typed, naming the node.
import { describe, expect, it } from 'vitest';
import {
  describeRegisteredNames,
  failedIn,
  graphHarness,
  run,
  runFailing,
  single,
} from './fixtures/mediapipe/graph-harness.js';

const { load, expectInvalid } = graphHarness();

describe('ClipVectorSizeCalculator', () => {
  const clip = (max: number, side = false) =>
    load(
      single(
        `calculator: "ClipVectorSizeCalculator"
         input_stream: "input_vector" output_stream: "output_vector"
         ${side ? 'input_side_packet: "max_vec_size"' : ''}
         options { [mediapipe.ClipVectorSizeCalculatorOptions.ext] { max_vec_size: ${max} } }`,
        ['input_vector'],
        ['output_vector'],
      ),
    );

  // Each row: the test, max_vec_size in the options, the side packet overriding it (if any), the
  // input vectors as [timestamp, vector], and the clipped vectors.
  // MediaPipe's unique_ptr variant (ConsumeOneTimestamp) moves elements out; weft's values are
  // copied, same result.
  it.each([
    ['EmptyVectorInput', 1, undefined, [[1, []]], [[1, []]]],
    ['OneTimestamp', 2, undefined, [[1, [0, 1, 2, 3]]], [[1, [0, 1]]]],
    [
      'TwoInputsAtTwoTimestamps',
      3,
      undefined,
      [
        [1, [0, 1, 2, 3]],
        [2, [2, 3, 4, 5]],
      ],
      [
        [1, [0, 1, 2]],
        [2, [2, 3, 4]],
      ],
    ],
    [
      'ConsumeOneTimestamp: the first 3 of {0, ..., 5}',
      3,
      undefined,
      [[1, [0, 1, 2, 3, 4, 5]]],
      [[1, [0, 1, 2]]],
    ],
    ['SidePacket: the side packet overrides max_vec_size', 1, 2, [[1, [0, 1, 2, 3]]], [[1, [0, 1]]]],
  ] as const)('%s', async (_, max, side, input, expected) => {
    const l = clip(max, side !== undefined);
    await run(l, { input_vector: input }, side === undefined ? {} : { max_vec_size: side });
    expect(l.seen('output_vector')).toEqual(expected);
  });

  it('a typed array stays typed; a registered name clips detections alike', async () => {
    const l = clip(2);
    await run(l, { input_vector: [[1, Float32Array.of(0.5, 1.5, 2.5)]] });
    expect(l.seen('output_vector')).toEqual([[1, Float32Array.of(0.5, 1.5)]]);
    const d = load(
      single(
        'calculator: "ClipDetectionVectorSizeCalculator" input_stream: "all" output_stream: "some"',
        ['all'],
        ['some'],
      ),
    );
    await run(d, { all: [[7, [{ score: [0.9] }, { score: [0.8] }]]] });
    expect(d.seen('some')).toEqual([[7, [{ score: [0.9] }]]]);
  });

  it('max_vec_size 0 in the options is refused with the graph', async () => {
    await expectInvalid(
      single(
        `calculator: "ClipVectorSizeCalculator" input_stream: "i" output_stream: "o"
         options { [mediapipe.ClipVectorSizeCalculatorOptions.ext] { max_vec_size: 0 } }`,
        ['i'],
        ['o'],
      ),
      'ERR_WEFT_BAD_OPTIONS',
      'node',
      'max_vec_size should be greater than or equal to 1',
    );
  });

  it('a side packet of 0 fails the first process, as in MediaPipe', async () => {
    expect(await runFailing(clip(1, true), { input_vector: [[1, [0]]] }, { max_vec_size: 0 })).toMatchObject(
      failedIn('node', 'process', 'max_vec_size should be greater than or equal to 1'),
    );
  });

  it('a non-array input fails the run, typed, naming the node', async () => {
    expect(await runFailing(clip(2), { input_vector: [[1, 'not a vector']] })).toMatchObject(
      failedIn('node', 'process', 'must be an array'),
    );
  });
});

describe('VectorSizeCalculator', () => {
  const sizes = () =>
    load(
      single(
        'calculator: "VectorSizeCalculator" input_stream: "VECTOR:vector_stream" output_stream: "SIZE:size_stream"',
        ['vector_stream'],
        ['size_stream'],
      ),
    );

  it.each([
    ['EmptyVectorWithOutputSizeZero', [[1, []]], [[1, 0]]],
    ['SingleVectorInput', [[1, [1, 2, 3]]], [[1, 3]]],
    [
      'MultipleVectorInputs',
      [
        [1, [1, 2, 3]],
        [2, [5, 6, 7, 8]],
        [3, [9, 10]],
      ],
      [
        [1, 3],
        [2, 4],
        [3, 2],
      ],
    ],
  ] as const)('%s', async (_, input, expected) => {
    const l = sizes();
    await run(l, { vector_stream: input });
    expect(l.seen('size_stream')).toEqual(expected);
  });

  it.each(['LandmarkListVectorSizeCalculator', 'ClassificationListVectorSizeCalculator'])(
    '%s is registered and counts the same',
    async (name) => {
      const l = load(
        single(`calculator: "${name}" input_stream: "VECTOR:v" output_stream: "SIZE:n"`, ['v'], ['n']),
      );
      await run(l, { v: [[4, [{ landmark: [] }, { landmark: [] }]]] });
      expect(l.seen('n')).toEqual([[4, 2]]);
    },
  );

  it('a non-array VECTOR fails the run, typed, naming the node', async () => {
    expect(await runFailing(sizes(), { vector_stream: [[1, 12]] })).toMatchObject(
      failedIn('node', 'process', 'must be an array'),
    );
  });
});

describe('VectorIndicesCalculator', () => {
  it.each([
    ['IntVectorIndices', [1, 2, 3], [0, 1, 2]],
    ['EmptyVector', [], []],
  ])('IntVectorIndicesCalculatorTest %s', async (_, input, expected) => {
    const l = load(
      single(
        'calculator: "IntVectorIndicesCalculator" input_stream: "VECTOR:vector_stream" output_stream: "INDICES:indices_stream"',
        ['vector_stream'],
        ['indices_stream'],
      ),
    );
    await run(l, { vector_stream: [[1, input]] });
    expect(l.seen('indices_stream')).toEqual([[1, expected]]);
  });

  it('a non-array VECTOR fails the run, typed, naming the node', async () => {
    const l = load(
      single(
        'calculator: "VectorIndicesCalculator" input_stream: "VECTOR:v" output_stream: "INDICES:i"',
        ['v'],
        ['i'],
      ),
    );
    expect(await runFailing(l, { v: [[1, 'abc']] })).toMatchObject(
      failedIn('node', 'process', 'must be an array'),
    );
  });
});

// MediaPipe has no test for it; these check its contract.
describe('MergeToVectorCalculator', () => {
  it('the packets present at a timestamp, in input order; an absent input is skipped', async () => {
    const l = load(
      single(
        'calculator: "MergeToVectorCalculator" input_stream: "a" input_stream: "b" input_stream: "c" output_stream: "all"',
        ['a', 'b', 'c'],
        ['all'],
      ),
    );
    await run(l, {
      a: [
        [1, 'a1'],
        [2, 'a2'],
      ],
      b: [[1, 'b1']],
      c: [
        [1, 'c1'],
        [2, 'c2'],
      ],
    });
    expect(l.seen('all')).toEqual([
      [1, ['a1', 'b1', 'c1']],
      [2, ['a2', 'c2']],
    ]);
  });

  it('MergeDetectionsToVectorCalculator gathers detections', async () => {
    const l = load(
      single(
        'calculator: "MergeDetectionsToVectorCalculator" input_stream: "d0" input_stream: "d1" output_stream: "ds"',
        ['d0', 'd1'],
        ['ds'],
      ),
    );
    await run(l, { d0: [[3, { score: [0.5] }]], d1: [[3, { score: [0.7] }]] });
    expect(l.seen('ds')).toEqual([[3, [{ score: [0.5] }, { score: [0.7] }]]]);
  });

  it('without inputs, refused with the graph', async () => {
    await expectInvalid(
      single('calculator: "MergeToVectorCalculator" output_stream: "o"', [], ['o']),
      'ERR_WEFT_PORT_TAG',
      'node',
      '',
    );
  });
});

describeRegisteredNames([
  'ClipVectorSizeCalculator',
  'ClipNormalizedRectVectorSizeCalculator',
  'ClipDetectionVectorSizeCalculator',
  'VectorSizeCalculator',
  'LandmarkListVectorSizeCalculator',
  'ClassificationListVectorSizeCalculator',
  'VectorIndicesCalculator',
  'IntVectorIndicesCalculator',
  'Uint64tVectorIndicesCalculator',
  'NormalizedLandmarkListVectorIndicesCalculator',
  'MergeToVectorCalculator',
  'MergeDetectionsToVectorCalculator',
]);
