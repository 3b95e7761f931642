/**
 * The references one thread holds in a frame pool, counted per slot.
 *
 * A slot's refcount says how many references exist, not who holds them. When a thread dies or is
 * terminated, the references it held (frames a calculator kept, a frame it was processing, a frame
 * it had allocated but not yet sent) would stay counted forever. The thread that outlives the
 * others (the supervisor's, which made the pool) keeps this ledger of its own references; once every
 * other thread attached to the pool is gone, every reference beyond the ledger's belonged to a dead
 * thread or sat in a ring nobody will read, and {@link reclaimExcess} gives it back.
 *
 * Counting rule: alloc +1, retain +n, release -1; a frame written into a ring leaves the ledger
 * (`handOff`, -1), one popped from a ring enters it (`adopt`, +1).
 *
 * A thread that may be replaced mid-run (a node under the `restart` policy) keeps its ledger in
 * shared memory instead ({@link createSharedLedger}): once that thread is gone, the supervisor gives
 * back exactly the references it held ({@link releaseHeld}), while every other thread goes on.
 *
 * Threading: one thread counts (plain stores, one per call); a shared ledger is read by the
 * supervisor only once its thread has exited.
 */
/** Per class, per slot: references the owning thread holds. */
export class FrameLedger {
  private readonly held: Int32Array[];

  /**
   * A ledger for classes of the given slot counts: empty in this thread's memory, or over `shared`
   * (one Int32Array per class, from {@link sharedLedgerViews}).
   */
  constructor(slotCount: Int32Array, shared?: readonly Int32Array[]) {
    this.held = shared === undefined ? Array.from(slotCount, (n) => new Int32Array(n)) : [...shared];
  }

  /** Adds `n` (may be negative) to the count of class `c`, slot `slot`. */
  add(c: number, slot: number, n: number): void {
    this.held[c]![slot]! += n;
  }

  /** References held in class `c`, slot `slot` (negative only after a misuse: see reclaimExcess). */
  count(c: number, slot: number): number {
    return this.held[c]![slot]!;
  }

  /** Sets the count of class `c`, slot `slot`. */
  set(c: number, slot: number, n: number): void {
    this.held[c]![slot] = n;
  }
}

/**
 * Lowers slot state word `i` of `meta` to the `held` references the ledger's owner keeps (clamped to
 * what exists) and returns how many references it released; `out.freed` tells whether the slot
 * became free (its generation bumped, so every copy of the handle is stale) and must go back on the
 * free list. Kept apart from the pool so the CAS loop reads as the algorithm. Call only once no
 * other thread can touch the slot.
 */
function dropExcess(meta: Int32Array, i: number, held: number, out: { freed: boolean }): number {
  out.freed = false;
  for (;;) {
    const s = Atomics.load(meta, i);
    const rc = s & 0xffff;
    const keep = Math.max(0, Math.min(held, rc));
    if (rc <= keep) return 0;
    const gen = s >>> 16;
    const next = keep === 0 ? ((gen + 1) & 0xffff) << 16 : (gen << 16) | keep;
    if (Atomics.compareExchange(meta, i, s, next) === s) {
      out.freed = keep === 0;
      return rc - keep;
    }
  }
}

/**
 * Lowers every slot's references to the ledger's count ({@link FrameLedger}): the body of
 * `FramePool.reclaimOthers`. `free` puts a slot that became free back on its class's free list.
 */
export function reclaimExcess(
  ledger: FrameLedger,
  meta: Int32Array,
  stateAt: Int32Array,
  slotCount: Int32Array,
  free: (c: number, slot: number) => void,
): number {
  let released = 0;
  const out = { freed: false };
  for (let c = 0; c < slotCount.length; c++) {
    for (let slot = 0, n = slotCount[c]!; slot < n; slot++) {
      const held = ledger.count(c, slot);
      const dropped = dropExcess(meta, stateAt[c]! + slot, held, out);
      // A count above what exists comes from a misuse (another thread released this one's
      // reference): forget it, so that a later frame in the slot is not kept for it.
      const live = Atomics.load(meta, stateAt[c]! + slot) & 0xffff;
      if (held > live) ledger.set(c, slot, live);
      if (dropped > 0) {
        released += dropped;
        if (out.freed) free(c, slot);
      }
    }
  }
  return released;
}

/** Shared memory for a {@link FrameLedger} a supervisor can read: one Int32 per slot of every class. */
export function createSharedLedger(slotCount: ArrayLike<number>): SharedArrayBuffer {
  let n = 0;
  for (let c = 0; c < slotCount.length; c++) n += slotCount[c]!;
  return new SharedArrayBuffer(n * 4);
}

/** Per class, the view of a shared ledger's counts (see {@link createSharedLedger}). */
export function sharedLedgerViews(sab: SharedArrayBuffer, slotCount: ArrayLike<number>): Int32Array[] {
  const out: Int32Array[] = [];
  let at = 0;
  for (let c = 0; c < slotCount.length; c++) {
    out.push(new Int32Array(sab, at * 4, slotCount[c]!));
    at += slotCount[c]!;
  }
  return out;
}

/**
 * Gives back every reference a gone thread's shared ledger counts, and zeroes the ledger for the
 * thread that replaces it; returns how many were released. `free` puts a slot that became free back
 * on its class's free list. Other threads may use the same slots meanwhile: each drop is one CAS on
 * the slot's state word, as a release would be. Call only once the ledger's thread has exited.
 */
export function releaseHeld(
  views: readonly Int32Array[],
  meta: Int32Array,
  stateAt: Int32Array,
  free: (c: number, slot: number) => void,
): number {
  let released = 0;
  for (let c = 0; c < views.length; c++) {
    const v = views[c]!;
    for (let slot = 0; slot < v.length; slot++) {
      const held = v[slot]!;
      if (held === 0) continue;
      v[slot] = 0;
      if (held < 0) continue;
      const i = stateAt[c]! + slot;
      for (;;) {
        const s = Atomics.load(meta, i);
        const rc = s & 0xffff;
        const drop = Math.min(held, rc);
        if (drop === 0) break;
        const gen = s >>> 16;
        const next = rc === drop ? ((gen + 1) & 0xffff) << 16 : s - drop;
        if (Atomics.compareExchange(meta, i, s, next) === s) {
          released += drop;
          if (rc === drop) free(c, slot);
          break;
        }
      }
    }
  }
  return released;
}
