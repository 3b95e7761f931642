/**
 * The producer end's state and its publication protocol: the hot write, batched publication and
 * lazy wake-ups, the wait for room (blocking and async) and the record cap's bookkeeping. The public
 * push API over it is {@link RingWriter}'s (`ring-writer.ts`); not exported from the package.
 *
 * Threading: exactly one thread writes a ring; see `ring-queue.ts` for the layout and protocol.
 */
import { RingClosedError } from '../core/errors.js';
import { checkTimestamp, Timestamp } from '../core/timestamp.js';
import { deadlineOf, registerPublisher, remaining, ring, unregisterPublisher } from './doorbell.js';
import type { RecordWindow } from './record-window.js';
import { RingEnd } from './ring-end.js';
import {
  CONSUMER_CLOSED,
  CONSUMER_MUTED,
  FLAGS,
  HEADER_BYTES,
  HELD,
  PAD,
  PayloadType,
  PRODUCER_WAITING,
  PUBLISHED_PACKETS,
  READ,
  RecordKind,
  type RingDescriptor,
  SCALAR_RECORD_BYTES,
  SPACE_SEQ,
  WRITE,
} from './ring-layout.js';

const MIN_TS = Timestamp.PreStream;
const MAX_TS = Timestamp.Done;

/**
 * What a {@link RingWriter} is made of below its push methods. Lifecycle and threading: the
 * RingWriter's that extends it.
 */
export abstract class RingProducer extends RingEnd {
  /** The largest inline (msgpack) payload a record of this ring carries, bytes. */
  readonly maxInline: number;
  protected readonly publishBytes: number;
  protected wpos = 0;
  protected published = 0;
  protected unpublished = 0;
  protected cachedRead = 0;
  // Packets written (wraps modulo 2^32), published as PUBLISHED_PACKETS.
  protected packets = 0;
  // The consumer's HELD as last seen (rings under limitRecords only).
  protected cachedHeld = 0;
  protected closedLocally = false;
  // performance.now() of the first lazily published record not yet announced to the consumer; 0: none.
  protected unannouncedSince = 0;
  protected readonly wakeBytes: number;
  protected readonly eager: boolean;
  // Packets the consumer may hold unreleased; null: the ring is bounded by bytes only.
  protected window: RecordWindow | null = null;

  /** Attaches to a ring created by `createRing`. Call once, on the producer thread. */
  protected constructor(desc: RingDescriptor) {
    super(desc);
    this.maxInline = desc.maxInlineBytes;
    this.publishBytes = desc.capacityBytes >> 2;
    this.wakeBytes = desc.capacityBytes >> 3;
    this.eager = desc.announceEagerly === true;
    this.wpos = this.published = Atomics.load(this.ctl, WRITE);
    this.packets = Atomics.load(this.ctl, PUBLISHED_PACKETS);
    this.cachedRead = Atomics.load(this.ctl, READ);
    registerPublisher(this);
  }

  /** Publishes every record written so far and wakes the consumer if it sleeps. Cheap when nothing is pending. */
  flush(): void {
    if (this.wpos !== this.published) this.publish();
    else if (this.unannouncedSince !== 0) this.announce();
  }

  // The waiting loop of the async pushes: `attempt` writes without waiting.
  protected async writeAsync(attempt: () => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = deadlineOf(timeoutMs);
    for (;;) {
      if (attempt()) {
        this.flush();
        return true;
      }
      const seq = Atomics.load(this.ctl, SPACE_SEQ);
      if (this.advertiseWait()) continue;
      const left = remaining(deadline);
      if (left === 0) {
        Atomics.store(this.ctl, PRODUCER_WAITING, 0);
        return false;
      }
      await this.waiter.parkAsync(this.ctl, SPACE_SEQ, seq, left);
      Atomics.store(this.ctl, PRODUCER_WAITING, 0);
    }
  }

