import { beforeAll, describe, expect, it } from 'vitest';
import type { CalculatorDefinition } from '../src/core/calculator.js';
import { CalculatorRegistry } from '../src/core/calculator-registry.js';
import {
  GraphInvalidError,
  InvalidArgumentError,
  SidePacketMissingError,
  UnknownCalculatorError,
  type WeftError,
} from '../src/core/errors.js';
import { graph } from '../src/core/graph-builder.js';
import { parseGraphText } from '../src/core/graph-text.js';
import { checkSidePackets, validateGraph } from '../src/core/graph-validation.js';
import { LIMITER, VALIDATION_ROWS } from './fixtures/validation-rows.js';

const fixture = (file: string): URL => new URL(`./fixtures/calculators/${file}.ts`, import.meta.url);
const registry = new CalculatorRegistry()
  .register('PassThroughCalculator', fixture('pass-through'))
  .register('JoinCalculator', fixture('joiner'))
  .register('FlowLimiterCalculator', fixture('flow-limiter'))
  .register('InferenceCalculator', fixture('inference'))
  .register('ModelLoaderCalculator', fixture('model-loader'))
  .register('OverlayCalculator', fixture('overlay'))
  .register('FrameSourceCalculator', fixture('frame-source'));
let definitions = new Map<string, CalculatorDefinition>();
const lookup = (name: string): CalculatorDefinition | undefined => definitions.get(name);

beforeAll(async () => {
  definitions = await registry.loadAll(registry.names());
});

function problemsOf(text: string): WeftError[] {
  try {
    validateGraph(parseGraphText(text), lookup);
  } catch (err) {
    expect(err).toBeInstanceOf(GraphInvalidError);
    const problems = (err as GraphInvalidError).problems ?? [];
    for (const p of problems) expect((err as Error).message).toContain(p.message);
    return problems;
  }
  throw new Error('expected GraphInvalidError');
}

describe('validateGraph: a valid graph', () => {
  it('resolves a FlowLimiter back edge with producers, consumers and topological order', () => {
    // Nodes listed downstream-first so the order has to be computed.
    const g = validateGraph(
      parseGraphText(`
        input_stream: "frames"
        output_stream: "annotated"
        max_queue_size: 8
        node { name: "overlay" calculator: "OverlayCalculator" input_stream: "DETECTIONS:0:dets"
          input_stream: "IMAGE:throttled" output_stream: "IMAGE:annotated" max_queue_size: 2 }
        node { calculator: "PassThroughCalculator" input_stream: "throttled" output_stream: "dets" }
        node { name: "limiter" calculator: "FlowLimiterCalculator" input_stream: "FINISHED:annotated"
          input_stream: "frames" input_stream_info: { tag_index: "FINISHED" back_edge: true }
          output_stream: "throttled" options { [x.ext] { max_in_flight: 2 } } }`),
      lookup,
    );
    expect(g.topologicalOrder).toEqual([2, 1, 0]);
    const [overlay, pass, limiter] = g.nodes;
    expect(limiter!.inputs).toEqual([
      { tag: '', index: 0, name: 'frames', backEdge: false },
      { tag: 'FINISHED', index: 0, name: 'annotated', backEdge: true },
    ]);
    expect(overlay!.inputs.map((p) => p.tag)).toEqual(['DETECTIONS', 'IMAGE']);
    expect(limiter).toMatchObject({
      id: 2,
      options: { maxInFlight: 2, maxInQueue: 0, inFlightTimeout: 0 },
      inputStreamHandler: { name: 'ImmediateInputStreamHandler' },
      timestampOffset: null,
      processTimestampBounds: true,
      maxQueueSize: 8,
      isSource: false,
    });
    expect(pass).toMatchObject({
      name: 'PassThroughCalculator',
      inputStreamHandler: { name: 'DefaultInputStreamHandler' },
      timestampOffset: 0,
      processTimestampBounds: false,
    });
    expect(overlay!.maxQueueSize).toBe(2);
    expect(g.streams.find((s) => s.name === 'annotated')).toEqual({
      name: 'annotated',
      producer: { kind: 'node', node: 0, output: 0 },
      consumers: [{ node: 2, input: 1 }],
      isGraphOutput: true,
    });
    expect(g.streams.find((s) => s.name === 'frames')).toMatchObject({
      producer: { kind: 'graph-input' },
      consumers: [{ node: 2, input: 0 }],
    });
    expect(g.streams.find((s) => s.name === 'throttled')!.consumers).toEqual([
      { node: 0, input: 1 },
      { node: 1, input: 0 },
    ]);
  });

  it('names unnamed nodes after their calculator, counting repeats, and marks sources', () => {
    const g = validateGraph(
      graph()
        .node('FrameSourceCalculator', { outputs: { '': 'a' } })
        .node('PassThroughCalculator', { inputs: { '': 'a' }, outputs: { '': 'b' } })
        .node('PassThroughCalculator', { inputs: { '': 'b' }, outputs: { '': 'c' } })
        .output('c')
        .build(),
      lookup,
    );
    expect(g.nodes.map((n) => n.name)).toEqual([
      'FrameSourceCalculator',
      'PassThroughCalculator',
      'PassThroughCalculator_2',
    ]);
    expect(g.nodes.map((n) => n.isSource)).toEqual([true, false, false]);
  });
});

