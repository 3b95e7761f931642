// MediaPipe's core calculators with MediaPipe's contracts, part 4: Bypass, ClipVectorSize,
// GetVectorItem, VectorSize, VectorIndices, MergeToVector, NonZero, PacketInnerJoin,
// PacketSequencer, StringToInt, ValueOrDefault, QuantizeFloatVector, DequantizeByteArray and
// BeginItemLoop/EndItemLoop, each with MediaPipe's own tests (their inputs and expected outputs)
// ported to weft's CalculatorGraph, plus fault rows: malformed input fails the run, typed, naming
// the node.
import { describe, expect, it } from 'vitest';
import { CalculatorGraph, defaultRegistry } from '../src/api/calculator-graph.js';
import { CalculatorRegistry } from '../src/core/calculator-registry.js';
import { nextAllowedInStream, previousAllowedInStream, Timestamp } from '../src/core/timestamp.js';
import { closedAfterEach } from './fixtures/closed-after-each.js';

const { graphs } = closedAfterEach();

/** What an observer of bounds reports where the stream settled without a packet (MediaPipe's empty packet). */
const EMPTY = '<empty>';

type Seen = [number, unknown][];
type Feed = Readonly<Record<string, readonly (readonly [number, unknown])[]>>;

interface Loaded {
  g: CalculatorGraph;
  seen: (stream: string) => Seen;
}

/**
 * Parses a graph and records every graph output stream: packets as [timestamp, value]; with
 * `bounds`, also each bound moved without a packet, as [bound − 1, EMPTY] (MediaPipe's
 * `observe_timestamp_bounds`).
 */
function load(text: string, opts: { bounds?: boolean; registry?: CalculatorRegistry } = {}): Loaded {
  const g = CalculatorGraph.fromText(text, opts.registry === undefined ? {} : { registry: opts.registry });
  graphs.push(g);
  const all = new Map<string, Seen>();
  for (const s of g.config.outputStreams) {
    const list: Seen = [];
    all.set(s, list);
    g.observeOutputStream(s, {
      packet: (ts, v) => list.push([ts, v]),
      ...(opts.bounds === true
        ? { bound: (b: number) => list.push([previousAllowedInStream(b), EMPTY]) }
        : {}),
    });
  }
  return { g, seen: (s) => all.get(s)! };
}

/** A graph of one node: its streams as the graph's inputs and outputs (MediaPipe's CalculatorRunner). */
function single(node: string, inputs: readonly string[], outputs: readonly string[]): string {
  return [
    ...inputs.map((s) => `input_stream: "${s}"`),
    ...outputs.map((s) => `output_stream: "${s}"`),
    `node { name: "node" ${node} }`,
  ].join('\n');
}

/**
 * Runs a loaded graph as MediaPipe's CalculatorRunner does: every packet in (in timestamp order
 * across the streams), the inputs closed, the run waited for.
 */
async function run(l: Loaded, feed: Feed, sidePackets: Record<string, unknown> = {}): Promise<void> {
  await l.g.startRun(sidePackets);
  const all = Object.entries(feed).flatMap(([s, list]) => list.map(([ts, v]) => [s, ts, v] as const));
  all.sort((a, b) => a[1] - b[1]);
  for (const [s, ts, v] of all) await l.g.addPacket(s, v, ts);
  l.g.closeAllInputStreams();
  await l.g.waitUntilDone();
}

/** Like {@link run}, for a run that must fail: its failure, as waitUntilDone reports it. */
async function runFailing(
  l: Loaded,
  feed: Feed,
  sidePackets: Record<string, unknown> = {},
): Promise<unknown> {
  await l.g.startRun(sidePackets);
  const all = Object.entries(feed).flatMap(([s, list]) => list.map(([ts, v]) => [s, ts, v] as const));
  all.sort((a, b) => a[1] - b[1]);
  // The run may already have failed and refuse the rest: the outcome is waitUntilDone's.
  for (const [s, ts, v] of all) await l.g.addPacket(s, v, ts).catch(() => false);
  try {
    l.g.closeAllInputStreams();
  } catch {
    // Already failed: nothing left to close.
  }
  return l.g.waitUntilDone().then(
    () => undefined,
    (err: unknown) => err,
  );
}

/** A run failure of `phase`, naming the node "node", whose cause is a typed invalid argument. */
function failure(phase: 'open' | 'process', message: string): Record<string, unknown> {
  return {
    code: 'ERR_WEFT_CALCULATOR',
    node: 'node',
    phase,
    cause: expect.objectContaining({ code: 'ERR_WEFT_INVALID_ARGUMENT' }),
    message: expect.stringContaining(message),
  };
}

/** A graph the validation refuses: one problem, of `code`, naming node "node", at config time. */
async function expectInvalid(text: string, code: string, message: string): Promise<void> {
  const g = CalculatorGraph.fromText(text);
  graphs.push(g);
  await expect(g.validate()).rejects.toMatchObject({
    code: 'ERR_WEFT_GRAPH_INVALID',
    problems: [
      expect.objectContaining({
        code,
        node: 'node',
        phase: 'config',
        message: expect.stringContaining(message),
      }),
    ],
  });
}

/** A calculator module for a test, as a `data:` URL: the workers import it like any module. */
function dataModule(source: string): string {
  return `data:text/javascript,${encodeURIComponent(source)}`;
}

