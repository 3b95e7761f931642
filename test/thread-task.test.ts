import { describe, expect, it } from 'vitest';
import { spawnTask } from '../src/actors/thread-task.js';
import { CancelledError, InvalidArgumentError, RemoteError, WorkerExitError } from '../src/core/errors.js';

const fixture = new URL('./fixtures/echo-task.ts', import.meta.url);

describe('spawnTask', () => {
  it('runs an exported function of a TypeScript module in a worker and returns its value', async () => {
    await expect(spawnTask<number>(fixture, 'double', 21).result).resolves.toBe(42);
  });

  it('rebuilds a weft error by code, keeping node, stream and phase', async () => {
    const err = await spawnTask(fixture, 'failTyped', 'frames').result.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect(err).toMatchObject({
      code: 'ERR_WEFT_INVALID_ARGUMENT',
      node: 'n1',
      stream: 'frames',
      phase: 'process',
    });
  });

  it('wraps a foreign error as RemoteError keeping its name and message', async () => {
    const err = await spawnTask(fixture, 'failPlain', undefined).result.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteError);
    expect((err as Error).message).toContain('RangeError: plain failure');
  });

  it('terminate() ends a thread blocked in Atomics.wait and rejects with CancelledError', async () => {
    const cell = new Int32Array(new SharedArrayBuffer(4));
    const task = spawnTask(fixture, 'blockForever', { cell });
    await task.terminate();
    await expect(task.result).rejects.toBeInstanceOf(CancelledError);
  });

  it('reports a thread that exits without replying as WorkerExitError', async () => {
    const err = await spawnTask(fixture, 'exitHard', undefined).result.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkerExitError);
    expect((err as Error).message).toContain('exit code 3');
  });

  it('rejects a missing export with a clear error', async () => {
    const err = await spawnTask(fixture, 'nope', undefined).result.catch((e: unknown) => e);
    expect((err as Error).message).toContain('no exported function "nope"');
  });
});
