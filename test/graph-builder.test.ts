import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../src/core/errors.js';
import { graph } from '../src/core/graph-builder.js';
import { formatGraphText, parseGraphText } from '../src/core/graph-text.js';
import FlowLimiter from './fixtures/calculators/flow-limiter.js';

describe('graph builder', () => {
  it('builds the same config as the equivalent text', () => {
    const built = graph({ maxQueueSize: 10, reportDeadlock: true })
      .input('frames')
      .inputSidePacket('model_path')
      .node(FlowLimiter, {
        name: 'limiter',
        inputs: { '': 'frames', FINISHED: { stream: 'detections', backEdge: true } },
        outputs: { '': 'throttled' },
        options: { maxInFlight: 2 },
      })
      .node('ModelLoaderCalculator', {
        inputSidePackets: { PATH: 'model_path' },
        outputSidePackets: { MODEL: 'model' },
      })
      .node('InferenceCalculator', {
        inputs: { IMAGE: ['throttled'] },
        outputs: { DETECTIONS: 'detections' },
        inputSidePackets: { MODEL: 'model' },
        inputStreamHandler: { name: 'FixedSizeInputStreamHandler', triggerQueueSize: 3 },
        maxQueueSize: 4,
      })
      .node('OverlayCalculator', {
        inputs: { IMAGE: 'throttled', DETECTIONS: ['detections', 'detections'] },
        outputs: { IMAGE: 'annotated' },
      })
      .output('annotated', 'detections')
      .build();

    const text = parseGraphText(`
      input_stream: "frames"
      output_stream: "annotated"
      output_stream: "detections"
      input_side_packet: "model_path"
      max_queue_size: 10
      report_deadlock: true
      node {
        name: "limiter"
        calculator: "FlowLimiterCalculator"
        input_stream: "frames"
        input_stream: "FINISHED:detections"
        input_stream_info: { tag_index: "FINISHED" back_edge: true }
        output_stream: "throttled"
        options: { [mediapipe.FlowLimiterCalculatorOptions.ext] { max_in_flight: 2 } }
      }
      node {
        calculator: "ModelLoaderCalculator"
        input_side_packet: "PATH:model_path"
        output_side_packet: "MODEL:model"
      }
      node {
        calculator: "InferenceCalculator"
        input_stream: "IMAGE:throttled"
        output_stream: "DETECTIONS:detections"
        input_side_packet: "MODEL:model"
        input_stream_handler {
          input_stream_handler: "FixedSizeInputStreamHandler"
          options { [mediapipe.FixedSizeInputStreamHandlerOptions.ext] { trigger_queue_size: 3 } }
        }
        max_queue_size: 4
      }
      node {
        calculator: "OverlayCalculator"
        input_stream: "IMAGE:throttled"
        input_stream: "DETECTIONS:0:detections"
        input_stream: "DETECTIONS:1:detections"
        output_stream: "IMAGE:annotated"
      }`);
    // The text also remembers how its options were written (for formatGraphText); the rest is equal.
    const { optionsSource, ...limiter } = text.nodes[0]!;
    expect(optionsSource).toEqual({
      type: 'mediapipe.FlowLimiterCalculatorOptions',
      field: 'options',
      enums: [],
    });
    expect(built).toStrictEqual({ ...text, nodes: [limiter, ...text.nodes.slice(1)] });
    expect(formatGraphText(built)).toContain('[type.googleapis.com/mediapipe.FlowLimiterCalculatorOptions]');
  });

  it('indexes ports by array position and records back edges as input_stream_info', () => {
    const config = graph()
      .node('X', {
        inputs: { '': ['a', { stream: 'b', backEdge: true }], LOOP: ['c', { stream: 'd', backEdge: true }] },
        outputs: { '': ['e', 'f'] },
      })
      .build();
    const [n] = config.nodes;
    expect(n!.inputStreams).toEqual([
      { tag: '', index: 0, name: 'a' },
      { tag: '', index: 1, name: 'b' },
      { tag: 'LOOP', index: 0, name: 'c' },
      { tag: 'LOOP', index: 1, name: 'd' },
    ]);
    expect(n!.outputStreams.map((r) => r.index)).toEqual([0, 1]);
    expect(n!.inputStreamInfo).toEqual([
      { tagIndex: ':1', backEdge: true },
      { tagIndex: 'LOOP:1', backEdge: true },
    ]);
    expect(config).toMatchObject({ maxQueueSize: 100, reportDeadlock: false });
  });

  it('keeps a built config unchanged by later calls and copies options', () => {
    const options = { nested: { value: 1 } };
    const b = graph().input('a').node('X', { options });
    const first = b.build();
    b.input('b').node('Y');
    options.nested.value = 2;
    expect(first.inputStreams).toEqual(['a']);
    expect(first.nodes).toHaveLength(1);
    expect(first.nodes[0]!.options).toEqual({ nested: { value: 1 } });
    expect(b.build().nodes).toHaveLength(2);
  });

  it('types options against a definition', () => {
    graph().node(FlowLimiter, {
      // @ts-expect-error maxInFlight is a number
      options: { maxInFlight: 'two' },
    });
    // @ts-expect-error unknown option key
    graph().node(FlowLimiter, { options: { maxInFlite: 2 } });
    expect(graph().node(FlowLimiter).build().nodes[0]!.calculator).toBe('FlowLimiterCalculator');
  });

  it.each([
    ['an empty calculator name', () => graph().node('')],
    ['a calculator that is neither name nor definition', () => graph().node(42 as unknown as string)],
    ['a non-object spec', () => graph().node('X', 'spec' as never)],
    ['an empty stream name', () => graph().input('')],
    ['a stream that is not a string', () => graph().output(7 as unknown as string)],
    ['ports given as an array', () => graph().node('X', { inputs: ['a'] as never })],
    ['a back edge on an output', () => graph().node('X', { outputs: { '': [{ stream: 'a' }] as never } })],
    ['a non-object options value', () => graph().node('X', { options: 3 as never })],
    ['options that cannot be cloned', () => graph().node('X', { options: { f: () => 1 } })],
    ['a handler without a name', () => graph().node('X', { inputStreamHandler: {} as never })],
    ['a non-integer maxQueueSize', () => graph({ maxQueueSize: 1.5 })],
    ['a non-boolean reportDeadlock', () => graph({ reportDeadlock: 'yes' as never })],
    ['an empty node name', () => graph().node('X', { name: '' })],
  ])('refuses %s with InvalidArgumentError', (_, build) => {
    expect(build).toThrow(InvalidArgumentError);
  });
});
