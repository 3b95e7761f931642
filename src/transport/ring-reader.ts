/**
 * The consumer end of a ring queue. See `ring-queue.ts` for the layout and threading contract.
 *
 * Threading: exactly one thread reads a ring, through one RingReader; it cannot change roles.
 */
import { deadlineOf, remaining, SEQ, SLEEPING } from './doorbell.js';
import { RingEnd } from './ring-end.js';
import {
  CLOSE_TS_F64,
  CONSUMER_CLOSED,
  CONSUMER_MUTED,
  EMPTY,
  FLAGS,
  HEADER_BYTES,
  HELD,
  PACKETS_COUNTED,
  PAD,
  PayloadType,
  PRODUCER_CLOSED,
  PRODUCER_WAITING,
  READ,
  RecordKind,
  type RingDescriptor,
  SCALAR_RECORD_BYTES,
  SPACE_SEQ,
  WRITE,
} from './ring-layout.js';

/**
 * Reads records from a ring. A pop fills this object's fields (`kind`, `timestamp`,
 * `payloadType`, `number`, `frame`) instead of returning a new object, so reading allocates
 * nothing. The current record, including the inline bytes behind {@link value} and
 * {@link bytes}, stays valid until the next pop on this reader: space is handed back to the
 * producer only when the next record is requested.
 *
 * Threading: the ring's one consumer thread, which constructs it; never shared or handed to another
 * thread (a reader on a new thread takes the ring over only once the old one's thread is gone, as a
 * restarted node's does). {@link pop} parks that thread in `Atomics.wait`; {@link popAsync} keeps its
 * event loop turning. Lifecycle: nothing to free; read until End, or {@link close} to abandon the
 * ring. A popped frame's reference is the reader's to release.
 */
export class RingReader extends RingEnd {
  /** Kind of the current record, or EMPTY before the first pop. */
  kind = EMPTY;
  /** Timestamp of the current packet, the bound of a Bound record, or the final bound on End. */
  timestamp = 0;
  /** How the current packet's payload is stored. */
  payloadType: number = PayloadType.None;
  /** Numeric payload of the current packet (PayloadType.Number). */
  number = 0;
  /** Frame handle of the current packet (PayloadType.Frame): the reader now owns one reference. */
  frame = -1;
  private readonly wakeBelow: number;
  private rpos = 0;
  private cachedWrite = 0;
  private consumed = 0;
  private valueOffset = 0;
  private valueLength = 0;
  private ended = false;
  private muted = false;
  // This consumer reports in HELD the packets it took and holds (see reportHeld).
  private counts = false;
  private held = 0;
  // Packets popped since the last release: the producer still counts them as in the ring.
  private unreleased = 0;
  // HELD fell without waking a producer that may wait for room (see holding).
  private wakeOwed = false;

  /** Attaches to a ring created by `createRing`. Call once, on the consumer thread. */
  constructor(desc: RingDescriptor) {
    super(desc);
    this.wakeBelow = desc.capacityBytes - (desc.capacityBytes >> 2);
    this.rpos = Atomics.load(this.ctl, READ);
    this.cachedWrite = this.rpos;
  }

  /**
   * Takes the next record if one is published: returns its kind (Packet, Bound, or End once the
   * producer closed and the ring is drained; End repeats on later calls) or EMPTY. Never blocks;
   * no allocation.
   */
  tryPop(): number {
    if (this.ended) return RecordKind.End;
    if (this.consumed >= this.publishEvery) this.release();
    if (this.rpos === this.cachedWrite) {
      this.cachedWrite = Atomics.load(this.ctl, WRITE);
      if (this.rpos === this.cachedWrite) return this.emptyOrEnd();
    }
    let off = this.rpos & this.mask;
    let head = this.i32[off >> 2]!;
    if (head === PAD) {
      this.rpos = (this.rpos + this.cap - off) | 0;
      off = 0;
      head = this.i32[0]!;
    }
    const kind = head & 15;
    const ptype = head >> 4;
    this.kind = kind;
    this.payloadType = ptype;
    this.timestamp = this.f64[(off >> 3) + 1]!;
    let size = HEADER_BYTES;
    if (ptype === PayloadType.Number) {
      this.number = this.f64[(off >> 3) + 2]!;
      size = SCALAR_RECORD_BYTES;
    } else if (ptype === PayloadType.Frame) {
      this.frame = this.f64[(off >> 3) + 2]!;
      size = SCALAR_RECORD_BYTES;
    } else if (ptype === PayloadType.Value) {
      const len = this.i32[(off >> 2) + 1]!;
      this.valueOffset = off + HEADER_BYTES;
      this.valueLength = len;
      size = HEADER_BYTES + ((len + 7) & ~7);
    }
    this.rpos = (this.rpos + size) | 0;
    this.consumed++;
    // Published with the release that frees the packet's space (see release).
    if (kind === RecordKind.Packet && this.counts) {
      this.held++;
      this.unreleased++;
    }
    return kind;
  }