describe('BypassCalculator', () => {
  const PASS_THROUGH_SUBGRAPH = `
    type: "AppearancesPassThroughSubgraph"
    input_stream: "APPEARANCES:appearances"
    input_stream: "VIDEO:video_frame"
    input_stream: "FEATURE_CONFIG:feature_config"
    output_stream: "APPEARANCES:passthrough_appearances"
    output_stream: "FEDERATED_GAZE_OUTPUT:passthrough_federated_gaze_output"
    node {
      calculator: "BypassCalculator"
      input_stream: "PASS:appearances"
      input_stream: "IGNORE:0:video_frame"
      input_stream: "IGNORE:1:feature_config"
      output_stream: "PASS:passthrough_appearances"
      output_stream: "IGNORE:passthrough_federated_gaze_output"
      node_options: {
        [type.googleapis.com/mediapipe.BypassCalculatorOptions] {
          pass_input_stream: "PASS"
          pass_output_stream: "PASS"
        }
      }
    }
  `;

  /** Packets a1, v1, f1 at 200; returns what came out of the two observed streams. */
  async function send200(l: Loaded, first: string, second: string): Promise<[Seen, Seen]> {
    await l.g.startRun();
    await l.g.addPacket('input_appearances', 'a1', 200);
    await l.g.addPacket('video_frame', 'v1', 200);
    await l.g.addPacket('feature_config', 'f1', 200);
    await l.g.waitUntilIdle();
    const seen: [Seen, Seen] = [[...l.seen(first)], [...l.seen(second)]];
    l.g.closeAllInputStreams();
    await l.g.waitUntilDone();
    return seen;
  }

  // MediaPipe wraps the bypass in a SwitchContainer, which weft lacks; the subgraph runs directly.
  it('SubgraphChannel: inside a subgraph, PASS passes a1, the other output only settles 200', async () => {
    const registry = new CalculatorRegistry(defaultRegistry()).registerSubgraph(PASS_THROUGH_SUBGRAPH);
    const l = load(
      `
      input_stream: "video_frame"
      input_stream: "input_appearances"
      input_stream: "feature_config"
      output_stream: "analyzed_appearances"
      output_stream: "federated_gaze_output"
      node {
        calculator: "AppearancesPassThroughSubgraph"
        input_stream: "VIDEO:video_frame"
        input_stream: "APPEARANCES:input_appearances"
        input_stream: "FEATURE_CONFIG:feature_config"
        output_stream: "APPEARANCES:analyzed_appearances"
        output_stream: "FEDERATED_GAZE_OUTPUT:federated_gaze_output"
      }
    `,
      { bounds: true, registry },
    );
    const [appearances, gaze] = await send200(l, 'analyzed_appearances', 'federated_gaze_output');
    expect(appearances).toEqual([[200, 'a1']]);
    expect(gaze).toEqual([[200, EMPTY]]);
  });

  it('CalculatorChannel: pass_input_stream APPEARANCES → APPEARANCES; the rest only settles', async () => {
    const l = load(
      `
      input_stream: "video_frame"
      input_stream: "input_appearances"
      input_stream: "feature_config"
      output_stream: "analyzed_appearances"
      output_stream: "federated_gaze_output"
      node {
        name: "node"
        calculator: "BypassCalculator"
        input_stream: "VIDEO:video_frame"
        input_stream: "APPEARANCES:input_appearances"
        input_stream: "FEATURE_CONFIG:feature_config"
        output_stream: "APPEARANCES:analyzed_appearances"
        output_stream: "FEDERATED_GAZE_OUTPUT:federated_gaze_output"
        node_options: {
          [type.googleapis.com/mediapipe.BypassCalculatorOptions] {
            pass_input_stream: "APPEARANCES"
            pass_output_stream: "APPEARANCES"
          }
        }
      }
    `,
      { bounds: true },
    );
    const [appearances, gaze] = await send200(l, 'analyzed_appearances', 'federated_gaze_output');
    expect(appearances).toEqual([[200, 'a1']]);
    expect(gaze).toEqual([[200, EMPTY]]);
  });

  // GatedChannel's closed-gate half (its open half runs a PassThroughCalculator in a SwitchContainer).
  it('GatedChannel, gate closed: a bypass without options passes only timestamps', async () => {
    const l = load(
      `
      input_stream: "video_frame"
      input_stream: "input_appearances"
      input_stream: "feature_config"
      output_stream: "video_frame_out"
      output_stream: "analyzed_appearances"
      output_stream: "feature_config_out"
      node {
        calculator: "BypassCalculator"
        input_stream: "VIDEO:video_frame"
        input_stream: "APPEARANCES:input_appearances"
        input_stream: "FEATURE_CONFIG:feature_config"
        output_stream: "VIDEO:video_frame_out"
        output_stream: "APPEARANCES:analyzed_appearances"
        output_stream: "FEATURE_CONFIG:feature_config_out"
      }
    `,
      { bounds: true },
    );
    const [appearances, video] = await send200(l, 'analyzed_appearances', 'video_frame_out');
    expect(appearances).toEqual([[200, EMPTY]]);
    expect(video).toEqual([[200, EMPTY]]);
  });

  it('pairs by TAG:index; an empty passed input settles its output all the same', async () => {
    const l = load(
      single(
        `calculator: "BypassCalculator"
         input_stream: "X:0:a" input_stream: "X:1:b" output_stream: "Y:0:c" output_stream: "Y:1:d"
         options { [mediapipe.BypassCalculatorOptions.ext] {
           pass_input_stream: "X:1" pass_output_stream: "Y:0"
           pass_input_stream: "X:0" pass_output_stream: "Y:1"
         } }`,
        ['a', 'b'],
        ['c', 'd'],
      ),
      { bounds: true },
    );
    await l.g.startRun();
    // Each step settles one timestamp: a packet on one input, only a bound on the other.
    await l.g.addPacket('a', 'a1', 1);
    await l.g.setInputStreamTimestampBound('b', 2);
    await l.g.waitUntilIdle();
    await l.g.addPacket('b', 'b2', 2);
    await l.g.setInputStreamTimestampBound('a', 3);
    await l.g.waitUntilIdle();
    expect(l.seen('c')).toEqual([
      [1, EMPTY],
      [2, 'b2'],
    ]);
    expect(l.seen('d')).toEqual([
      [1, 'a1'],
      [2, EMPTY],
    ]);
    l.g.closeAllInputStreams();
    await l.g.waitUntilDone();
  });

  it.each([
    ['lists of different lengths', 'pass_input_stream: "A"', 'pair up one to one'],
    [
      'an entry that is no TAG:index',
      'pass_input_stream: "a b" pass_output_stream: "B"',
      'TAG:index is invalid',
    ],
  ])('%s: refused with the graph', async (_, options, message) => {
    await expectInvalid(
      single(
        `calculator: "BypassCalculator" input_stream: "A:a" output_stream: "B:b"
         options { [mediapipe.BypassCalculatorOptions.ext] { ${options} } }`,
        ['a'],
        ['b'],
      ),
      'ERR_WEFT_BAD_OPTIONS',
      message,
    );
  });

  it('a pair naming a stream the node lacks fails the open, typed, naming the node', async () => {
    const l = load(
      single(
        `calculator: "BypassCalculator" input_stream: "A:a" output_stream: "B:b"
         options { [mediapipe.BypassCalculatorOptions.ext] { pass_input_stream: "A:1" pass_output_stream: "B" } }`,
        ['a'],
        ['b'],
      ),
    );
    await expect(l.g.startRun()).rejects.toMatchObject(failure('open', '"A:1" names no input stream'));
  });
});

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

  it('EmptyVectorInput', async () => {
    const l = clip(1);
    await run(l, { input_vector: [[1, []]] });
    expect(l.seen('output_vector')).toEqual([[1, []]]);
  });

  it('OneTimestamp', async () => {
    const l = clip(2);
    await run(l, { input_vector: [[1, [0, 1, 2, 3]]] });
    expect(l.seen('output_vector')).toEqual([[1, [0, 1]]]);
  });

  it('TwoInputsAtTwoTimestamps', async () => {
    const l = clip(3);
    await run(l, {
      input_vector: [
        [1, [0, 1, 2, 3]],
        [2, [2, 3, 4, 5]],
      ],
    });
    expect(l.seen('output_vector')).toEqual([
      [1, [0, 1, 2]],
      [2, [2, 3, 4]],
    ]);
  });

  // MediaPipe's unique_ptr variant moves elements out; weft's values are copied, same result.
  it('ConsumeOneTimestamp: the first 3 of {0, ..., 5}', async () => {
    const l = clip(3);
    await run(l, { input_vector: [[1, [0, 1, 2, 3, 4, 5]]] });
    expect(l.seen('output_vector')).toEqual([[1, [0, 1, 2]]]);
  });

  it('SidePacket: the side packet overrides max_vec_size', async () => {
    const l = clip(1, true);
    await run(l, { input_vector: [[1, [0, 1, 2, 3]]] }, { max_vec_size: 2 });
    expect(l.seen('output_vector')).toEqual([[1, [0, 1]]]);
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
      'max_vec_size should be greater than or equal to 1',
    );
  });

  it('a side packet of 0 fails the first process, as in MediaPipe', async () => {
    expect(await runFailing(clip(1, true), { input_vector: [[1, [0]]] }, { max_vec_size: 0 })).toMatchObject(
      failure('process', 'max_vec_size should be greater than or equal to 1'),
    );
  });

  it('a non-array input fails the run, typed, naming the node', async () => {
    expect(await runFailing(clip(2), { input_vector: [[1, 'not a vector']] })).toMatchObject(
      failure('process', 'must be an array'),
    );
  });
});

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

  it('EmptyIndexStreamNoOutput', async () => {
    const l = withStream();
    await run(l, { vector_stream: [[1, inputs]] });
    expect(l.seen('item_stream')).toEqual([]);
  });

  it('SuccessfulExtractionIndexStream', async () => {
    const l = withStream();
    await run(l, { vector_stream: [[1, inputs]], index_stream: [[1, 1]] });
    expect(l.seen('item_stream')).toEqual([[1, 2]]);
  });

  it('SuccessfulExtractionIndexProto', async () => {
    const l = withOptions(2);
    await run(l, { vector_stream: [[1, inputs]] });
    expect(l.seen('item_stream')).toEqual([[1, 3]]);
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
      failure('open', 'INDEX input stream or the item_index option'),
    );
  });

  it.each([
    ['StreamIndexBoundsCheckFail1', -1, 'is negative'],
    ['StreamIndexBoundsCheckFail2', 3, 'out of range'],
  ])('%s: index %d fails the run, typed, naming the node', async (_, index, message) => {
    const l = withStream();
    expect(await runFailing(l, { vector_stream: [[1, inputs]], index_stream: [[1, index]] })).toMatchObject(
      failure('process', message),
    );
  });

  it.each([
    ['OptionsIndexBoundsCheckFail1', -1, 'is negative'],
    ['OptionsIndexBoundsCheckFail2', 3, 'out of range'],
  ])('%s: item_index %d fails the run, typed, naming the node', async (_, index, message) => {
    expect(await runFailing(withOptions(index), { vector_stream: [[1, inputs]] })).toMatchObject(
      failure('process', message),
    );
  });

  it('OptionsIndexBoundsCheckFail3: with output_empty_on_oob, nothing comes out', async () => {
    const l = withOptions(3, true);
    await run(l, { vector_stream: [[1, inputs]] });
    expect(l.seen('item_stream')).toEqual([]);
  });

  it('IndexStreamTwoTimestamps', async () => {
    const l = withStream();
    await run(l, {
      vector_stream: [
        [1, [1, 2, 3]],
        [2, [5, 6, 7, 8]],
      ],
      index_stream: [
        [1, 1],
        [2, 3],
      ],
    });
    expect(l.seen('item_stream')).toEqual([
      [1, 2],
      [2, 8],
    ]);
  });

  it('IndexOptionsTwoTimestamps', async () => {
    const l = withOptions(2);
    await run(l, {
      vector_stream: [
        [1, [1, 2, 3]],
        [2, [5, 6, 7, 8]],
      ],
    });
    expect(l.seen('item_stream')).toEqual([
      [1, 3],
      [2, 7],
    ]);
  });

  // weft numbers have one integer type: MediaPipe's uint64 index is the same number.
  it('IndexUint64', async () => {
    const l = withStream();
    await run(l, { vector_stream: [[1, inputs]], index_stream: [[1, 1]] });
    expect(l.seen('item_stream')).toEqual([[1, 2]]);
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
    expect(await runFailing(withStream(), feed)).toMatchObject(failure('process', message));
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

  it('EmptyVectorWithOutputSizeZero', async () => {
    const l = sizes();
    await run(l, { vector_stream: [[1, []]] });
    expect(l.seen('size_stream')).toEqual([[1, 0]]);
  });

  it('SingleVectorInput', async () => {
    const l = sizes();
    await run(l, { vector_stream: [[1, [1, 2, 3]]] });
    expect(l.seen('size_stream')).toEqual([[1, 3]]);
  });

  it('MultipleVectorInputs', async () => {
    const l = sizes();
    await run(l, {
      vector_stream: [
        [1, [1, 2, 3]],
        [2, [5, 6, 7, 8]],
        [3, [9, 10]],
      ],
    });
    expect(l.seen('size_stream')).toEqual([
      [1, 3],
      [2, 4],
      [3, 2],
    ]);
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
      failure('process', 'must be an array'),
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
    expect(await runFailing(l, { v: [[1, 'abc']] })).toMatchObject(failure('process', 'must be an array'));
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
      '',
    );
  });
});

