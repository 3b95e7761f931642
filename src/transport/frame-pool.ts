/**
 * Shared frame pool: fixed slots in SharedArrayBuffers, addressed by numeric handles.
 *
 * A frame (video frame, tensor) is written once into a slot and never copied between threads: only
 * its handle, a safe integer, crosses a ring. One thread calls {@link FramePool.create}; every other
 * thread calls {@link FramePool.attach} with the structured-cloneable {@link FramePoolDescriptor}.
 *
 * Handle encoding, memory layout and algorithms: see `frame-pool-layout.ts`.
 *
 * Threading contract: any thread may alloc, retain, release and read concurrently. The writer of a
 * frame must finish writing before it hands the handle on (a ring publishes with a release store,
 * which orders the writes before it). Whoever receives a reference must release it exactly once;
 * fan-out to N consumers takes `retain(h, N - 1)` before the handle is pushed N times. Bytes must
 * not be touched after the last own reference is released: the slot may already hold another frame.
 *
 * Limits (generations, tags, pool ids, references of dead threads): see `frame-pool-layout.ts`.
 */
import { isMainThread } from 'node:worker_threads';
import type { FramePoolDescriptorBase } from '../core/frame-ref.js';
import { publishAll } from './doorbell.js';
import { createSharedLedger, reclaimExcess, releaseHeld, sharedLedgerViews } from './frame-ledger.js';
import { checkTimeout, mainThreadWaitError, retainError, staleError } from './frame-pool-errors.js';
import {
  allocatePool,
  C_FAILURES,
  C_IN_USE,
  C_RELEASE_SEQ,
  type ClassLayout,
  checkDescriptor,
  type FramePoolDescriptor,
  type FramePoolOptions,
  GEN_UNIT,
  readClassStats,
  type SizeClassStats,
} from './frame-pool-layout.js';
import { FramePoolSlots, NO_FRAME } from './frame-pool-slots.js';
import { slotWaits } from './slot-waits.js';

export type {
  FramePoolDescriptor,
  FramePoolOptions,
  SizeClassConfig,
  SizeClassStats,
} from './frame-pool-layout.js';

export { NO_FRAME } from './frame-pool-slots.js';

// Successive pools of one thread get different ids; the random start spreads threads apart.
let nextPoolId = Math.floor(Math.random() * 4096);

/**
 * A fixed set of frame slots shared by every thread that holds its descriptor.
 *
 * Lifecycle: {@link FramePool.create} allocates the memory once; it is freed by the garbage
 * collector when no thread references the buffers. There is no close: a pool outlives its frames.
 * Threading: every method may be called from any thread at any time; one FramePool object belongs
 * to the thread that made it (its view cache is per thread), another thread calls attach().
 */
export class FramePool extends FramePoolSlots {
  private constructor(
    descriptor: FramePoolDescriptor,
    layout: ClassLayout[],
    batchWakes: boolean,
    ledger: boolean | readonly Int32Array[],
  ) {
    super(descriptor, layout, batchWakes, ledger);
  }

  /**
   * Allocates a new pool. Throws InvalidArgumentError for bad options (see {@link SizeClassConfig}).
   * Any thread; the memory is zeroed and every slot is free. With `ownerLedger: true` this object
   * counts the references its thread holds, for {@link FramePool.reclaimOthers}.
   */
  static create(options: FramePoolOptions & { ownerLedger?: boolean }): FramePool {
    const { descriptor, layout } = allocatePool(options, nextPoolId++ & 0xfff);
    return new FramePool(descriptor, layout, false, options.ownerLedger === true);
  }

  /**
   * Opens an existing pool from its descriptor, typically on another thread; handles are
   * interchangeable between every FramePool attached to the same descriptor. Throws
   * InvalidArgumentError when the descriptor is not one this version produced.
   *
   * `batchWakes`: wake threads waiting for a class only once half of it is free, when this thread
   * parks or calls {@link FramePool.flushWakes}, or when a wake deferred that way is 10 ms old at a
   * {@link FramePool.flushStaleWakes}; for a thread that calls `flushStaleWakes` at the end of every
   * unit of work, as an actor does (see `release-wakes.ts`).
   *
   * `ledger`: shared memory from `createSharedLedger` where this thread counts the references it
   * holds, so that they can be given back if the thread dies mid-run ({@link releaseHeldBy}).
   */
  static attach(
    descriptor: FramePoolDescriptorBase,
    options: { batchWakes?: boolean; ledger?: SharedArrayBuffer } = {},
  ): FramePool {
    // Checked field by field at run time: a descriptor arrives cloned from another thread anyway.
    const d = descriptor as FramePoolDescriptor;
    const layout = checkDescriptor(d);
    const shared =
      options.ledger === undefined
        ? false
        : sharedLedgerViews(
            options.ledger,
            layout.map((c) => c.slots),
          );
    return new FramePool(d, layout, options.batchWakes === true, shared);
  }

  /** Shared memory for a thread's ledger over this pool's classes (see {@link attach}). */
  createSharedLedger(): SharedArrayBuffer {
    return createSharedLedger(this.slotCount);
  }

