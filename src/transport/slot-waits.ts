/**
 * The waiting protocol of a frame-pool class that has no free slot, shared by `FramePool.alloc`
 * (which parks with `Atomics.wait`) and `allocAsync` (with `Atomics.waitAsync`): they differ only
 * in how they park, so the protocol yields "park while releaseSeq is `seq`, at most `remaining`
 * ms" and the caller parks its own way.
 *
 * Threading: any thread; exhausted path only (allocates a small object per park).
 */
import { C_EXHAUSTED_WAITS, C_RELEASE_SEQ, C_WAITERS } from './frame-pool-layout.js';

/** Returned by `take` when the class is still empty. */
const NONE = -1;

/**
 * Yields park requests until `take` finds a slot (returns its handle) or `timeoutMs` passes
 * (returns -1). `base` is the class's control block in `meta`.
 */
export function* slotWaits(
  meta: Int32Array,
  base: number,
  timeoutMs: number,
  take: () => number,
): Generator<{ seq: number; remaining: number }, number> {
  if (timeoutMs <= 0) return NONE;
  Atomics.add(meta, base + C_EXHAUSTED_WAITS, 1);
  const deadline = performance.now() + timeoutMs;
  // Registering before re-reading the free list means a release that misses our registration
  // happened before our re-check, so we either see its slot or a changed releaseSeq.
  Atomics.add(meta, base + C_WAITERS, 1);
  try {
    for (;;) {
      const seq = Atomics.load(meta, base + C_RELEASE_SEQ);
      const h = take();
      if (h !== NONE) return h;
      const remaining = deadline - performance.now();
      if (remaining <= 0) return NONE;
      yield { seq, remaining };
    }
  } finally {
    Atomics.sub(meta, base + C_WAITERS, 1);
  }
}
