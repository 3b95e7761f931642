import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GraphParseError, InvalidArgumentError, type WeftError } from '../src/core/errors.js';
import type { GraphConfig } from '../src/core/graph-config.js';
import { formatGraphText, parseGraphText } from '../src/core/graph-text.js';

function parseFailure(text: string): WeftError {
  try {
    parseGraphText(text);
  } catch (err) {
    return err as WeftError;
  }
  throw new Error('expected a GraphParseError');
}

const node = (body: string): GraphConfig['nodes'][number] => parseGraphText(`node { ${body} }`).nodes[0]!;

describe('parseGraphText: syntax', () => {
  it('reads an empty graph with MediaPipe defaults', () => {
    expect(parseGraphText('# nothing here\n')).toStrictEqual({
      inputStreams: [],
      outputStreams: [],
      inputSidePackets: [],
      outputSidePackets: [],
      nodes: [],
      maxQueueSize: 100,
      reportDeadlock: false,
    });
  });

  it('reads graph lists, keeping only the name of TAG:name graph streams', () => {
    const g = parseGraphText(`
      input_stream: "VIDEO:input_video"  # tagged graph input
      input_stream: 'audio'
      output_stream: "out"; output_side_packet: "stats",
      input_side_packet: "MODEL:model_path"
      max_queue_size: -1
      report_deadlock: true
    `);
    expect(g).toMatchObject({
      inputStreams: ['input_video', 'audio'],
      outputStreams: ['out'],
      inputSidePackets: ['model_path'],
      outputSidePackets: ['stats'],
      maxQueueSize: -1,
      reportDeadlock: true,
    });
  });

  it('accepts message fields as name { }, name: { } and name < >, and lists', () => {
    const g = parseGraphText(`
      node { calculator: "A" }
      node: { calculator: "B" }
      node < calculator: "C" >
      node: [{ calculator: "D" }, < calculator: "E" >]
      output_stream: ["x", "y"]
    `);
    expect(g.nodes.map((n) => n.calculator)).toEqual(['A', 'B', 'C', 'D', 'E']);
    expect(g.outputStreams).toEqual(['x', 'y']);
  });

  it('reads stream references as TAG:index:name, TAG:name and name', () => {
    const n = node(`calculator: "X"
      input_stream: "a" input_stream: "IMAGE:img" input_stream: "b" input_stream: "DETECTIONS:2:d"
      output_stream: ":1:late" input_side_packet: "MODEL:m" output_side_packet: "side"`);
    expect(n.inputStreams).toEqual([
      { tag: '', index: 0, name: 'a' },
      { tag: 'IMAGE', index: 0, name: 'img' },
      { tag: '', index: 1, name: 'b' },
      { tag: 'DETECTIONS', index: 2, name: 'd' },
    ]);
    expect(n.outputStreams).toEqual([{ tag: '', index: 1, name: 'late' }]);
    expect(n.inputSidePackets).toEqual([{ tag: 'MODEL', index: 0, name: 'm' }]);
    expect(n.outputSidePackets).toEqual([{ tag: '', index: 0, name: 'side' }]);
  });

  it('decodes strings: both quotes, C escapes, adjacent concatenation', () => {
    const n = node(`calculator: "X" options { [x.ext] {
      a: "tab\\there" b: 'it''s' c: "q\\"\\'\\\\" d: "\\101\\x42\\u00e9\\n" e: "con" 'cat' "ed"
    } }`);
    expect(n.options).toEqual({ a: 'tab\there', b: 'its', c: `q"'\\`, d: 'ABé\n', e: 'concated' });
  });

  it('reads numbers, booleans and enum identifiers', () => {
    const n = node(`calculator: "X" options { [x.ext] {
      dec: 42 neg: -7 hex: 0x1F oct: 017 f1: 1.5 f2: .25 f3: 1e-3 f4: -2.5E2 f5: 3f
      pinf: inf ninf: -inf nan_value: nan yes: true no: false cap: True mode: FAST
    } }`);
    expect(n.options).toEqual({
      dec: 42,
      neg: -7,
      hex: 31,
      oct: 15,
      f1: 1.5,
      f2: 0.25,
      f3: 0.001,
      f4: -250,
      f5: 3,
      pinf: Infinity,
      ninf: -Infinity,
      nanValue: NaN,
      yes: true,
      no: false,
      cap: true,
      mode: 'FAST',
    });
  });

  it('maps options and node_options to camelCase objects, nested messages and repeated fields', () => {
    const n = node(`calculator: "X"
      options { [mediapipe.XOptions.ext] { max_in_flight: 2 anchor { offset_x: 0.5 } strides: 8
        strides: 16 } }
      node_options { [type.googleapis.com/mediapipe.YOptions] { label: ["face"] empty: []
        boxes: [{ w: 1 }, { w: 2 }] } }`);
    expect(n.options).toEqual({
      maxInFlight: 2,
      anchor: { offsetX: 0.5 },
      strides: [8, 16],
      // A repeated field written once stays a scalar unless written as a list.
      label: ['face'],
      empty: [],
      boxes: [{ w: 1 }, { w: 2 }],
    });
    expect(node('calculator: "X" options { threshold: 0.5 }').options).toEqual({ threshold: 0.5 });
  });

  it('reads input_stream_info, max_queue_size and the node name', () => {
    const n = node(`name: "limiter" calculator: "FlowLimiterCalculator" max_queue_size: 5
      input_stream: "in" input_stream: "FINISHED:done"
      input_stream_info: { tag_index: "FINISHED" back_edge: true }
      input_stream_info { tag_index: ":0" }`);
    expect(n).toMatchObject({
      name: 'limiter',
      maxQueueSize: 5,
      inputStreamInfo: [
        { tagIndex: 'FINISHED', backEdge: true },
        { tagIndex: ':0', backEdge: false },
      ],
    });
  });

  it.each([
    [
      'FixedSize',
      `input_stream_handler { input_stream_handler: "FixedSizeInputStreamHandler"
        options { [mediapipe.FixedSizeInputStreamHandlerOptions.ext] {
          trigger_queue_size: 3 target_queue_size: 2 fixed_min_size: true } } }`,
      { name: 'FixedSizeInputStreamHandler', triggerQueueSize: 3, targetQueueSize: 2, fixedMinSize: true },
    ],
    [
      'SyncSet',
      `input_stream_handler { input_stream_handler: "SyncSetInputStreamHandler"
        options { [mediapipe.SyncSetInputStreamHandlerOptions.ext] {
          sync_set { tag_index: "A" tag_index: "B:1" } sync_set { tag_index: ":0" } } } }`,
      { name: 'SyncSetInputStreamHandler', syncSets: [['A', 'B:1'], [':0']] },
    ],
    [
      'Default with batch size',
      `input_stream_handler { input_stream_handler: "DefaultInputStreamHandler"
        options { [mediapipe.DefaultInputStreamHandlerOptions.ext] { batch_size: 4 } } }`,
      { name: 'DefaultInputStreamHandler', batchSize: 4 },
    ],
    [
      'Immediate',
      'input_stream_handler { input_stream_handler: "ImmediateInputStreamHandler" }',
      { name: 'ImmediateInputStreamHandler' },
    ],
  ])('reads the %s input stream handler', (_, text, expected) => {
    expect(node(`calculator: "X" ${text}`).inputStreamHandler).toStrictEqual(expected);
  });

  it('applies a graph-level input_stream_handler to nodes without their own', () => {
    const g = parseGraphText(`
      input_stream_handler { input_stream_handler: "ImmediateInputStreamHandler" }
      node { calculator: "A" }
      node { calculator: "B" input_stream_handler { input_stream_handler: "DefaultInputStreamHandler" } }`);
    expect(g.nodes.map((n) => n.inputStreamHandler?.name)).toEqual([
      'ImmediateInputStreamHandler',
      'DefaultInputStreamHandler',
    ]);
  });

  it('ignores MediaPipe fields weft does not use', () => {
    const g = parseGraphText(`
      num_threads: 4 type: "MySubgraph"
      executor { name: "" type: "ApplicationThreadExecutor" }
      profiler_config { trace_enabled: true }
      node { calculator: "A" executor: "gpu" source_layer: 1 buffer_size_hint: 3 }`);
    expect(g.nodes).toHaveLength(1);
  });
});

