/**
 * The paced emitter's queues: the bounded output buffer that `emit` fills and the pacer drains, and
 * the connection flag a consumer sets and clears.
 *
 * Threading: plain single-threaded objects, owned by one emitter on its actor's thread.
 */
import { isFrameRef } from '../transport/codec.js';

/**
 * The connection state of the emitter's consumer, like an asyncio.Event: set while a consumer is
 * connected, cleared while none is.
 *
 * Threading: the emitter's thread. Lifecycle: lives for one run; once the emitter stops, `wait()`
 * resolves at once (check `em.running` after it), so no loop stays parked on a finished run.
 */
export interface ConnectionState {
  /** True while a consumer is connected. */
  isSet(): boolean;
  /** The same as {@link isSet}, as a property. */
  readonly state: boolean;
  /** Resolves once a consumer is connected (at once if one is), or once the emitter stops. */
  wait(): Promise<void>;
}

/** The emitter's own side of a {@link ConnectionState}. */
export class ConnectionFlag implements ConnectionState {
  private value = false;
  private ended = false;
  private waiters: (() => void)[] = [];

  isSet(): boolean {
    return this.value;
  }

  get state(): boolean {
    return this.value;
  }

  wait(): Promise<void> {
    if (this.value || this.ended) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Sets the flag; returns true when it changed. Resolves every waiter. */
  set(): boolean {
    if (this.value) return false;
    this.value = true;
    this.wakeAll();
    return true;
  }

  /** Clears the flag; returns true when it changed. */
  clear(): boolean {
    if (!this.value) return false;
    this.value = false;
    return true;
  }

  /** The emitter stopped: every present and future `wait()` resolves. */
  end(): void {
    this.ended = true;
    this.wakeAll();
  }

  private wakeAll(): void {
    const waiting = this.waiters;
    this.waiters = [];
    for (const resolve of waiting) resolve();
  }
}

interface Waiting {
  readonly value: unknown;
  readonly resolve: (queued: boolean) => void;
}

/**
 * The output buffer: at most `capacity` items waiting for their slot, then the items of blocked
 * `emit` calls, in call order. Items are FrameRefs (one frame reference each, owned by the buffer
 * until emitted) or structured values. Every item that does not leave — dropped, refused after the
 * end, or abandoned on failure — has its frame released.
 *
 * Threading: one thread (the emitter's). Lifecycle: open → close (no new items; the queued ones
 * still leave) or abandon (everything released).
 */
export class EmitBuffer {
  private readonly items: unknown[] = [];
  private readonly waiting: Waiting[] = [];
  private closed = false;
  /** Items dropped: `drop: true` on a full buffer, or offered after the emitter stopped. */
  dropped = 0;
  /** The most items the buffer ever held. */
  highWater = 0;

  constructor(
    readonly capacity: number,
    private readonly releaseFrame: (handle: number) => void,
  ) {}

  /** Items waiting for their slot. */
  get size(): number {
    return this.items.length;
  }

  /** Items of `emit` calls blocked on a full buffer. */
  get blocked(): number {
    return this.waiting.length;
  }

  /**
   * Offers an item: true when it was queued, false when it was dropped (full and `drop`, or closed),
   * a promise of the same when it has to wait for room (it then keeps its place in line).
   */
  offer(value: unknown, drop: boolean): boolean | Promise<boolean> {
    if (this.closed) return this.discard(value);
    if (this.items.length < this.capacity) {
      this.items.push(value);
      if (this.items.length > this.highWater) this.highWater = this.items.length;
      return true;
    }
    if (drop) return this.discard(value);
    // Allocates the waiting entry and its promise: only for an emit that has to block.
    return new Promise((resolve) => this.waiting.push({ value, resolve }));
  }

  /** Removes the oldest item (the buffer must not be empty) and lets the first blocked one in. */
  take(): unknown {
    const value = this.items.shift();
    const next = this.waiting.shift();
    if (next !== undefined) {
      this.items.push(next.value);
      next.resolve(true);
    }
    return value;
  }

  /**
   * The emitter stopped: blocked items are dropped (their calls resolve false), later offers are
   * refused; items already queued stay for the final flush.
   */
  close(): void {
    this.closed = true;
    for (const w of this.waiting.splice(0)) w.resolve(this.discard(w.value, true));
  }

  /** Closes and drops everything (the node failed: nothing will be emitted). */
  abandon(): void {
    this.close();
    for (const v of this.items.splice(0)) this.discard(v, true);
  }

  // A bad handle is reported to the emit call that brought it, but never breaks a cleanup loop.
  private discard(value: unknown, quiet = false): false {
    this.dropped++;
    if (!isFrameRef(value)) return false;
    try {
      this.releaseFrame(value.handle);
    } catch (err) {
      if (!quiet) throw err;
    }
    return false;
  }
}