  /**
   * For a consumer that queues what it takes (a node): where the producer counts packets
   * (limitRecords), from now on this reader reports in HELD the packets taken and not finished
   * (see {@link holding}), so that the producer's cap covers them too. Starts from none held: a
   * node that takes over a ring from a dead one holds nothing yet. Call once, before the first pop;
   * other readers (the run's own, a cleanup) never touch HELD. True when the producer counts.
   */
  reportHeld(): boolean {
    this.counts = (Atomics.load(this.ctl, FLAGS) & PACKETS_COUNTED) !== 0;
    this.held = 0;
    this.unreleased = 0;
    // A producer left waiting on what a dead predecessor held hears that nothing is held now.
    if (this.counts && Atomics.exchange(this.ctl, HELD, 0) !== 0) this.wakeProducer();
    return this.counts;
  }

  /**
   * Hands back the space of every record taken so far (the current one included), now rather than
   * at the next pop: for a consumer that stops taking records (its queue is full) and has copied
   * what it took. No shared access when nothing was taken since the last hand-back.
   */
  handBack(): void {
    if (this.consumed > 0) this.release();
  }

  /**
   * The consumer still holds `n` of the packets it took from this ring (queued, or in its current
   * call): told to a producer that counts packets (limitRecords), which is woken, if it waits for
   * room, when `n` fell and `wake` (the default). A no-op on other rings. One shared store when `n`
   * changed.
   */
  holding(n: number, wake = true): void {
    if (!this.counts) return;
    if (n !== this.held) {
      // The packets a node holds are the last it popped (its queue is in arrival order), so those
      // not released yet, which the producer counts in the ring, are among them: HELD says the rest.
      const before = Math.max(0, this.held - this.unreleased);
      this.held = n;
      const now = Math.max(0, n - this.unreleased);
      if (now > before) Atomics.store(this.ctl, HELD, now);
      else if (now < before) {
        // Fewer held (a call ended): a plain store, as this runs after every call of a fast node. A
        // producer that reads the old, higher count only finds room a little later. The wake-up it
        // is owed comes now or with the next call that may wake (the turn's end at the latest); a
        // wake-up is a system call, after which its reads see the store.
        this.ctl[HELD] = now;
        this.wakeOwed = true;
      }
    }
    if (wake && this.wakeOwed) {
      this.wakeOwed = false;
      this.wakeProducer();
    }
  }

  /** Blocking {@link tryPop}: spins briefly, then parks on the doorbell; EMPTY on timeout. */
  pop(timeoutMs = Number.POSITIVE_INFINITY): number {
    const k = this.tryPop();
    if (k !== EMPTY) return k;
    const deadline = deadlineOf(timeoutMs);
    for (;;) {
      const seq = Atomics.load(this.bell, this.bellBase + SEQ);
      let spins = this.waiter.spinBudget();
      while (spins-- > 0 && !this.readable()) {}
      const found = this.readable();
      this.waiter.spun(found);
      if (!found && !this.advertiseSleep()) {
        const left = remaining(deadline);
        if (left === 0) return this.wakeUp(EMPTY);
        this.waiter.park(this.bell, this.bellBase + SEQ, seq, left);
        Atomics.store(this.bell, this.bellBase + SLEEPING, 0);
      }
      const r = this.tryPop();
      if (r !== EMPTY || remaining(deadline) === 0) return r;
    }
  }

  /**
   * Async {@link pop} for threads whose event loop must keep turning; resolves EMPTY on timeout.
   * Allocates a promise per call (and the park's, when it waits): the sync {@link pop} allocates none.
   */
  async popAsync(timeoutMs = Number.POSITIVE_INFINITY): Promise<number> {
    const deadline = deadlineOf(timeoutMs);
    for (;;) {
      const k = this.tryPop();
      if (k !== EMPTY) return k;
      const seq = Atomics.load(this.bell, this.bellBase + SEQ);
      if (this.advertiseSleep()) continue;
      const left = remaining(deadline);
      if (left === 0) return this.wakeUp(EMPTY);
      await this.waiter.parkAsync(this.bell, this.bellBase + SEQ, seq, left);
      Atomics.store(this.bell, this.bellBase + SLEEPING, 0);
    }
  }

