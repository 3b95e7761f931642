// The restart policy (weft extension), config side: graph-wide `restart` with per-node overrides,
// built in code or written as the flat text fields `restart_policy` / `max_restarts` /
// `restart_period_ms` / `restart_delivery`, and the builder's argument checks. Validation, session
// fragments, subgraphs and replicas: graph-restart-resolution.test.ts.
import { describe, expect, it } from 'vitest';
import { GraphParseError, InvalidArgumentError } from '../src/core/errors.js';
import { graph } from '../src/core/graph-builder.js';
import { DEFAULT_RESTART, type RestartPolicy } from '../src/core/graph-config.js';
import { formatGraphText, parseGraphText } from '../src/core/graph-text.js';
import { validateGraph } from '../src/core/graph-validation.js';
import { built, loadRestartDefinitions, lookup, RESUME_3, restarts } from './fixtures/restart-config.js';

loadRestartDefinitions();

const TEXT = `
input_stream: "in"
output_stream: "out"
restart_policy: "resume"
max_restarts: 3
restart_period_ms: 1000
node { name: "a" calculator: "PassThroughCalculator" input_stream: "in" output_stream: "x" }
node {
  name: "b"
  calculator: "PassThroughCalculator"
  input_stream: "x"
  output_stream: "y"
  restart_policy: "stop"
}
node {
  name: "c"
  calculator: "PassThroughCalculator"
  input_stream: "y"
  output_stream: "out"
  restart_policy: "resume"
  max_restarts: 0
}
`;

describe('restart policy: builder and text format', () => {
  it('the builder and the text give the same config and the same ResolvedNode.restart', () => {
    const text = parseGraphText(TEXT);
    expect(built()).toStrictEqual(text);
    expect(text.restart).toStrictEqual(RESUME_3);
    expect(text.nodes.map((n) => n.restart)).toStrictEqual([
      undefined,
      { policy: 'stop' },
      { policy: 'resume', maxRestarts: 0 },
    ]);
    const expected = [
      ['a', { ...RESUME_3, delivery: 'at-most-once' }],
      ['b', { policy: 'stop', maxRestarts: 10, periodMs: 60_000, delivery: 'at-most-once' }],
      ['c', { policy: 'resume', maxRestarts: 0, periodMs: 60_000, delivery: 'at-most-once' }],
    ];
    expect(restarts(validateGraph(text, lookup))).toEqual(expected);
    expect(restarts(validateGraph(built(), lookup))).toEqual(expected);
  });

  it('a graph and nodes that set none resolve to DEFAULT_RESTART, and carry no restart field', () => {
    const config = graph()
      .input('in')
      .node('PassThroughCalculator', { inputs: { '': 'in' }, outputs: { '': 'out' } })
      .build();
    expect('restart' in config).toBe(false);
    expect('restart' in config.nodes[0]!).toBe(false);
    expect(parseGraphText(formatGraphText(config))).toStrictEqual(config);
    expect(validateGraph(config, lookup).nodes[0]!.restart).toEqual(DEFAULT_RESTART);
    expect(DEFAULT_RESTART).toEqual({
      policy: 'stop',
      maxRestarts: 10,
      periodMs: 60_000,
      delivery: 'at-most-once',
    });
  });

  it('only a policy: maxRestarts 10 and periodMs 60000 are filled in', () => {
    const node = validateGraph(
      parseGraphText(`input_stream: "in"
        node { calculator: "PassThroughCalculator" input_stream: "in" output_stream: "out" restart_policy: "resume" }`),
      lookup,
    ).nodes[0]!;
    expect(node.restart).toEqual({
      policy: 'resume',
      maxRestarts: 10,
      periodMs: 60_000,
      delivery: 'at-most-once',
    });
  });

  it('a node override replaces the graph default whole (no field-by-field merge)', () => {
    const config = graph({ restart: RESUME_3 })
      .input('in')
      .node('PassThroughCalculator', {
        inputs: { '': 'in' },
        outputs: { '': 'out' },
        restart: { policy: 'resume', periodMs: 5 },
      })
      .build();
    expect(validateGraph(config, lookup).nodes[0]!.restart).toEqual({
      policy: 'resume',
      maxRestarts: 10,
      periodMs: 5,
      delivery: 'at-most-once',
    });
  });

  it.each([
    ['the example graph', TEXT],
    ['a graph-level policy only', 'restart_policy: "stop"\nnode { calculator: "A" }'],
    [
      'periods without counts, and values validation refuses (kept as written)',
      `restart_policy: "RESUME" restart_period_ms: 0
       node { calculator: "A" restart_policy: "resume" restart_period_ms: 7 }
       node { calculator: "A" restart_policy: "" max_restarts: -1 }`,
    ],
  ])('round-trips through formatGraphText: %s', (_, text) => {
    const config = parseGraphText(text);
    const printed = formatGraphText(config);
    expect(parseGraphText(printed)).toStrictEqual(config);
    expect(formatGraphText(parseGraphText(printed))).toBe(printed);
  });

  it('round-trips a built config, and writes the flat fields', () => {
    const printed = formatGraphText(built());
    expect(parseGraphText(printed)).toStrictEqual(built());
    expect(printed).toMatch(/^restart_policy: "resume"\nmax_restarts: 3\nrestart_period_ms: 1000$/m);
    expect(printed).toMatch(/^ {2}restart_policy: "stop"$/m);
    expect(printed).toMatch(/^ {2}restart_policy: "resume"\n {2}max_restarts: 0$/m);
  });

  it.each([
    [
      'max_restarts without restart_policy on a node',
      'node { name: "n" calculator: "A" max_restarts: 3 }',
      ['node "n"', '"max_restarts" needs "restart_policy"'],
    ],
    [
      'restart_period_ms without restart_policy on an unnamed node',
      'node { calculator: "A" restart_period_ms: 3 }',
      ['node "A"', '"restart_period_ms" needs "restart_policy"'],
    ],
    [
      'max_restarts without restart_policy on the graph',
      'max_restarts: 3\nnode { calculator: "A" }',
      ['graph', '"max_restarts" needs "restart_policy"', '1:'],
    ],
    [
      'an enum identifier (policy names are strings, like executor names)',
      'node { calculator: "A" restart_policy: RESUME }',
      ['"restart_policy" must be a string'],
    ],
    [
      'a fractional max_restarts',
      'node { calculator: "A" restart_policy: "resume" max_restarts: 1.5 }',
      ['"max_restarts" must be an integer'],
    ],
    [
      'a string period',
      'node { calculator: "A" restart_policy: "resume" restart_period_ms: "5" }',
      ['"restart_period_ms" must be a number'],
    ],
    [
      'restart_delivery without restart_policy',
      'node { name: "n" calculator: "A" restart_delivery: "at-least-once" }',
      ['node "n"', '"restart_delivery" needs "restart_policy"'],
    ],
    [
      'a policy given twice',
      'node { calculator: "A" restart_policy: "stop" restart_policy: "resume" }',
      ['"restart_policy" given more than once'],
    ],
  ])('refuses %s with GraphParseError', (_, text, parts) => {
    const parse = () => parseGraphText(text);
    expect(parse).toThrow(GraphParseError);
    for (const part of parts) expect(parse).toThrow(part);
  });
});

