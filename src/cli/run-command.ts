/**
 * `weft run <graph>`: runs a graph file to the end and prints what came out — packets per output
 * stream (the first few), output side packets and the diagnostic snapshot. Graph inputs are fed
 * from JSON-lines files (`--input name=file.jsonl`); a graph input left unfed is refused before any
 * thread starts. Side packets (`--side name=value`) are JSON, else strings, and only names the
 * graph takes are accepted. Ctrl-C stops the graph and prints the summary so far (exit 130).
 *
 * Threading: main thread of the CLI process.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { CalculatorGraph } from '../api/calculator-graph.js';
import { InvalidArgumentError, UsageError } from '../core/errors.js';
import type { GraphConfig } from '../core/graph-config.js';
import { formatDiagSnapshot } from '../telemetry/diag-snapshot.js';
import { openDashboard, type UiFlags } from './dashboard-option.js';
import { calculatorRegistry, fileUrl, loadGraph } from './graph-file.js';
import { onInterrupt } from './interrupt.js';
import { createProgress } from './progress.js';

/** `weft run`'s options, as parsed. */
export interface RunCommandOptions {
  readonly calculators: readonly string[];
  readonly side: readonly string[];
  readonly input: readonly string[];
  /** `--ui PORT` (`--ui-host HOST`): serve the live view and /metrics while the graph runs. */
  readonly ui?: UiFlags;
}

/** Per output stream: packets seen and the first few, as text. */
interface OutputTally {
  count: number;
  readonly first: string[];
}

/** Runs the command; sets exit code 130 when interrupted. */
export async function runCommand(file: string, o: RunCommandOptions): Promise<void> {
  const g = await loadGraph(file, await calculatorRegistry(o.calculators));
  const sidePackets = parseSidePackets(o.side, g.config);
  const feeds = parseInputs(o.input, g.config);
  await g.validate();
  const dashboard = await openDashboard(o.ui, g, `weft run ${file}`);
  const outputs = new Map<string, OutputTally>();
  for (const stream of g.config.outputStreams) {
    const tally: OutputTally = { count: 0, first: [] };
    outputs.set(stream, tally);
    g.observeOutputStream(stream, {
      packet: (ts, value, frame) => {
        if (tally.first.length < 3) {
          const text = frame >= 0 ? `frame of ${g.frames.byteLength(frame)} bytes` : JSON.stringify(value);
          tally.first.push(`${ts}: ${text}`);
        }
        tally.count++;
      },
    });
  }
  let interrupted = false;
  const stopListening = onInterrupt(() => {
    interrupted = true;
    void g.cancel();
  });
  const t0 = performance.now();
  const stopProgress = showProgress(file, g, outputs);
  let finished = false;
  try {
    await g.startRun(sidePackets);
    process.stderr.write(`weft run: running ${file} (Ctrl-C stops it)\n`);
    await Promise.all([...feeds].map(([stream, path]) => feed(g, stream, path)));
    g.closeAllInputStreams();
    await g.waitUntilDone();
    finished = true;
  } catch (err) {
    // A stop asked for with Ctrl-C is no failure (whatever it made a waiting call throw): what ran
    // so far is the result.
    if (!interrupted) {
      dashboard?.fail(err);
      throw err;
    }
  } finally {
    stopListening();
    stopProgress();
    await dashboard?.close();
    try {
      if (finished || interrupted) printSummary(file, g, outputs, t0, interrupted);
    } finally {
      await g.close();
    }
  }
  if (interrupted) process.exitCode = 130;
}

function printSummary(
  file: string,
  g: CalculatorGraph,
  outputs: ReadonlyMap<string, OutputTally>,
  t0: number,
  interrupted: boolean,
): void {
  const seconds = ((performance.now() - t0) / 1000).toFixed(2);
  const out = process.stdout;
  if (interrupted) out.write(`interrupted: ${file} stopped after ${seconds} s; what it did so far:\n`);
  else {
    const n = g.config.nodes.length;
    out.write(`ran ${file} in ${seconds} s (${n} node${n === 1 ? '' : 's'})\n`);
  }
  for (const [stream, c] of outputs) {
    const more = c.count > c.first.length ? `  … (${c.count - c.first.length} more)` : '';
    out.write(`  output "${stream}": ${c.count} packets  ${c.first.join('  ')}${more}\n`);
  }
  let side: Record<string, unknown> = {};
  let snapshot = '';
  try {
    side = g.outputSidePackets();
    snapshot = formatDiagSnapshot(g.diagnose());
  } catch {
    // The run never started (a failure in start): nothing more to show.
  }
  for (const [name, value] of Object.entries(side)) {
    const text = JSON.stringify(value) ?? String(value);
    out.write(`  side packet "${name}": ${text.length > 200 ? `${text.slice(0, 200)}…` : text}\n`);
  }
  if (snapshot !== '') out.write(`\n${snapshot}`);
}

