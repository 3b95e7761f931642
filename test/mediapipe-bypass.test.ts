// Ports MediaPipe's bypass_calculator_test.cc (BypassCalculator: SubgraphChannel,
// CalculatorChannel, and GatedChannel's closed-gate half; MediaPipe's SwitchContainer is not
// ported), plus TAG:index pairing and the option checks.
import { describe, expect, it } from 'vitest';
import { defaultRegistry } from '../src/api/graph-preparation.js';
import { CalculatorRegistry } from '../src/core/calculator-registry.js';
import {
  describeRegisteredNames,
  EMPTY,
  failedIn,
  graphHarness,
  type Loaded,
  type Seen,
  single,
} from './fixtures/mediapipe/graph-harness.js';

const { load, expectInvalid } = graphHarness();

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

  // The graph of SubgraphChannel and CalculatorChannel around `node`: three inputs, two outputs.
  const channel = (node: string): string => `
    input_stream: "video_frame"
    input_stream: "input_appearances"
    input_stream: "feature_config"
    output_stream: "analyzed_appearances"
    output_stream: "federated_gaze_output"
    node {
      ${node}
      input_stream: "VIDEO:video_frame"
      input_stream: "APPEARANCES:input_appearances"
      input_stream: "FEATURE_CONFIG:feature_config"
      output_stream: "APPEARANCES:analyzed_appearances"
      output_stream: "FEDERATED_GAZE_OUTPUT:federated_gaze_output"
    }
  `;

  // MediaPipe wraps the bypass in a SwitchContainer, which weft lacks; the subgraph runs directly.
  it.each([
    [
      'SubgraphChannel: inside a subgraph, PASS passes a1, the other output only settles 200',
      'calculator: "AppearancesPassThroughSubgraph"',
      new CalculatorRegistry(defaultRegistry()).registerSubgraph(PASS_THROUGH_SUBGRAPH),
    ],
    [
      'CalculatorChannel: pass_input_stream APPEARANCES → APPEARANCES; the rest only settles',
      `name: "node"
       calculator: "BypassCalculator"
       node_options: {
         [type.googleapis.com/mediapipe.BypassCalculatorOptions] {
           pass_input_stream: "APPEARANCES"
           pass_output_stream: "APPEARANCES"
         }
       }`,
      undefined,
    ],
  ])('%s', async (_, node, registry) => {
    const l = load(channel(node), registry === undefined ? { bounds: true } : { bounds: true, registry });
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
      'node',
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
    await expect(l.g.startRun()).rejects.toMatchObject(
      failedIn('node', 'open', '"A:1" names no input stream'),
    );
  });
});

describeRegisteredNames(['BypassCalculator']);