  // The hot path: no allocation, no shared access unless the cached read position says full or a
  // batch is due. Kept small so that V8 inlines it into each public push method.
  protected write(kind: number, ptype: number, ts: number, num: number, bytes: Uint8Array | null): boolean {
    if (this.closedLocally) this.throwClosed();
    const counted = kind === RecordKind.Packet ? this.window : null;
    if (counted !== null && !counted.hasRoomBesides(this.cachedHeld) && !this.recordRoom(counted))
      return false;
    // Float compares only: NaN and infinities fail the range test, fractions fail the floor test.
    if (!(ts >= MIN_TS && ts <= MAX_TS && Math.floor(ts) === ts)) checkTimestamp(ts, this.name);
    const size =
      bytes !== null
        ? HEADER_BYTES + ((bytes.length + 7) & ~7)
        : ptype === PayloadType.None
          ? HEADER_BYTES
          : SCALAR_RECORD_BYTES;
    const off = this.reserve(size);
    if (off < 0) return false;
    this.i32[off >> 2] = kind | (ptype << 4);
    this.f64[(off >> 3) + 1] = ts;
    if (bytes !== null) {
      this.i32[(off >> 2) + 1] = bytes.length;
      this.u8.set(bytes, off + HEADER_BYTES);
    } else if (ptype !== PayloadType.None) {
      // Only scalar records own these 8 bytes: for a 16-byte record they belong to the next one.
      this.f64[(off >> 3) + 2] = num;
    }
    this.wpos = (this.wpos + size) | 0;
    if (kind === RecordKind.Packet) this.packets = (this.packets + 1) | 0;
    if (counted !== null) counted.add(this.wpos);
    // Frames batch like any record. Publishing (and so waking) per frame cost a futex round trip per
    // frame and hop (measured: a third of the camera fleet's CPU); a held-back frame still goes out
    // when this thread parks (publishAll), ends its turn, runs out of pool slots (FramePool.alloc
    // publishes before it waits), or its backlog is old or large.
    if (++this.unpublished >= this.publishEvery || ((this.wpos - this.published) | 0) >= this.publishBytes) {
      this.publishLazily();
    }
    return true;
  }

  /**
   * Publishes what was written but wakes a sleeping consumer only when the backlog is worth a wake-up:
   * an eighth of the ring unread, or the oldest unannounced record older than 1 ms. A futex wake
   * costs ~35 µs; waking a consumer per small batch, when threads outnumber cores, spends more time
   * switching than working. Whoever publishes lazily must {@link flush} before going idle (every park
   * does, through publishAll), so a sleeping consumer is never left with records nobody announces.
   */
  publishLazily(): void {
    if (this.wpos !== this.published) {
      if ((Atomics.load(this.ctl, FLAGS) & CONSUMER_CLOSED) !== 0) this.throwClosed();
      Atomics.store(this.ctl, PUBLISHED_PACKETS, this.packets);
      Atomics.store(this.ctl, WRITE, this.wpos);
      this.published = this.wpos;
      this.unpublished = 0;
      if (this.unannouncedSince === 0) this.unannouncedSince = performance.now();
    }
    if (
      this.unannouncedSince !== 0 &&
      (this.eager ||
        ((this.wpos - this.cachedRead) | 0) >= this.wakeBytes ||
        performance.now() - this.unannouncedSince >= 1)
    ) {
      this.announce();
    }
  }

  protected announce(): void {
    this.unannouncedSince = 0;
    // A consumer that muted this ring would wake, find nothing it may take, and park again: a
    // futex round trip for nothing (measured on the camera fleet: the postprocess, whose META
    // queues sit at their limit while it waits for RESULT, was woken ~0.1 times a frame by META).
    // Sound with the doorbell's Dekker protocol: the consumer unmutes before it advertises sleep,
    // this thread loads the flag after publishing, so one of the two sees the other.
    if (Atomics.load(this.ctl, CONSUMER_MUTED) === 0) ring(this.bell, this.bellBase);
  }

