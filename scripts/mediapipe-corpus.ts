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
import { CalculatorGraph, defaultRegistry } from '../src/api/calculator-graph.js';
import { CalculatorRegistry } from '../src/core/calculator-registry.js';
import type { GraphConfig, ResolvedGraph } from '../src/core/graph-config.js';
import { parseGraphText } from '../src/core/graph-text.js';

/** One extracted config: where it came from and its text. */
export interface CorpusEntry {
  readonly source: string;
  readonly text: string;
}

/** What happened to one config. */
export interface CorpusResult {
  readonly source: string;
  /**
   * Where it stopped: parse, validate, `refused` (a calculator's `open` refused its wiring or
   * options, as MediaPipe's contract checks refuse the same graphs, mostly its own negative tests),
   * run (it failed while running), or ran.
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

/** The distinct graph configs of a MediaPipe tree. */
export function extractCorpus(root: string): CorpusEntry[] {
  const seen = new Set<string>();
  const out: CorpusEntry[] = [];
  const add = (source: string, text: string): void => {
    const key = text.replace(/\s+/g, ' ').trim();
    // Templates filled in at run time ($0, %s) are not configs yet.
    if (seen.has(key) || !/\bnode\s*[{:]/.test(text) || !/\bcalculator\s*:/.test(text)) return;
    if (/\$\w|:\s*%|%[sd]/.test(text)) return;
    seen.add(key);
    out.push({ source, text });
  };
  for (const [name, read] of files(root)) {
    // The profiler's test data are profiles, not graphs.
    if (name.includes('/profiler/testdata/')) continue;
    if (name.endsWith('.pbtxt')) add(name, read());
    else if (/\.(cc|h)$/.test(name) && name.startsWith('mediapipe/')) {
      const text = read();
      if (!text.includes('calculator:')) continue;
      let k = 0;
      for (const m of text.matchAll(EMBEDDED)) add(`${name}#${++k}`, m[2]!);
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
  // The corpus's own subgraphs, so graphs that use them expand as in MediaPipe.
  const registry = new CalculatorRegistry(defaultRegistry());
  for (const p of parsed) {
    if (p.config?.subgraph === undefined) continue;
    try {
      registry.registerSubgraph(p.config);
    } catch {
      // A subgraph type defined twice in the corpus: the first one serves.
    }
  }
  const results: CorpusResult[] = [];
  for (const p of parsed) {
    if (p.config === undefined) {
      results.push({ source: p.e.source, stage: 'parse', blocker: p.error! });
      continue;
    }
    results.push(await validateAndRun(p.e.source, p.config, registry));
  }
  return results;
}

async function validateAndRun(source: string, config: GraphConfig, registry: CalculatorRegistry) {
  const g = new CalculatorGraph(config, { registry, onWarning: () => {}, stuckTimeoutMs: 5000 });
  try {
    await g.validate();
  } catch (err) {
    return { source, stage: 'validate' as const, blocker: blockerOf(err) };
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
    // What the first consumer of each input expects, by its port's tag (ALLOW, SELECT, ...).
    const tagOf = (input: string): string => {
      const c = resolved.streams.find((x) => x.name === input)?.consumers[0];
      return c === undefined ? input : `${resolved.nodes[c.node]!.inputs[c.input]!.tag} ${input}`;
    };
    for (let ts = 0; ts < 3; ts++) {
      for (const input of resolved.inputStreams) await g.addPacket(input, sample(tagOf(input), ts), ts);
    }
    g.closeAllPacketSources();
    await g.waitUntilDone();
    return { source, stage: 'ran' as const, blocker: '' };
  } catch (err) {
    const refused = (err as { phase?: string }).phase === 'open';
    return { source, stage: refused ? ('refused' as const) : ('run' as const), blocker: firstLine(err) };
  } finally {
    await g.close();
  }
}

// A packet a stream of that name plausibly carries: a flag, a selector, else a number.
function sample(stream: string, ts: number): unknown {
  if (/allow|enable|flag/i.test(stream)) return ts % 2 === 0;
  if (/select/i.test(stream)) return 0;
  return ts;
}

// A side packet's plausible value, by the tag of the first node port that reads it.
function sideSample(graph: ResolvedGraph, name: string): unknown {
  const port = graph.nodes.flatMap((n) => n.inputSidePackets).find((p) => p.name === name);
  return port?.tag === 'TIMESTAMP' ? 10 : sample(`${port?.tag ?? ''} ${name}`, 1);
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
    valid: at(['refused', 'run', 'ran']),
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
    `${s.configs} graph configs: ${s.parsed} parse, ${s.valid} validate, ${s.refused} refused at open, ${s.ran} run`,
  );
  for (const [blocker, n] of s.blockers.slice(0, 40)) console.log(`${String(n).padStart(5)}  ${blocker}`);
  const json = program.opts<{ json?: string }>().json;
  if (json !== undefined) writeFileSync(json, `${JSON.stringify({ summary: s, results }, null, 2)}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
