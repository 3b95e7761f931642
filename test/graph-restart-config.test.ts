// The restart policy (weft extension), config side: graph-wide `restart` with per-node overrides,
// built in code or written as the flat text fields `restart_policy` / `max_restarts` /
// `restart_period_ms` / `restart_delivery`, checked by validation, and carried through session fragments, subgraphs
// and replicas into ResolvedNode.restart.
import { beforeAll, describe, expect, it } from 'vitest';
import { actorGroups } from '../src/actors/actor-groups.js';
import { defaultRegistry } from '../src/api/calculator-graph.js';
import { Session } from '../src/api/session.js';
import type { CalculatorDefinition } from '../src/core/calculator.js';
import { CalculatorRegistry } from '../src/core/calculator-registry.js';
import {
  BadOptionsError,
  GraphInvalidError,
  GraphParseError,
  InvalidArgumentError,
  type WeftError,
} from '../src/core/errors.js';
import { graph } from '../src/core/graph-builder.js';
import {
  DEFAULT_RESTART,
  type GraphConfig,
  type ResolvedGraph,
  type RestartPolicy,
} from '../src/core/graph-config.js';
import { REPLICA_DISPATCH, REPLICA_GATHER } from '../src/core/graph-replicas.js';
import { formatGraphText, parseGraphText } from '../src/core/graph-text.js';
import { validateGraph } from '../src/core/graph-validation.js';
import { expandSubgraphs } from '../src/core/subgraph-expansion.js';

const registry = new CalculatorRegistry(defaultRegistry()).register(
  'JitterCalculator', // contract parallelism 3
  new URL('./fixtures/graph/jitter.ts', import.meta.url),
);
let definitions = new Map<string, CalculatorDefinition>();
const lookup = (name: string): CalculatorDefinition | undefined => definitions.get(name);

beforeAll(async () => {
  definitions = await registry.loadAll(
    new Set(['PassThroughCalculator', 'JitterCalculator', REPLICA_DISPATCH, REPLICA_GATHER]),
  );
});

function problemsOf(config: GraphConfig): WeftError[] {
  try {
    validateGraph(config, lookup);
  } catch (err) {
    expect(err).toBeInstanceOf(GraphInvalidError);
    return (err as GraphInvalidError).problems ?? [];
  }
  throw new Error('expected GraphInvalidError');
}

const restarts = (g: ResolvedGraph) => g.nodes.map((n) => [n.name, n.restart]);

const RESUME_3 = { policy: 'resume', maxRestarts: 3, periodMs: 1000 } as const;

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

const built = () =>
  graph({ restart: { policy: 'resume', maxRestarts: 3, periodMs: 1000 } })
    .input('in')
    .output('out')
    .node('PassThroughCalculator', { name: 'a', inputs: { '': 'in' }, outputs: { '': 'x' } })
    .node('PassThroughCalculator', {
      name: 'b',
      inputs: { '': 'x' },
      outputs: { '': 'y' },
      restart: { policy: 'stop' },
    })
    .node('PassThroughCalculator', {
      name: 'c',
      inputs: { '': 'y' },
      outputs: { '': 'out' },
      restart: { policy: 'resume', maxRestarts: 0 },
    })
    .build();

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