describe('parseGraphText: errors', () => {
  it.each([
    ['unknown graph field', 'input_stream: "a"\n  bogus: 1', '2:3', 'unknown graph field "bogus"'],
    [
      'unknown node field',
      'node {\n  calculator: "A"\n    colour: "red"\n}',
      '3:5',
      'unknown node field "colour"',
    ],
    ['extension at graph level', '[mediapipe.X.ext] { }', '1:1', 'unknown graph field [mediapipe.X.ext]'],
    ['unterminated string', 'node {\n  calculator: "A\n}', '2:15', 'unterminated string'],
    ['unknown escape', 'input_stream: "a\\qb"', '1:17', "unknown escape '\\q'"],
    ['unexpected character', 'input_stream: "a" @', '1:19', "unexpected character '@'"],
    ['missing value', 'max_queue_size:', '1:16', 'expected a value'],
    ['missing colon', 'input_stream "a"', '1:14', `expected ':' or '{'`],
    ['unclosed message', 'node { calculator: "A"', '1:23', "expected '}'"],
    ['stray closing brace', 'node { calculator: "A" } }', '1:26', 'expected a field name'],
    ['wrong value type', 'max_queue_size: "ten"', '1:17', '"max_queue_size" must be a number'],
    ['non-integer', 'max_queue_size: 1.5', '1:17', 'must be an integer'],
    ['bad boolean', 'report_deadlock: maybe', '1:18', 'must be true or false'],
    ['field given twice', 'node { calculator: "A" calculator: "B" }', '1:36', 'given more than once'],
    ['node without calculator', '\nnode { name: "n" }', '2:6', 'node without "calculator"'],
    [
      'bad stream reference',
      'node { calculator: "A" input_stream: "A:b:c" }',
      '1:38',
      'is not TAG:index:name',
    ],
    [
      'unsupported handler',
      'node { calculator: "A" input_stream_handler { input_stream_handler: "CustomInputStreamHandler" } }',
      '1:45',
      'unsupported input stream handler "CustomInputStreamHandler"',
    ],
    [
      'node_options without Any type',
      'node { calculator: "A" node_options { x: 1 } }',
      '1:39',
      'expected [type.googleapis.com/Type]',
    ],
  ])('%s → GraphParseError at line:column with an excerpt', (_, text, at, fragment) => {
    const err = parseFailure(text);
    expect(err).toBeInstanceOf(GraphParseError);
    expect(err.code).toBe('ERR_WEFT_GRAPH_PARSE');
    expect(err.message).toMatch(new RegExp(`^graph text ${at}: `));
    expect(err.message).toContain(fragment);
    expect(err.message).toMatch(/\(near ".+"\)/);
  });
});

