#!/usr/bin/env node
/**
 * The `weft` command line. `weft demo` runs the camera-fleet demo (the default of `npm start`);
 * `weft run`, `weft viz` and `weft bench` are described in HELP. Commands that may run for more
 * than a few seconds show a progress line on stderr.
 */
import { parseArgs } from 'node:util';
import { UsageError, WeftError } from '../core/errors.js';
import { FLEET_DEMO_HELP, fleetDemo } from './fleet-demo.js';
import { runFrameRelay } from './frame-relay.js';
import { createProgress } from './progress.js';

const HELP = `usage: weft <command> [options]

commands:
${FLEET_DEMO_HELP}  run       run a self-contained graph file to the end and print what came out
            weft run <graph.pbtxt | graph.ts | graph.js> [--side name=value ...]
            (a .ts/.js module's default export is a GraphConfig or a graph() builder)
  viz       print a graph as Mermaid (default) or Graphviz dot
            weft viz <graph.pbtxt> [--format mermaid|dot]
  bench     run the benchmark suites, as \`npm run bench\` (needs a clone of the repository)
            weft bench [--quick] [--json FILE] [--reps N] [suite ...]   (weft bench --help)
  help      print this text
`;

function positiveInt(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got "${raw}"`);
  return n;
}

async function relay(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      seconds: { type: 'string' },
      width: { type: 'string' },
      height: { type: 'string' },
      slots: { type: 'string' },
    },
  });
  const width = Math.round(positiveInt('width', values.width, 1280));
  const height = Math.round(positiveInt('height', values.height, 720));
  const seconds = positiveInt('seconds', values.seconds, 5);
  const slots = Math.round(positiveInt('slots', values.slots, 8));
  const tty = process.stderr.isTTY === true;
  process.stdout.write(
    `weft frame relay: camera thread -> analyzer thread -> main, ${width}x${height} RGBA frames ` +
      `(${((width * height * 4) / 2 ** 20).toFixed(2)} MiB), ${slots} pool slots, ${seconds}s\n`,
  );
  const s = await runFrameRelay({
    seconds,
    width,
    height,
    slots,
    progress: (line) => process.stderr.write(tty ? `\r${line}\x1b[K` : `${line}\n`),
  });
  if (tty) process.stderr.write('\n');
  const rows: [string, string][] = [
    ['frames', String(s.frames)],
    ['throughput', `${s.fps.toFixed(1)} fps`],
    [
      'frame data handed over',
      `${(s.bytesPerSecond / 2 ** 30).toFixed(2)} GiB/s, 0 bytes copied between threads`,
    ],
    [
      'latency camera -> main',
      `p50 ${s.p50Ms.toFixed(3)} ms  p90 ${s.p90Ms.toFixed(3)} ms  p99 ${s.p99Ms.toFixed(3)} ms`,
    ],
    ['frames in flight (max)', `${s.highWater} of ${s.slots} slots`],
    ['frames leaked', String(s.framesLeaked)],
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  for (const [k, v] of rows) process.stdout.write(`  ${k.padEnd(w)}  ${v}\n`);
  if (s.framesLeaked !== 0) process.exitCode = 1;
}

async function loadGraph(file: string) {
  const { CalculatorGraph } = await import('../api/calculator-graph.js');
  if (/\.[mc]?[jt]s$/.test(file)) {
    const { pathToFileURL } = await import('node:url');
    const { resolve } = await import('node:path');
    const mod = (await import(pathToFileURL(resolve(file)).href)) as { default?: unknown };
    const exported = mod.default as { build?: () => unknown } | undefined;
    if (exported === undefined)
      throw new Error(`${file} has no default export (a GraphConfig or a graph() builder)`);
    const config = typeof exported.build === 'function' ? exported.build() : exported;
    return new CalculatorGraph(config as ConstructorParameters<typeof CalculatorGraph>[0]);
  }
  const { readFile } = await import('node:fs/promises');
  return CalculatorGraph.fromText(await readFile(file, 'utf8'));
}

async function run(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { side: { type: 'string', multiple: true } },
  });
  const file = positionals[0];
  if (file === undefined) throw new Error('weft run needs a graph file: weft run <graph.pbtxt>');
  const sidePackets: Record<string, unknown> = {};
  for (const kv of values.side ?? []) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new Error(`--side takes name=value, got "${kv}"`);
    const raw = kv.slice(eq + 1);
    const n = Number(raw);
    sidePackets[kv.slice(0, eq)] = raw !== '' && Number.isFinite(n) ? n : raw;
  }
  const g = await loadGraph(file);
  const counts = new Map<string, { count: number; first: unknown[] }>();
  for (const stream of g.config.outputStreams) {
    const c = { count: 0, first: [] as unknown[] };
    counts.set(stream, c);
    g.observeOutputStream(stream, (ts, value) => {
      if (c.first.length < 3) c.first.push(`${ts}: ${JSON.stringify(value)}`);
      c.count++;
    });
  }
  const t0 = performance.now();
  const stopProgress = showRunProgress(file, g, counts);
  try {
    const side = await g.runToCompletion(sidePackets);
    stopProgress();
    const seconds = (performance.now() - t0) / 1000;
    process.stdout.write(
      `ran ${file} in ${seconds.toFixed(2)} s (${g.config.nodes.length} nodes, one thread each)\n`,
    );
    for (const [stream, c] of counts) {
      process.stdout.write(`  output "${stream}": ${c.count} packets  ${c.first.join('  ')}\n`);
    }
    for (const [name, value] of Object.entries(side)) {
      const text = JSON.stringify(value) ?? String(value);
      process.stdout.write(
        `  side packet "${name}": ${text.length > 200 ? `${text.slice(0, 200)}…` : text}\n`,
      );
    }
    const { formatDiagSnapshot } = await import('../telemetry/diag-snapshot.js');
    process.stdout.write(`\n${formatDiagSnapshot(g.diagnose())}`);
  } finally {
    stopProgress();
    await g.close();
  }
}

/** A run still going after this long shows a progress line. */
const PROGRESS_AFTER_MS = 2000;

/**
 * Shows, once the run has taken {@link PROGRESS_AFTER_MS}, a progress line (calculator calls so far,
 * packets per output) every second on a TTY, every 5 s in a log. Returns the function that removes
 * it; calling it again does nothing.
 */
function showRunProgress(
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

/**
 * `weft bench`: the bench entry `npm run bench` runs (bench/main.ts), with the same arguments, in a
 * child Node with tsx: bench/ is TypeScript and not compiled into dist/, so this works from source
 * and from a built clone alike, and says so where the bench sources are absent (an installed
 * package). The child's exit code becomes ours.
 */
async function bench(argv: string[]): Promise<void> {
  const { existsSync } = await import('node:fs');
  const { fileURLToPath } = await import('node:url');
  const { spawn } = await import('node:child_process');
  // src/cli/main.ts and dist/cli/main.js both sit two levels below the repository root.
  const entry = new URL('../../bench/main.ts', import.meta.url);
  if (!existsSync(entry)) {
    throw new UsageError(
      `weft bench runs the benchmark sources (${fileURLToPath(entry)}), which are not part of the ` +
        'installed package: run it from a clone of the weft repository (npx weft bench, or npm run bench)',
    );
  }
  let loader: string;
  try {
    loader = import.meta.resolve('tsx');
  } catch (err) {
    throw new UsageError('weft bench needs tsx (a dependency of weft) to run the TypeScript bench sources', {
      cause: err,
    });
  }
  const child = spawn(process.execPath, ['--import', loader, fileURLToPath(entry), ...argv], {
    stdio: 'inherit',
  });
  process.exitCode = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal === null ? 1 : 128 + signalNumber(signal))));
  });
}

function signalNumber(signal: NodeJS.Signals): number {
  return signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1;
}

async function viz(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { format: { type: 'string', default: 'mermaid' } },
  });
  const file = positionals[0];
  if (file === undefined) throw new Error('weft viz needs a graph file: weft viz <graph.pbtxt>');
  if (values.format !== 'mermaid' && values.format !== 'dot') {
    throw new Error(`--format must be mermaid or dot, got "${values.format}"`);
  }
  const { readFile } = await import('node:fs/promises');
  const { CalculatorGraph } = await import('../api/calculator-graph.js');
  const { toDot, toMermaid } = await import('../core/graph-viz.js');
  const resolved = await CalculatorGraph.fromText(await readFile(file, 'utf8')).validate();
  process.stdout.write(values.format === 'dot' ? toDot(resolved) : toMermaid(resolved));
}

async function main(argv: string[]): Promise<void> {
  const [command = 'help', ...rest] = argv;
  switch (command) {
    case 'demo':
      return fleetDemo(rest);
    case 'relay':
      return relay(rest);
    case 'run':
      return run(rest);
    case 'viz':
      return viz(rest);
    case 'bench':
      return bench(rest);
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(HELP);
      return;
    default:
      process.stderr.write(`weft: unknown command "${command}"\n\n${HELP}`);
      process.exitCode = 2;
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const code = err instanceof WeftError ? ` (${err.code})` : '';
  process.stderr.write(`weft: ${err instanceof Error ? err.message : String(err)}${code}\n`);
  process.exitCode = 1;
});