describe('restart policy: validation', () => {
  const base = graph()
    .input('in')
    .node('PassThroughCalculator', { name: 'a', inputs: { '': 'in' }, outputs: { '': 'out' } })
    .build();
  const onNode = (restart: unknown): GraphConfig => ({
    ...base,
    nodes: [{ ...base.nodes[0]!, restart: restart as RestartPolicy }],
  });
  const onGraph = (restart: unknown): GraphConfig => ({ ...base, restart: restart as RestartPolicy });
  const cases: [string, unknown, string[]][] = [
    [
      'a policy other than stop/resume/restart',
      { policy: 'retry' },
      ['.policy "retry"', '"stop", "resume" or "restart"'],
    ],
    ['an unknown delivery', { policy: 'restart', delivery: 'exactly-once' }, ['.delivery "exactly-once"']],
    [
      'a delivery under resume',
      { policy: 'resume', delivery: 'at-least-once' },
      ['.delivery applies to the "restart"'],
    ],
    ['a policy in capitals (from text)', { policy: 'RESUME' }, ['.policy "RESUME"']],
    ['an empty policy', { policy: '' }, ['.policy ""']],
    ['no policy', { maxRestarts: 3 }, ['.policy undefined']],
    ['negative maxRestarts', { policy: 'resume', maxRestarts: -1 }, ['.maxRestarts -1', 'integer ≥ 0']],
    ['fractional maxRestarts', { policy: 'resume', maxRestarts: 0.5 }, ['.maxRestarts 0.5']],
    ['infinite maxRestarts', { policy: 'resume', maxRestarts: Infinity }, ['.maxRestarts Infinity']],
    ['string maxRestarts', { policy: 'resume', maxRestarts: '3' }, ['.maxRestarts "3"']],
    ['periodMs 0', { policy: 'resume', periodMs: 0 }, ['.periodMs 0', 'integer number of ms ≥ 1']],
    ['negative periodMs', { policy: 'stop', periodMs: -1000 }, ['.periodMs -1000']],
    ['fractional periodMs', { policy: 'stop', periodMs: 1.5 }, ['.periodMs 1.5']],
    ['NaN periodMs', { policy: 'stop', periodMs: Number.NaN }, ['.periodMs NaN']],
    ['an unknown field', { policy: 'stop', period: 5 }, ['unknown field "period"']],
    ['not an object', 'resume', ['must be an object']],
    ['null', null, ['must be an object']],
  ];

  it.each(cases)('refuses %s on a node: BadOptionsError naming the node', (_, restart, parts) => {
    const problems = problemsOf(onNode(restart));
    expect(problems).toHaveLength(1);
    const p = problems[0]!;
    expect(p).toBeInstanceOf(BadOptionsError);
    expect(p.code).toBe('ERR_WEFT_BAD_OPTIONS');
    expect(p.node).toBe('a');
    expect(p.phase).toBe('config');
    expect(p.message).toMatch(/^restart/);
    expect(p.message).toContain('node "a"');
    for (const part of parts) expect(p.message).toContain(part);
  });

  it.each(cases)('refuses %s on the graph: BadOptionsError without a node', (_, restart, parts) => {
    const problems = problemsOf(onGraph(restart));
    expect(problems).toHaveLength(1);
    const p = problems[0]!;
    expect(p).toBeInstanceOf(BadOptionsError);
    expect(p.code).toBe('ERR_WEFT_BAD_OPTIONS');
    expect(p.node).toBeUndefined();
    expect(p.phase).toBe('config');
    expect(p.message).toMatch(/^graph restart/);
    for (const part of parts) expect(p.message).toContain(part);
  });

  it('reports every bad field at once, with the other problems', () => {
    const problems = problemsOf({
      ...onGraph({ policy: 'nope', maxRestarts: -1 }),
      nodes: [
        { ...base.nodes[0]!, restart: { policy: 'resume', periodMs: 0 } as RestartPolicy, stuckTimeoutMs: 0 },
      ],
    });
    expect(problems.map((p) => [p.code, p.node, p.message.split(' ')[0]])).toEqual([
      ['ERR_WEFT_BAD_OPTIONS', undefined, 'graph'],
      ['ERR_WEFT_BAD_OPTIONS', undefined, 'graph'],
      ['ERR_WEFT_BAD_OPTIONS', 'a', 'stuckTimeoutMs'],
      ['ERR_WEFT_BAD_OPTIONS', 'a', 'restart.periodMs'],
    ]);
  });

  it('accepts the edges: maxRestarts 0, periodMs 1, large values', () => {
    for (const restart of [
      { policy: 'resume', maxRestarts: 0, periodMs: 1 },
      { policy: 'stop', maxRestarts: 1_000_000, periodMs: 86_400_000 * 365 },
      { policy: 'restart', maxRestarts: 0, periodMs: 1, delivery: 'at-least-once' },
    ] as const) {
      const resolved = { delivery: 'at-most-once', ...restart };
      expect(validateGraph(onNode(restart), lookup).nodes[0]!.restart).toEqual(resolved);
      expect(validateGraph(onGraph(restart), lookup).nodes[0]!.restart).toEqual(resolved);
    }
  });
});

