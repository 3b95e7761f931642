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
 * Threading: one thread's plain memory, never shared; the counting costs one array store per call.
 */
/** Per class, per slot: references the owning thread holds. */
export class FrameLedger {
  private readonly held: Int32Array[];

  /** An empty ledger for classes of the given slot counts. */
  constructor(slotCount: Int32Array) {
    this.held = Array.from(slotCount, (n) => new Int32Array(n));
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
