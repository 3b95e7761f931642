// A GraphConfig written by hand (JavaScript, JSON) gets no type check: one whose fields have the
// wrong type is refused where it enters the runtime with GraphInvalidError listing each field,
// never a bare TypeError from inside validation ("config.nodes.flatMap is not a function").
import { describe, expect, it } from 'vitest';
import { CalculatorGraph } from '../src/api/calculator-graph.js';
import { Session } from '../src/api/session.js';
import { GraphInvalidError, InvalidArgumentError } from '../src/core/errors.js';
import { graph } from '../src/core/graph-builder.js';
import { graphConfigProblems } from '../src/core/graph-config-shape.js';
import { validateGraph } from '../src/core/graph-validation.js';

const good = graph()
  .input('in')
  .node('PassThroughCalculator', { name: 'pass', inputs: { '': 'in' }, outputs: { '': 'out' } })
  .output('out')
  .build();
const node = good.nodes[0]!;

const refused: [string, unknown, string][] = [
  ['a number', 42, 'a graph config must be an object, not number 42'],
  ['null', null, 'a graph config must be an object, not null'],
  ['an array', [good], 'a graph config must be an object, not an array'],
  [
    'no nodes',
    { ...good, nodes: undefined },
    'graph field nodes must be an array of node configs, not missing',
  ],
  [
    'nodes as a number',
    { ...good, nodes: 3 },
    'graph field nodes must be an array of node configs, not number 3',
  ],
  [
    'inputStreams as a string',
    { ...good, inputStreams: 'in' },
    'graph field inputStreams must be an array of names, not "in"',
  ],
  [
    'an output stream that is no name',
    { ...good, outputStreams: [1] },
    'graph field outputStreams holds a value that is not a name',
  ],
  [
    'a string queue size',
    { ...good, maxQueueSize: '100' },
    'graph field maxQueueSize must be a number, not "100"',
  ],
  [
    'a string reportDeadlock',
    { ...good, reportDeadlock: 'yes' },
    'graph field reportDeadlock must be a boolean, not "yes"',
  ],
  [
    'a node that is a string',
    { ...good, nodes: ['PassThroughCalculator'] },
    'node 0 must be an object, not "PassThroughCalculator"',
  ],
  [
    'a node without calculator',
    { ...good, nodes: [{ ...node, calculator: undefined }] },
    "node pass: calculator must be a calculator's name, not missing",
  ],
  [
    'ports written as strings',
    { ...good, nodes: [{ ...node, inputStreams: ['in'] }] },
    'node pass: inputStreams holds a port that is not { tag, index, name }',
  ],
  [
    'a node without outputStreams',
    { ...good, nodes: [{ ...node, name: undefined, outputStreams: undefined }] },
    'node 0 (PassThroughCalculator): outputStreams must be an array of ports, not missing',
  ],
  [
    'options as an array',
    { ...good, nodes: [{ ...node, options: [] }] },
    'node pass: options must be an object, not an array',
  ],
  [
    'no inputStreamInfo',
    { ...good, nodes: [{ ...node, inputStreamInfo: undefined }] },
    'node pass: inputStreamInfo must be an array, not missing',
  ],
];

describe('the shape of a hand-written GraphConfig', () => {
  it('a built config has no problem', () => {
    expect(graphConfigProblems(good)).toEqual([]);
    expect(graphConfigProblems(JSON.parse(JSON.stringify(good)))).toEqual([]);
    // Left out, reportDeadlock reads as MediaPipe's default (false).
    expect(graphConfigProblems({ ...good, reportDeadlock: undefined })).toEqual([]);
  });

  it.each(refused)('%s is refused with GraphInvalidError naming the field', (_what, config, message) => {
    const problems = graphConfigProblems(config);
    expect(problems.map((p) => p.message).join('\n')).toContain(message);
    for (const p of problems) expect(p).toBeInstanceOf(InvalidArgumentError);
    const makers: (() => unknown)[] = [
      () => new CalculatorGraph(config as never),
      () => validateGraph(config as never, () => undefined),
    ];
    // A Session takes plain objects with a nodes array as configs: those are checked when added.
    if (Array.isArray((config as { nodes?: unknown } | null)?.nodes))
      makers.push(() => new Session().add(config as never));
    for (const make of makers) {
      let err: unknown;
      try {
        make();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(GraphInvalidError);
      expect((err as GraphInvalidError).message).toContain(message);
      expect((err as GraphInvalidError).problems?.[0]).toMatchObject({ phase: 'config' });
    }
  });

  it('lists every problem of a config at once', () => {
    const problems = graphConfigProblems({ ...good, inputStreams: 1, nodes: [{ ...node, options: null }] });
    expect(problems.map((p) => p.message)).toEqual([
      expect.stringContaining('graph field inputStreams'),
      expect.stringContaining('node pass: options must be an object, not null'),
    ]);
    expect(problems[1]).toMatchObject({ node: 'pass', phase: 'config' });
  });
});