/** Side packets the graph takes from outside: declared ones, and those a node reads that no node makes. */
function sidePacketNames(config: GraphConfig): string[] {
  const made = new Set(config.nodes.flatMap((n) => n.outputSidePackets.map((p) => p.name)));
  const read = config.nodes.flatMap((n) => n.inputSidePackets.map((p) => p.name)).filter((n) => !made.has(n));
  return [...new Set([...config.inputSidePackets, ...read])].sort();
}

/**
 * `--side name=value` flags as side packets. A value is parsed as JSON (`5`, `true`, `"5"`,
 * `{"k":1}`), and kept as a string when it is not JSON (`label=cam0`).
 * @throws UsageError for a malformed flag or a name the graph does not take.
 */
function parseSidePackets(flags: readonly string[], config: GraphConfig): Record<string, unknown> {
  const known = sidePacketNames(config);
  const out: Record<string, unknown> = {};
  for (const kv of flags) {
    const [name, raw] = splitPair(kv, '--side name=value');
    if (!known.includes(name)) {
      throw new UsageError(
        `--side ${name}: the graph takes no side packet "${name}" ` +
          `(it takes ${known.length === 0 ? 'none' : known.map((k) => `"${k}"`).join(', ')})`,
      );
    }
    out[name] = parseValue(raw);
  }
  return out;
}

function parseValue(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

/** `--input name=file` flags, checked: every graph input fed exactly once, by an existing file. */
function parseInputs(flags: readonly string[], config: GraphConfig): Map<string, string> {
  const feeds = new Map<string, string>();
  for (const kv of flags) {
    const [name, path] = splitPair(kv, '--input name=file.jsonl');
    if (!config.inputStreams.includes(name)) {
      throw new UsageError(
        `--input ${name}: "${name}" is not an input stream of the graph ` +
          `(its inputs: ${config.inputStreams.length === 0 ? 'none' : config.inputStreams.join(', ')})`,
      );
    }
    if (feeds.has(name)) throw new UsageError(`--input ${name} is given twice`);
    fileUrl(path, `--input ${name}:`);
    feeds.set(name, path);
  }
  const unfed = config.inputStreams.filter((s) => !feeds.has(s));
  if (unfed.length > 0) {
    throw new UsageError(
      `the graph has input streams that nothing feeds: ${unfed.map((s) => `"${s}"`).join(', ')}; ` +
        'give each a JSON-lines file with --input name=file.jsonl (line i is the packet at timestamp i)',
    );
  }
  return feeds;
}

function splitPair(kv: string, form: string): [string, string] {
  const eq = kv.indexOf('=');
  if (eq <= 0) throw new UsageError(`${form.split(' ')[0]} takes ${form.split(' ')[1]}, got "${kv}"`);
  return [kv.slice(0, eq), kv.slice(eq + 1)];
}

/** Feeds one input: one packet per non-empty line, at timestamps 0, 1, 2, …, then closes it. */
async function feed(g: CalculatorGraph, stream: string, path: string): Promise<void> {
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Number.POSITIVE_INFINITY });
  let ts = 0;
  let lineNo = 0;
  for await (const line of lines) {
    lineNo++;
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line) as unknown;
    } catch (cause) {
      throw new InvalidArgumentError(`${path}:${lineNo} is not JSON`, { stream, phase: 'run', cause });
    }
    // Resolves once the packet is enqueued: a full graph back-pressures the reading.
    await g.addPacket(stream, value, ts++);
  }
  g.closeInputStream(stream);
}

/** A run still going after this long shows a progress line. */
const PROGRESS_AFTER_MS = 2000;

/**
 * Shows, once the run has taken {@link PROGRESS_AFTER_MS}, a progress line (calculator calls so far,
 * packets per output) every second on a TTY, every 5 s in a log. Returns the function that removes
 * it; calling it again does nothing.
 */
function showProgress(
  file: string,
  g: { stageStats(): { processCalls: number }[] },
  outputs: ReadonlyMap<string, { count: number }>,
): () => void {
  const progress = createProgress();
  const show = () => {
    let calls = 0;
    try {
      for (const s of g.stageStats()) calls += s.processCalls;
    } catch {
      // Still starting: no counters yet.
    }
    const outs = [...outputs].map(([name, c]) => `"${name}" ${c.count}`).join(', ');
    progress.update(`weft run ${file}: ${calls} calculator calls${outs === '' ? '' : `; outputs ${outs}`}`);
  };
  let every: ReturnType<typeof setInterval> | undefined;
  const first = setTimeout(() => {
    show();
    every = setInterval(show, progress.inPlace ? 1000 : 5000);
    every.unref();
  }, PROGRESS_AFTER_MS);
  first.unref();
  return () => {
    clearTimeout(first);
    clearInterval(every);
    progress.clear();
  };
}
