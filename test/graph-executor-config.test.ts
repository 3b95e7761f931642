// MediaPipe's executors, config side: graph-level `executor { name type options }` declarations and
// node `executor: "name"`, parsed, written back, built in code, checked by MediaPipe's
// ValidateExecutors rules and resolved into ResolvedNode.executor (nodes sharing an executor run in
// one actor thread).
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultRegistry, prepareGraph } from '../src/api/graph-preparation.js';
import type { CalculatorDefinition } from '../src/core/calculator.js';
import { CalculatorRegistry } from '../src/core/calculator-registry.js';
import {
  BadNameError,
  BadOptionsError,
  InvalidArgumentError,
  type WeftErrorClass,
} from '../src/core/errors.js';
import { graph } from '../src/core/graph-builder.js';
import { formatGraphText, parseGraphText } from '../src/core/graph-text.js';
import { validateGraph } from '../src/core/graph-validation.js';
import { expandSubgraphs } from '../src/core/subgraph-expansion.js';
import { unusedFieldsWarning } from '../src/core/unused-fields.js';
import { problemsWith } from './fixtures/validation-problems.js';

const registry = new CalculatorRegistry(defaultRegistry()).register(
  'JitterCalculator', // contract parallelism 3
  new URL('./fixtures/graph/jitter.ts', import.meta.url),
);
let definitions = new Map<string, CalculatorDefinition>();
const lookup = (name: string): CalculatorDefinition | undefined => definitions.get(name);

beforeAll(async () => {
  definitions = await registry.loadAll(new Set(['PassThroughCalculator', 'JitterCalculator']));
});

const TEXT = `
input_stream: "in"
output_stream: "out"
executor {
  name: "io"
  type: "ThreadPoolExecutor"
  options { [mediapipe.ThreadPoolExecutorOptions.ext] { num_threads: 2 } }
}
executor { name: "spare" }
node { name: "a" calculator: "PassThroughCalculator" input_stream: "in" output_stream: "x" executor: "io" }
node { name: "b" calculator: "PassThroughCalculator" input_stream: "x" output_stream: "y" executor: "io" }
node { name: "c" calculator: "PassThroughCalculator" input_stream: "y" output_stream: "out" executor: "" }
`;

const problemsOf = problemsWith(lookup);

describe('executors in the text format', () => {
  it('parses declarations and node names, and resolves each node to its executor', () => {
    const config = parseGraphText(TEXT);
    expect(config.executors).toEqual([
      { name: 'io', type: 'ThreadPoolExecutor', numThreads: 2 },
      { name: 'spare' },
    ]);
    // `executor: ""` is MediaPipe's default executor: the same as none.
    expect(config.nodes.map((n) => n.executor)).toEqual(['io', 'io', undefined]);
    expect(config.unused).toBeUndefined();
    const resolved = validateGraph(config, lookup);
    expect(resolved.nodes.map((n) => [n.name, n.executor])).toEqual([
      ['a', 'io'],
      ['b', 'io'],
      ['c', undefined],
    ]);
  });

  it('keeps the default executor and option fields weft does not use', () => {
    const config = parseGraphText(`
      executor { options { [mediapipe.ThreadPoolExecutorOptions.ext] { num_threads: 4 } } }
      executor {
        name: "x"
        options {
          [my.OtherOptions.ext] { depth: 1 }
          [mediapipe.ThreadPoolExecutorOptions.ext] { stack_size: 131072 num_threads: 1 }
        }
      }
      node { calculator: "A" }`);
    expect(config.executors).toEqual([
      { name: '', numThreads: 4 },
      { name: 'x', numThreads: 1, unused: ['stack_size: 131072', '[my.OtherOptions.ext] { depth: 1 }'] },
    ]);
  });

  it.each([
    ['the example graph', TEXT],
    [
      'options kept as written',
      `executor { name: "x" type: "T" options { [my.Other.ext] { a: 1 } [mediapipe.ThreadPoolExecutorOptions.ext] { stack_size: 9 num_threads: 3 } } }
       executor { }
       node { calculator: "A" executor: "x" }`,
    ],
  ])('round-trips through formatGraphText: %s', (_, text) => {
    const config = parseGraphText(text);
    const printed = formatGraphText(config);
    expect(parseGraphText(printed)).toStrictEqual(config);
    expect(formatGraphText(parseGraphText(printed))).toBe(printed);
  });

  it('writes what MediaPipe reads', () => {
    const printed = formatGraphText(parseGraphText(TEXT));
    expect(printed).toContain(
      'executor { name: "io" type: "ThreadPoolExecutor" options { [mediapipe.ThreadPoolExecutorOptions.ext] { num_threads: 2 } } }',
    );
    expect(printed).toContain('executor { name: "spare" }');
    expect(printed.match(/^ {2}executor: "io"$/gm)).toHaveLength(2);
  });

  it('refuses an unknown field in an executor', () => {
    expect(() => parseGraphText('executor { name: "x" colour: "red" }')).toThrow(
      'unknown executor field "colour"',
    );
  });
});

