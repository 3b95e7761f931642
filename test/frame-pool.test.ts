import { describe, expect, it } from 'vitest';
import {
  FrameForeignError,
  FrameStaleError,
  FrameTooLargeError,
  InvalidArgumentError,
  PoolExhaustedError,
  UsageError,
  type WeftError,
} from '../src/core/errors.js';
import { FramePool, type FramePoolOptions, NO_FRAME } from '../src/transport/frame-pool.js';

const GEN = 2 ** 32;
const slotOf = (h: number): number => h & 0xffff;
const classOf = (h: number): number => (h >>> 16) & 0xf;
const genOf = (h: number): number => Math.floor(h / GEN);

function small(slots = 2, name = 'test'): FramePool {
  return FramePool.create({ name, classes: [{ slotBytes: 64, slots }] });
}

function thrown(fn: () => unknown): WeftError {
  try {
    fn();
  } catch (err) {
    return err as WeftError;
  }
  throw new Error('expected a throw');
}

describe('FramePool on the main thread', () => {
  it('alloc never blocks the event loop: an exhausted class throws UsageError naming allocAsync', async () => {
    // Tests run in a child process's main thread (vitest forks), as an application does.
    const pool = FramePool.create({ classes: [{ slotBytes: 64, slots: 1 }] });
    const held = pool.alloc(10);
    expect(() => pool.alloc(10)).toThrow(
      expect.objectContaining({ code: 'ERR_WEFT_USAGE', message: expect.stringContaining('allocAsync') }),
    );
    // The async form waits with the loop turning: a release from a timer callback lets it through.
    const waiting = pool.allocAsync(10);
    setImmediate(() => pool.release(held));
    const h = await waiting;
    expect(pool.isValid(h)).toBe(true);
    pool.release(h);
    expect(pool.inUse()).toBe(0);
  });
});

