// Users run the compiled package: its threads must start from dist/ with no TypeScript loader.
// `npm test` builds before running vitest, so dist/ is fresh here.
import { existsSync } from 'node:fs';
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

  it('loads TypeScript modules in compiled threads: a spawnTask task and a PoolCalculator function', async () => {
    const weft = (await import(new URL('index.js', dist).href)) as typeof import('../src/index.js');
    const typed = new URL('./fixtures/cli/typed-task.ts', import.meta.url);
    await expect(weft.spawnTask<number>(typed, 'sum', [1, 2, 3]).result).resolves.toBe(6);
    const g = new weft.CalculatorGraph(
      weft
        .graph()
        .node('CounterSourceCalculator', { outputs: { '': 'n' }, options: { count: 4 } })
        .node('PoolCalculator', {
          inputs: { '': 'n' },
          outputs: { '': 'out' },
          options: { module: typed.href, exportName: 'square', threads: 1 },
        })
        .output('out')
        .build(),
    );
    const out: unknown[] = [];
    g.observeOutputStream('out', (_ts, v) => out.push(v));
    try {
      await g.runToCompletion();
    } finally {
      await g.close();
    }
    expect(out).toEqual([0, 1, 4, 9]);
    expect(weft.liveThreadCount()).toBe(0);
  });
});
