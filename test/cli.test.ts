// The `weft` command line as users run it: the compiled CLI (dist/cli/main.js, which `npm test`
// builds first) in a child process, with calculator and graph modules in JavaScript and TypeScript.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { parseGraphText } from '../src/core/graph-text.js';
import { freePort } from './helpers/redis-server.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const main = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const fixture = (name: string) => `test/fixtures/cli/${name}`;

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

function weft(...args: string[]): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(process.execPath, [main, ...args], { cwd: root }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
      resolve({ code, stdout, stderr });
    });
  });
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

/** Runs `weft ...args`, sends SIGINT once its stderr shows `cue`, and waits for it to exit. */
async function interruptWhen(cue: string, ...args: string[]): Promise<Outcome> {
  const child = spawn(process.execPath, [main, ...args], { cwd: root });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d;
  });
  await new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d;
      if (stderr.includes(cue)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`weft exited (${code}) before "${cue}":\n${stderr}`)));
  });
  child.kill('SIGINT');
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

describe('weft --help and --version', () => {
  it('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    const r = await weft('--version');
    expect(r).toMatchObject({ code: 0, stdout: `${version}\n` });
  });

  it.each(['demo', 'relay', 'run', 'viz', 'inspect', 'feed', 'report'])(
    '`weft %s --help` prints its usage and exits 0',
    async (cmd) => {
      const r = await weft(cmd, '--help');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Usage: weft ${cmd}`);
    },
  );

  it('`weft --help` lists every command', async () => {
    const r = await weft('--help');
    expect(r.code).toBe(0);
    for (const cmd of ['demo', 'relay', 'run', 'viz', 'inspect', 'bench', 'feed', 'report'])
      expect(r.stdout).toContain(`  ${cmd}`);
  });

  it.each([
    [['nope'], "unknown command 'nope'"],
    [['run', 'examples/graphs/counter-chain.pbtxt', '--nope'], "unknown option '--nope'"],
    [['demo', '--seconds', 'soon'], '--seconds takes a number'],
    [['demo', '--fault-rate', '2'], '--fault-rate takes a probability in [0, 1]'],
    [['viz', 'examples/graphs/flow-limited.pbtxt', '--format', 'svg'], 'Allowed choices are mermaid, dot'],
    [
      ['feed', '--redis', 'redis://h', '--cameras', '1e3'],
      '--cameras takes a whole number from 1 to 1000000',
    ],
    [['feed', '--redis', 'redis://h', '--cameras', '99999999999'], 'from 1 to 1000000'],
    // Malformed Redis URLs: refused before anything is printed or connected, the password never shown.
    [
      ['feed', '--redis', 'redis:/:TOPSECRET@127.0.0.1:6391'],
      '--redis: no host in redis:/***@127.0.0.1:6391',
    ],
    [
      ['feed', '--redis', 'redis://h:1?password=TOPSECRET'],
      'query parameters are not taken (redis://h:1?***)',
    ],
    [
      ['feed', '--redis', 'redis://:TOP%SECRET@h'],
      'bad percent-encoding in the user or password of redis://:***@h',
    ],
    [['demo', '--redis', 'http://:TOPSECRET@h'], 'a Redis URL starts with redis:// or rediss://'],
    [['report', '--redis', 'redis:TOPSECRET@h'], '--redis: no host in redis:***@h'],
    [
      ['demo', '--idle-exit', '100', '--claim-idle', '5'],
      '--idle-exit, --claim-idle take effect only with --redis',
    ],
    [
      ['feed', '--redis', 'redis://h', '--frames', '1', '--seconds', '2'],
      'give --seconds or --frames, not both',
    ],
  ])('a bad command line %j exits 2 and says why', async (args, why) => {
    const r = await weft(...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(why);
    expect(`${r.stdout}${r.stderr}`).not.toContain('TOPSECRET');
  });
});

describe('weft run', () => {
  it('runs a self-contained graph and prints outputs, side packets and the snapshot', async () => {
    const r = await weft('run', 'examples/graphs/counter-chain.pbtxt');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('output "out": 1000 packets  0: 0  1: 1  2: 2  … (997 more)');
    expect(r.stdout).toContain('side packet "collected"');
    expect(r.stdout).toMatch(/bottleneck: \w+/);
  });

  it('registers calculators from a JavaScript and a TypeScript module with --calculators', async () => {
    const r = await weft(
      'run',
      fixture('custom-chain.pbtxt'),
      '--calculators',
      fixture('scale-calculator.mjs'),
      '--calculators',
      fixture('offset-calculator.ts'),
    );
    expect(r.stderr).not.toContain('weft:');
    expect(r.code).toBe(0);
    // 0..4, times 3, plus 100.
    expect(r.stdout).toContain('output "out": 5 packets  0: 100  1: 103  2: 106');
  });

  it('runs a GraphConfig saved as JSON, as it runs the same graph in text format', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-json-graph-'));
    try {
      const text = readFileSync(join(root, 'examples/graphs/counter-chain.pbtxt'), 'utf8');
      const file = join(dir, 'counter-chain.json');
      writeFileSync(file, JSON.stringify(parseGraphText(text)));
      const r = await weft('run', file);
      expect(r.stderr).not.toContain('weft:');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('output "out": 1000 packets  0: 0  1: 1  2: 2  … (997 more)');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ['graph.json', '{"nodes": [', 2, 'graph.json is not JSON'],
    ['graph.json', '[1, 2]', 2, 'must hold a GraphConfig object'],
    ['graph.json', '{"nodes": 3}', 1, 'graph field nodes must be an array of node configs, not number 3'],
    [
      'graph.json',
      '{"inputStreams": [], "outputStreams": [], "inputSidePackets": [], "outputSidePackets": [], "maxQueueSize": 100, "reportDeadlock": false, "nodes": [{"calculator": "PassThroughCalculator"}]}',
      1,
      'node 0 (PassThroughCalculator): inputStreams must be an array of ports, not missing',
    ],
    // Text format is what any other file is read as; the error says so when the name suggests otherwise.
    ['notes.md', '# A graph\n**bold**', 1, 'notes.md: graph text 2:1'],
    ['notes.md', '# A graph\n**bold**', 1, 'is read as MediaPipe text format'],
  ])('a graph file %s holding %j exits %d saying %j', async (name, content, code, why) => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-bad-graph-'));
    try {
      writeFileSync(join(dir, name), content);
      const r = await weft('run', join(dir, name));
      expect(r.code).toBe(code);
      expect(r.stderr).toContain(why);
      expect(r.stderr).not.toMatch(/TypeError|\n\s+at /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a graph using calculators it was not given fails naming the calculator', async () => {
    const r = await weft('run', fixture('custom-chain.pbtxt'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('JsScaleCalculator');
    expect(r.stderr).toContain('give the module that defines it with --calculators FILE');
  });

  it('runs a TypeScript graph module, feeds its input from a JSON-lines file, and types --side values', async () => {
    const allowed = await weft(
      'run',
      fixture('gated-graph.ts'),
      '--input',
      `in=${fixture('numbers.jsonl')}`,
      '--side',
      'allow=true',
    );
    expect(allowed.stderr).not.toContain('weft:');
    expect(allowed.code).toBe(0);
    // Three lines with values (the empty one is skipped), at timestamps 0, 1, 2; a boolean opens the gate.
    expect(allowed.stdout).toContain('output "out": 3 packets  0: 1  1: 2  2: 3\n');
    const shut = await weft(
      'run',
      fixture('gated-graph.ts'),
      '--input',
      `in=${fixture('numbers.jsonl')}`,
      '--side',
      'allow=false',
    );
    expect(shut.code).toBe(0);
    expect(shut.stdout).toContain('output "out": 0 packets');
  });

  it.each([
    [[], 'nothing feeds: "in"'],
    [['--input', 'out=x.jsonl'], '"out" is not an input stream of the graph'],
    [['--input', `in=${fixture('missing.jsonl')}`], 'does not exist'],
    [
      ['--input', `in=${fixture('numbers.jsonl')}`, '--side', 'alow=true'],
      'no side packet "alow" (it takes "allow")',
    ],
    [['--input', `in=${fixture('numbers.jsonl')}`, '--side', 'allow'], '--side takes name=value'],
  ])('refuses %j before starting anything, with exit code 2', async (args, why) => {
    const r = await weft('run', fixture('gated-graph.ts'), ...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(why);
    expect(r.stdout).toBe('');
  });

  it('Ctrl-C stops the graph, prints the summary so far and exits 130', async () => {
    // The interrupt goes out once the run says it is running: its handler is installed by then.
    const { code, stdout } = await interruptWhen('Ctrl-C stops it', 'run', fixture('endless.pbtxt'));
    expect(code).toBe(130);
    expect(stdout).toContain('interrupted: test/fixtures/cli/endless.pbtxt stopped after');
    // However far it got (the interrupt may come before the first packet): the summary so far.
    expect(stdout).toMatch(/output "out": \d+ packets/);
    expect(stdout).toContain('bottleneck: ');
  });
});

describe('weft demo --redis, interrupted while it connects', () => {
  it('Ctrl-C during the server check exits 130 at once, with an empty summary', async () => {
    // A port nothing listens on: the check retries with back-off until told to stop; the interrupt
    // goes out at the first refused attempt.
    const url = `redis://127.0.0.1:${await freePort()}`;
    const { code, stdout, stderr } = await interruptWhen(
      'retry 1 in',
      'demo',
      '--redis',
      url,
      '--shards',
      '1',
    );
    expect(code).toBe(130);
    expect(stderr).not.toContain('ERR_WEFT');
    expect(stdout).toContain('throughput 0 fps');
  });
});

