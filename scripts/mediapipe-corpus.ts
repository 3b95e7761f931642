/**
 * MediaPipe's own graphs through weft: takes a MediaPipe source tree (a checkout, or a bare git
 * repository), extracts its graph configs — the `.pbtxt` files and the text-format graphs embedded
 * in its C++ sources — and for each distinct one reports whether weft parses it, validates it (its
 * subgraphs registered from the corpus itself) and, when every calculator is one weft has, runs it
 * on a few packets. Prints the figures and what blocked the rest, most common first.
 *
 *   npx tsx scripts/mediapipe-corpus.ts <mediapipe checkout or bare repo> [--json FILE]
 *
 * The corpus is read where it lies and never copied into this repository.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { CalculatorGraph } from '../src/api/calculator-graph.js';
import { defaultRegistry } from '../src/api/graph-preparation.js';
import { CalculatorRegistry } from '../src/core/calculator-registry.js';
import type { GraphConfig, ResolvedGraph } from '../src/core/graph-config.js';
import { parseGraphText } from '../src/core/graph-text.js';

/** One extracted config: where it came from and its text. */
export interface CorpusEntry {
  readonly source: string;
  readonly text: string;
  /** The C++ test holding this graph asserts that MediaPipe refuses it (a negative test). */
  readonly expectsFailure: boolean;
}

/** What happened to one config. */
export interface CorpusResult {
  readonly source: string;
  /**
   * Where it stopped: parse, validate (a calculator weft lacks, or a wiring weft refuses that
   * MediaPipe's test expects to work), `refused` (weft refuses it at validation or open, and the
   * MediaPipe test holding it asserts that MediaPipe refuses it too), run (it failed while running),
   * or ran.
   */
  readonly stage: 'parse' | 'validate' | 'refused' | 'run' | 'ran';
  /** Why it stopped there (the construct or calculator that blocked it); empty when it ran. */
  readonly blocker: string;
}

/** Lists the repository's files with their text: a bare git repository or a directory tree. */
function* files(root: string): Generator<[string, () => string]> {
  if (existsSync(join(root, 'objects')) && existsSync(join(root, 'HEAD'))) {
    const names = execFileSync('git', ['--git-dir', root, 'ls-tree', '-r', '--name-only', 'HEAD'], {
      encoding: 'utf8',
      maxBuffer: 1 << 28,
    }).split('\n');
    for (const name of names) {
      if (name === '') continue;
      yield [
        name,
        () => execFileSync('git', ['--git-dir', root, 'show', `HEAD:${name}`], { encoding: 'utf8' }),
      ];
    }
    return;
  }
  const walk = function* (dir: string): Generator<[string, () => string]> {
    for (const entry of readdirSync(dir)) {
      if (entry === '.git' || entry === 'node_modules') continue;
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) yield* walk(path);
      else yield [path.slice(root.length + 1), () => readFileSync(path, 'utf8')];
    }
  };
  yield* walk(root);
}

// A raw string literal, R"delim( ... )delim": one that holds nodes with calculators is taken as a
// graph (passed to a parse call directly or through a constant).
const EMBEDDED = /R"([^(\s"]{0,16})\(([\s\S]*?)\)\1"/g;