describe('executors in the builder', () => {
  it('graph({ executors }) declares them, node({ executor }) names one', () => {
    const config = graph({
      executors: [{ name: 'io', type: 'ThreadPoolExecutor', numThreads: 2 }, { name: 'spare' }],
    })
      .input('in')
      .output('out')
      .node('PassThroughCalculator', {
        name: 'a',
        inputs: { '': 'in' },
        outputs: { '': 'x' },
        executor: 'io',
      })
      .node('PassThroughCalculator', { name: 'b', inputs: { '': 'x' }, outputs: { '': 'y' }, executor: 'io' })
      .node('PassThroughCalculator', { name: 'c', inputs: { '': 'y' }, outputs: { '': 'out' }, executor: '' })
      .build();
    // The same config as the text gives.
    expect(config).toStrictEqual(parseGraphText(TEXT));
    expect(validateGraph(config, lookup).nodes.map((n) => n.executor)).toEqual(['io', 'io', undefined]);
  });

  it('a graph without executors has no executors field', () => {
    const config = graph()
      .node('PassThroughCalculator', { inputs: { '': 'in' } })
      .build();
    expect('executors' in config).toBe(false);
    expect('executor' in config.nodes[0]!).toBe(false);
  });

  it.each([
    ['executors not an array', () => graph({ executors: {} as never }), 'executors must be an array'],
    ['executor without a name', () => graph({ executors: [{} as never] }), 'string name'],
    ['numThreads not an integer', () => graph({ executors: [{ name: 'x', numThreads: 1.5 }] }), 'numThreads'],
    [
      'type not a string',
      () => graph({ executors: [{ name: 'x', type: 3 as never }] }),
      'type must be a string',
    ],
    [
      'node executor not a string',
      () => graph().node('PassThroughCalculator', { executor: 7 as never }),
      'executor must be a non-empty string',
    ],
  ])('refuses %s with InvalidArgumentError', (_, build, message) => {
    expect(build).toThrow(InvalidArgumentError);
    expect(build).toThrow(message);
  });
});