  /**
   * Takes one reference to `handle` off a gone thread's shared `ledger` (see {@link attach}): that
   * reference is not the thread's to give back any more (it stays with a ring record another thread
   * will read again). Any thread, before {@link releaseHeldBy}.
   */
  keepOffLedger(ledger: SharedArrayBuffer, handle: number): void {
    const c = this.classOf(handle);
    sharedLedgerViews(ledger, this.slotCount)[c]![handle & 0xffff]! -= 1;
  }

  /**
   * Gives back the references a thread that has exited counted in its shared `ledger` (see
   * {@link attach}), zeroing it for a successor, and returns how many. Unlike {@link reclaimOthers}
   * the other threads may go on using the pool meanwhile. Any thread; not this thread's own ledger.
   */
  releaseHeldBy(ledger: SharedArrayBuffer): number {
    return releaseHeld(sharedLedgerViews(ledger, this.slotCount), this.meta, this.stateAt, (c, slot) =>
      this.free(c, slot),
    );
  }

  /** Wakes the waiters of every class this thread released slots of without waking them yet. */
  flushWakes(): void {
    this.wakes.flush();
  }

  /** Wakes the waiters of the classes whose deferred wake is 10 ms old: for the end of a turn. */
  flushStaleWakes(): void {
    this.wakes.flushStale();
  }

  /**
   * Takes a free slot of the smallest class with `slotBytes >= byteLength`, with refcount 1.
   * Returns {@link NO_FRAME} when that class is empty: a bigger class is never used instead, so each
   * class's memory bound holds. Never blocks, allocates nothing. Throws FrameTooLargeError above the
   * largest class, InvalidArgumentError for a length that is not a non-negative integer.
   */
  tryAlloc(byteLength: number): number {
    const c = this.classFor(byteLength);
    const h = this.take(c, byteLength);
    if (h === NO_FRAME) Atomics.add(this.meta, this.ctrl[c]! + C_FAILURES, 1);
    return h;
  }

  /**
   * Like {@link tryAlloc} but, when the class is empty, publishes this thread's ring writers (the
   * consumers may be waiting for frames held back there) and blocks in `Atomics.wait` until a
   * slot is released or `timeoutMs` (default Infinity) passes, then throws PoolExhaustedError;
   * `timeoutMs` 0 fails at once. On the main thread it never blocks: an empty class throws
   * UsageError pointing to {@link allocAsync}, since blocking would freeze the event loop that
   * releases frames. With no timeout it waits forever if only this thread could free a slot.
   */
  alloc(byteLength: number, timeoutMs: number = Number.POSITIVE_INFINITY): number {
    const c = this.classFor(byteLength);
    checkTimeout(timeoutMs);
    const h = this.take(c, byteLength);
    if (h !== NO_FRAME) return h;
    // Blocking the main thread would stop the very event loop that releases most frames (pulled
    // outputs, pushes in flight): the process would freeze with no timer firing.
    if (isMainThread && timeoutMs !== 0) {
      Atomics.add(this.meta, this.ctrl[c]! + C_FAILURES, 1);
      throw mainThreadWaitError(byteLength);
    }
    // The frames holding the class are often this thread's own, written but not yet published (ring
    // writers batch them): publish them before the wait protocol looks again, so the consumer can
    // take and release them meanwhile (with a 16-slot pool, waiting first cost 10x the throughput).
    if (timeoutMs > 0) publishAll();
    const seqIndex = this.ctrl[c]! + C_RELEASE_SEQ;
    const waits = slotWaits(this.meta, this.ctrl[c]!, timeoutMs, () => this.take(c, byteLength));
    for (let step = waits.next(); ; step = waits.next()) {
      if (step.done) {
        if (step.value !== NO_FRAME) return step.value;
        throw this.exhausted(c, byteLength, timeoutMs);
      }
      this.waiter.park(this.meta, seqIndex, step.value.seq, step.value.remaining);
    }
  }

  /**
   * {@link alloc} for async code and the main thread: waits with `Atomics.waitAsync`, so the event
   * loop keeps turning (and stays alive while it waits). Rejects with the same errors.
   */
  async allocAsync(byteLength: number, timeoutMs: number = Number.POSITIVE_INFINITY): Promise<number> {
    const c = this.classFor(byteLength);
    checkTimeout(timeoutMs);
    const h = this.take(c, byteLength);
    if (h !== NO_FRAME) return h;
    const seqIndex = this.ctrl[c]! + C_RELEASE_SEQ;
    const waits = slotWaits(this.meta, this.ctrl[c]!, timeoutMs, () => this.take(c, byteLength));
    for (let step = waits.next(); ; step = waits.next()) {
      if (step.done) {
        if (step.value !== NO_FRAME) return step.value;
        throw this.exhausted(c, byteLength, timeoutMs);
      }
      await this.waiter.parkAsync(this.meta, seqIndex, step.value.seq, step.value.remaining);
    }
  }