  /**
   * Decodes the current packet's inline payload. The result never aliases ring memory. Allocates
   * the decoded value. Only valid for PayloadType.Value, before the next pop.
   */
  value(): unknown {
    return this.codec.decodeRange(this.u8, this.valueOffset, this.valueOffset + this.valueLength);
  }

  /** The current packet's raw inline bytes: a view of ring memory, valid until the next pop. Allocates a view. */
  bytes(): Uint8Array {
    return this.u8.subarray(this.valueOffset, this.valueOffset + this.valueLength);
  }

  /**
   * Tells the producer whether publications on this ring should wake this consumer's doorbell:
   * muted, they do not (closing still does). Only for a consumer that waits on a shared doorbell
   * (an InputSet) and does not want this ring's records now; set it before advertising sleep. One
   * shared store when the setting changes, none otherwise.
   */
  mute(muted: boolean): void {
    if (muted === this.muted) return;
    this.muted = muted;
    Atomics.store(this.ctl, CONSUMER_MUTED, muted ? 1 : 0);
  }

  /** True when a record or the end of stream is ready to be popped. One shared load. */
  readable(): boolean {
    return (
      this.ended ||
      this.rpos !== this.cachedWrite ||
      Atomics.load(this.ctl, WRITE) !== this.rpos ||
      (Atomics.load(this.ctl, FLAGS) & PRODUCER_CLOSED) !== 0
    );
  }

  /**
   * Abandons the ring: the producer's next push throws RingClosedError and a producer blocked
   * on a full ring wakes. Records not yet read are dropped (frame handles in them are not
   * released: the owner of the graph releases them). Idempotent.
   */
  close(): void {
    Atomics.or(this.ctl, FLAGS, CONSUMER_CLOSED);
    this.wakeProducer();
  }

  /** True once End was returned. */
  get done(): boolean {
    return this.ended;
  }

  /**
   * Hands consumed space back to the producer, waking it if it sleeps for space and a quarter of the
   * ring is free. Waking it for every small batch would make it refill the gap and sleep again: a
   * futex round trip per batch.
   */
  release(): void {
    this.consumed = 0;
    // HELD first: a producer that sees the space freed also sees the packets it now counts as held.
    if (this.counts) {
      this.unreleased = 0;
      Atomics.store(this.ctl, HELD, this.held);
    }
    Atomics.store(this.ctl, READ, this.rpos);
    // `cachedWrite` may lag: the unread estimate is low, which only ever wakes the producer early.
    if (((this.cachedWrite - this.rpos) | 0) <= this.wakeBelow) this.wakeProducer();
  }

  private wakeProducer(): void {
    if (Atomics.load(this.ctl, PRODUCER_WAITING) !== 0) {
      Atomics.add(this.ctl, SPACE_SEQ, 1);
      Atomics.notify(this.ctl, SPACE_SEQ);
    }
  }

  private emptyOrEnd(): number {
    // Free what was consumed before reporting empty: the producer may be waiting for exactly that.
    if (this.consumed > 0) this.release();
    if ((Atomics.load(this.ctl, FLAGS) & PRODUCER_CLOSED) === 0) return EMPTY;
    // The producer publishes WRITE before setting the flag, so this re-read sees the final position.
    this.cachedWrite = Atomics.load(this.ctl, WRITE);
    if (this.rpos !== this.cachedWrite) return this.tryPop();
    this.ended = true;
    this.kind = RecordKind.End;
    this.payloadType = PayloadType.None;
    this.timestamp = this.ctl64[CLOSE_TS_F64]!;
    return RecordKind.End;
  }

  // Sets SLEEPING, then re-checks: true when data or a close appeared meanwhile.
  private advertiseSleep(): boolean {
    Atomics.store(this.bell, this.bellBase + SLEEPING, 1);
    if (this.readable()) {
      Atomics.store(this.bell, this.bellBase + SLEEPING, 0);
      return true;
    }
    return false;
  }

  private wakeUp(result: number): number {
    Atomics.store(this.bell, this.bellBase + SLEEPING, 0);
    return result;
  }
}