describe('FramePool, one thread', () => {
  it('allocates, releases and keeps stats', () => {
    const pool = FramePool.create({ name: 'cam', classes: [{ slotBytes: 128, slots: 3 }] });
    expect(pool.name).toBe('cam');
    const a = pool.alloc(100);
    const b = pool.tryAlloc(10);
    expect(a).not.toBe(b);
    expect(pool.isValid(a) && pool.isValid(b)).toBe(true);
    expect(pool.inUse()).toBe(2);
    expect(pool.stats()).toEqual([
      {
        slotBytes: 128,
        slots: 3,
        inUse: 2,
        free: 1,
        highWater: 2,
        allocations: 2,
        exhaustedWaits: 0,
        failures: 0,
      },
    ]);
    pool.release(a);
    pool.release(b);
    expect(pool.inUse()).toBe(0);
    expect(pool.stats()[0]).toMatchObject({ inUse: 0, free: 3, highWater: 2, allocations: 2 });
  });

  it('chooses the smallest class that fits, never a bigger one, and rounds slotBytes up to 64', () => {
    const pool = FramePool.create({
      classes: [
        { slotBytes: 100, slots: 2 },
        { slotBytes: 64, slots: 1 },
        { slotBytes: 1000, slots: 1 },
      ],
    });
    expect(pool.stats().map((s) => s.slotBytes)).toEqual([64, 128, 1024]);
    const cases: [number, number][] = [
      [0, 0],
      [64, 1],
      [65, 1],
      [128, 1],
      [129, 2],
    ];
    const picked = cases.map(([len]) => {
      const h = pool.alloc(len, 0);
      const c = classOf(h);
      expect(pool.bytes(h).length).toBe(pool.stats()[c]!.slotBytes);
      pool.release(h);
      return c;
    });
    expect(picked).toEqual([0, 0, 1, 1, 2]);
    // Class 0 exhausted: a 1-byte frame does not spill into class 1.
    const only = pool.alloc(1);
    expect(pool.tryAlloc(1)).toBe(NO_FRAME);
    expect(pool.stats()[1]!.inUse).toBe(0);
    pool.release(only);
  });

  it('gives exact-length and cached full-slot views over the same shared bytes', () => {
    const pool = FramePool.create({ classes: [{ slotBytes: 256, slots: 2 }] });
    const h = pool.alloc(200);
    expect(pool.byteLength(h)).toBe(200);
    const full = pool.bytes(h);
    expect(full.length).toBe(256);
    expect(pool.bytes(h)).toBe(full); // cached: no new view per call
    for (let i = 0; i < 200; i++) full[i] = i & 0xff;
    const exact = pool.view(h);
    expect(exact.length).toBe(200);
    expect(Array.from(exact.subarray(0, 5))).toEqual([0, 1, 2, 3, 4]);
    expect(exact.buffer).toBeInstanceOf(SharedArrayBuffer);
    // Another FramePool over a cloned descriptor sees the same memory, with the same handles.
    const other = FramePool.attach(structuredClone(pool.descriptor));
    expect(other.name).toBe(pool.name);
    expect(other.view(h)[199]).toBe(199);
    other.release(h);
    expect(pool.isValid(h)).toBe(false);
    // The same slot reused keeps its cached view.
    const h2 = pool.alloc(3);
    expect(slotOf(h2)).toBe(slotOf(h));
    expect(pool.bytes(h2)).toBe(full);
    expect(pool.byteLength(h2)).toBe(3);
    pool.release(h2);
  });

  it('counts references: retain adds, the last release frees', () => {
    const pool = small(1);
    const h = pool.alloc(8);
    pool.retain(h, 2);
    pool.retain(h);
    pool.retain(h, 0);
    for (let i = 0; i < 3; i++) {
      pool.release(h);
      expect(pool.isValid(h)).toBe(true);
      expect(pool.inUse()).toBe(1);
    }
    pool.release(h);
    expect(pool.isValid(h)).toBe(false);
    expect(pool.inUse()).toBe(0);
  });

  it('rejects a refcount overflow past 65535 without changing the count', () => {
    const pool = small(1);
    const h = pool.alloc(1);
    pool.retain(h, 65534);
    expect(thrown(() => pool.retain(h))).toBeInstanceOf(InvalidArgumentError);
    expect(thrown(() => pool.retain(h, 1.5))).toBeInstanceOf(InvalidArgumentError);
    expect(thrown(() => pool.retain(h, -1))).toBeInstanceOf(InvalidArgumentError);
    for (let i = 0; i < 65534; i++) pool.release(h);
    expect(pool.isValid(h)).toBe(true);
    pool.release(h);
    expect(pool.inUse()).toBe(0);
  });

  it('reports a double release and any use after release as FrameStaleError', () => {
    const pool = small(2, 'cam0');
    const h = pool.alloc(10);
    pool.release(h);
    const err = thrown(() => pool.release(h));
    expect(err).toBeInstanceOf(FrameStaleError);
    expect(err.message).toContain('frame pool "cam0"');
    expect(err.message).toContain(`class 0, slot ${slotOf(h)}, generation ${genOf(h)}`);
    expect(err.message).toContain('already released');
    for (const use of [
      () => pool.retain(h),
      () => pool.bytes(h),
      () => pool.view(h),
      () => pool.byteLength(h),
    ]) {
      expect(thrown(use)).toBeInstanceOf(FrameStaleError);
    }
    expect(pool.inUse()).toBe(0);
  });

  it('rejects an old handle to a reused slot without touching the new frame', () => {
    const pool = small(1);
    const old = pool.alloc(10);
    pool.release(old);
    const h = pool.alloc(20);
    expect(slotOf(h)).toBe(slotOf(old));
    expect(genOf(h)).toBe(genOf(old) + 1);
    const err = thrown(() => pool.release(old));
    expect(err).toBeInstanceOf(FrameStaleError);
    expect(err.message).toContain('reused');
    expect(thrown(() => pool.retain(old))).toBeInstanceOf(FrameStaleError);
    expect(pool.isValid(old)).toBe(false);
    expect(pool.isValid(h)).toBe(true);
    expect(pool.byteLength(h)).toBe(20);
    pool.release(h); // still exactly one reference
    expect(pool.inUse()).toBe(0);
  });

  it('keeps generations in 16 bits, also where the state word turns negative', () => {
    const pool = small(1);
    const first = pool.alloc(1);
    pool.release(first);
    let h = first;
    for (let i = 1; i < 65536; i++) {
      h = pool.alloc(1);
      if (i === 0x8000 || i === 0xffff) {
        expect(genOf(h)).toBe(i);
        pool.retain(h, 3);
        for (let k = 0; k < 3; k++) pool.release(h);
        expect(pool.isValid(h)).toBe(true);
      }
      pool.release(h);
    }
    // After 65536 reuses the generation wraps: the documented limit of stale detection.
    const wrapped = pool.alloc(1);
    expect(wrapped).toBe(first);
    expect(wrapped).toBeLessThan(2 ** 48);
    pool.release(wrapped);
    expect(thrown(() => pool.release(h))).toBeInstanceOf(FrameStaleError);
  });

  it('rejects handles of another pool and numbers that are not handles as FrameForeignError', () => {
    const pool = FramePool.create({ name: 'mine', classes: [{ slotBytes: 64, slots: 2 }] });
    const other = small(2, 'theirs');
    const theirs = other.alloc(1);
    expect(thrown(() => pool.release(theirs))).toBeInstanceOf(FrameForeignError);
    expect(pool.isValid(theirs)).toBe(false);
    const mine = pool.alloc(1);
    const low = mine >>> 0;
    const forged = [
      ((low & 0xfff00000) | (3 << 16)) >>> 0, // class out of range
      ((low & 0xffff0000) | 2) >>> 0, // slot out of range
      mine + 2 ** 48, // generation wider than 16 bits
    ];
    for (const h of [theirs, -5, 1.5, Number.NaN, 2 ** 60, Number.POSITIVE_INFINITY, ...forged]) {
      for (const use of [
        () => pool.release(h),
        () => pool.retain(h),
        () => pool.bytes(h),
        () => pool.view(h),
        () => pool.byteLength(h),
      ]) {
        const err = thrown(use);
        expect(err).toBeInstanceOf(FrameForeignError);
        expect(err.message).toContain('frame pool "mine"');
      }
      expect(pool.isValid(h)).toBe(false);
    }
    expect(thrown(() => pool.release(theirs)).message).toContain(`slot ${slotOf(theirs)}`);
    pool.release(mine);
    other.release(theirs);
  });

  it('rejects a frame larger than the largest class as FrameTooLargeError', () => {
    const pool = FramePool.create({
      classes: [
        { slotBytes: 64, slots: 1 },
        { slotBytes: 512, slots: 1 },
      ],
    });
    for (const attempt of [() => pool.tryAlloc(513), () => pool.alloc(10_000)]) {
      const err = thrown(attempt);
      expect(err).toBeInstanceOf(FrameTooLargeError);
      expect(err.message).toContain('512');
    }
    expect(pool.inUse()).toBe(0);
  });

  it('on exhaustion: tryAlloc gives NO_FRAME, alloc(…, 0) and a timed-out alloc throw', () => {
    const pool = small(2, 'tiny');
    const held = [pool.alloc(1), pool.alloc(1)];
    expect(pool.tryAlloc(1)).toBe(NO_FRAME);
    const now = thrown(() => pool.alloc(1, 0));
    expect(now).toBeInstanceOf(PoolExhaustedError);
    expect(now.message).toContain('frame pool "tiny"');
    // A bounded wait would still stall the main thread's event loop: refused there (see above).
    expect(thrown(() => pool.alloc(1, 5))).toBeInstanceOf(UsageError);
    expect(pool.stats()[0]).toMatchObject({ inUse: 2, failures: 3, exhaustedWaits: 0, allocations: 2 });
    for (const h of held) pool.release(h);
    expect(pool.tryAlloc(1)).not.toBe(NO_FRAME);
  });

  it('allocAsync waits until another holder releases, with no sleeps', async () => {
    const pool = small(1);
    const h = pool.alloc(1);
    const pending = pool.allocAsync(32);
    await Promise.resolve().then(() => pool.release(h));
    const h2 = await pending;
    expect(pool.isValid(h2)).toBe(true);
    expect(slotOf(h2)).toBe(slotOf(h));
    expect(pool.byteLength(h2)).toBe(32);
    expect(pool.stats()[0]).toMatchObject({ exhaustedWaits: 1, allocations: 2, failures: 0 });
    await expect(pool.allocAsync(1, 0)).rejects.toBeInstanceOf(PoolExhaustedError);
    await expect(pool.allocAsync(1, 5)).rejects.toBeInstanceOf(PoolExhaustedError);
    pool.release(h2);
    const h3 = await pool.allocAsync(1);
    pool.release(h3);
    await expect(pool.allocAsync(-1)).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(pool.inUse()).toBe(0);
  });

  it('tracks the high-water mark', () => {
    const pool = small(4);
    const a = [pool.alloc(1), pool.alloc(1), pool.alloc(1)];
    pool.release(a[0]!);
    pool.release(a[1]!);
    const b = pool.alloc(1);
    expect(pool.stats()[0]).toMatchObject({ inUse: 2, highWater: 3, allocations: 4 });
    pool.release(a[2]!);
    pool.release(b);
    expect(pool.stats()[0]).toMatchObject({ inUse: 0, highWater: 3 });
  });

  it.each<[string, unknown]>([
    ['no options', null],
    ['no classes', { classes: [] }],
    ['classes not an array', { classes: 'x' }],
    [
      '17 classes',
      { classes: Array.from({ length: 17 }, (_, i) => ({ slotBytes: 64 * (i + 1), slots: 1 })) },
    ],
    ['slotBytes 0', { classes: [{ slotBytes: 0, slots: 1 }] }],
    ['slotBytes -64', { classes: [{ slotBytes: -64, slots: 1 }] }],
    ['slotBytes 1.5', { classes: [{ slotBytes: 1.5, slots: 1 }] }],
    ['slotBytes NaN', { classes: [{ slotBytes: Number.NaN, slots: 1 }] }],
    ['slotBytes 2^31', { classes: [{ slotBytes: 2 ** 31, slots: 1 }] }],
    ['slots 0', { classes: [{ slotBytes: 64, slots: 0 }] }],
    ['slots 65536', { classes: [{ slotBytes: 64, slots: 65536 }] }],
    ['slots 2.5', { classes: [{ slotBytes: 64, slots: 2.5 }] }],
    ['class not an object', { classes: [5] }],
    [
      'equal classes after rounding',
      {
        classes: [
          { slotBytes: 60, slots: 1 },
          { slotBytes: 64, slots: 1 },
        ],
      },
    ],
    ['name not a string', { name: 5, classes: [{ slotBytes: 64, slots: 1 }] }],
  ])('rejects bad options (%s) as InvalidArgumentError', (_, options) => {
    expect(thrown(() => FramePool.create(options as FramePoolOptions))).toBeInstanceOf(InvalidArgumentError);
  });

  it('rejects a descriptor that does not describe a pool', () => {
    const pool = small();
    const bad: unknown[] = [
      {},
      { ...pool.descriptor, version: 99 },
      { ...pool.descriptor, poolId: (pool.descriptor.poolId + 1) & 0xfff },
      { ...pool.descriptor, classes: [{ slotBytes: 128, slots: 2 }] },
      { ...pool.descriptor, meta: new SharedArrayBuffer(pool.descriptor.meta.byteLength) },
    ];
    for (const d of bad) {
      expect(thrown(() => FramePool.attach(d as typeof pool.descriptor))).toBeInstanceOf(
        InvalidArgumentError,
      );
    }
  });

  it('reports every failure with its stable code and the transport phase', () => {
    const pool = small(1, 'codes');
    const live = pool.alloc(1);
    const dead = (() => {
      const other = small(1);
      const h = other.alloc(1);
      other.release(h);
      return other;
    })();
    const stale = (() => {
      const p = small(1);
      const h = p.alloc(1);
      p.release(h);
      return { p, h };
    })();
    const table: [string, () => unknown, string, string | undefined][] = [
      ['double release', () => stale.p.release(stale.h), 'ERR_WEFT_FRAME_STALE', 'transport'],
      ['use after release', () => stale.p.bytes(stale.h), 'ERR_WEFT_FRAME_STALE', 'transport'],
      ['foreign handle', () => dead.release(live), 'ERR_WEFT_FRAME_FOREIGN', 'transport'],
      ['garbage handle', () => pool.retain(-5), 'ERR_WEFT_FRAME_FOREIGN', 'transport'],
      ['too large', () => pool.tryAlloc(65), 'ERR_WEFT_FRAME_TOO_LARGE', 'transport'],
      ['exhausted', () => pool.alloc(1, 0), 'ERR_WEFT_POOL_EXHAUSTED', 'transport'],
      ['bad length', () => pool.tryAlloc(-1), 'ERR_WEFT_INVALID_ARGUMENT', 'transport'],
      ['bad timeout', () => pool.alloc(1, Number.NaN), 'ERR_WEFT_INVALID_ARGUMENT', 'transport'],
      ['refcount overflow', () => pool.retain(live, 65535), 'ERR_WEFT_INVALID_ARGUMENT', 'transport'],
      ['bad options', () => FramePool.create({ classes: [] }), 'ERR_WEFT_INVALID_ARGUMENT', 'config'],
      ['bad descriptor', () => FramePool.attach({} as never), 'ERR_WEFT_INVALID_ARGUMENT', 'config'],
    ];
    const seen = table.map(([label, fn]) => {
      const err = thrown(fn);
      return [label, err.code, err.phase];
    });
    expect(seen).toEqual(table.map(([label, , code, phase]) => [label, code, phase]));
    pool.release(live);
    expect(pool.inUse()).toBe(0);
  });
});