describe('weft viz', () => {
  it('prints a graph file as Graphviz dot', async () => {
    const r = await weft('viz', 'examples/graphs/flow-limited.pbtxt', '--format', 'dot');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('digraph weft {');
    expect(r.stdout).toContain('"double" -> "limiter" [label="out", style=dashed, constraint=false];');
  });

  it('reads a graph module as a module, with its custom calculators', async () => {
    const r = await weft(
      'viz',
      fixture('custom-chain.pbtxt'),
      '--calculators',
      fixture('scale-calculator.mjs'),
      '--calculators',
      fixture('offset-calculator.ts'),
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('JsScaleCalculator');
    const g = await weft('viz', fixture('gated-graph.ts'));
    expect(g.code).toBe(0);
    expect(g.stdout).toContain('GateCalculator');
  });
});

describe('weft inspect', () => {
  it('lists every core calculator with its ports and description', async () => {
    const r = await weft('inspect');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/PassThroughCalculator\s+\(any tag\) -> \(any tag\)/);
    expect(r.stdout).toContain('Forwards every input (and input side packet) unchanged');
  });

  it("shows one calculator's ports, side packets, options with defaults, handler and offset", async () => {
    const r = await weft('inspect', 'FlowLimiterCalculator');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('input streams:\n  (untagged)  1 to 64\n  FINISHED    one\n');
    expect(r.stdout).toMatch(/input side packets:\n {2}OPTIONS +optional\n {2}MAX_IN_FLIGHT +optional\n/);
    expect(r.stdout).toMatch(/maxInFlight\s+1\n/);
    expect(r.stdout).toContain('input stream handler: ImmediateInputStreamHandler');
    expect(r.stdout).toContain("thread's initial heap: V8's default\n");
  });

  it("shows the initial heap a calculator's thread asks for", async () => {
    const r = await weft('inspect', 'RedisStreamSourceCalculator');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("thread's initial heap: 128 MiB\n");
  });

  it('includes the calculators of --calculators modules, and prints JSON with --json', async () => {
    const r = await weft(
      'inspect',
      'TsOffsetCalculator',
      '--calculators',
      fixture('offset-calculator.ts'),
      '--json',
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      name: 'TsOffsetCalculator',
      description: 'Adds the offset option to numbers.',
      inputs: { '': 'one' },
      options: { offset: 100 },
      timestampOffset: '0',
    });
  });

  it('an unknown name exits 2 and suggests the near ones', async () => {
    const r = await weft('inspect', 'Gate');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no calculator "Gate" (did you mean GateCalculator?)');
  });
});