describe('NonZeroCalculator', () => {
  const nonZero = () =>
    load(
      single(
        `calculator: "NonZeroCalculator"
         input_stream: "INPUT:input" output_stream: "OUTPUT:output" output_stream: "OUTPUT_BOOL:output_bool"`,
        ['input'],
        ['output', 'output_bool'],
      ),
    );
  const values = (list: Seen) => list.map(([, v]) => v);

  it.each([
    ['ProducesZeroOutputForZeroInput', [0], [0], [false]],
    [
      'ProducesNonZeroOutputForNonZeroInput',
      [1, 2, 3, -4, 5],
      [1, 1, 1, 1, 1],
      [true, true, true, true, true],
    ],
    [
      'SwitchesBetweenNonZeroAndZeroOutput',
      [1, 0, 3, 0, 5],
      [1, 0, 1, 0, 1],
      [true, false, true, false, true],
    ],
  ])('%s', async (_, input, expected, expectedBool) => {
    const l = nonZero();
    await run(l, { input: input.map((v, ts) => [ts, v] as const) });
    expect(values(l.seen('output'))).toEqual(expected);
    expect(values(l.seen('output_bool'))).toEqual(expectedBool);
    expect(l.seen('output').map(([ts]) => ts)).toEqual(input.map((_, ts) => ts));
  });

  it('INPUT as a side packet (the side fallback): one answer at timestamp 0, then the node ends', async () => {
    const l = load(
      single(
        'calculator: "NonZeroCalculator" input_side_packet: "INPUT:n" output_stream: "OUTPUT_BOOL:b"',
        [],
        ['b'],
      ),
    );
    await l.g.runToCompletion({ n: 7 });
    expect(l.seen('b')).toEqual([[0, true]]);
  });

  it.each([
    ['no output', 'input_stream: "INPUT:i"', 'at least one output stream is expected'],
    [
      'INPUT both as stream and side packet',
      'input_stream: "INPUT:i" input_side_packet: "INPUT:s" output_stream: "OUTPUT:o"',
      'INPUT as one input stream or one input side packet',
    ],
  ])('%s: refused with the graph', async (_, ports, message) => {
    await expectInvalid(
      `input_stream: "i"\nnode { name: "node" calculator: "NonZeroCalculator" ${ports} }`,
      'ERR_WEFT_PORT_TAG',
      message,
    );
  });

  it('a non-number INPUT fails the run, typed, naming the node', async () => {
    expect(await runFailing(nonZero(), { input: [[0, 'zero']] })).toMatchObject(
      failure('process', 'must be a number'),
    );
  });
});

