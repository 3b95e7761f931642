// Ports MediaPipe's get_vector_item_calculator_test.cc (GetVectorItemCalculator: the index by
// stream or by option, the bounds checks, output_empty_on_oob, two timestamps, IndexUint64), plus a
// registered message variant, and the faults: malformed input fails the run typed, naming the node.
import { describe, expect, it } from 'vitest';
import {
  describeRegisteredNames,
  failedIn,
  graphHarness,
  run,
  runFailing,
  single,
} from './fixtures/mediapipe/graph-harness.js';

const { load } = graphHarness();

describe('GetVectorItemCalculator', () => {
  const withStream = () =>
    load(
      single(
        `calculator: "GetVectorItemCalculator"
         input_stream: "VECTOR:vector_stream" input_stream: "INDEX:index_stream" output_stream: "ITEM:item_stream"`,
        ['vector_stream', 'index_stream'],
        ['item_stream'],
      ),
    );
  const withOptions = (index: number, oob = false) =>
    load(
      single(
        `calculator: "GetVectorItemCalculator"
         input_stream: "VECTOR:vector_stream" output_stream: "ITEM:item_stream"
         options { [mediapipe.GetVectorItemCalculatorOptions.ext] {
           item_index: ${index} output_empty_on_oob: ${oob}
         } }`,
        ['vector_stream'],
        ['item_stream'],
      ),
    );
  const inputs = [1, 2, 3];

  // Each row: the test, the packets (the index by stream), and the items that come out.
  it.each([
    ['EmptyIndexStreamNoOutput', { vector_stream: [[1, inputs]] }, []],
    ['SuccessfulExtractionIndexStream', { vector_stream: [[1, inputs]], index_stream: [[1, 1]] }, [[1, 2]]],
    [
      'IndexStreamTwoTimestamps',
      {
        vector_stream: [
          [1, [1, 2, 3]],
          [2, [5, 6, 7, 8]],
        ],
        index_stream: [
          [1, 1],
          [2, 3],
        ],
      },
      [
        [1, 2],
        [2, 8],
      ],
    ],
    // weft numbers have one integer type: MediaPipe's uint64 index is the same number.
    ['IndexUint64', { vector_stream: [[1, inputs]], index_stream: [[1, 1]] }, [[1, 2]]],
  ] as const)('%s', async (_, packets, expected) => {
    const l = withStream();
    await run(l, packets);
    expect(l.seen('item_stream')).toEqual(expected);
  });

  // Each row: the test, item_index and output_empty_on_oob, the vectors, and the items that come out.
  it.each([
    ['SuccessfulExtractionIndexProto', 2, false, [[1, inputs]], [[1, 3]]],
    ['OptionsIndexBoundsCheckFail3: with output_empty_on_oob, nothing comes out', 3, true, [[1, inputs]], []],
    [
      'IndexOptionsTwoTimestamps',
      2,
      false,
      [
        [1, [1, 2, 3]],
        [2, [5, 6, 7, 8]],
      ],
      [
        [1, 3],
        [2, 7],
      ],
    ],
  ] as const)('%s', async (_, index, oob, vectors, expected) => {
    const l = withOptions(index, oob);
    await run(l, { vector_stream: vectors });
    expect(l.seen('item_stream')).toEqual(expected);
  });

  it('StreamIsPreferred', async () => {
    const l = load(
      single(
        `calculator: "GetVectorItemCalculator"
         input_stream: "VECTOR:vector_stream" input_stream: "INDEX:index_stream" output_stream: "ITEM:item_stream"
         options { [mediapipe.GetVectorItemCalculatorOptions.ext] { item_index: 2 } }`,
        ['vector_stream', 'index_stream'],
        ['item_stream'],
      ),
    );
    await run(l, { vector_stream: [[1, inputs]], index_stream: [[1, 0]] });
    expect(l.seen('item_stream')).toEqual([[1, 1]]);
  });

  it('NoStreamNorOptionsExpectFail: the open fails, typed, naming the node', async () => {
    const l = load(
      single(
        'calculator: "GetVectorItemCalculator" input_stream: "VECTOR:vector_stream" output_stream: "ITEM:item_stream"',
        ['vector_stream'],
        ['item_stream'],
      ),
    );
    await expect(l.g.startRun()).rejects.toMatchObject(
      failedIn('node', 'open', 'INDEX input stream or the item_index option'),
    );
  });

  it.each([
    ['StreamIndexBoundsCheckFail1', -1, 'is negative'],
    ['StreamIndexBoundsCheckFail2', 3, 'out of range'],
  ])('%s: index %d fails the run, typed, naming the node', async (_, index, message) => {
    const l = withStream();
    expect(await runFailing(l, { vector_stream: [[1, inputs]], index_stream: [[1, index]] })).toMatchObject(
      failedIn('node', 'process', message),
    );
  });

  it.each([
    ['OptionsIndexBoundsCheckFail1', -1, 'is negative'],
    ['OptionsIndexBoundsCheckFail2', 3, 'out of range'],
  ])('%s: item_index %d fails the run, typed, naming the node', async (_, index, message) => {
    expect(await runFailing(withOptions(index), { vector_stream: [[1, inputs]] })).toMatchObject(
      failedIn('node', 'process', message),
    );
  });

  it('a registered name picks a message out of an array', async () => {
    const l = load(
      single(
        `calculator: "GetDetectionVectorItemCalculator" input_stream: "VECTOR:d" output_stream: "ITEM:one"
         options { [mediapipe.GetVectorItemCalculatorOptions.ext] { item_index: 1 } }`,
        ['d'],
        ['one'],
      ),
    );
    await run(l, { d: [[5, [{ label: ['a'] }, { label: ['b'] }]]] });
    expect(l.seen('one')).toEqual([[5, { label: ['b'] }]]);
  });

  it.each([
    [
      'a non-array VECTOR',
      { vector_stream: [[1, { not: 'a vector' }]], index_stream: [[1, 0]] },
      'must be an array',
    ],
    [
      'a non-integer INDEX',
      { vector_stream: [[1, inputs]], index_stream: [[1, 'first']] },
      'INDEX must be an integer',
    ],
  ] as const)('%s fails the run, typed, naming the node', async (_, feed, message) => {
    expect(await runFailing(withStream(), feed)).toMatchObject(failedIn('node', 'process', message));
  });
});

describeRegisteredNames([
  'GetVectorItemCalculator',
  'GetLandmarkListVectorItemCalculator',
  'GetNormalizedLandmarkListVectorItemCalculator',
  'GetClassificationListVectorItemCalculator',
  'GetDetectionVectorItemCalculator',
  'GetNormalizedRectVectorItemCalculator',
  'GetRectVectorItemCalculator',
]);