// In the style of MediaPipe's face detection example graphs.
const FACE_DETECTION = readFileSync(
  new URL('./fixtures/graph-text/face-detection.pbtxt', import.meta.url),
  'utf8',
);

describe('parseGraphText: a realistic MediaPipe graph', () => {
  it('parses the face detection graph', () => {
    const g = parseGraphText(FACE_DETECTION);
    expect(g.inputStreams).toEqual(['input_video']);
    expect(g.outputStreams).toEqual(['output_video']);
    expect(g.nodes.map((n) => n.calculator)).toEqual([
      'FlowLimiterCalculator',
      'ImageTransformationCalculator',
      'SsdAnchorsCalculator',
      'TfLiteInferenceCalculator',
      'TfLiteTensorsToDetectionsCalculator',
      'NonMaxSuppressionCalculator',
      'AnnotationOverlayCalculator',
    ]);
    const [limiter, transform, anchors, , toDetections, nms, overlay] = g.nodes;
    expect(limiter!.inputStreamInfo).toEqual([{ tagIndex: 'FINISHED', backEdge: true }]);
    expect(limiter!.options).toEqual({ maxInFlight: 1, maxInQueue: 1 });
    expect(transform!.options).toEqual({ outputWidth: 128, outputHeight: 128, scaleMode: 'FIT' });
    expect(anchors!.options).toMatchObject({
      strides: [8, 16, 16, 16],
      aspectRatios: 1,
      fixedAnchorSize: true,
    });
    expect(anchors!.outputSidePackets).toEqual([{ tag: '', index: 0, name: 'anchors' }]);
    expect(toDetections!.inputSidePackets).toEqual([{ tag: 'ANCHORS', index: 0, name: 'anchors' }]);
    expect(toDetections!.options).toMatchObject({ ignoreClasses: [1, 2], minScoreThresh: 0.75 });
    expect(nms!.options).toMatchObject({ overlapType: 'INTERSECTION_OVER_UNION', algorithm: 'WEIGHTED' });
    expect(overlay!.inputStreamHandler).toEqual({
      name: 'SyncSetInputStreamHandler',
      syncSets: [['IMAGE'], [':0']],
    });
  });
});

