// Seeded fuzzing of the text format and the validator: thousands of mutated graph texts, each of
// which must either validate or be refused with a WeftError (never a raw RangeError, TypeError or a
// stack overflow); a sample of the valid ones runs to the end, leaving no thread or frame behind.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { liveThreadCount } from '../src/actors/thread-task.js';
import { CalculatorGraph } from '../src/api/calculator-graph.js';
import { defaultRegistry } from '../src/api/graph-preparation.js';
import { WeftError } from '../src/core/errors.js';
import type { GraphConfig } from '../src/core/graph-config.js';
import { parseGraphText } from '../src/core/graph-text.js';
import { validateGraph } from '../src/core/graph-validation.js';
import { below, prng } from './fixtures/prng.js';

const SEED = 20261204;
const MUTANTS = 6000;
const RUNS = 6;

const SEEDS = [
  readFileSync(new URL('../examples/graphs/counter-chain.pbtxt', import.meta.url), 'utf8'),
  readFileSync(new URL('../examples/graphs/flow-limited.pbtxt', import.meta.url), 'utf8'),
  `output_stream: "out"
   max_queue_size: 10
   node { calculator: "CounterSourceCalculator" output_stream: "a" node_options { [x.Y] { count: 5 step: 2 } } }
   node { calculator: "CounterSourceCalculator" output_stream: "b" node_options { [x.Y] { count: 5 } } }
   node { calculator: "AdderCalculator" input_stream: "a" input_stream: "b" output_stream: "out"
          input_stream_handler { input_stream_handler: "FixedSizeInputStreamHandler"
            options { [mediapipe.FixedSizeInputStreamHandlerOptions.ext] { trigger_queue_size: 2 target_queue_size: 1 } } } }`,
];

// Fragments a mutation may insert: syntax, odd numbers, odd escapes, deep nesting, known names.
const PIECES = [
  '{',
  '}',
  '<',
  '>',
  ':',
  ',',
  ';',
  '"',
  "'",
  '[',
  ']',
  '#',
  '\n',
  '-',
  '.',
  ' ',
  'node {',
  'input_stream: "a"',
  'output_stream: "out"',
  'calculator: "PassThroughCalculator"',
  'max_queue_size: 4294967296',
  'max_queue_size: -7',
  'max_queue_size: 0',
  'count: 1e300',
  'count: -1',
  'stuck_timeout_ms: 0',
  'heap_limit_mb: 1',
  'parallelism: 1000000',
  'trigger_queue_size: 1e300',
  '"\\U00110000"',
  '"\\UFFFFFFFF"',
  '"\\x"',
  '"\\u12"',
  '"\\777"',
  'nan',
  'inf',
  '-inf',
  '0x7fffffff',
  '{'.repeat(150),
  '}'.repeat(150),
  'input_stream_info { tag_index: "FINISHED" back_edge: true }',
  'input_side_packet: "COUNT:c"',
  'output_side_packet: "COLLECTED:c"',
  'node_options { [a.B] { x: 1 } }',
];

function mutate(rand: () => number, text: string): string {
  let t = text;
  const steps = 1 + below(rand, 4);
  for (let k = 0; k < steps; k++) {
    const at = below(rand, t.length + 1);
    switch (below(rand, 4)) {
      case 0:
        t = t.slice(0, at) + t.slice(at + 1 + below(rand, 12));
        break;
      case 1:
        t = t.slice(0, at) + PIECES[below(rand, PIECES.length)]! + t.slice(at);
        break;
      case 2: {
        const from = below(rand, t.length + 1);
        t = t.slice(0, at) + t.slice(from, from + below(rand, 40)) + t.slice(at);
        break;
      }
      default:
        t = t.slice(0, at) + String.fromCharCode(below(rand, 128)) + t.slice(at + 1);
    }
  }
  return t;
}

describe(`graph text fuzzing (seed ${SEED})`, () => {
  it(`${MUTANTS} mutated graphs: each validates or is refused with a WeftError; ${RUNS} valid ones run cleanly`, async () => {
    const registry = defaultRegistry();
    const defs = await registry.loadAll(registry.names());
    const rand = prng(SEED);
    const valid: GraphConfig[] = [];
    let refused = 0;
    for (let i = 0; i < MUTANTS; i++) {
      const text = mutate(rand, SEEDS[i % SEEDS.length]!);
      try {
        const config = parseGraphText(text);
        validateGraph(config, (name) => defs.get(name));
        valid.push(config);
      } catch (err) {
        if (!(err instanceof WeftError)) {
          throw new Error(`mutant ${i} threw ${String(err)} instead of a WeftError:\n${text}`);
        }
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(MUTANTS / 10);
    expect(valid.length).toBeGreaterThan(RUNS);
    // Small graphs only: a mutated count may ask a source for billions of packets.
    const small = valid.filter((c) => c.nodes.every((n) => !(Number(n.options.count) > 10_000)));
    for (const config of small.slice(0, RUNS)) {
      const g = new CalculatorGraph(config, { stuckTimeoutMs: 5000 });
      try {
        for (const out of config.outputStreams) g.observeOutputStream(out, () => {});
        await g.runToCompletion().catch((err: unknown) => {
          if (!(err instanceof WeftError)) throw err;
        });
      } finally {
        await g.close();
      }
      expect(g.frames.inUse()).toBe(0);
      expect(liveThreadCount()).toBe(0);
    }
  }, 120_000);
});

describe('the parser refuses what would break it, by code', () => {
  it.each([
    ['a code point past U+10FFFF', 'output_stream: "\\U00110000"', /not a Unicode code point/],
    ['messages nested 150 deep', `node ${'{ a '.repeat(150)}${'}'.repeat(150)}`, /nested deeper than 100/],
  ])('%s is a GraphParseError', (_name, text, why) => {
    let err: unknown;
    try {
      parseGraphText(text);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'ERR_WEFT_GRAPH_PARSE' });
    expect((err as Error).message).toMatch(why);
  });
});

describe('numeric settings are checked against what weft can honour', () => {
  it.each([
    ['max_queue_size: 4294967296 (wraps to 0 in a 32-bit word)', 'max_queue_size: 4294967296'],
    [
      'a Default handler batch of 1e300',
      'input_stream_handler { input_stream_handler: "DefaultInputStreamHandler" options { [mediapipe.DefaultInputStreamHandlerOptions.ext] { batch_size: 1e300 } } }',
    ],
    [
      'a FixedSize trigger of 1e9',
      'input_stream_handler { input_stream_handler: "FixedSizeInputStreamHandler" options { [mediapipe.FixedSizeInputStreamHandlerOptions.ext] { trigger_queue_size: 1000000000 } } }',
    ],
  ])('%s is refused before any thread starts', async (_name, setting) => {
    const g = CalculatorGraph.fromText(`
      ${setting}
      input_stream: "in"
      node { calculator: "PassThroughCalculator" input_stream: "in" output_stream: "out" }
    `);
    await expect(g.validate()).rejects.toMatchObject({ code: 'ERR_WEFT_GRAPH_INVALID' });
    expect(liveThreadCount()).toBe(0);
  });
});
