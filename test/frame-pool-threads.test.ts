import { describe, expect, it } from 'vitest';
import { spawnTask, type ThreadTask } from '../src/actors/thread-task.js';
import { FrameStaleError } from '../src/core/errors.js';
import { FramePool, NO_FRAME } from '../src/transport/frame-pool.js';
import {
  type BlockArgs,
  type FanOutArgs,
  patternByte,
  type StressArgs,
  type StressResult,
  waitForCell,
} from './fixtures/frame-pool-tasks.js';

const tasks = new URL('./fixtures/frame-pool-tasks.ts', import.meta.url);
const GEN = 2 ** 32;

function cells(n: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4 * n));
}

/**
 * All results; on the first failure the other threads are ended at once (they may be blocked on a
 * frame the failed thread held) and the first error is rethrown.
 */
async function allResults<T>(running: ThreadTask<T>[]): Promise<T[]> {
  try {
    return await Promise.all(running.map((t) => t.result));
  } catch (err) {
    await Promise.all(running.map((t) => t.terminate()));
    throw err;
  }
}

/** Yields to the event loop until `done()` holds; each turn lets other threads' work be observed. */
async function until(done: () => boolean): Promise<void> {
  while (!done()) await new Promise<void>((resolve) => setImmediate(resolve));
}

describe('FramePool across threads', () => {
  it('fans one frame out to 3 consumer threads and frees it exactly once', async () => {
    const pool = FramePool.create({ name: 'fan', classes: [{ slotBytes: 4096, slots: 4 }] });
    const length = 3000;
    const seed = 7;
    const h = pool.alloc(length);
    const b = pool.bytes(h);
    for (let i = 0; i < length; i++) b[i] = patternByte(i, seed);
    pool.retain(h, 2);
    const args: FanOutArgs = {
      descriptor: pool.descriptor,
      handle: h,
      length,
      seed,
      cells: cells(1),
      consumers: 3,
    };
    const consumers = [0, 1, 2].map(() => spawnTask<number>(tasks, 'consumeFanOut', args));
    const sums = await allResults(consumers);
    let expected = 0;
    for (let i = 0; i < length; i++) expected = (expected + patternByte(i, seed)) | 0;
    expect(sums).toEqual([expected, expected, expected]);
    expect(pool.inUse()).toBe(0);
    expect(pool.stats()[0]).toMatchObject({ allocations: 1, inUse: 0, highWater: 1 });
    expect(pool.isValid(h)).toBe(false);
    expect(() => pool.release(h)).toThrow(FrameStaleError);
    // Freed once: the slot comes back with its generation bumped by exactly one.
    const next = pool.alloc(1);
    expect(next >>> 0).toBe(h >>> 0);
    expect(Math.floor(next / GEN)).toBe(Math.floor(h / GEN) + 1);
    pool.release(next);
  });

  it('survives a seeded multi-thread alloc/write/verify/release stress without corruption', async () => {
    const pool = FramePool.create({
      name: 'stress',
      classes: [
        { slotBytes: 64, slots: 1 },
        { slotBytes: 256, slots: 2 },
      ],
    });
    const threads = 3;
    const base: Omit<StressArgs, 'id' | 'seed' | 'maxHold'> = {
      descriptor: pool.descriptor,
      cycles: 6000,
      sizes: [0, 1, 40, 64, 65, 200, 256],
      start: cells(1),
      threads,
    };
    const runs = Array.from({ length: threads }, (_, i) =>
      spawnTask<StressResult>(tasks, 'stress', {
        ...base,
        id: i + 1,
        seed: 0x5eed + i * 977,
        // One thread hoards up to 3 frames; the others hold one at a time and so always allocate
        // with the blocking alloc(), which makes them wait on the hoarder and on each other.
        maxHold: i === 0 ? 3 : 1,
      }),
    );
    const results = await allResults(runs);
    const stats = pool.stats();
    const sum = (f: (r: StressResult) => number): number => results.reduce((n, r) => n + f(r), 0);
    expect(pool.inUse()).toBe(0);
    expect(stats.reduce((n, s) => n + s.allocations, 0)).toBe(sum((r) => r.allocations));
    expect(stats.reduce((n, s) => n + s.failures, 0)).toBe(sum((r) => r.tryFailures));
    expect(sum((r) => r.tryFailures)).toBeGreaterThan(0); // exhaustion really happened
    for (const s of stats) {
      expect(s.highWater).toBeLessThanOrEqual(s.slots);
      expect(s.free).toBe(s.slots);
    }
    // The free lists are intact: every slot can be taken exactly once, then the class is empty.
    for (const [c, s] of stats.entries()) {
      const got = Array.from({ length: s.slots }, () => pool.tryAlloc(s.slotBytes));
      expect(got.map((h) => (h >>> 16) & 0xf)).toEqual(got.map(() => c));
      expect(new Set(got.map((h) => h & 0xffff)).size).toBe(s.slots);
      expect(pool.tryAlloc(s.slotBytes)).toBe(NO_FRAME);
      for (const h of got) pool.release(h);
    }
    expect(pool.inUse()).toBe(0);
  });

  it('blocks a worker in alloc() until the main thread releases a slot', async () => {
    const pool = FramePool.create({ name: 'bp', classes: [{ slotBytes: 64, slots: 1 }] });
    const h = pool.alloc(64);
    const args: BlockArgs = { descriptor: pool.descriptor, size: 64, cells: cells(2) };
    const task = spawnTask<number>(tasks, 'blockedAlloc', args);
    await waitForCell(args.cells, 0, 1);
    await until(() => pool.stats()[0]!.exhaustedWaits === 1);
    // The worker is inside alloc() and cannot have a slot: the only one is still ours.
    expect(Atomics.load(args.cells, 1)).toBe(0);
    expect(pool.isValid(h)).toBe(true);
    pool.release(h);
    const got = await task.result;
    expect(Atomics.load(args.cells, 1)).toBe(1);
    expect(got >>> 0).toBe(h >>> 0);
    expect(Math.floor(got / GEN)).toBe(Math.floor(h / GEN) + 1);
    expect(pool.stats()[0]).toMatchObject({ inUse: 0, allocations: 2, exhaustedWaits: 1, failures: 1 });
  });

  it('resolves allocAsync on the main thread when a worker releases', async () => {
    const pool = FramePool.create({ name: 'bp-async', classes: [{ slotBytes: 64, slots: 1 }] });
    const args: BlockArgs = { descriptor: pool.descriptor, size: 64, cells: cells(2) };
    const task = spawnTask<number>(tasks, 'holdUntilGo', args);
    await waitForCell(args.cells, 0, 1);
    expect(pool.tryAlloc(1)).toBe(NO_FRAME);
    const pending = pool.allocAsync(10);
    Atomics.store(args.cells, 1, 1);
    Atomics.notify(args.cells, 1);
    const h = await pending;
    const held = await task.result;
    expect(h >>> 0).toBe(held >>> 0);
    expect(pool.byteLength(h)).toBe(10);
    pool.release(h);
    expect(pool.inUse()).toBe(0);
  });

  it('rebuilds a stale-handle error thrown in a worker', async () => {
    const pool = FramePool.create({ name: 'remote', classes: [{ slotBytes: 64, slots: 1 }] });
    const h = pool.alloc(1);
    const err = await spawnTask(tasks, 'releaseTwice', {
      descriptor: pool.descriptor,
      handle: h,
    }).result.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FrameStaleError);
    expect((err as Error).message).toContain('frame pool "remote"');
    expect(pool.inUse()).toBe(0);
  });
});
