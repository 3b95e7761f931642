// Start-up from source: actor threads start from weft's sources compiled once (the compiled twins,
// see compiled-sources.ts), not through a TypeScript loader in every thread, and a
// thread still holds one copy of weft when it loads a TypeScript module of the user's through tsx.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { compiledSources } from '../src/actors/compiled-sources.js';
import { liveThreadCount } from '../src/actors/thread-task.js';
import { defaultRegistry } from '../src/api/graph-preparation.js';
import { pull, push, Session } from '../src/api/session.js';
import { CalculatorRegistry } from '../src/core/calculator-registry.js';
import { graph } from '../src/core/graph-builder.js';
import { FrameRef } from '../src/transport/codec.js';
import { closeStartedRuns, startRun } from './fixtures/run/setup.js';

afterEach(closeStartedRuns);

const registry = new CalculatorRegistry(defaultRegistry()).register(
  'ThreadOriginCalculator',
  new URL('./fixtures/startup/thread-origin.ts', import.meta.url),
);
const POOL_FUNCTIONS = new URL('./fixtures/calculators/pool-functions.ts', import.meta.url).href;

describe('the compiled twins of weft’s sources', () => {
  it('are a JavaScript tree beside the sources’ node_modules, made once per process', async () => {
    const twins = await compiledSources();
    expect(twins, 'no twins: is esbuild (tsx’s dependency) installed?').toBeDefined();
    expect(twins!.root).toMatch(/\/node_modules\/\.cache\/weft-threads\/[0-9a-f]{24}\/$/);
    expect(await compiledSources()).toBe(twins);
    const actorTask = new URL('../src/actors/actor-task.ts', import.meta.url);
    const twin = twins!.twin(actorTask);
    expect(twin).toBe(new URL('actors/actor-task.js', twins!.root).href);
    const code = readFileSync(fileURLToPath(twin!), 'utf8');
    expect(code).toContain('hostActor');
    expect(code).not.toMatch(/\bimport type\b/);
    // Only weft's own sources have twins.
    expect(twins!.twin(import.meta.url)).toBeUndefined();
    expect(twins!.twin(new URL('../src/no-such-module.ts', import.meta.url))).toBeUndefined();
    expect(existsSync(new URL('package.json', twins!.root))).toBe(true);
  });

  it('run a user’s TypeScript calculator with weft’s imports resolved to the twins, stacks mapped back', async () => {
    const twins = (await compiledSources())!;
    const run = await startRun(
      new Session({ registry, chaining: 'off' })
        .add(
          push('in'),
          graph()
            .node('PassThroughCalculator', { inputs: { '': 'in' }, outputs: { '': 'mid' } })
            .node('ThreadOriginCalculator', { inputs: { '': 'mid' }, outputs: { '': 'out' } }),
          pull('out'),
        )
        .build(),
    );
    await run.push({ value: 1 });
    const r = await run.pull(10_000);
    if (r.status !== 'sample') throw new Error(`pull gave ${r.status}`);
    const origin = r.sample.value as { calculatorModule: string; stack: string };
    expect(origin.calculatorModule).toBe(new URL('core/calculator.js', twins.root).href);
    // Source maps: the engine's frames name the sources, not the twins.
    expect(origin.stack).toContain('thread-origin.ts');
    expect(origin.stack).toMatch(/\/src\/core\/[\w-]+\.ts:\d+/);
    expect(origin.stack).not.toContain('weft-threads');
  });

  it('hold one copy of weft in a pool thread: a FrameRef made by a TypeScript pool function is a frame', async () => {
    const run = await startRun(
      new Session({ registry })
        .add(
          push('in'),
          graph().node('PoolCalculator', {
            inputs: { '': 'in' },
            outputs: { '': 'out' },
            options: { module: POOL_FUNCTIONS, exportName: 'invert', threads: 1 },
          }),
          pull('out'),
        )
        .build(),
    );
    const h = run.frames.alloc(4);
    run.frames.bytes(h).set([0, 1, 2, 250]);
    await run.push({ value: new FrameRef(h) });
    const r = await run.pull(10_000);
    if (r.status !== 'sample') throw new Error(`pull gave ${r.status}`);
    expect(r.sample.value).toBeInstanceOf(FrameRef);
    const out = run.frames.bytes((r.sample.value as FrameRef).handle);
    expect([...out.subarray(0, 4)]).toEqual([255, 254, 253, 5]);
    run.release(r.sample);
    run.closeInput();
    await run.waitUntilDone();
    expect(run.frames.inUse()).toBe(0);
    expect(liveThreadCount()).toBe(0);
  });
});
