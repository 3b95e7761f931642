// Ports MediaPipe's begin_end_item_loop_calculator_graph_test.cc (BeginItemLoopCalculator and
// EndItemLoopCalculator: the GraphRunner tests, the CloneGraphRunner tests, and
// DISABLED_EmptyCloneWithNonEmptyItemPackets, which fails the run typed where MediaPipe dies).
import { describe, expect, it } from 'vitest';
import { nextAllowedInStream } from '../src/core/timestamp.js';
import {
  describeRegisteredNames,
  failedIn,
  graphHarness,
  type Loaded,
} from './fixtures/mediapipe/graph-harness.js';
import { itemLoopRegistry } from './fixtures/mediapipe/loop-bodies.js';

const { load } = graphHarness(itemLoopRegistry);

describe('BeginItemLoopCalculator / EndItemLoopCalculator', () => {
  /** MediaPipe's GraphRunner: ints `int0..` through Begin → Increment → End to `ints_plus_one0..`. */
  function graphRunner(numInputs: number, numOutputs: number): Loaded {
    const range = (n: number) => Array.from({ length: n }, (_, i) => i);
    const l = load(
      [
        ...range(numInputs).map((n) => `input_stream: "int${n}"`),
        ...range(numOutputs).map((n) => `output_stream: "ints_plus_one${n}"`),
        `node { name: "begin" calculator: "BeginItemLoopCalculator"
           ${range(numInputs)
             .map((n) => `input_stream: "ITEM:${n}:int${n}"`)
             .join(' ')}
           output_stream: "ITEM:item" output_stream: "BATCH_END:batch_end" }`,
        'node { calculator: "IncrementCalculator" input_stream: "item" output_stream: "item_plus_one" }',
        `node { name: "end" calculator: "EndItemLoopCalculator"
           input_stream: "ITEM:item_plus_one" input_stream: "BATCH_END:batch_end"
           ${range(numOutputs)
             .map((n) => `output_stream: "ITEM:${n}:ints_plus_one${n}"`)
             .join(' ')} }`,
      ].join('\n'),
    );
    return l;
  }

  /** A packet per input, or (null) only its bound past `ts`; then idle. */
  async function send(l: Loaded, ts: number, ints: Readonly<Record<string, number | null>>): Promise<void> {
    for (const [name, v] of Object.entries(ints)) {
      if (v === null) await l.g.setInputStreamTimestampBound(name, nextAllowedInStream(ts));
      else await l.g.addPacket(name, v, ts);
    }
    await l.g.waitUntilIdle();
  }
  const ints = (...values: (number | null)[]) => Object.fromEntries(values.map((v, n) => [`int${n}`, v]));
  const outputs = (l: Loaded, n: number) => Array.from({ length: n }, (_, k) => l.seen(`ints_plus_one${k}`));
  async function close(l: Loaded): Promise<void> {
    l.g.closeAllInputStreams();
    await l.g.waitUntilDone();
  }

  it('NoItemPackets', async () => {
    const l = graphRunner(2, 2);
    await l.g.startRun();
    await l.g.waitUntilIdle();
    expect(outputs(l, 2)).toEqual([[], []]);
    await close(l);
  });

  // Each row: the test, how many inputs (and as many outputs), the sets sent (each a timestamp and a
  // value per input, null for only a bound), and what each output then holds.
  it.each([
    [
      'AllEmptyItemPackets: the bound passes through, nothing else',
      3,
      [[0, [null, null, null]]],
      [[], [], []],
    ],
    [
      'MultipleAllEmptyItemPackets',
      3,
      [
        [0, [null, null, null]],
        [1, [null, null, null]],
      ],
      [[], [], []],
    ],
    ['NonEmptyItemPackets', 3, [[0, [0, 1, 2]]], [[[0, 1]], [[0, 2]], [[0, 3]]]],
    [
      'MultipleInputSets',
      2,
      [
        [0, [0, 1]],
        [1, [2, 3]],
        [4, [5, 6]],
      ],
      [
        [
          [0, 1],
          [1, 3],
          [4, 6],
        ],
        [
          [0, 2],
          [1, 4],
          [4, 7],
        ],
      ],
    ],
    [
      'AllowsArbitraryTimestampChange',
      1,
      [
        [1000, [null]],
        [1001, [1]],
      ],
      [[[1001, 2]]],
    ],
  ] as const)('%s', async (_, n, sets, expected) => {
    const l = graphRunner(n, n);
    await l.g.startRun();
    for (const [ts, values] of sets) await send(l, ts, ints(...values));
    expect(outputs(l, n)).toEqual(expected);
    await close(l);
  });

  it.each([
    ['SomeEmptyItemPackets: "Cannot mix", typed, naming the node', 3, 3, [0, 1, null], 'begin', 'Cannot mix'],
    [
      'MoreOutputsThanInputs: "input items must match", typed, naming the node',
      2,
      3,
      [3, 5],
      'end',
      'input items must match',
    ],
    [
      'LessOutputsThanInputs: "input items must match", typed, naming the node',
      3,
      2,
      [4, 6, 8],
      'end',
      'input items must match',
    ],
  ] as const)('%s', async (_, numInputs, numOutputs, values, node, message) => {
    const l = graphRunner(numInputs, numOutputs);
    await l.g.startRun();
    await send(l, 0, ints(...values)).catch(() => undefined);
    await expect(l.g.waitUntilDone()).rejects.toMatchObject(failedIn(node, 'process', message));
  });

  /** MediaPipe's CloneGraphRunner: int0 and int1 each times the CLONE, through the loop. */
  function cloneRunner(): Loaded {
    return load(
      `
      input_stream: "int0"
      input_stream: "int1"
      input_stream: "clone"
      output_stream: "int_times_clone0"
      output_stream: "int_times_clone1"
      node {
        name: "begin"
        calculator: "BeginItemLoopCalculator"
        input_stream: "ITEM:0:int0"
        input_stream: "ITEM:1:int1"
        input_stream: "CLONE:clone"
        output_stream: "ITEM:int_iter"
        output_stream: "CLONE:clone_iter"
        output_stream: "BATCH_END:timestamp"
      }
      node {
        calculator: "MultiplyCalculator"
        input_stream: "A:int_iter"
        input_stream: "B:clone_iter"
        output_stream: "int_times_clone_iter"
      }
      node {
        calculator: "EndItemLoopCalculator"
        input_stream: "ITEM:int_times_clone_iter"
        input_stream: "BATCH_END:timestamp"
        output_stream: "ITEM:0:int_times_clone0"
        output_stream: "ITEM:1:int_times_clone1"
      }
    `,
    );
  }
  const clones = (l: Loaded) => [l.seen('int_times_clone0'), l.seen('int_times_clone1')];
  const cloneInts = (int0: number | null, int1: number | null, clone: number | null) => ({
    int0,
    int1,
    clone,
  });

  it('CloneWithNoItemPackets', async () => {
    const l = cloneRunner();
    await l.g.startRun();
    await l.g.waitUntilIdle();
    expect(clones(l)).toEqual([[], []]);
    await close(l);
  });

  // Each row: the test, the sets sent (each a timestamp with int0, int1 and the CLONE, null for only
  // a bound), and what each output then holds.
  it.each([
    ['CloneWithAllEmptyItemPackets', [[0, cloneInts(null, null, null)]], [[], []]],
    ['CloneWithEmptyItemPackets', [[0, cloneInts(null, null, 42)]], [[], []]],
    ['CloneWithNonEmptyItemPackets', [[0, cloneInts(2, 3, 5)]], [[[0, 10]], [[0, 15]]]],
    [
      'CloneWithMultipleInputSets',
      [
        [0, cloneInts(1, 2, 5)],
        [1, cloneInts(2, 3, 5)],
        [3, cloneInts(5, 6, 5)],
      ],
      [
        [
          [0, 5],
          [1, 10],
          [3, 25],
        ],
        [
          [0, 10],
          [1, 15],
          [3, 30],
        ],
      ],
    ],
  ] as const)('%s', async (_, sets, expected) => {
    const l = cloneRunner();
    await l.g.startRun();
    for (const [ts, values] of sets) await send(l, ts, values);
    expect(clones(l)).toEqual(expected);
    await close(l);
  });

  it.each([
    ['CloneWithSomeEmptyItemPackets', cloneInts(null, 3, 5), 'Cannot mix'],
    // MediaPipe's DISABLED_EmptyCloneWithNonEmptyItemPackets dies on a check; weft fails the run.
    ['EmptyCloneWithNonEmptyItemPackets', cloneInts(2, 3, null), 'CLONE input 0 has no packet'],
  ])('%s: typed, naming the node', async (_, values, message) => {
    const l = cloneRunner();
    await l.g.startRun();
    await send(l, 0, values).catch(() => undefined);
    await expect(l.g.waitUntilDone()).rejects.toMatchObject(failedIn('begin', 'process', message));
  });
});

describeRegisteredNames(['BeginItemLoopCalculator', 'EndItemLoopCalculator']);