describe('restart policy: builder argument checks', () => {
  const node = (restart: unknown) => () =>
    graph().node('PassThroughCalculator', { name: 'n', restart: restart as RestartPolicy });
  const top = (restart: unknown) => () => graph({ restart: restart as RestartPolicy });
  it.each([
    ['node: not an object', node('resume'), 'n: restart must be an object'],
    ['node: null', node(null), 'n: restart must be an object'],
    ['node: no policy', node({ maxRestarts: 3 }), 'n: restart.policy must be "stop", "resume" or "restart"'],
    [
      'node: an unknown policy',
      node({ policy: 'retry' }),
      'n: restart.policy must be "stop", "resume" or "restart"',
    ],
    [
      'node: policy in capitals',
      node({ policy: 'RESUME' }),
      'n: restart.policy must be "stop", "resume" or "restart"',
    ],
    ['node: a misspelt field', node({ policy: 'resume', maxRestart: 3 }), 'unknown field "maxRestart"'],
    [
      'node: fractional maxRestarts',
      node({ policy: 'resume', maxRestarts: 1.5 }),
      'n: restart.maxRestarts must be an integer',
    ],
    [
      'node: string periodMs',
      node({ policy: 'resume', periodMs: '5' }),
      'n: restart.periodMs must be an integer',
    ],
    ['graph: not an object', top(3), 'graph restart must be an object'],
    [
      'graph: an unknown policy',
      top({ policy: 'retry' }),
      'graph restart.policy must be "stop", "resume" or "restart"',
    ],
    [
      'graph: NaN maxRestarts',
      top({ policy: 'stop', maxRestarts: Number.NaN }),
      'graph restart.maxRestarts must be an integer',
    ],
    [
      'graph: infinite periodMs',
      top({ policy: 'stop', periodMs: Infinity }),
      'graph restart.periodMs must be an integer',
    ],
  ])('refuses %s with InvalidArgumentError', (_, build, message) => {
    expect(build).toThrow(InvalidArgumentError);
    expect(build).toThrow(message);
  });

  it('an unnamed node is named by its calculator; undefined fields are left out', () => {
    expect(() => graph().node('PassThroughCalculator', { restart: { policy: 'x' as never } })).toThrow(
      'PassThroughCalculator: restart.policy',
    );
    const config = graph()
      .node('PassThroughCalculator', { restart: { policy: 'resume', maxRestarts: undefined } })
      .build();
    expect(config.nodes[0]!.restart).toStrictEqual({ policy: 'resume' });
  });

  it('copies the policy: changing the object given later changes nothing', () => {
    const policy = { policy: 'resume' as const, maxRestarts: 3 };
    const b = graph({ restart: policy }).node('PassThroughCalculator', { restart: policy });
    (policy as { maxRestarts: number }).maxRestarts = 99;
    const config = b.build();
    expect(config.restart).toStrictEqual({ policy: 'resume', maxRestarts: 3 });
    expect(config.nodes[0]!.restart).toStrictEqual({ policy: 'resume', maxRestarts: 3 });
  });
});
