// A run the application forgets to close does not keep the process alive once it is idle and
// nothing awaits it; a run that still has work of its own does. Each case is a child process
// running the compiled package (built by `npm test`); a hang fails through the test's timeout.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

function runScript(name: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const script = fileURLToPath(new URL(`./fixtures/keep-alive/${name}`, import.meta.url));
  return new Promise((resolve) => {
    execFile(process.execPath, [script], (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : null, stdout, stderr });
    });
  });
}

describe('a run left open', () => {
  it('a Run never closed lets the process exit once its samples are back and nothing awaits it', async () => {
    const r = await runScript('forgotten-run.mjs');
    expect(r.stderr).toBe('');
    expect(r).toMatchObject({ code: 0, stdout: 'pulled 0,1,2\n' });
  });

  it('a CalculatorGraph whose input was never closed lets the process exit once idle', async () => {
    const r = await runScript('forgotten-graph.mjs');
    expect(r.stderr).toBe('');
    expect(r).toMatchObject({ code: 0, stdout: 'out 1 7\n' });
  });

  it('a graph whose source still has packets to make keeps the process alive until it is done', async () => {
    const r = await runScript('unawaited-source.mjs');
    expect(r.stderr).toBe('');
    expect(r).toMatchObject({ code: 0, stdout: 'out 0\nout 1\nout 2\nout 3\nout 4\n' });
  });
});
