/**
 * The producer end of a ring queue. See `ring-queue.ts` for the layout and threading contract.
 *
 * Threading: exactly one thread writes a ring, through one RingWriter; it cannot change roles.
 */
import { RingClosedError } from '../core/errors.js';
import { checkTimestamp, Timestamp } from '../core/timestamp.js';

const MIN_TS = Timestamp.PreStream;
const MAX_TS = Timestamp.Done;

import { FrameRef, isFrameRef } from './codec.js';
import { deadlineOf, registerPublisher, remaining, ring, unregisterPublisher } from './doorbell.js';
import { encodeInline } from './inline-payload.js';
import { RecordWindow } from './record-window.js';
import { RingEnd } from './ring-end.js';
import {
  CLOSE_TS_F64,
  CONSUMER_CLOSED,
  CONSUMER_MUTED,
  FLAGS,
  HEADER_BYTES,
  HELD,
  PACKETS_COUNTED,
  PAD,
  PayloadType,
  PRODUCER_CLOSED,
  PRODUCER_WAITING,
  PUBLISHED_PACKETS,
  READ,
  RecordKind,
  type RingDescriptor,
  SCALAR_RECORD_BYTES,
  SPACE_SEQ,
  WRITE,
} from './ring-layout.js';

/**
 * Writes records into a ring. Records become visible to the consumer when published: every
 * `publishEvery` records, when a quarter of the ring is unpublished, on {@link flush}, on
 * {@link close}, and whenever this thread parks (waiting for ring space, for input, or for a
 * frame-pool slot), so a sleeping producer never holds records back. Batching publication is what makes the ring fast (one
 * shared store per batch instead of per record), so call `flush()` whenever the producer is about to
 * go idle (for example at the end of a `process` call).
 */
export class RingWriter extends RingEnd {
  /** The largest inline (msgpack) payload a record of this ring carries, bytes. */
  readonly maxInline: number;
  private readonly publishBytes: number;
  private wpos = 0;
  private published = 0;
  private unpublished = 0;
  private cachedRead = 0;
  // Packets written (wraps modulo 2^32), published as PUBLISHED_PACKETS.
  private packets = 0;
  // The consumer's HELD as last seen (rings under limitRecords only).
  private cachedHeld = 0;
  private closedLocally = false;
  // performance.now() of the first lazily published record not yet announced to the consumer; 0: none.
  private unannouncedSince = 0;
  private readonly wakeBytes: number;
  private readonly eager: boolean;
  // Packets the consumer may hold unreleased; null: the ring is bounded by bytes only.
  private window: RecordWindow | null = null;