describe('PacketInnerJoinCalculator', () => {
  it.each([
    ['AllMatching', [0, 1, 2, 3], [0, 1, 2, 3], [0, 1, 2, 3]],
    ['NoneMatching', [0, 2], [1, 3], []],
    ['SomeMatching', [0, 1, 2, 3, 4, 6], [0, 2, 4, 5, 6], [0, 2, 4, 6]],
  ])('%s', async (_, first, second, expected) => {
    const l = load(
      single(
        'calculator: "PacketInnerJoinCalculator" input_stream: "in0" input_stream: "in1" output_stream: "out0" output_stream: "out1"',
        ['in0', 'in1'],
        ['out0', 'out1'],
      ),
    );
    // PacketFrom(i): the value i at timestamp i.
    await run(l, { in0: first.map((i) => [i, i] as const), in1: second.map((i) => [i, i] as const) });
    expect(l.seen('out0')).toEqual(expected.map((i) => [i, i]));
    expect(l.seen('out1')).toEqual(expected.map((i) => [i, i]));
  });

  it('more inputs than outputs: refused with the graph', async () => {
    await expectInvalid(
      single(
        'calculator: "PacketInnerJoinCalculator" input_stream: "a" input_stream: "b" output_stream: "o"',
        ['a', 'b'],
        ['o'],
      ),
      'ERR_WEFT_PORT_TAG',
      'The number of input and output streams must match',
    );
  });
});

