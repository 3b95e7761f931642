// FramePool's cross-thread bookkeeping: release wakes deferred for a batch of frees, and the shared
// ledger through which a replaced thread's references come back. (One-thread behaviour:
// frame-pool.test.ts.)
import { describe, expect, it, vi } from 'vitest';
import { FramePool } from '../src/transport/frame-pool.js';
import { MAX_DEFER_MS } from '../src/transport/release-wakes.js';

describe('FramePool with deferred release wakes', () => {
  // 16 slots: sleepers are woken at once when 8 are free; fewer free, the wake waits for a flush.
  const setup = () => {
    const pool = FramePool.create({ name: 'deferred', classes: [{ slotBytes: 8, slots: 16 }] });
    const releaser = FramePool.attach(pool.descriptor, { batchWakes: true });
    const held = Array.from({ length: 16 }, () => pool.alloc(1));
    // Parks in Atomics.waitAsync: only a notify resolves it (the test would time out otherwise).
    const pending = pool.allocAsync(1);
    return { pool, releaser, held, pending };
  };
  const finish = async ({ pool, held, pending }: ReturnType<typeof setup>) => {
    const h = await pending;
    expect(pool.isValid(h)).toBe(true);
    for (const x of [...held, h]) pool.release(x);
    expect(pool.inUse()).toBe(0);
  };

  it.each([
    ['once half the class is free, unasked', 8, 'none'],
    ['with fewer free, when the releaser flushes (as every park does)', 1, 'flush'],
    ['with fewer free, at a turn end that finds the wake 10 ms old', 1, 'stale'],
  ] as const)('wakes a waiter %s', async (_, releases, how) => {
    const t = setup();
    const now = vi.spyOn(performance, 'now');
    try {
      for (const h of t.held.splice(0, releases)) t.releaser.release(h);
      if (how === 'flush') t.releaser.flushWakes();
      if (how === 'stale') {
        now.mockReturnValue(performance.now() + MAX_DEFER_MS);
        t.releaser.flushStaleWakes();
      }
    } finally {
      now.mockRestore();
    }
    await finish(t);
  });

  it('notifies nobody while fewer than half are free and the deferred wake is fresh', async () => {
    const t = setup();
    const notify = vi.spyOn(Atomics, 'notify');
    try {
      for (const h of t.held.splice(0, 7)) t.releaser.release(h);
      t.releaser.flushStaleWakes();
      expect(notify).not.toHaveBeenCalled();
      t.releaser.flushWakes();
      expect(notify).toHaveBeenCalledTimes(1);
    } finally {
      notify.mockRestore();
    }
    await finish(t);
  });
});

describe('FramePool with a shared ledger (a thread that may be replaced)', () => {
  it('releaseHeldBy gives back exactly what the ledger counts, and zeroes it', () => {
    const owner = FramePool.create({ name: 'p', classes: [{ slotBytes: 64, slots: 8 }], ownerLedger: true });
    const ledger = owner.createSharedLedger();
    // What a restartable node's thread would attach; here on this thread, counting on its own.
    const node = FramePool.attach(owner.descriptor, { ledger });
    const a = node.alloc(10);
    const b = node.alloc(10);
    node.retain(b); // b: two references, both the node's
    const c = owner.alloc(10);
    owner.handOff(c); // written into a ring the node read
    node.adopt(c);
    const d = node.alloc(10);
    node.retain(d);
    node.handOff(d); // one of d's references went downstream, to the owner
    owner.adopt(d);
    expect(owner.inUse()).toBe(4);
    // The node's thread is gone: a, b and c were only its; d keeps the owner's reference.
    expect(owner.releaseHeldBy(ledger)).toBe(5);
    expect(owner.inUse()).toBe(1);
    expect(owner.isValid(a) || owner.isValid(b) || owner.isValid(c)).toBe(false);
    expect(owner.isValid(d)).toBe(true);
    // Zeroed for the successor: nothing more to give back.
    expect(owner.releaseHeldBy(ledger)).toBe(0);
    owner.release(d);
    expect(owner.inUse()).toBe(0);
    expect(owner.reclaimOthers()).toBe(0);
  });

  it('a count above what the slot holds gives back only what exists', () => {
    const owner = FramePool.create({ name: 'p', classes: [{ slotBytes: 64, slots: 2 }], ownerLedger: true });
    const ledger = owner.createSharedLedger();
    const node = FramePool.attach(owner.descriptor, { ledger });
    const a = node.alloc(10);
    node.adopt(a); // a miscount: the ledger says 2, the slot has 1
    expect(owner.releaseHeldBy(ledger)).toBe(1);
    expect(owner.inUse()).toBe(0);
  });
});