  /** Attaches to a ring created by `createRing`. Call once, on the producer thread. */
  constructor(desc: RingDescriptor) {
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

  /** Writes a packet with a numeric payload if there is room. Never blocks; no allocation. */
  tryPushNumber(ts: number, n: number): boolean {
    return this.write(RecordKind.Packet, PayloadType.Number, ts, n, null);
  }

  /**
   * Writes a packet carrying a frame handle if there is room. The consumer receives the
   * reference: the producer must not release it afterwards (retain first to keep using it).
   */
  tryPushFrame(ts: number, handle: number): boolean {
    return this.write(RecordKind.Packet, PayloadType.Frame, ts, handle, null);
  }

  /**
   * Writes a packet whose value is msgpack-encoded inline, if there is room. Throws
   * PayloadTooLargeError when the encoding exceeds the ring's `maxInlineBytes`: put large data
   * in a frame. Encoding allocates inside msgpack (the value's own bytes are copied once).
   */
  tryPushValue(ts: number, value: unknown): boolean {
    const bytes = this.encode(value);
    return this.write(RecordKind.Packet, PayloadType.Value, ts, 0, bytes);
  }

  /** Writes a timestamp bound: no packet below `bound` will follow on this stream. No allocation. */
  tryPushBound(bound: number): boolean {
    return this.write(RecordKind.Bound, PayloadType.None, bound, 0, null);
  }

  /** Blocking {@link tryPushNumber}: waits for room up to `timeoutMs`; false on timeout. */
  pushNumber(ts: number, n: number, timeoutMs = Number.POSITIVE_INFINITY): boolean {
    return (
      this.write(RecordKind.Packet, PayloadType.Number, ts, n, null) ||
      this.writeBlocking(RecordKind.Packet, PayloadType.Number, ts, n, null, timeoutMs)
    );
  }

  /** Blocking {@link tryPushFrame}. On timeout (false) the caller still owns the reference. */
  pushFrame(ts: number, handle: number, timeoutMs = Number.POSITIVE_INFINITY): boolean {
    return (
      this.write(RecordKind.Packet, PayloadType.Frame, ts, handle, null) ||
      this.writeBlocking(RecordKind.Packet, PayloadType.Frame, ts, handle, null, timeoutMs)
    );
  }

  /** Blocking {@link tryPushValue}. The value is encoded once. */
  pushValue(ts: number, value: unknown, timeoutMs = Number.POSITIVE_INFINITY): boolean {
    const bytes = this.encode(value);
    return (
      this.write(RecordKind.Packet, PayloadType.Value, ts, 0, bytes) ||
      this.writeBlocking(RecordKind.Packet, PayloadType.Value, ts, 0, bytes, timeoutMs)
    );
  }

  /** Blocking {@link tryPushBound}. */
  pushBound(bound: number, timeoutMs = Number.POSITIVE_INFINITY): boolean {
    return (
      this.write(RecordKind.Bound, PayloadType.None, bound, 0, null) ||
      this.writeBlocking(RecordKind.Bound, PayloadType.None, bound, 0, null, timeoutMs)
    );
  }

  /**
   * Pushes any payload, choosing the record type: a number goes inline as a number, a
   * {@link FrameRef} as a frame handle, anything else msgpack-encoded.
   */
  push(ts: number, value: unknown, timeoutMs = Number.POSITIVE_INFINITY): boolean {
    if (typeof value === 'number') return this.pushNumber(ts, value, timeoutMs);
    if (isFrameRef(value)) return this.pushFrame(ts, value.handle, timeoutMs);
    return this.pushValue(ts, value, timeoutMs);
  }

  /**
   * Async {@link push} for threads whose event loop must keep turning (the main thread, async
   * calculators): waits with `Atomics.waitAsync`. Resolves false on timeout. Publishes the record
   * at once: async pushers are sporadic, and a record held back for a batch that never fills would
   * stall the consumer.
   */
  pushAsync(ts: number, value: unknown, timeoutMs = Number.POSITIVE_INFINITY): Promise<boolean> {
    // Re-encode on every try: other code may encode on this thread's codec while we await.
    // Allocates the attempt's closure: the async path allocates a promise anyway.
    return this.writeAsync(() => this.push(ts, value, 0), timeoutMs);
  }

  /** Async {@link pushBound}, for the main thread; as {@link pushAsync}. */
  pushBoundAsync(bound: number, timeoutMs = Number.POSITIVE_INFINITY): Promise<boolean> {
    // Allocates the attempt's closure, as pushAsync: the async path allocates a promise anyway.
    return this.writeAsync(() => this.tryPushBound(bound), timeoutMs);
  }

  // The waiting loop of the async pushes: `attempt` writes without waiting.
  private async writeAsync(attempt: () => boolean, timeoutMs: number): Promise<boolean> {
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

  /** Publishes every record written so far and wakes the consumer if it sleeps. Cheap when nothing is pending. */
  flush(): void {
    if (this.wpos !== this.published) this.publish();
    else if (this.unannouncedSince !== 0) this.announce();
  }

  /**
   * Ends the stream: publishes what was written, records the final bound (default
   * `Timestamp.Done`) and wakes the consumer, which drains the ring and then reads
   * `RecordKind.End`. Idempotent. Never blocks.
   */
  close(finalBound: number = Timestamp.Done): void {
    if (this.closedLocally) return;
    this.closedLocally = true;
    unregisterPublisher(this);
    // Publish without the abandoned-ring check: closing must never throw, whatever the consumer did.
    if (this.wpos !== this.published) this.store();
    this.ctl64[CLOSE_TS_F64] = finalBound;
    Atomics.or(this.ctl, FLAGS, PRODUCER_CLOSED);
    ring(this.bell, this.bellBase);
  }

  /**
   * True once this writer closed, or the consumer abandoned the ring. A push after the consumer
   * abandoned the ring throws RingClosedError at the latest when its batch is published.
   */
  get closed(): boolean {
    return this.closedLocally || (Atomics.load(this.ctl, FLAGS) & CONSUMER_CLOSED) !== 0;
  }

  /** This writer's position (bytes, wrapping modulo 2^32): where the next record starts. */
  get writePosition(): number {
    return this.wpos;
  }

  /** The consumer's published read position (same units): records ending at or before it were read. */
  get readPosition(): number {
    return Atomics.load(this.ctl, READ);
  }

  /**
   * Caps the packets this ring holds (written, not yet released by the consumer) at `limit`; 0
   * lifts the cap. A queue sized in records, for boundaries whose policy must see every sample the
   * consumer has not taken: a push past the cap finds no room, as on a full ring, and the async
   * pushes wait for the consumer's release. Call before writing. Allocates the bookkeeping once.
   */
  limitRecords(limit: number): void {
    this.window = limit === 0 ? null : new RecordWindow(limit);
    if (limit === 0) Atomics.and(this.ctl, FLAGS, ~PACKETS_COUNTED);
    else Atomics.or(this.ctl, FLAGS, PACKETS_COUNTED);
  }

  /** True while one more packet fits under {@link limitRecords} (always without a limit; bytes may still be short). */
  get hasRecordRoom(): boolean {
    const w = this.window;
    return w === null || w.hasRoomBesides(this.cachedHeld) || this.recordRoom(w);
  }

  /**
   * Waits, as {@link pushAsync} does, until {@link hasRecordRoom}, holding no record: a producer
   * that picks the sample to write only once there is room (an evicting boundary) writes the newest.
   * Resolves false on timeout; rejects with RingClosedError once the consumer abandoned the ring.
   */
  waitRecordRoomAsync(timeoutMs = Number.POSITIVE_INFINITY): Promise<boolean> {
    // Allocates the attempt's closure and the wait's promise: called only once a ring is full.
    return this.writeAsync(() => this.hasRecordRoom, timeoutMs);
  }

  /**
   * Packets counted under {@link limitRecords} that the consumer has not finished with: in the
   * ring, or taken and held (queued, or in its current call). 0 without a limit.
   */
  get heldRecords(): number {
    if (this.window === null) return 0;
    this.recordRoom(this.window);
    return this.window.count + this.cachedHeld;
  }

  /** Bytes written and not yet freed by the consumer, as last seen by the producer. */
  get usedBytes(): number {
    return (this.wpos - Atomics.load(this.ctl, READ)) | 0;
  }

  private encode(value: unknown): Uint8Array {
    return encodeInline(this.codec, value, this.maxInline, this.name, 'transport');
  }

  // The hot path: no allocation, no shared access unless the cached read position says full or a
  // batch is due. Kept small so that V8 inlines it into each public push method.
  private write(kind: number, ptype: number, ts: number, num: number, bytes: Uint8Array | null): boolean {
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

  private announce(): void {
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
  private reserve(size: number): number {
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

  private publish(): void {
    // A consumer that abandoned the ring is noticed here and when the ring looks full, not on every
    // record: the check costs a shared load, and abandoning is rare.
    if ((Atomics.load(this.ctl, FLAGS) & CONSUMER_CLOSED) !== 0) this.throwClosed();
    this.store();
  }

  private store(): void {
    Atomics.store(this.ctl, PUBLISHED_PACKETS, this.packets);
    Atomics.store(this.ctl, WRITE, this.wpos);
    this.published = this.wpos;
    this.unpublished = 0;
    this.announce();
  }

  private writeBlocking(
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
  private recordRoom(window: RecordWindow): boolean {
    if ((Atomics.load(this.ctl, FLAGS) & CONSUMER_CLOSED) !== 0) this.throwClosed();
    const read = Atomics.load(this.ctl, READ);
    this.cachedRead = read;
    this.cachedHeld = Atomics.load(this.ctl, HELD);
    window.releaseUpTo(read);
    return window.hasRoomBesides(this.cachedHeld);
  }

  // Sets PRODUCER_WAITING, then re-checks: true when space or a close appeared meanwhile (the
  // caller must not park). The store-then-load order pairs with the consumer's publish.
  private advertiseWait(): boolean {
    Atomics.store(this.ctl, PRODUCER_WAITING, 1);
    const changed =
      Atomics.load(this.ctl, READ) !== this.cachedRead ||
      (this.window !== null && Atomics.load(this.ctl, HELD) !== this.cachedHeld) ||
      (Atomics.load(this.ctl, FLAGS) & CONSUMER_CLOSED) !== 0;
    if (changed) Atomics.store(this.ctl, PRODUCER_WAITING, 0);
    return changed;
  }

  private throwClosed(): never {
    unregisterPublisher(this);
    const why = this.closedLocally ? 'the producer already closed it' : 'the consumer closed it';
    throw new RingClosedError(`push to a closed ring: ${why}`, { stream: this.name, phase: 'transport' });
  }
}