describe('PacketSequencerCalculator', () => {
  it('IsRegistered', () => {
    expect(defaultRegistry().has('PacketSequencerCalculator')).toBe(true);
  });

  it('ChannelEarly: control packets get low timestamps, then ones following the latest tick', async () => {
    const l = load(
      single(
        `calculator: "PacketSequencerCalculator"
         input_stream: "INPUT:select" input_stream: "TICK:0:frame" input_stream: "TICK:1:mask"
         output_stream: "OUTPUT:select_timed"`,
        ['select', 'frame', 'mask'],
        ['select_timed'],
      ),
    );
    await l.g.startRun();
    // Some control packets arrive.
    await l.g.addPacket('select', 'p0_t10', 10);
    await l.g.addPacket('select', 'p0_t20', 20);
    await l.g.waitUntilIdle();
    // The control packets are assigned low timestamps.
    expect(l.seen('select_timed')).toEqual([
      [Timestamp.Min, 'p0_t10'],
      [Timestamp.Min + 1, 'p0_t20'],
    ]);
    // Some frame packets arrive.
    await l.g.addPacket('mask', 'p2_t10', 10);
    await l.g.addPacket('frame', 'p1_t20', 20);
    await l.g.waitUntilIdle();
    // Some more control packets arrive.
    await l.g.addPacket('select', 'p0_t30', 30);
    await l.g.addPacket('select', 'p0_t40', 40);
    await l.g.waitUntilIdle();
    // New control packets are assigned timestamps following Timestamp(20).
    expect(l.seen('select_timed').slice(2)).toEqual([
      [21, 'p0_t30'],
      [22, 'p0_t40'],
    ]);
    l.g.closeAllInputStreams();
    await l.g.waitUntilDone();
  });

  it('INPUT and OUTPUT counts that differ: refused with the graph', async () => {
    await expectInvalid(
      single(
        'calculator: "PacketSequencerCalculator" input_stream: "INPUT:a" input_stream: "TICK:t"',
        ['a', 't'],
        [],
      ),
      'ERR_WEFT_PORT_TAG',
      'one OUTPUT per INPUT',
    );
  });
});

// MediaPipe has no test for it; these check absl::SimpleAtoi's rules and the six registered types.
describe('StringToIntCalculator', () => {
  const parse = async (name: string, s: unknown) => {
    const l = load(
      `output_side_packet: "index"
       node { name: "node" calculator: "${name}" input_side_packet: "string" output_side_packet: "index" }`,
    );
    return l.g.runToCompletion({ string: s });
  };

  it.each([
    ['StringToIntCalculator', '42', 42],
    ['StringToIntCalculator', ' \t-17\n', -17],
    ['StringToIntCalculator', '+007', 7],
    ['StringToIntCalculator', '-2147483648', -2147483648],
    ['StringToUintCalculator', '4294967295', 4294967295],
    ['StringToInt32Calculator', '2147483647', 2147483647],
    ['StringToUint32Calculator', '0', 0],
    ['StringToInt64Calculator', '-9007199254740991', -9007199254740991],
    ['StringToUint64Calculator', '9007199254740991', 9007199254740991],
  ])('%s parses %j into %d', async (name, s, expected) => {
    expect(await parse(name, s)).toEqual({ index: expected });
  });

  it.each([
    ['StringToIntCalculator', 'abc', 'could not be parsed as an integer'],
    ['StringToIntCalculator', '12abc', 'could not be parsed as an integer'],
    ['StringToIntCalculator', '0x10', 'could not be parsed as an integer'],
    ['StringToIntCalculator', '', 'could not be parsed as an integer'],
    ['StringToIntCalculator', '2147483648', 'could not be parsed as an integer'],
    ['StringToUintCalculator', '-1', 'could not be parsed as an integer'],
    ['StringToUint32Calculator', '-0', 'could not be parsed as an integer'],
    ['StringToUint64Calculator', '18446744073709551616', 'could not be parsed as an integer'],
    ['StringToInt64Calculator', '9007199254740992', 'beyond ±(2^53 − 1)'],
    ['StringToIntCalculator', 42, 'must be a string'],
  ])('%s refuses %j: the open fails, typed, naming the node', async (name, s, message) => {
    await expect(parse(name, s)).rejects.toMatchObject(failure('open', message));
  });
});

