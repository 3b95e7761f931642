/**
 * Waking the threads that wait for a frame-pool size class when its slots are released.
 *
 * Every release bumps the class's release sequence at once, so a waiter about to park sees it and
 * does not sleep; what this module decides is when a waiter that already sleeps gets its
 * `Atomics.notify` (a futex syscall, and a context switch for the woken thread). By default that is
 * at once. A thread with well-defined turn ends and parks (an actor) may instead batch them: a
 * class's sleepers are woken after `batch` releases, or when the thread publishes (every park
 * through `publishAll`, and the end of every actor turn), whichever comes first. Measured on the
 * camera fleet (2 cores): an inference actor releasing its 16 input tensors one by one woke the
 * waiting preprocess actors for each, ~0.25 context switches a frame.
 *
 * Threading: one ReleaseWakes per FramePool object, so per thread; the words are shared.
 */
import { type Publisher, registerPublisher } from './doorbell.js';

/** How a FramePool object wakes waiters of the classes it releases slots of. */
export class ReleaseWakes implements Publisher {
  // Releases per class whose sleepers were not notified yet.
  private readonly pending: Int32Array;
  private registered = false;

  /**
   * @param meta the pool's control words
   * @param seqAt per class, the index of its release sequence word (what waiters park on)
   * @param batch per class, releases per notify; null: notify at every release
   */
  constructor(
    private readonly meta: Int32Array,
    private readonly seqAt: Int32Array,
    private readonly batch: Int32Array | null,
  ) {
    this.pending = new Int32Array(seqAt.length);
  }

  /** A slot of class `c` was released while threads waited for the class. No allocation. */
  released(c: number): void {
    const b = this.batch;
    if (b === null || this.pending[c]! + 1 >= b[c]!) {
      this.pending[c] = 0;
      Atomics.notify(this.meta, this.seqAt[c]!);
      return;
    }
    this.pending[c]!++;
    if (!this.registered) {
      // Registered once, on the first deferred wake: publishAll (every park of this thread) flushes.
      registerPublisher(this);
      this.registered = true;
    }
  }

  /** Notifies every class with deferred releases. Cheap when there are none. */
  flush(): void {
    const p = this.pending;
    for (let c = 0; c < p.length; c++) {
      if (p[c] === 0) continue;
      p[c] = 0;
      Atomics.notify(this.meta, this.seqAt[c]!);
    }
  }
}

/** Releases per wake for a class of `slots` slots: an eighth of the class, at least one. */
export function wakeBatch(slots: number): number {
  return Math.max(1, slots >> 3);
}