describe('validateGraph: one problem per row', () => {
  it('the valid base graphs resolve', () => {
    expect(validateGraph(parseGraphText(LIMITER), lookup).topologicalOrder).toEqual([0, 1]);
  });

  it.each(VALIDATION_ROWS)('%s → %s', (_, cls, node, stream, fragment, text) => {
    const problems = problemsOf(text);
    expect(problems.map((p) => p.name)).toEqual([cls.name]);
    const [p] = problems;
    expect(p).toBeInstanceOf(cls);
    expect(p!.code).toBe(cls.code);
    expect(p!.node).toBe(node);
    expect(p!.stream).toBe(stream);
    expect(p!.phase).toBe('config');
    expect(p!.message).toContain(fragment);
  });
});

describe('side packets no node produces', () => {
  it('are graph input side packets, declared or not, as in MediaPipe: required at start', () => {
    const graph = validateGraph(
      parseGraphText(`input_stream: "img" node { name: "infer" calculator: "InferenceCalculator"
        input_stream: "IMAGE:img" output_stream: "DETECTIONS:d" input_side_packet: "MODEL:model" }`),
      lookup,
    );
    expect(graph.inputSidePackets).toEqual(['model']);
    expect(() => checkSidePackets(graph, {}, lookup)).toThrow(SidePacketMissingError);
    expect(() => checkSidePackets(graph, { model: 'm.onnx', unused: 1 }, lookup)).not.toThrow();
  });
});

describe('validateGraph: several problems', () => {
  it('reports every problem, one per line', () => {
    const text = `input_stream: "in"
      node { name: "a" calculator: "Missing" input_stream: "in" }
      node { name: "b" calculator: "PassThroughCalculator" input_stream: "in" output_stream: "Bad" }
      node { name: "c" calculator: "PassThroughCalculator" input_stream: "ghost" output_stream: "x" }`;
    let caught: GraphInvalidError | undefined;
    try {
      validateGraph(parseGraphText(text), lookup);
    } catch (err) {
      caught = err as GraphInvalidError;
    }
    expect(caught).toBeInstanceOf(GraphInvalidError);
    expect(caught!.problems!.map((p) => [p.name, p.node, p.stream])).toEqual([
      ['UnknownCalculatorError', 'a', undefined],
      ['BadNameError', 'b', 'Bad'],
      ['NoProducerError', 'c', 'ghost'],
    ]);
    expect(caught!.message.split('\n').filter((l) => l.startsWith('  - '))).toHaveLength(3);
    expect(caught!.message).toMatch(/^graph is invalid \(3 problems\):/);
  });

  it('still checks the wiring of a node whose calculator is unknown', () => {
    const problems = problemsOf(
      'node { name: "u" calculator: "Nope" input_stream: "nowhere" output_stream: "BAD" }',
    );
    expect(problems.map((p) => p.name)).toEqual([
      'UnknownCalculatorError',
      'BadNameError',
      'NoProducerError',
    ]);
  });

  it('reports a tag that breaks the naming rule (and the contract)', () => {
    const problems = problemsOf(
      `input_stream: "a" node { name: "p" calculator: "PassThroughCalculator" input_stream: "a"
        input_stream: "lower:a" output_stream: "b" }`,
    );
    expect(problems.map((p) => p.name)).toEqual(['BadNameError', 'PortTagError']);
    expect(problems[0]!.message).toContain('tag "lower" must match [A-Z_][A-Z0-9_]*');
  });
});