describe('ValueOrDefaultCalculator', () => {
  const DEFAULT = 0;
  const orDefault = () =>
    load(
      single(
        `calculator: "ValueOrDefaultCalculator"
         input_stream: "IN:in" input_stream: "TICK:tick" input_side_packet: "default"
         output_stream: "OUT:out" output_stream: "FLAG:used_default"`,
        ['in', 'tick'],
        ['out', 'used_default'],
      ),
    );
  // Values for IN: default + 1 onwards, so none is the default.
  const range = (n: number) => Array.from({ length: n }, (_, i) => DEFAULT + 1 + i);
  const ticksAt = (ts: readonly number[]) => ts.map((t) => [t, false] as const);
  const at = (ts: readonly number[], values: readonly number[]) => ts.map((t, i) => [t, values[i]] as const);
  const timestamps = (list: Seen) => list.map(([ts]) => ts);
  const values = (list: Seen) => list.map(([, v]) => v);

  it('NoInputs: the default at every tick, flagged', async () => {
    const ticks = [0, 1, 2, 5, 8, 12, 33, 231];
    const l = orDefault();
    await run(l, { tick: ticksAt(ticks) }, { default: DEFAULT });
    expect(timestamps(l.seen('out'))).toEqual(ticks);
    expect(values(l.seen('out'))).toEqual(ticks.map(() => DEFAULT));
    expect(timestamps(l.seen('used_default'))).toEqual(ticks);
  });

  it('NeverDefault: inputs on time come out as they are', async () => {
    const ticks = [0, 1, 2, 5, 8, 12, 33, 231];
    const l = orDefault();
    await run(l, { tick: ticksAt(ticks), in: at(ticks, range(ticks.length)) }, { default: DEFAULT });
    expect(timestamps(l.seen('out'))).toEqual(ticks);
    expect(values(l.seen('out'))).toEqual(range(ticks.length));
    expect(l.seen('used_default')).toEqual([]);
  });

  it('DefaultAndValues', async () => {
    const ticks = [0, 1, 5, 8, 12, 231];
    const inTicks = [1, 5, 12];
    const l = orDefault();
    await run(l, { tick: ticksAt(ticks), in: at(inTicks, range(inTicks.length)) }, { default: DEFAULT });
    expect(timestamps(l.seen('out'))).toEqual(ticks);
    expect(timestamps(l.seen('used_default'))).toEqual([0, 8, 231]);
    expect(values(l.seen('out'))).toEqual([DEFAULT, 1, 2, DEFAULT, 3, DEFAULT]);
  });

  it('TimestampsMismatch: inputs off the ticks never come out', async () => {
    const ticks = [1, 2, 5, 8, 12, 33, 231];
    const inTicks = [0, 3, 4, 6, 7, 9, 10, 11, 13, 14, 15, 16, 232];
    const l = orDefault();
    await run(l, { tick: ticksAt(ticks), in: at(inTicks, range(inTicks.length)) }, { default: DEFAULT });
    expect(timestamps(l.seen('out'))).toEqual(ticks);
    expect(values(l.seen('out'))).toEqual(ticks.map(() => DEFAULT));
    expect(timestamps(l.seen('used_default'))).toEqual(ticks);
  });

  it('FlagValue: true', async () => {
    const l = orDefault();
    await run(l, { tick: ticksAt([0]) }, { default: DEFAULT });
    expect(values(l.seen('used_default'))).toEqual([true]);
  });

  it('FullTest', async () => {
    const ticks = [1, 2, 5, 8, 12, 33, 231];
    const inTicks = [0, 2, 4, 6, 8, 9, 12, 33, 54, 232];
    const l = orDefault();
    await run(l, { tick: ticksAt(ticks), in: at(inTicks, range(inTicks.length)) }, { default: DEFAULT });
    expect(timestamps(l.seen('out'))).toEqual(ticks);
    expect(values(l.seen('out'))).toEqual([DEFAULT, 2, DEFAULT, 5, 7, 8, DEFAULT]);
    expect(timestamps(l.seen('used_default'))).toEqual([1, 5, 231]);
    expect(values(l.seen('used_default'))).toEqual([true, true, true]);
  });

  it('without FLAG: refused with the graph, as MediaPipe requires every port', async () => {
    await expectInvalid(
      single(
        'calculator: "ValueOrDefaultCalculator" input_stream: "IN:in" input_stream: "TICK:tick" input_side_packet: "d" output_stream: "OUT:out"',
        ['in', 'tick'],
        ['out'],
      ),
      'ERR_WEFT_PORT_TAG',
      'FLAG',
    );
  });
});