  // Returns the data offset where a record of `size` bytes goes, wrapping past a PAD marker when it
  // would straddle the end, or -1 when the ring has no room.
  protected reserve(size: number): number {
    const off = this.wpos & this.mask;
    const tail = this.cap - off;
    const need = size <= tail ? size : tail + size;
    if (((this.wpos - this.cachedRead) | 0) + need > this.cap) {
      this.cachedRead = Atomics.load(this.ctl, READ);
      if ((Atomics.load(this.ctl, FLAGS) & CONSUMER_CLOSED) !== 0) this.throwClosed();
      if (((this.wpos - this.cachedRead) | 0) + need > this.cap) return -1;
    }
    if (size <= tail) return off;
    this.i32[off >> 2] = PAD;
    this.wpos = (this.wpos + tail) | 0;
    return 0;
  }

  protected publish(): void {
    // A consumer that abandoned the ring is noticed here and when the ring looks full, not on every
    // record: the check costs a shared load, and abandoning is rare.
    if ((Atomics.load(this.ctl, FLAGS) & CONSUMER_CLOSED) !== 0) this.throwClosed();
    this.store();
  }

  protected store(): void {
    Atomics.store(this.ctl, PUBLISHED_PACKETS, this.packets);
    Atomics.store(this.ctl, WRITE, this.wpos);
    this.published = this.wpos;
    this.unpublished = 0;
    this.announce();
  }

  protected writeBlocking(
    kind: number,
    ptype: number,
    ts: number,
    num: number,
    bytes: Uint8Array | null,
    timeoutMs: number,
  ): boolean {
    const deadline = deadlineOf(timeoutMs);
    // The consumer may be waiting for exactly the records we hold back: publish before waiting.
    this.flush();
    for (;;) {
      const seq = Atomics.load(this.ctl, SPACE_SEQ);
      let spins = this.waiter.spinBudget();
      const seen = this.cachedRead;
      while (spins-- > 0 && Atomics.load(this.ctl, READ) === seen) {}
      const found = Atomics.load(this.ctl, READ) !== seen;
      this.waiter.spun(found);
      if (!found && !this.advertiseWait()) {
        const left = remaining(deadline);
        if (left === 0) {
          Atomics.store(this.ctl, PRODUCER_WAITING, 0);
          return false;
        }
        this.waiter.park(this.ctl, SPACE_SEQ, seq, left);
        Atomics.store(this.ctl, PRODUCER_WAITING, 0);
      }
      if (this.write(kind, ptype, ts, num, bytes)) return true;
      if (remaining(deadline) === 0) return false;
    }
  }

  // Forgets the counted records the consumer released; true when one more fits. Records where the
  // read position was seen, so that a wait for room parks until the consumer releases more. A
  // consumer that abandoned the ring never releases more: the push fails now rather than waits.
  protected recordRoom(window: RecordWindow): boolean {
    if ((Atomics.load(this.ctl, FLAGS) & CONSUMER_CLOSED) !== 0) this.throwClosed();
    this.seeReleases(window);
    return window.hasRoomBesides(this.cachedHeld);
  }

  // Forgets the counted records the consumer released, and reads what it holds. Never throws: a
  // statistic read after either end closed (a stopped run's stats) must not fail like a push.
  protected seeReleases(window: RecordWindow): void {
    const read = Atomics.load(this.ctl, READ);
    this.cachedRead = read;
    this.cachedHeld = Atomics.load(this.ctl, HELD);
    window.releaseUpTo(read);
  }

  // Sets PRODUCER_WAITING, then re-checks: true when space or a close appeared meanwhile (the
  // caller must not park). The store-then-load order pairs with the consumer's publish.
  protected advertiseWait(): boolean {
    Atomics.store(this.ctl, PRODUCER_WAITING, 1);
    const changed =
      Atomics.load(this.ctl, READ) !== this.cachedRead ||
      (this.window !== null && Atomics.load(this.ctl, HELD) !== this.cachedHeld) ||
      (Atomics.load(this.ctl, FLAGS) & CONSUMER_CLOSED) !== 0;
    if (changed) Atomics.store(this.ctl, PRODUCER_WAITING, 0);
    return changed;
  }

  protected throwClosed(): never {
    unregisterPublisher(this);
    const why = this.closedLocally ? 'the producer already closed it' : 'the consumer closed it';
    throw new RingClosedError(`push to a closed ring: ${why}`, { stream: this.name, phase: 'transport' });
  }
}