describe('checkSidePackets', () => {
  const resolved = () =>
    validateGraph(
      parseGraphText(`input_stream: "img" input_side_packet: "model" input_side_packet: "opts"
        node { name: "infer" calculator: "InferenceCalculator" input_stream: "IMAGE:img"
          output_stream: "DETECTIONS:d" input_side_packet: "MODEL:model"
          input_side_packet: "OPTIONS:opts" }`),
      lookup,
    );

  it('accepts required side packets that are present, optional ones absent', () => {
    expect(() => checkSidePackets(resolved(), { model: () => 1 }, lookup)).not.toThrow();
  });

  it('names the node and the missing required side packet', () => {
    let caught: WeftError | undefined;
    try {
      checkSidePackets(resolved(), { opts: {} }, lookup);
    } catch (err) {
      caught = err as WeftError;
    }
    expect(caught).toBeInstanceOf(SidePacketMissingError);
    expect(caught).toMatchObject({ code: 'ERR_WEFT_SIDE_PACKET_MISSING', node: 'infer', stream: 'model' });
  });
});

describe('CalculatorRegistry', () => {
  it('maps names to module entries, with a parent to fall back on and shadow', async () => {
    const child = new CalculatorRegistry(registry).register('Extra', fixture('joiner'), 'default');
    expect(child.has('PassThroughCalculator')).toBe(true);
    expect(child.entry('Extra')).toEqual({
      name: 'Extra',
      module: fixture('joiner').href,
      exportName: 'default',
    });
    expect(child.names()).toContain('Extra');
    expect(child.names()).toContain('JoinCalculator');
    expect(registry.has('Extra')).toBe(false);
    const shadow = new CalculatorRegistry(registry).register('JoinCalculator', fixture('joiner').pathname);
    expect(shadow.entry('JoinCalculator')!.module).toBe(fixture('joiner').href);
    expect(child.entries(['JoinCalculator', 'Extra', 'JoinCalculator']).map((e) => e.name)).toEqual([
      'JoinCalculator',
      'Extra',
    ]);
    expect(() => child.entries(['Nope'])).toThrow(UnknownCalculatorError);
  });

  it('loads each definition once, and checks it', async () => {
    const first = await registry.load('JoinCalculator');
    expect(first.name).toBe('JoinCalculator');
    expect(await registry.load('JoinCalculator')).toBe(first);
    await expect(registry.load('Nope')).rejects.toBeInstanceOf(UnknownCalculatorError);
    const wrong = new CalculatorRegistry()
      .register('Misnamed', fixture('joiner'))
      .register('NotADefinition', new URL('./fixtures/echo-task.ts', import.meta.url), 'double')
      .register('Missing', new URL('./fixtures/calculators/no-such-file.ts', import.meta.url));
    await expect(wrong.load('Misnamed')).rejects.toThrow(/defines "JoinCalculator" instead/);
    await expect(wrong.load('NotADefinition')).rejects.toThrow(/is no calculator definition/);
    await expect(wrong.load('Missing')).rejects.toBeInstanceOf(InvalidArgumentError);
    const all = await registry.loadAll(['JoinCalculator', 'Nope', 'OverlayCalculator']);
    expect([...all.keys()]).toEqual(['JoinCalculator', 'OverlayCalculator']);
  });

  it.each([
    ['a bad name', () => new CalculatorRegistry().register('bad name', fixture('joiner'))],
    [
      'a duplicate',
      () => new CalculatorRegistry().register('A', fixture('joiner')).register('A', fixture('joiner')),
    ],
    ['a relative path', () => new CalculatorRegistry().register('A', './joiner.ts')],
    ['an empty export name', () => new CalculatorRegistry().register('A', fixture('joiner'), '')],
  ])('refuses %s', (_, register) => {
    expect(register).toThrow(InvalidArgumentError);
  });
});