describe('executor validation (MediaPipe ValidateExecutors)', () => {
  const pass = (name: string, input: string, output: string, extra = '') =>
    `node { name: "${name}" calculator: "PassThroughCalculator" input_stream: "${input}" output_stream: "${output}" ${extra} }`;
  const cases: [string, string, WeftErrorClass, string | undefined, string[]][] = [
    [
      'a node names an undeclared executor',
      `input_stream: "in" executor { name: "io" } ${pass('a', 'in', 'out', 'executor: "gpu_worker"')}`,
      BadOptionsError,
      'a',
      ['"gpu_worker"', 'does not declare'],
    ],
    [
      'an executor declared twice',
      `input_stream: "in" executor { name: "io" } executor { name: "io" } ${pass('a', 'in', 'out', 'executor: "io"')}`,
      BadOptionsError,
      undefined,
      ['executor "io"', 'declared more than once'],
    ],
    [
      'the default executor declared twice',
      `input_stream: "in" executor { } executor { name: "" } ${pass('a', 'in', 'out')}`,
      BadOptionsError,
      undefined,
      ['default executor', 'declared more than once'],
    ],
    [
      'an executor declared "default"',
      `input_stream: "in" executor { name: "default" } ${pass('a', 'in', 'out')}`,
      BadNameError,
      undefined,
      ['"default"', 'reserved'],
    ],
    [
      'a node naming "default"',
      `input_stream: "in" ${pass('a', 'in', 'out', 'executor: "default"')}`,
      BadNameError,
      'a',
      ['"default"', 'reserved'],
    ],
    [
      'a node naming "gpu"',
      `input_stream: "in" executor { name: "io" } ${pass('a', 'in', 'out', 'executor: "gpu"')}`,
      BadNameError,
      'a',
      ['"gpu"', 'reserved'],
    ],
    [
      'an executor named "__x"',
      `input_stream: "in" executor { name: "__x" } ${pass('a', 'in', 'out')}`,
      BadNameError,
      undefined,
      ['"__x"', 'reserved'],
    ],
    [
      'num_threads 0 on a named executor',
      `input_stream: "in" executor { name: "io" options { [mediapipe.ThreadPoolExecutorOptions.ext] { num_threads: 0 } } } ${pass('a', 'in', 'out')}`,
      BadOptionsError,
      undefined,
      ['executor "io"', 'numThreads 0', 'positive integer'],
    ],
    [
      'explicit parallelism with an executor',
      `input_stream: "in" executor { name: "io" } ${pass('a', 'in', 'out', 'executor: "io" parallelism: 2')}`,
      BadOptionsError,
      'a',
      ['parallelism 2', 'executor "io"'],
    ],
  ];
  it.each(cases)('%s', (_, text, cls, node, parts) => {
    const problems = problemsOf(parseGraphText(text));
    expect(problems).toHaveLength(1);
    const p = problems[0]!;
    expect(p).toBeInstanceOf(cls);
    expect(p.code).toBe(cls.code);
    expect(p.node).toBe(node);
    expect(p.phase).toBe('config');
    if (node !== undefined) expect(p.message).toContain(`node "${node}"`);
    for (const part of parts) expect(p.message).toContain(part);
  });

  it('reports every executor problem at once, with the other problems', () => {
    const problems = problemsOf(
      parseGraphText(`input_stream: "in"
        executor { name: "io" } executor { name: "io" }
        ${pass('a', 'in', 'x', 'executor: "nope"')}
        ${pass('b', 'x', 'out', 'executor: "gpu"')}
        ${pass('c', 'missing', 'z')}`),
    );
    expect(problems.map((p) => [p.code, p.node])).toEqual([
      ['ERR_WEFT_BAD_OPTIONS', undefined],
      ['ERR_WEFT_BAD_OPTIONS', 'a'],
      ['ERR_WEFT_BAD_NAME', 'b'],
      ['ERR_WEFT_NO_PRODUCER', 'c'],
    ]);
  });

  it('allows a declared executor no node names, and num_threads ≤ 0 on the default executor', () => {
    const config = parseGraphText(`input_stream: "in"
      executor { options { [mediapipe.ThreadPoolExecutorOptions.ext] { num_threads: -1 } } }
      executor { name: "unused" }
      ${pass('a', 'in', 'out')}`);
    expect(validateGraph(config, lookup).nodes[0]!.executor).toBeUndefined();
  });
});

describe('executors and replicas', () => {
  const jitter = (executor?: string) =>
    graph({ executors: [{ name: 'io' }] })
      .input('in')
      .node('JitterCalculator', {
        name: 'j',
        inputs: { '': 'in' },
        outputs: { '': 'out' },
        ...(executor === undefined ? {} : { executor }),
      })
      .build();

  it("an executor turns off the calculator's default parallelism: one node on the executor", () => {
    const resolved = validateGraph(jitter('io'), lookup);
    expect(resolved.nodes.map((n) => [n.name, n.executor])).toEqual([['j', 'io']]);
  });

  it('without an executor the contract default still replicates, and no replica has an executor', async () => {
    const { graph: g } = await prepareGraph(jitter(), registry, () => {});
    expect(g.nodes.map((n) => n.name)).toEqual(['j.dispatch', 'j[0]', 'j[1]', 'j[2]', 'j.gather']);
    expect(g.nodes.every((n) => n.executor === undefined)).toBe(true);
  });
});

