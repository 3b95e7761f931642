/**
 * The state of a {@link FramePool} on one thread and the slot operations its public methods share:
 * class lookup, taking and freeing a slot, handle checks. Kept apart from the public surface in
 * `frame-pool.ts` so that each file reads on its own; not exported from the package.
 *
 * Threading contract: as FramePool's. The views and the ledger are this thread's; every word they
 * read or write in `meta` is shared and touched only with Atomics.
 */
import { Waiter } from './doorbell.js';
import { FrameLedger } from './frame-ledger.js';
import {
  badLengthError,
  exhaustedError,
  foreignError,
  staleError,
  tooLargeError,
} from './frame-pool-errors.js';
import {
  C_ALLOCATIONS,
  C_FAILURES,
  C_HEAD,
  C_HIGH_WATER,
  C_IN_USE,
  C_RELEASE_SEQ,
  C_WAITERS,
  type ClassLayout,
  EMPTY,
  type FramePoolDescriptor,
  GEN_UNIT,
  locateHandle,
  popSlot,
  pushSlot,
  raiseHighWater,
} from './frame-pool-layout.js';
import { ReleaseWakes } from './release-wakes.js';
import { SlotViews } from './slot-views.js';

/**
 * What {@link FramePool.tryAlloc} returns when the size class has no free slot. Never a valid
 * handle. A constant; any thread.
 */
export const NO_FRAME = -1;

/**
 * Fields and slot internals of a frame pool, for `FramePool` to extend. Lifecycle and threading:
 * those of the FramePool that extends it.
 */
export class FramePoolSlots {
  /** Pass to {@link FramePool.attach} on another thread (structured-cloneable, shares the memory). */
  readonly descriptor: FramePoolDescriptor;
  /** Pool name used in error messages. */
  readonly name: string;

  protected readonly meta: Int32Array;
  // No spin before parking: a slot frees only when a consumer finishes a whole frame.
  protected readonly waiter = new Waiter(undefined, 0);
  protected readonly poolId: number;
  protected readonly classCount: number;
  protected readonly slotBytes: Int32Array;
  protected readonly slotCount: Int32Array;
  protected readonly ctrl: Int32Array;
  protected readonly stateAt: Int32Array;
  protected readonly nextAt: Int32Array;
  protected readonly lengthAt: Int32Array;
  protected readonly views: SlotViews;

  protected readonly wakes: ReleaseWakes;
  /** References this thread holds, when asked for at create (see `frame-ledger.ts`). */
  protected readonly ledger: FrameLedger | null;

  protected constructor(
    descriptor: FramePoolDescriptor,
    layout: ClassLayout[],
    batchWakes: boolean,
    ledger: boolean | readonly Int32Array[],
  ) {
    this.descriptor = descriptor;
    this.name = descriptor.name;
    this.meta = new Int32Array(descriptor.meta);
    this.poolId = descriptor.poolId;
    this.classCount = layout.length;
    this.slotBytes = Int32Array.from(layout, (c) => c.slotBytes);
    this.slotCount = Int32Array.from(layout, (c) => c.slots);
    this.ctrl = Int32Array.from(layout, (c) => c.ctrl);
    this.stateAt = Int32Array.from(layout, (c) => c.state);
    this.nextAt = Int32Array.from(layout, (c) => c.next);
    this.lengthAt = Int32Array.from(layout, (c) => c.length);
    this.views = new SlotViews(descriptor.data, this.slotBytes, this.slotCount);
    this.wakes = new ReleaseWakes(this.meta, layout, batchWakes);
    this.ledger =
      ledger === false ? null : new FrameLedger(this.slotCount, ledger === true ? undefined : ledger);
  }

  protected classFor(byteLength: number): number {
    if (!Number.isSafeInteger(byteLength) || byteLength < 0) throw badLengthError(this.name, byteLength);
    for (let c = 0; c < this.classCount; c++) if (byteLength <= this.slotBytes[c]!) return c;
    throw tooLargeError(this.name, byteLength, this.slotBytes[this.classCount - 1]!);
  }

  /** Pops a slot and mints its handle, or NO_FRAME. */
  protected take(c: number, byteLength: number): number {
    const m = this.meta;
    const base = this.ctrl[c]!;
    const slot = popSlot(m, base + C_HEAD, this.nextAt[c]!);
    if (slot === EMPTY) return NO_FRAME;
    const i = this.stateAt[c]! + slot;
    const gen = Atomics.load(m, i) >>> 16;
    // The slot is ours alone: a stale handle sees refcount 0 and never writes the word.
    Atomics.store(m, i, (gen << 16) | 1);
    Atomics.store(m, this.lengthAt[c]! + slot, byteLength);
    this.ledger?.add(c, slot, 1);
    Atomics.add(m, base + C_ALLOCATIONS, 1);
    raiseHighWater(m, base + C_HIGH_WATER, Atomics.add(m, base + C_IN_USE, 1) + 1);
    return gen * GEN_UNIT + (((this.poolId << 20) | (c << 16) | slot) >>> 0);
  }

  /** Pushes a freed slot and wakes waiters. */
  protected free(c: number, slot: number): void {
    const m = this.meta;
    const base = this.ctrl[c]!;
    // Counted out before the slot becomes poppable (and counted in only after a pop), so inUse and
    // highWater never exceed the slot count, even for an instant.
    Atomics.sub(m, base + C_IN_USE, 1);
    pushSlot(m, base + C_HEAD, this.nextAt[c]!, slot);
    // Bumped after the push so a waiter that sees the new value also finds the slot.
    Atomics.add(m, base + C_RELEASE_SEQ, 1);
    // Wake all, not one: a woken waiter may be past its deadline or belong to a dying thread, and
    // waiters are few, so the herd is small.
    if (Atomics.load(m, base + C_WAITERS) > 0) this.wakes.released(c);
  }

  /** The class of a well-formed handle of this pool, or -1. */
  protected locate(h: number): number {
    return locateHandle(h, this.poolId, this.slotCount);
  }

  protected classOf(h: number): number {
    const c = this.locate(h);
    if (c < 0) throw foreignError(this.name, this.poolId, h);
    return c;
  }

  protected liveClass(h: number, op: string): number {
    const c = this.classOf(h);
    const s = Atomics.load(this.meta, this.stateAt[c]! + (h & 0xffff));
    if (s >>> 16 !== Math.floor(h / GEN_UNIT) || (s & 0xffff) === 0) throw staleError(this.name, op, h, s);
    return c;
  }

  protected exhausted(c: number, byteLength: number, timeoutMs: number): Error {
    Atomics.add(this.meta, this.ctrl[c]! + C_FAILURES, 1);
    return exhaustedError(this.name, c, byteLength, this.slotCount[c]!, this.slotBytes[c]!, timeoutMs);
  }
}
