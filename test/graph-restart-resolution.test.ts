// The restart policy (weft extension), config side: checked by validation, and carried through
// session fragments, subgraphs and replicas into ResolvedNode.restart. Builder and text format:
// graph-restart-config.test.ts.
import { describe, expect, it } from 'vitest';
import { actorGroups } from '../src/actors/actor-groups.js';
import { Session } from '../src/api/session.js';
import { BadOptionsError } from '../src/core/errors.js';
import { graph } from '../src/core/graph-builder.js';
import { DEFAULT_RESTART, type GraphConfig, type RestartPolicy } from '../src/core/graph-config.js';
import { formatGraphText, parseGraphText } from '../src/core/graph-text.js';
import { validateGraph } from '../src/core/graph-validation.js';
import { expandSubgraphs } from '../src/core/subgraph-expansion.js';
import { loadRestartDefinitions, lookup, problemsOf, RESUME_3, restarts } from './fixtures/restart-config.js';

loadRestartDefinitions();

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