// How MediaPipe's tests assert that a graph is refused: a status that is not ok, or of a code.
const FAILURE_ASSERTION =
  /(?:EXPECT|ASSERT)_EQ\([^;]*StatusCode::k(?!Ok)|EXPECT_FALSE\([^;]*\.ok\(\)\)|ASSERT_FALSE\([^;]*\.ok\(\)\)|StatusIs\(|Not\(\s*(?:MP_)?IsOk\(\)\)|EXPECT_THAT\([^;]*status[^;]*HasSubstr/;

/**
 * How near a subgraph definition at `def` is to a graph at `user`: the same test file before it
 * (nearest first), the same file, the same directory (a GPU graph preferring a GPU variant), else 0.
 */
function nearness(def: string, user: string): number {
  const [defFile, defIndex] = def.split('#');
  const [userFile, userIndex] = user.split('#');
  if (defFile === userFile) {
    const gap = Number(userIndex ?? 0) - Number(defIndex ?? 0);
    return gap >= 0 ? 4 - gap / 1000 : 3;
  }
  const dir = (f: string) => f.slice(0, f.lastIndexOf('/'));
  if (dir(defFile!) !== dir(userFile!)) return 0;
  const variant = (f: string) => /_(gpu|cpu)\b/.exec(f)?.[1];
  return variant(defFile!) === variant(userFile!) ? 2 : 1;
}

// Refusals whose rule MediaPipe's validation shares word for word: an input stream that nothing
// produces ("does not have a corresponding output stream").
const MEDIAPIPE_REFUSES =
  /^NoProducerError: input stream "[^"]+" is neither a graph input nor any node's output/;

/** Whether the test around a graph (from the graph to the next test) asserts a refusal. */
function assertsFailure(source: string, from: number): boolean {
  const rest = source.slice(from);
  const next = rest.search(/\nTEST(?:_F|_P)?\(/);
  return FAILURE_ASSERTION.test(next < 0 ? rest : rest.slice(0, next));
}

/** The distinct graph configs of a MediaPipe tree. */
export function extractCorpus(root: string): CorpusEntry[] {
  const seen = new Set<string>();
  const out: CorpusEntry[] = [];
  const add = (source: string, text: string, expectsFailure = false): void => {
    const key = text.replace(/\s+/g, ' ').trim();
    // Templates filled in at run time ($0, %s) are not configs yet.
    if (seen.has(key) || !/\bnode\s*[{:]/.test(text) || !/\bcalculator\s*:/.test(text)) return;
    if (/\$\w|:\s*%|%[sd]/.test(text)) return;
    seen.add(key);
    out.push({ source, text, expectsFailure });
  };
  for (const [name, read] of files(root)) {
    // The profiler's test data are profiles, not graphs.
    if (name.includes('/profiler/testdata/')) continue;
    if (name.endsWith('.pbtxt')) add(name, read());
    else if (/\.(cc|h)$/.test(name) && name.startsWith('mediapipe/')) {
      const text = read();
      if (!text.includes('calculator:')) continue;
      let k = 0;
      for (const m of text.matchAll(EMBEDDED)) {
        add(`${name}#${++k}`, m[2]!, assertsFailure(text, m.index + m[0].length));
      }
    }
  }
  return out;
}

/** Parses, validates and (where weft has every calculator) runs each config. */
export async function runCorpus(entries: readonly CorpusEntry[]): Promise<CorpusResult[]> {
  const parsed = entries.map((e) => {
    try {
      return { e, config: parseGraphText(e.text) };
    } catch (err) {
      return { e, error: firstLine(err) };
    }
  });
  // The corpus's own subgraphs, so graphs that use them expand as in MediaPipe. A type defined more
  // than once (tests define their own PassThroughGraph; CPU and GPU variants share a name) resolves,
  // for each graph, to the definition nearest to it, as each MediaPipe test or build target links.
  const definitions = new Map<string, { source: string; config: GraphConfig }[]>();
  for (const p of parsed) {
    const type = p.config?.subgraph?.type;
    if (type === undefined) continue;
    definitions.set(type, [...(definitions.get(type) ?? []), { source: p.e.source, config: p.config! }]);
  }
  const chosen = (type: string, source: string): string =>
    definitions.get(type)!.reduce((a, b) => (nearness(b.source, source) > nearness(a.source, source) ? b : a))
      .source;
  // `pinned`: definitions to use whatever their nearness (by type).
  const registryFor = (source: string, pinned = new Map<string, string>()): CalculatorRegistry => {
    const registry = new CalculatorRegistry(defaultRegistry());
    for (const [type, list] of definitions) {
      const pick = pinned.get(type) ?? chosen(type, source);
      registry.registerSubgraph(list.find((d) => d.source === pick)!.config);
    }
    return registry;
  };
  // A graph whose subgraph node does not match the nearest definition's ports tries the others
  // (a graph reaching GPU variants through a subgraph that is not itself named for them).
  const validateAndRunAny = async (e: CorpusEntry, config: GraphConfig): Promise<CorpusResult> => {
    const pinned = new Map<string, string>();
    let result = await validateAndRun(e, config, registryFor(e.source));
    for (let tries = 0; tries < 4 && result.stage === 'validate'; tries++) {
      const type = /of subgraph node (\w+):/.exec(result.blocker)?.[1];
      const others = type === undefined ? [] : (definitions.get(type) ?? []);
      const next = others.find((d) => d.source !== (pinned.get(type!) ?? chosen(type!, e.source)));
      if (next === undefined) break;
      pinned.set(type!, next.source);
      const retry = await validateAndRun(e, config, registryFor(e.source, pinned));
      if (retry.stage === 'validate' && retry.blocker === result.blocker) break;
      result = retry;
    }
    return result;
  };
  const results: CorpusResult[] = [];
  for (const p of parsed) {
    if (p.config === undefined) {
      results.push({ source: p.e.source, stage: 'parse', blocker: p.error! });
      continue;
    }
    results.push(await validateAndRunAny(p.e, p.config));
  }
  // MediaPipe validates a subgraph only as it expands into a graph that uses it. A definition that
  // fails on its own (an optional input its users leave out) counts as run once a graph using it ran.
  return results.map((r, i) => {
    const type = parsed[i]!.config?.subgraph?.type;
    if (type === undefined || r.stage !== 'validate' || r.blocker.startsWith('calculator ')) return r;
    const usedAndRan = parsed.some(
      (p, k) =>
        results[k]!.stage === 'ran' &&
        p.config?.nodes.some((n) => n.calculator === type) === true &&
        chosen(type, p.e.source) === r.source,
    );
    return usedAndRan ? { ...r, stage: 'ran' as const, blocker: '' } : r;
  });
}

async function validateAndRun(
  entry: CorpusEntry,
  config: GraphConfig,
  registry: CalculatorRegistry,
): Promise<CorpusResult> {
  const source = entry.source;
  const g = new CalculatorGraph(config, { registry, onWarning: () => {}, stuckTimeoutMs: 5000 });
  try {
    await g.validate();
  } catch (err) {
    const blocker = blockerOf(err);
    const refused =
      (entry.expectsFailure || MEDIAPIPE_REFUSES.test(blocker)) && !blocker.startsWith('calculator ');
    return { source, stage: refused ? 'refused' : 'validate', blocker };
  } finally {
    if (config.subgraph !== undefined) await g.close();
  }
  if (config.subgraph !== undefined) return { source, stage: 'ran' as const, blocker: '' };
  try {
    const resolved = await g.validate();
    // The side packets the application would give: one plausible value each.
    const sides = Object.fromEntries(
      resolved.inputSidePackets.map((name) => [name, sideSample(resolved, name)]),
    );
    await g.startRun(sides);
    // What the first consumer of each input expects, by its calculator and port (ALLOW, SELECT, ...).
    const consumerOf = (input: string): [string, string] => {
      const c = resolved.streams.find((x) => x.name === input)?.consumers[0];
      if (c === undefined) return ['', input];
      const node = resolved.nodes[c.node]!;
      return [node.calculator, `${node.inputs[c.input]!.tag} ${input}`];
    };
    for (let ts = 0; ts < 3; ts++) {
      for (const input of resolved.inputStreams) {
        await g.addPacket(input, sample(...consumerOf(input), ts), ts);
      }
    }
    g.closeAllPacketSources();
    await g.waitUntilDone();
    return { source, stage: 'ran' as const, blocker: '' };
  } catch (err) {
    return { source, stage: entry.expectsFailure ? 'refused' : 'run', blocker: firstLine(err) };
  } finally {
    await g.close();
  }
}

// A packet a stream plausibly carries, from its consumer's calculator and port ("TAG name"): a
// flag, a selector, a list message or an array for the calculators that take them, else a number.
function sample(calculator: string, port: string, ts: number): unknown {
  if (/allow|enable|flag/i.test(port)) return ts % 2 === 0;
  if (/select|^INDEX /i.test(port)) return 0;
  // Long enough for the ranges real graphs split at; small values, as an element may be a selector.
  const items = Array.from({ length: 512 }, (_, i) => i % 3);
  if (/^(Split|Concatenate)\w*(Landmark|Classification|Joint)ListCalculator$/.test(calculator)) {
    return { landmark: items, classification: items, joint: items };
  }
  if (/Vector|Loop|^Split|^Concatenate/.test(calculator) || /VECTOR|ITERABLE/.test(port)) return items;
  return ts;
}

// A side packet's plausible value, by the tag of the first node port that reads it.
function sideSample(graph: ResolvedGraph, name: string): unknown {
  const port = graph.nodes.flatMap((n) => n.inputSidePackets).find((p) => p.name === name);
  const node = graph.nodes.find((n) => n.inputSidePackets.includes(port!));
  return port?.tag === 'TIMESTAMP' ? 10 : sample(node?.calculator ?? '', `${port?.tag ?? ''} ${name}`, 1);
}

// The blocking construct of a validation failure: an unknown calculator by name, else the first
// problem's kind.
function blockerOf(err: unknown): string {
  const problems = (err as { problems?: { name: string; message: string }[] }).problems ?? [];
  const unknown = problems.filter((p) => p.name === 'UnknownCalculatorError');
  if (unknown.length > 0) return `calculator ${/"([^"]+)"/.exec(unknown[0]!.message)?.[1] ?? '?'}`;
  return problems.length > 0 ? `${problems[0]!.name}: ${problems[0]!.message}` : firstLine(err);
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!.replace(/\d+:\d+/g, 'L:C');
}

/** Counts by stage, and the blockers of each stage, most common first. */
export function summarize(results: readonly CorpusResult[]) {
  const at = (stages: string[]) => results.filter((r) => stages.includes(r.stage)).length;
  const blockers = new Map<string, number>();
  for (const r of results)
    if (r.blocker !== '')
      blockers.set(`${r.stage}: ${r.blocker}`, (blockers.get(`${r.stage}: ${r.blocker}`) ?? 0) + 1);
  return {
    configs: results.length,
    parsed: at(['validate', 'refused', 'run', 'ran']),
    // Made only of calculators weft has (MediaPipe's core ones, the corpus's own subgraphs).
    known: results.filter((r) => r.stage !== 'parse' && !r.blocker.startsWith('calculator ')).length,
    refused: at(['refused']),
    ran: at(['ran']),
    blockers: [...blockers].sort((a, b) => b[1] - a[1]),
  };
}

async function main(): Promise<void> {
  const program = new Command()
    .name('mediapipe-corpus')
    .argument('<root>', 'a MediaPipe checkout or bare git repository')
    .option('--json <file>', 'also write every result as JSON')
    .parse();
  const root = program.args[0]!;
  const results = await runCorpus(extractCorpus(root));
  const s = summarize(results);
  console.log(
    `${s.configs} graph configs: ${s.parsed} parse, ${s.known} use only calculators weft has: ` +
      `${s.ran} run, ${s.refused} refused as MediaPipe's own tests expect`,
  );
  for (const [blocker, n] of s.blockers.slice(0, 40)) console.log(`${String(n).padStart(5)}  ${blocker}`);
  const json = program.opts<{ json?: string }>().json;
  if (json !== undefined) writeFileSync(json, `${JSON.stringify({ summary: s, results }, null, 2)}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