describe('a calculator module that does not parse', () => {
  it('is refused saying what and where (line), which Node 20 leaves out of the SyntaxError', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-broken-'));
    try {
      // Written here, not kept as a fixture: the linter would refuse a file that does not parse.
      writeFileSync(join(dir, 'broken.mjs'), 'export default {\n  a: 1,\n  b: (2,\n};\n');
      const r = await weft('inspect', '--calculators', join(dir, 'broken.mjs'));
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/cannot import .*broken\.mjs: SyntaxError: Unexpected token/);
      expect(r.stderr).toMatch(/\(at .*broken\.mjs:4\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a reader that stops early', () => {
  it('ends the command quietly with exit code 0 (weft inspect --json | head -1)', async () => {
    const child = spawn(process.execPath, [main, 'inspect', '--json'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    // The reader is gone before the command writes: its write finds the pipe closed (EPIPE).
    child.stdout!.destroy();
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});

describe('weft demo', () => {
  it('fails when live cameras drop more than --max-drop of their frames, saying so', async () => {
    // 400 cameras at 200 fps want 80 000 frames a second: far more than one lane takes.
    const r = await weft(
      'demo',
      '--seconds',
      '1',
      '--cameras',
      '400',
      '--fps',
      '200',
      '--shards',
      '1',
      '--size',
      '16',
      '--max-drop',
      '5',
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/the cameras dropped [\d.]+% of their frames, more than --max-drop 5%/);
    expect(r.stdout).toContain('cameras not accounted for  0');
  });

  it('--fault-rate with --restart keeps running and accounts every frame; without, the crash fails it', async () => {
    const flags = ['--seconds', '1', '--cameras', '20', '--shards', '1', '--size', '16', '--batch', '4'];
    const kept = await weft('demo', ...flags, '--fault-rate', '0.5', '--restart');
    expect(kept.code).toBe(0);
    expect(kept.stdout).toMatch(/lost to faults\s+\d+ frames, [1-9]\d* inference restarts?/);
    expect(kept.stdout).toContain('cameras not accounted for  0');
    expect(kept.stdout).toMatch(/resident memory\s+\d+ MiB at \d+ s, \d+ MiB at the end, peak \d+ MiB/);
    const failed = await weft('demo', ...flags, '--fault-rate', '1');
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/ERR_WEFT_WORKER_EXIT/);
    expect(failed.stderr).toContain('node "inference_0"');
  });
});
