/**
 * Waiting on several input rings at once.
 *
 * `Atomics.wait` sleeps on one address, so a consumer with several inputs gives all of them the
 * same doorbell (`createRing({ doorbell })`): every producer rings it, and the consumer parks on it
 * alone. The set then tells which inputs have records.
 *
 * Threading: owned by the consumer thread of all its rings.
 */
import { InvalidArgumentError } from '../core/errors.js';
import {
  type DoorbellDescriptor,
  deadlineOf,
  type LoadGaugeDescriptor,
  PARKED_SEQ,
  publishAll,
  remaining,
  SEQ,
  SLEEPING,
  Waiter,
} from './doorbell.js';
import type { RingReader } from './ring-reader.js';

/**
 * Several readers sharing one doorbell.
 *
 * Threading: the consumer thread of all its readers, which constructs it; one set per doorbell.
 * {@link wait} parks that thread in `Atomics.wait`; {@link waitAsync} keeps its event loop turning,
 * and {@link interrupt} (same thread, from a timer or callback) ends it early. Lifecycle: nothing to
 * close; the readers stay the owner's, to read and close.
 */
export class InputSet {
  private readonly bell: Int32Array;
  private readonly base: number;
  private readonly waiter: Waiter;
  private readonly wakeIf: (() => boolean) | undefined;

  /**
   * `readers` must all have been created with `doorbell` as their ring's doorbell; otherwise a
   * producer would ring a bell nobody sleeps on and the set could sleep through its data.
   */
  constructor(
    readonly readers: readonly RingReader[],
    doorbell: DoorbellDescriptor,
    options: {
      gauge?: LoadGaugeDescriptor;
      maxSpin?: number;
      holdsEventLoop?: boolean;
      /**
       * A condition of the owner's that ends a wait like a readable ring: checked again after the
       * set advertises sleep, so a peer that sets it and then rings the doorbell is never missed
       * (an actor's stop word).
       */
      wakeIf?: () => boolean;
    } = {},
  ) {
    if (readers.length === 0) {
      throw new InvalidArgumentError('an input set needs at least one reader', { phase: 'config' });
    }
    this.bell = new Int32Array(doorbell.sab);
    this.base = doorbell.index;
    this.waiter = new Waiter(options.gauge, options.maxSpin);
    // See Waiter.holdsEventLoop: false for a main thread's background wait.
    this.waiter.holdsEventLoop = options.holdsEventLoop ?? true;
    this.wakeIf = options.wakeIf;
    this.enabled = new Uint8Array(readers.length).fill(1);
  }

  /**
   * Which readers count when waiting: 1 = wait for it, 0 = ignore it (e.g. its consumer-side queue
   * is at its limit, so its records are not wanted now). All 1 initially; the owner edits it.
   */
  readonly enabled: Uint8Array;

  // Set by `interrupt`, consumed by the wait it ends.
  private interrupted = false;

  /**
   * Ends the current or next wait of this set (it returns true) although no reader is readable: the
   * owner has work of its own, such as a timer that fired. Call on the owner's thread, e.g. from a
   * callback that runs while `waitAsync` is pending.
   */
  interrupt(): void {
    this.interrupted = true;
    Atomics.add(this.bell, this.base + SEQ, 1);
    Atomics.notify(this.bell, this.base + SEQ);
  }

  /** True when {@link interrupt} was called and no wait has consumed it yet. */
  get interruptPending(): boolean {
    return this.interrupted;
  }

  /** Consumes a pending {@link interrupt} without waiting (for an owner that waits elsewhere). */
  takeInterrupt(): void {
    this.interrupted = false;
  }

  /** Index of the first enabled reader with a record or end of stream ready, or -1. No allocation. */
  firstReadable(): number {
    const rs = this.readers;
    const on = this.enabled;
    for (let i = 0; i < rs.length; i++) if (on[i] === 1 && rs[i]!.readable()) return i;
    return -1;
  }

  /** Blocks until some reader is readable; false on timeout. Spins briefly first. */
  wait(timeoutMs = Number.POSITIVE_INFINITY): boolean {
    if (this.interrupted) {
      this.interrupted = false;
      return true;
    }
    if (this.firstReadable() >= 0) return true;
    const deadline = deadlineOf(timeoutMs);
    // Published before the spin, not after: a consumer asleep on what this thread wrote wakes now
    // rather than once the spin gives up (up to MAX_SPIN polls), and a node seen asleep has
    // announced all it wrote.
    publishAll();
    for (;;) {
      const seq = Atomics.load(this.bell, this.base + SEQ);
      let spins = this.waiter.spinBudget();
      while (spins-- > 0 && this.firstReadable() < 0) {}
      const found = this.firstReadable() >= 0;
      this.waiter.spun(found);
      if (found) return true;
      if (this.advertiseSleep(seq)) return true;
      const left = remaining(deadline);
      if (left === 0) return this.wakeUp(false);
      this.waiter.park(this.bell, this.base + SEQ, seq, left);
      this.wakeUp(true);
      if (this.firstReadable() >= 0) return true;
      if (remaining(deadline) === 0) return false;
    }
  }

  /** Async {@link wait}, keeping the event loop turning. */
  async waitAsync(timeoutMs = Number.POSITIVE_INFINITY): Promise<boolean> {
    const deadline = deadlineOf(timeoutMs);
    for (;;) {
      if (this.interrupted) {
        this.interrupted = false;
        return true;
      }
      if (this.firstReadable() >= 0) return true;
      const seq = Atomics.load(this.bell, this.base + SEQ);
      publishAll();
      if (this.advertiseSleep(seq)) return true;
      const left = remaining(deadline);
      if (left === 0) return this.wakeUp(false);
      await this.waiter.parkAsync(this.bell, this.base + SEQ, seq, left);
      this.wakeUp(true);
    }
  }

  private advertiseSleep(seq: number): boolean {
    // Disabled readers' producers need not wake us: their records would stay in the ring. Muting
    // precedes the SLEEPING store, so a reader enabled again is heard from (see CONSUMER_MUTED).
    const rs = this.readers;
    const on = this.enabled;
    for (let i = 0; i < rs.length; i++) rs[i]!.mute(on[i] === 0);
    Atomics.store(this.bell, this.base + PARKED_SEQ, seq);
    Atomics.store(this.bell, this.base + SLEEPING, 1);
    if (this.firstReadable() >= 0 || this.wakeIf?.() === true) return this.wakeUp(true);
    return false;
  }

  private wakeUp(result: boolean): boolean {
    Atomics.store(this.bell, this.base + SLEEPING, 0);
    return result;
  }
}
