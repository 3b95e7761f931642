// Users run the compiled package: its threads must start from dist/ with no TypeScript loader.
// `npm test` builds before running vitest, so dist/ is fresh here.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const dist = new URL('../dist/', import.meta.url);

describe('the compiled package', () => {
  it('runs worker threads from dist/ through the public entry and the compiled worker entry', async () => {
    expect(existsSync(new URL('index.js', dist)), 'dist/ is missing: run `npm run build`').toBe(true);
    const weft = (await import(new URL('index.js', dist).href)) as typeof import('../src/index.js');
    const { runFrameRelay } = (await import(
      new URL('cli/frame-relay.js', dist).href
    )) as typeof import('../src/cli/frame-relay.js');
    const summary = await runFrameRelay({
      seconds: 0.2,
      width: 64,
      height: 48,
      slots: 4,
      progress: () => {},
    });
    expect(summary.frames).toBeGreaterThan(0);
    expect(summary.framesLeaked).toBe(0);
    expect(weft.liveThreadCount()).toBe(0);
    expect(weft.errorCodes()).toContain('ERR_WEFT_RING_CLOSED');
  });

  const cli = (...args: string[]) =>
    promisify(execFile)(process.execPath, [fileURLToPath(new URL('cli/main.js', dist)), ...args], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
    });

  it('`weft run` runs a self-contained graph file and prints outputs, side packets and the snapshot', async () => {
    const { stdout } = await cli('run', 'examples/graphs/counter-chain.pbtxt');
    expect(stdout).toContain('output "out": 1000 packets  0: 0  1: 1  2: 2');
    expect(stdout).toContain('side packet "collected"');
    expect(stdout).toMatch(/bottleneck: \w+/);
  });

  it('`weft viz` prints a graph file as Graphviz dot', async () => {
    const { stdout } = await cli('viz', 'examples/graphs/flow-limited.pbtxt', '--format', 'dot');
    expect(stdout).toContain('digraph weft {');
    expect(stdout).toContain('"double" -> "limiter" [label="out", style=dashed, constraint=false];');
  });

  it('a bad command exits non-zero with the usage text', async () => {
    const err = (await cli('nope').catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(err.code).toBe(2);
    expect(err.stderr).toContain('unknown command "nope"');
  });
});