describe('executors and subgraphs', () => {
  const SUB = parseGraphText(`
    type: "PairSubgraph"
    input_stream: "IN:x"
    output_stream: "OUT:z"
    executor { name: "inner" }
    node { name: "first" calculator: "PassThroughCalculator" input_stream: "x" output_stream: "y" executor: "inner" }
    node { name: "second" calculator: "PassThroughCalculator" input_stream: "y" output_stream: "z" }
  `);
  const subgraphs = (type: string) => (type === 'PairSubgraph' ? SUB : undefined);

  it("inner nodes keep their executor, the subgraph's declarations join the graph's once", () => {
    const config = expandSubgraphs(
      parseGraphText(`input_stream: "in"
        executor { name: "io" }
        node { name: "p" calculator: "PairSubgraph" input_stream: "IN:in" output_stream: "OUT:mid" }
        node { name: "q" calculator: "PairSubgraph" input_stream: "IN:mid" output_stream: "OUT:out" }`),
      subgraphs,
    );
    expect(config.executors).toEqual([{ name: 'io' }, { name: 'inner' }]);
    const resolved = validateGraph(config, lookup);
    expect(resolved.nodes.map((n) => [n.name, n.executor])).toEqual([
      ['p__first', 'inner'],
      ['p__second', undefined],
      ['q__first', 'inner'],
      ['q__second', undefined],
    ]);
  });

  it("a subgraph node's executor goes to the inner nodes that name none", () => {
    const config = expandSubgraphs(
      parseGraphText(`input_stream: "in"
        executor { name: "io" } executor { name: "inner" options { [mediapipe.ThreadPoolExecutorOptions.ext] { num_threads: 8 } } }
        node { name: "p" calculator: "PairSubgraph" input_stream: "IN:in" output_stream: "OUT:out" executor: "io" }`),
      subgraphs,
    );
    // The graph's own declaration of "inner" wins over the subgraph's.
    expect(config.executors).toEqual([{ name: 'io' }, { name: 'inner', numThreads: 8 }]);
    expect(validateGraph(config, lookup).nodes.map((n) => [n.name, n.executor])).toEqual([
      ['p__first', 'inner'],
      ['p__second', 'io'],
    ]);
  });

  it('a subgraph node naming an undeclared executor is reported on the inner nodes', () => {
    const config = expandSubgraphs(
      parseGraphText(`input_stream: "in"
        node { name: "p" calculator: "PairSubgraph" input_stream: "IN:in" output_stream: "OUT:out" executor: "nope" }`),
      subgraphs,
    );
    const problems = problemsOf(config);
    expect(problems.map((p) => [p.code, p.node])).toEqual([['ERR_WEFT_BAD_OPTIONS', 'p__second']]);
    expect(problems[0]!.message).toContain('"nope"');
  });
});

describe('the unused-fields warning', () => {
  it('no longer lists executors that are used', async () => {
    const text = TEXT.replace(/num_threads: 2/, 'num_threads: 1');
    expect(unusedFieldsWarning(parseGraphText(text))).toBeUndefined();
    const warnings: string[] = [];
    const prepared = await prepareGraph(parseGraphText(text), registry, (m) => warnings.push(m));
    expect(prepared.graph.nodes.map((n) => n.executor)).toEqual(['io', 'io', undefined]);
    expect(warnings).toEqual([]);
  });

  it('lists what of an executor has no effect: the default executor, num_threads > 1, other options', () => {
    const warning = unusedFieldsWarning(
      parseGraphText(`
        executor { type: "ApplicationThreadExecutor" }
        executor { name: "io" options { [mediapipe.ThreadPoolExecutorOptions.ext] { num_threads: 4 stack_size: 9 } } }
        node { calculator: "A" executor: "io" }`),
    );
    expect(warning).toContain(
      'executor { name: "" }: weft runs every node that names no executor on a thread of its own',
    );
    expect(warning).toContain(
      'executor "io": num_threads: 4: the nodes of an executor share one thread in weft',
    );
    expect(warning).toContain('executor "io": stack_size: 9: not used');
    expect(warning).not.toMatch(/node ".*": executor/);
  });
});