describe('restart policy: session fragments', () => {
  it("a fragment's graph-level restart stays with its own nodes; a node's own wins", async () => {
    const first = graph({ restart: RESUME_3 })
      .input('in')
      .node('PassThroughCalculator', { name: 'a', inputs: { '': 'in' }, outputs: { '': 'x' } })
      .node('PassThroughCalculator', {
        name: 'b',
        inputs: { '': 'x' },
        outputs: { '': 'y' },
        restart: { policy: 'stop', periodMs: 5 },
      });
    const second = `node { name: "c" calculator: "PassThroughCalculator" input_stream: "y" output_stream: "out" }`;
    const third = `restart_policy: "resume"
      node { name: "d" calculator: "PassThroughCalculator" input_stream: "y" output_stream: "out2" }`;
    await using session = new Session();
    session.push('in').add(first, second, third).pull('out').pull('out2');
    const config = session.config;
    expect('restart' in config).toBe(false);
    expect(config.nodes.map((n) => [n.name, n.restart])).toEqual([
      ['a', RESUME_3],
      ['b', { policy: 'stop', periodMs: 5 }],
      ['c', undefined],
      ['d', { policy: 'resume' }],
    ]);
    expect(restarts(validateGraph(config, lookup))).toEqual([
      ['a', { ...RESUME_3, delivery: 'at-most-once' }],
      ['b', { policy: 'stop', maxRestarts: 10, periodMs: 5, delivery: 'at-most-once' }],
      ['c', DEFAULT_RESTART],
      ['d', { policy: 'resume', maxRestarts: 10, periodMs: 60_000, delivery: 'at-most-once' }],
    ]);
  });
});

describe('restart policy: subgraphs', () => {
  const sub = (graphLevel: string) =>
    parseGraphText(`
      type: "PairSubgraph"
      input_stream: "IN:x"
      output_stream: "OUT:z"
      ${graphLevel}
      node { name: "first" calculator: "PassThroughCalculator" input_stream: "x" output_stream: "y" restart_policy: "stop" max_restarts: 1 }
      node { name: "second" calculator: "PassThroughCalculator" input_stream: "y" output_stream: "z" }
    `);
  const expand = (subText: string, outer: string) => {
    const s = sub(subText);
    return validateGraph(
      expandSubgraphs(parseGraphText(outer), (t) => (t === 'PairSubgraph' ? s : undefined)),
      lookup,
    );
  };
  const use = (extra = '') =>
    `input_stream: "in" restart_policy: "resume" max_restarts: 7
     node { name: "p" calculator: "PairSubgraph" input_stream: "IN:in" output_stream: "OUT:out" ${extra} }`;
  const firstOwn = { policy: 'stop', maxRestarts: 1, periodMs: 60_000, delivery: 'at-most-once' };

  it("the subgraph's graph-level restart applies to its inner nodes that set none", () => {
    expect(restarts(expand('restart_policy: "resume" restart_period_ms: 50', use()))).toEqual([
      ['p__first', firstOwn],
      ['p__second', { policy: 'resume', maxRestarts: 10, periodMs: 50, delivery: 'at-most-once' }],
    ]);
  });

  it("the subgraph's default beats the subgraph node's; the node's beats the outer graph's", () => {
    expect(
      restarts(expand('restart_policy: "resume" restart_period_ms: 50', use('restart_policy: "stop"'))),
    ).toEqual([
      ['p__first', firstOwn],
      ['p__second', { policy: 'resume', maxRestarts: 10, periodMs: 50, delivery: 'at-most-once' }],
    ]);
    expect(restarts(expand('', use('restart_policy: "stop" max_restarts: 2')))).toEqual([
      ['p__first', firstOwn],
      ['p__second', { policy: 'stop', maxRestarts: 2, periodMs: 60_000, delivery: 'at-most-once' }],
    ]);
  });

  it('without a subgraph or node policy, inner nodes that set none take the outer graph default', () => {
    expect(restarts(expand('', use()))).toEqual([
      ['p__first', firstOwn],
      ['p__second', { policy: 'resume', maxRestarts: 7, periodMs: 60_000, delivery: 'at-most-once' }],
    ]);
  });

  it('a bad policy inherited from the subgraph is reported on the inner node', () => {
    const s = sub('restart_policy: "resume" max_restarts: -2');
    const problems = problemsOf(
      expandSubgraphs(parseGraphText(use()), (t) => (t === 'PairSubgraph' ? s : undefined)),
    );
    expect(problems.map((p) => [p.code, p.node])).toEqual([['ERR_WEFT_BAD_OPTIONS', 'p__second']]);
    expect(problems[0]!.message).toContain('restart.maxRestarts -2');
  });
});