describe('formatGraphText', () => {
  it.each([
    ['the face detection graph', FACE_DETECTION],
    [
      'every syntax feature',
      `input_stream: "VIDEO:v" output_side_packet: "s" max_queue_size: 7 report_deadlock: true
       node { name: "n" calculator: "X" input_stream: "v" input_stream: "B:2:w" output_stream: ":1:late"
         input_side_packet: "MODEL:m" output_side_packet: "s" max_queue_size: -1
         input_stream_info { tag_index: "B:2" back_edge: true }
         input_stream_handler { input_stream_handler: "FixedSizeInputStreamHandler"
           options { [mediapipe.FixedSizeInputStreamHandlerOptions.ext] {
             trigger_queue_size: 3 fixed_min_size: false } } }
         options { [x.ext] {
           s: "tab\\t quote\\" nul\\000 é" n: -0 i: inf j: -inf k: nan big: 1e21 small: 1e-7
           list: [1] empty: [] nested { deeper { flag: true } }
           many: [{ a: 1 }, { b: [2, 3] }] mode: FAST } } }
       node { calculator: "Y" input_stream_handler { input_stream_handler: "DefaultInputStreamHandler" } }`,
    ],
  ])('round-trips %s', (_, text) => {
    const once = parseGraphText(text);
    const printed = formatGraphText(once);
    expect(parseGraphText(printed)).toStrictEqual(once);
    expect(formatGraphText(parseGraphText(printed))).toBe(printed);
  });

  it('prints MediaPipe-style text: options as they were written, enums as identifiers, unused fields kept', () => {
    const text = formatGraphText(
      parseGraphText(`num_threads: 4 input_stream: "in" node { calculator: "FlowLimiterCalculator" input_stream: "in"
        input_stream: "FINISHED:out" input_stream_info { tag_index: "FINISHED" back_edge: true }
        output_stream: "out" max_in_flight: 1
        node_options { [type.googleapis.com/mediapipe.FlowLimiterCalculatorOptions] { max_in_flight: 2 mode: FAST } } }`),
    );
    expect(text).toBe(`input_stream: "in"
num_threads: 4

node {
  calculator: "FlowLimiterCalculator"
  input_stream: "in"
  input_stream: "FINISHED:out"
  output_stream: "out"
  input_stream_info { tag_index: "FINISHED" back_edge: true }
  max_in_flight: 1
  node_options {
    [type.googleapis.com/mediapipe.FlowLimiterCalculatorOptions] {
      max_in_flight: 2
      mode: FAST
    }
  }
}
`);
    expect(formatGraphText(parseGraphText(text))).toBe(text);
    const extension = formatGraphText(
      parseGraphText('node { calculator: "A" options { [mediapipe.AOptions.ext] { x: 1 } } }'),
    );
    expect(extension).toContain('options {\n    [mediapipe.AOptions.ext] {');
  });

  it.each([
    ['a function', { f: () => 1 }],
    ['null', { n: null }],
    ['a bigint', { b: 1n }],
    ['a nested array', { a: [[1]] }],
    ['a key that is no field name', { 'bad-key': 1 }],
  ])('refuses an option holding %s', (_, options) => {
    const config = parseGraphText('node { calculator: "X" }');
    const bad = { ...config, nodes: [{ ...config.nodes[0]!, options }] };
    expect(() => formatGraphText(bad)).toThrow(InvalidArgumentError);
  });
});