describe('QuantizeFloatVectorCalculator', () => {
  const quantize = (options: string) =>
    single(
      `calculator: "QuantizeFloatVectorCalculator"
       input_stream: "FLOAT_VECTOR:float_vector" output_stream: "ENCODED:encoded"
       options { [mediapipe.QuantizeFloatVectorCalculatorOptions.ext]: { ${options} } }`,
      ['float_vector'],
      ['encoded'],
    );

  it.each([
    [
      'WrongConfig',
      'min_quantized_value: 1',
      'Both max_quantized_value and min_quantized_value must be provided',
    ],
    [
      'WrongConfig2',
      'max_quantized_value: -1 min_quantized_value: 1',
      'max_quantized_value must be greater than min_quantized_value',
    ],
    [
      'WrongConfig3',
      'max_quantized_value: 1 min_quantized_value: 1',
      'max_quantized_value must be greater than min_quantized_value',
    ],
  ])('%s: refused with the graph', async (_, options, message) => {
    await expectInvalid(quantize(options), 'ERR_WEFT_BAD_OPTIONS', message);
  });

  it('TestEmptyVector', async () => {
    const l = load(quantize('max_quantized_value: 1 min_quantized_value: -1'));
    await run(l, { float_vector: [[0, []]] });
    expect(l.seen('encoded')).toEqual([[0, new Uint8Array(0)]]);
  });

  it('TestNonEmptyVector: 0, -64, 64, -32, 32 over [-64, 64] give 127, 0, 255, 63, 191', async () => {
    const l = load(quantize('max_quantized_value: 64 min_quantized_value: -64'));
    await run(l, { float_vector: [[0, [0, -64, 64, -32, 32]]] });
    expect(l.seen('encoded')).toEqual([[0, Uint8Array.of(0x7f, 0x00, 0xff, 0x3f, 0xbf)]]);
  });

  it('TestSaturation', async () => {
    const l = load(quantize('max_quantized_value: 64 min_quantized_value: -64'));
    await run(l, { float_vector: [[0, Float32Array.of(-65, 65)]] });
    expect(l.seen('encoded')).toEqual([[0, Uint8Array.of(0x00, 0xff)]]);
  });

  it('a non-array FLOAT_VECTOR fails the run, typed, naming the node', async () => {
    const l = load(quantize('max_quantized_value: 64 min_quantized_value: -64'));
    expect(await runFailing(l, { float_vector: [[0, 3.5]] })).toMatchObject(
      failure('process', 'must be an array'),
    );
  });
});

describe('DequantizeByteArrayCalculator', () => {
  const dequantize = (options: string) =>
    single(
      `calculator: "DequantizeByteArrayCalculator"
       input_stream: "ENCODED:encoded" output_stream: "FLOAT_VECTOR:float_vector"
       options { [mediapipe.DequantizeByteArrayCalculatorOptions.ext]: { ${options} } }`,
      ['encoded'],
      ['float_vector'],
    );

  it.each([
    [
      'WrongConfig',
      'max_quantized_value: 2',
      'Both max_quantized_value and min_quantized_value must be provided',
    ],
    [
      'WrongConfig2',
      'max_quantized_value: -2 min_quantized_value: 2',
      'max_quantized_value must be greater than min_quantized_value',
    ],
    [
      'WrongConfig3',
      'max_quantized_value: 1 min_quantized_value: 1',
      'max_quantized_value must be greater than min_quantized_value',
    ],
  ])('%s: refused with the graph', async (_, options, message) => {
    await expectInvalid(dequantize(options), 'ERR_WEFT_BAD_OPTIONS', message);
  });

  it('TestDequantization: 0x7F, 0xFF, 0x00, 0x01 over [-2, 2] give about 0, 2, -2, -1.976', async () => {
    const l = load(dequantize('max_quantized_value: 2 min_quantized_value: -2'));
    await run(l, { encoded: [[0, Uint8Array.of(0x7f, 0xff, 0x00, 0x01)]] });
    const out = l.seen('float_vector');
    expect(out.map(([ts]) => ts)).toEqual([0]);
    const floats = out[0]![1] as Float32Array;
    expect(floats).toBeInstanceOf(Float32Array);
    const expected = [0, 2, -2, -1.976];
    expect(floats.length).toBe(expected.length);
    for (const [i, f] of floats.entries()) expect(Math.abs(f - expected[i]!)).toBeLessThan(0.01);
  });

  it('a string ENCODED fails the run, typed, naming the node', async () => {
    const l = load(dequantize('max_quantized_value: 2 min_quantized_value: -2'));
    expect(await runFailing(l, { encoded: [[0, '\x7f\xff']] })).toMatchObject(
      failure('process', 'must be a Uint8Array'),
    );
  });
});

