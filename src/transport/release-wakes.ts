/**
 * Waking the threads that wait for a frame-pool size class when its slots are released.
 *
 * Every release bumps the class's release sequence at once, so a waiter about to park sees it and
 * does not sleep; what this module decides is when a waiter that already sleeps gets its
 * `Atomics.notify` (a futex syscall, and a context switch for the woken thread). By default that is
 * at once. A thread with well-defined turn ends and parks (an actor) may instead defer them, with
 * hysteresis: a class's sleepers are woken once half the class is free, when the releasing thread
 * parks (every park publishes through `publishAll`), or at the end of a turn that finds the oldest
 * deferred wake {@link MAX_DEFER_MS} old, whichever comes first. An actor's turn that awaits (an
 * async `process`, such as a batch's onnxruntime run) counts as busy: its deferred wakes wait for the
 * await to end, unless the class gets half free meanwhile.
 *
 * Why half the class: the producers that sleep on an exhausted class (camera shards, preprocess) are
 * faster than the stage that frees their slots, so they sleep again as soon as they used what a wake
 * gave them. Woken per few slots, each wake buys a few frames of work for a context switch, and in a
 * VM every cross-core wake is an interrupt and a VM exit. Woken at half the class, a producer refills
 * half the class in one go while the other half still queues in front of the slow stage, which so
 * never starves. Measured on the camera fleet (2 cores, two fleets in one process in alternating 2 s
 * windows, both orders, 16 pairs each): waking per eighth of the class and at every turn end cost
 * ~1.15 context switches a frame; waking at half the class ~0.75, and the fleet ran ~3-4% faster.
 *
 * Threading: one ReleaseWakes per FramePool object, so per thread; the words are shared.
 */
import { type Publisher, registerPublisher } from './doorbell.js';
import { C_IN_USE, C_RELEASE_SEQ, type ClassLayout } from './frame-pool-layout.js';

/**
 * The longest a deferred wake waits for a turn end to flush it, in ms: bounds how long a sleeper
 * can miss free slots when its class never gets half free (slots retained elsewhere) while the
 * releasing thread stays busy and so never parks.
 */
export const MAX_DEFER_MS = 10;

/** How a FramePool object wakes waiters of the classes it releases slots of. */
export class ReleaseWakes implements Publisher {
  // Per class: the index of its release sequence word (what waiters park on), of its in-use count,
  // and its slot count.
  private readonly seqAt: Int32Array;
  private readonly inUseAt: Int32Array;
  private readonly slots: Int32Array;
  // Per class, performance.now() of the first release whose notify was deferred; 0: none pending.
  private readonly since: Float64Array;
  // Per class, free slots at which sleepers are woken at once.
  private readonly threshold: Int32Array | null;
  private registered = false;

  /**
   * @param meta the pool's control words
   * @param layout the pool's classes
   * @param deferred true: wake with hysteresis (see the module comment); false: at every release
   */
  constructor(
    private readonly meta: Int32Array,
    layout: readonly ClassLayout[],
    deferred: boolean,
  ) {
    this.seqAt = Int32Array.from(layout, (c) => c.ctrl + C_RELEASE_SEQ);
    this.inUseAt = Int32Array.from(layout, (c) => c.ctrl + C_IN_USE);
    this.slots = Int32Array.from(layout, (c) => c.slots);
    this.since = new Float64Array(layout.length);
    this.threshold = deferred ? this.slots.map(wakeThreshold) : null;
  }

  /** A slot of class `c` was released while threads waited for the class. No allocation. */
  released(c: number): void {
    const t = this.threshold;
    if (t === null || this.slots[c]! - Atomics.load(this.meta, this.inUseAt[c]!) >= t[c]!) {
      this.notify(c);
      return;
    }
    if (this.since[c] !== 0) return;
    this.since[c] = performance.now();
    if (!this.registered) {
      // Registered once, on the first deferred wake: publishAll (every park of this thread) flushes.
      registerPublisher(this);
      this.registered = true;
    }
  }

  /** Notifies every class with deferred wakes. Cheap when there are none. */
  flush(): void {
    const s = this.since;
    for (let c = 0; c < s.length; c++) if (s[c] !== 0) this.notify(c);
  }

  /** Notifies the classes whose oldest deferred wake is {@link MAX_DEFER_MS} old. For turn ends. */
  flushStale(): void {
    const s = this.since;
    let now = 0;
    for (let c = 0; c < s.length; c++) {
      if (s[c] === 0) continue;
      if (now === 0) now = performance.now();
      if (now - s[c]! >= MAX_DEFER_MS) this.notify(c);
    }
  }

  private notify(c: number): void {
    this.since[c] = 0;
    Atomics.notify(this.meta, this.seqAt[c]!);
  }
}

/** Free slots at which a class's sleepers are woken: half the class, at least one. */
export function wakeThreshold(slots: number): number {
  return Math.max(1, slots >> 1);
}