  /**
   * Adds `count` (default 1, 0 only validates) references to a live frame; each must later be
   * released once. Throws InvalidArgumentError when the refcount would pass 65535.
   */
  retain(handle: number, count = 1): void {
    const c = this.classOf(handle);
    if (!Number.isInteger(count) || count < 0 || count > 0xffff) {
      throw retainError(this.name, handle, count, -1);
    }
    const i = this.stateAt[c]! + (handle & 0xffff);
    const gen = Math.floor(handle / GEN_UNIT);
    for (;;) {
      const s = Atomics.load(this.meta, i);
      const rc = s & 0xffff;
      if (s >>> 16 !== gen || rc === 0) throw staleError(this.name, 'retain', handle, s);
      if (rc + count > 0xffff) throw retainError(this.name, handle, count, rc);
      // No carry into the generation bits, so plain addition on the signed word is exact.
      if (Atomics.compareExchange(this.meta, i, s, s + count) === s) {
        this.ledger?.add(c, handle & 0xffff, count);
        return;
      }
    }
  }

  /**
   * Drops one reference. The last one frees the slot (bumping its generation, so every copy of the
   * handle becomes stale) and wakes waiting allocators. Throws FrameStaleError on a double release.
   */
  release(handle: number): void {
    const c = this.classOf(handle);
    const slot = handle & 0xffff;
    const i = this.stateAt[c]! + slot;
    const gen = Math.floor(handle / GEN_UNIT);
    for (;;) {
      const s = Atomics.load(this.meta, i);
      const rc = s & 0xffff;
      if (s >>> 16 !== gen || rc === 0) throw staleError(this.name, 'release', handle, s);
      const next = rc === 1 ? ((gen + 1) & 0xffff) << 16 : s - 1;
      if (Atomics.compareExchange(this.meta, i, s, next) === s) {
        this.ledger?.add(c, slot, -1);
        if (rc === 1) this.free(c, slot);
        return;
      }
    }
  }

  /** The byteLength asked for at alloc. Caller must hold a reference. */
  byteLength(handle: number): number {
    const c = this.liveClass(handle, 'byteLength');
    return Atomics.load(this.meta, this.lengthAt[c]! + (handle & 0xffff));
  }

  /**
   * The whole slot (`slotBytes` long, beyond byteLength too) as a cached Uint8Array: no allocation
   * after the first call per slot on this thread. Valid only while the caller holds a reference;
   * the same view object is returned for later frames in the same slot.
   */
  bytes(handle: number): Uint8Array {
    return this.views.whole(this.liveClass(handle, 'bytes'), handle & 0xffff);
  }

  /** An exact-length (byteLength) view. Allocates a view object per call: hot paths use bytes(). */
  view(handle: number): Uint8Array {
    const c = this.liveClass(handle, 'view');
    const slot = handle & 0xffff;
    return this.views.exact(c, slot, Atomics.load(this.meta, this.lengthAt[c]! + slot));
  }

  /** True iff the handle is this pool's and its frame is live (refcount > 0, same generation). */
  isValid(handle: number): boolean {
    const c = this.locate(handle);
    if (c < 0) return false;
    const s = Atomics.load(this.meta, this.stateAt[c]! + (handle & 0xffff));
    return s >>> 16 === Math.floor(handle / GEN_UNIT) && (s & 0xffff) !== 0;
  }

  /** A snapshot of each class's counters, smallest class first. Not atomic across words. */
  stats(): SizeClassStats[] {
    return readClassStats(this.meta, this.ctrl, this.slotBytes, this.slotCount);
  }

  /**
   * Tells the ledger that this thread wrote its reference to `handle` into a ring: the reference
   * now belongs to the ring's reader. A no-op for a pool made without `ownerLedger`.
   */
  handOff(handle: number): void {
    this.ledger?.add(this.classOf(handle), handle & 0xffff, -1);
  }

  /**
   * Tells the ledger that this thread popped a reference to `handle` from a ring: it is now this
   * thread's to release. A no-op for a pool made without `ownerLedger`.
   */
  adopt(handle: number): void {
    this.ledger?.add(this.classOf(handle), handle & 0xffff, 1);
  }

  /**
   * Releases every reference this thread does not hold by its ledger, and returns how many: the
   * references of threads that died or were terminated holding frames, and of frames left in rings
   * nobody will read. Call on the thread that made the pool with `ownerLedger`, only once every
   * other thread attached to the pool has exited (a run's end): a live thread's references would be
   * taken from under it. Without a ledger it returns 0 and changes nothing.
   */
  reclaimOthers(): number {
    if (this.ledger === null) return 0;
    return reclaimExcess(this.ledger, this.meta, this.stateAt, this.slotCount, (c, slot) =>
      this.free(c, slot),
    );
  }

  /** Live frames across all classes, all threads: 0 proves nothing leaked once traffic stops. */
  inUse(): number {
    let n = 0;
    for (let c = 0; c < this.classCount; c++) n += Atomics.load(this.meta, this.ctrl[c]! + C_IN_USE);
    return n;
  }
}