describe('restart policy: replicas', () => {
  const jitter = (graphRestart?: RestartPolicy, nodeRestart?: RestartPolicy) =>
    graph(graphRestart === undefined ? {} : { restart: graphRestart })
      .input('in')
      .node('JitterCalculator', {
        name: 'j',
        inputs: { '': 'in' },
        outputs: { '': 'out' },
        ...(nodeRestart === undefined ? {} : { restart: nodeRestart }),
      })
      .build();
  const stop = { policy: 'stop', maxRestarts: 10, periodMs: 60_000, delivery: 'at-most-once' };

  it("replicas get the node's policy; dispatch and gather always stop", () => {
    const g = validateGraph(jitter(undefined, RESUME_3), lookup);
    expect(restarts(g)).toEqual([
      ['j.dispatch', stop],
      ['j[0]', { ...RESUME_3, delivery: 'at-most-once' }],
      ['j[1]', { ...RESUME_3, delivery: 'at-most-once' }],
      ['j[2]', { ...RESUME_3, delivery: 'at-most-once' }],
      ['j.gather', stop],
    ]);
  });

  it("replicas of a node that sets none get the graph's; dispatch and gather still stop", () => {
    const g = validateGraph(jitter({ policy: 'resume' }), lookup);
    const resume = { policy: 'resume', maxRestarts: 10, periodMs: 60_000, delivery: 'at-most-once' };
    expect(restarts(g)).toEqual([
      ['j.dispatch', stop],
      ['j[0]', resume],
      ['j[1]', resume],
      ['j[2]', resume],
      ['j.gather', stop],
    ]);
  });

  it('without any policy every node has the default', () => {
    expect(validateGraph(jitter(), lookup).nodes.every((n) => n.restart.policy === 'stop')).toBe(true);
  });
});

describe('restart policy: restart', () => {
  const text = `input_stream: "in"
node { name: "r" calculator: "PassThroughCalculator" input_stream: "in" output_stream: "out"
  restart_policy: "restart" max_restarts: 2 restart_delivery: "at-least-once" }`;

  it('the text and the builder agree, and the delivery round-trips', () => {
    const built = graph()
      .input('in')
      .node('PassThroughCalculator', {
        name: 'r',
        inputs: { '': 'in' },
        outputs: { '': 'out' },
        restart: { policy: 'restart', maxRestarts: 2, delivery: 'at-least-once' },
      })
      .build();
    const parsed = parseGraphText(text);
    expect(parsed).toStrictEqual(built);
    expect(parseGraphText(formatGraphText(parsed))).toStrictEqual(parsed);
    expect(formatGraphText(parsed)).toMatch(/restart_delivery: "at-least-once"/);
    expect(validateGraph(parsed, lookup).nodes[0]!.restart).toEqual({
      policy: 'restart',
      maxRestarts: 2,
      periodMs: 60_000,
      delivery: 'at-least-once',
    });
  });

  it('the builder refuses an unknown delivery', () => {
    expect(() =>
      graph().node('PassThroughCalculator', {
        name: 'n',
        restart: { policy: 'restart', delivery: 'exactly-once' as never },
      }),
    ).toThrow('n: restart.delivery must be "at-most-once" or "at-least-once"');
  });

  it.each([
    ['its own', { restart: { policy: 'restart' } as RestartPolicy }, {}],
    ["the graph's", {}, { restart: { policy: 'restart' } as RestartPolicy }],
  ])('a node under "restart" (%s) may not name an executor: BadOptionsError naming it', (_, own, top) => {
    const config = graph({ ...top, executors: [{ name: 'pool' }] })
      .input('in')
      .node('PassThroughCalculator', {
        name: 'r',
        inputs: { '': 'in' },
        outputs: { '': 'out' },
        executor: 'pool',
        ...own,
      })
      .build();
    const problems = problemsOf(config);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toBeInstanceOf(BadOptionsError);
    expect(problems[0]!.node).toBe('r');
    expect(problems[0]!.message).toContain('needs a thread of its own');
  });

  it('chaining never puts a node under "restart" on a shared thread', () => {
    const config = graph()
      .input('in')
      .node('PassThroughCalculator', { name: 'a', inputs: { '': 'in' }, outputs: { '': 'm1' } })
      .node('PassThroughCalculator', {
        name: 'r',
        inputs: { '': 'm1' },
        outputs: { '': 'm2' },
        restart: { policy: 'restart' },
      })
      .node('PassThroughCalculator', { name: 'c', inputs: { '': 'm2' }, outputs: { '': 'out' } })
      .build();
    const g = validateGraph(config, lookup);
    expect(actorGroups(g, 'on', 2).groups).toEqual([[0], [1], [2]]);
    const plain = validateGraph({ ...config, nodes: config.nodes.map(({ restart: _, ...n }) => n) }, lookup);
    expect(actorGroups(plain, 'on', 2).groups).toEqual([[0, 1, 2]]);
  });
});