describe('BeginItemLoopCalculator / EndItemLoopCalculator', () => {
  // The loop bodies of MediaPipe's test, as test calculators.
  const registry = new CalculatorRegistry(defaultRegistry())
    .register(
      'IncrementCalculator',
      dataModule(`export default {
        name: 'IncrementCalculator',
        contract: { inputs: { '': 'one' }, outputs: { '': 'one' } },
        create: () => ({ process(ctx) { ctx.output(0).add(ctx.input(0).value + 1, ctx.inputTimestamp); } }),
      };`),
    )
    .register(
      'MultiplyCalculator',
      dataModule(`export default {
        name: 'MultiplyCalculator',
        contract: { inputs: { A: 'one', B: 'one' }, outputs: { '': 'one' } },
        create: () => ({ process(ctx) {
          ctx.output(0).add(ctx.input('A').value * ctx.input('B').value, ctx.inputTimestamp);
        } }),
      };`),
    );

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
      { registry },
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

  it('AllEmptyItemPackets: the bound passes through, nothing else', async () => {
    const l = graphRunner(3, 3);
    await l.g.startRun();
    await send(l, 0, ints(null, null, null));
    expect(outputs(l, 3)).toEqual([[], [], []]);
    await close(l);
  });

  it('MultipleAllEmptyItemPackets', async () => {
    const l = graphRunner(3, 3);
    await l.g.startRun();
    await send(l, 0, ints(null, null, null));
    await send(l, 1, ints(null, null, null));
    expect(outputs(l, 3)).toEqual([[], [], []]);
    await close(l);
  });

  it('NonEmptyItemPackets', async () => {
    const l = graphRunner(3, 3);
    await l.g.startRun();
    await send(l, 0, ints(0, 1, 2));
    expect(outputs(l, 3)).toEqual([[[0, 1]], [[0, 2]], [[0, 3]]]);
    await close(l);
  });

  it('SomeEmptyItemPackets: "Cannot mix", typed, naming the node', async () => {
    const l = graphRunner(3, 3);
    await l.g.startRun();
    await send(l, 0, ints(0, 1, null)).catch(() => undefined);
    await expect(l.g.waitUntilDone()).rejects.toMatchObject({
      code: 'ERR_WEFT_CALCULATOR',
      node: 'begin',
      phase: 'process',
      cause: expect.objectContaining({ code: 'ERR_WEFT_INVALID_ARGUMENT' }),
      message: expect.stringContaining('Cannot mix'),
    });
  });

  it.each([
    ['MoreOutputsThanInputs', 2, 3, [3, 5]],
    ['LessOutputsThanInputs', 3, 2, [4, 6, 8]],
  ])('%s: "input items must match", typed, naming the node', async (_, numInputs, numOutputs, values) => {
    const l = graphRunner(numInputs, numOutputs);
    await l.g.startRun();
    await send(l, 0, ints(...values)).catch(() => undefined);
    await expect(l.g.waitUntilDone()).rejects.toMatchObject({
      code: 'ERR_WEFT_CALCULATOR',
      node: 'end',
      phase: 'process',
      cause: expect.objectContaining({ code: 'ERR_WEFT_INVALID_ARGUMENT' }),
      message: expect.stringContaining('input items must match'),
    });
  });

  it('MultipleInputSets', async () => {
    const l = graphRunner(2, 2);
    await l.g.startRun();
    await send(l, 0, ints(0, 1));
    await send(l, 1, ints(2, 3));
    await send(l, 4, ints(5, 6));
    expect(outputs(l, 2)).toEqual([
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
    ]);
    await close(l);
  });

  it('AllowsArbitraryTimestampChange', async () => {
    const l = graphRunner(1, 1);
    await l.g.startRun();
    await send(l, 1000, ints(null));
    await send(l, 1001, ints(1));
    expect(outputs(l, 1)).toEqual([[[1001, 2]]]);
    await close(l);
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
      { registry },
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

  it.each([
    ['CloneWithAllEmptyItemPackets', null],
    ['CloneWithEmptyItemPackets', 42],
  ])('%s', async (_, clone) => {
    const l = cloneRunner();
    await l.g.startRun();
    await send(l, 0, cloneInts(null, null, clone));
    expect(clones(l)).toEqual([[], []]);
    await close(l);
  });

  it('CloneWithNonEmptyItemPackets', async () => {
    const l = cloneRunner();
    await l.g.startRun();
    await send(l, 0, cloneInts(2, 3, 5));
    expect(clones(l)).toEqual([[[0, 10]], [[0, 15]]]);
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
    await expect(l.g.waitUntilDone()).rejects.toMatchObject({
      code: 'ERR_WEFT_CALCULATOR',
      node: 'begin',
      phase: 'process',
      cause: expect.objectContaining({ code: 'ERR_WEFT_INVALID_ARGUMENT' }),
      message: expect.stringContaining(message),
    });
  });

  it('CloneWithMultipleInputSets', async () => {
    const l = cloneRunner();
    await l.g.startRun();
    await send(l, 0, cloneInts(1, 2, 5));
    await send(l, 1, cloneInts(2, 3, 5));
    await send(l, 3, cloneInts(5, 6, 5));
    expect(clones(l)).toEqual([
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
    ]);
    await close(l);
  });
});

describe('registered names', () => {
  it.each([
    'BypassCalculator',
    'ClipVectorSizeCalculator',
    'ClipNormalizedRectVectorSizeCalculator',
    'ClipDetectionVectorSizeCalculator',
    'GetVectorItemCalculator',
    'GetLandmarkListVectorItemCalculator',
    'GetNormalizedLandmarkListVectorItemCalculator',
    'GetClassificationListVectorItemCalculator',
    'GetDetectionVectorItemCalculator',
    'GetNormalizedRectVectorItemCalculator',
    'GetRectVectorItemCalculator',
    'VectorSizeCalculator',
    'LandmarkListVectorSizeCalculator',
    'ClassificationListVectorSizeCalculator',
    'VectorIndicesCalculator',
    'IntVectorIndicesCalculator',
    'Uint64tVectorIndicesCalculator',
    'NormalizedLandmarkListVectorIndicesCalculator',
    'MergeToVectorCalculator',
    'MergeDetectionsToVectorCalculator',
    'NonZeroCalculator',
    'PacketInnerJoinCalculator',
    'PacketSequencerCalculator',
    'StringToIntCalculator',
    'StringToUintCalculator',
    'StringToInt32Calculator',
    'StringToUint32Calculator',
    'StringToInt64Calculator',
    'StringToUint64Calculator',
    'ValueOrDefaultCalculator',
    'QuantizeFloatVectorCalculator',
    'DequantizeByteArrayCalculator',
    'BeginItemLoopCalculator',
    'EndItemLoopCalculator',
  ])('%s loads from the default registry under its own name', async (name) => {
    expect((await defaultRegistry().load(name)).name).toBe(name);
  });
});
