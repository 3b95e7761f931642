/**
 * The producer end of a ring queue. See `ring-queue.ts` for the layout and threading contract.
 *
 * Threading: exactly one thread writes a ring, through one RingWriter; it cannot change roles.
 */
import { Timestamp } from '../core/timestamp.js';
import { isFrameRef } from './codec.js';
import { ring, unregisterPublisher } from './doorbell.js';
import { encodeInline } from './inline-payload.js';
import { RecordWindow } from './record-window.js';
import {
  CLOSE_TS_F64,
  CONSUMER_CLOSED,
  FLAGS,
  PACKETS_COUNTED,
  PayloadType,
  PRODUCER_CLOSED,
  READ,
  RecordKind,
  type RingDescriptor,
} from './ring-layout.js';
import { RingProducer } from './ring-producer.js';

/**
 * Writes records into a ring. Records become visible to the consumer when published: every
 * `publishEvery` records, when a quarter of the ring is unpublished, on {@link flush}, on
 * {@link close}, and whenever this thread parks (waiting for ring space, for input, or for a
 * frame-pool slot), so a sleeping producer never holds records back. Batching publication is what makes the ring fast (one
 * shared store per batch instead of per record), so call `flush()` whenever the producer is about to
 * go idle (for example at the end of a `process` call).
 *
 * Threading: the ring's one producer thread, which constructs it; never shared or handed to another
 * thread (a writer on a new thread takes the ring over only once the old one's thread is gone). The
 * blocking pushes park that thread in `Atomics.wait`; the `…Async` ones keep its event loop
 * turning. Lifecycle: {@link close} it to end the stream: until then its thread keeps it
 * registered, to publish before every park. A frame pushed hands its reference to the consumer.
 */
export class RingWriter extends RingProducer {
  /** Attaches to a ring created by `createRing`. Call once, on the producer thread. */
  constructor(desc: RingDescriptor) {
    super(desc);
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
    // Allocates the attempt's closure and the wait's promise: called only once a ring is full. With a
    // small record limit (the balanced preset's 4) and a producer that outruns the graph, that is
    // about once a sample: the price of keeping so few samples waiting.
    return this.writeAsync(() => this.hasRecordRoom, timeoutMs);
  }

  /**
   * Packets counted under {@link limitRecords} that the consumer has not finished with: in the
   * ring, or taken and held (queued, or in its current call). 0 without a limit. Never throws,
   * also once either end closed the ring (a stopped run's statistics read it).
   */
  get heldRecords(): number {
    if (this.window === null) return 0;
    this.seeReleases(this.window);
    return this.window.count + this.cachedHeld;
  }

  /** Bytes written and not yet freed by the consumer, as last seen by the producer. */
  get usedBytes(): number {
    return (this.wpos - Atomics.load(this.ctl, READ)) | 0;
  }

  private encode(value: unknown): Uint8Array {
    return encodeInline(this.codec, value, this.maxInline, this.name, 'transport');
  }
}
