/**
 * One input stream's queue inside a node: packets in timestamp order plus the stream's bound.
 *
 * The bound is MediaPipe's "next timestamp bound": the lowest timestamp the next packet may carry.
 * It starts at PreStream; a packet at T raises it to `nextAllowedInStream(T)` (so a PreStream or
 * PostStream packet leaves room for nothing else); `raiseBound` raises it (never lowers); closing
 * sets Done. A stream whose bound is ≥ OneOverPostStream is done once its packets are consumed.
 *
 * Storage: a growable ring of parallel arrays (timestamps, values, frame handles), capacity a power
 * of two. Pushing and popping allocate nothing; only growth does, and it doubles, so a steady
 * stream stops allocating once its queue has reached its working depth.
 *
 * Frames: a queued frame packet holds one reference. The queue releases it when a packet is dropped
 * (trimming, `clear`); a popped packet's reference moves to the slot it was popped into.
 *
 * Threading: owned by one node engine on one thread; not thread-safe.
 */
import type { FrameAccess } from './calculator.js';
import type { PacketSlot } from './calculator-context.js';
import { InvalidTimestampError, TimestampOrderError } from './errors.js';
import {
  formatTimestamp,
  isAllowedInStream,
  isBound,
  nextAllowedInStream,
  previousAllowedInStream,
  Timestamp,
} from './timestamp.js';

/** A node's queue for one input stream. */
export class InputQueue {
  /** The lowest timestamp the next packet may carry. */
  bound: number = Timestamp.PreStream;
  private times: Float64Array;
  private values: unknown[];
  private frames: Float64Array;
  private head = 0;
  private count = 0;
  private mask: number;
  private hadPacket = false;

  /**
   * `pool` releases frames of dropped packets. A back edge's queue is like any other: as in
   * MediaPipe, it holds readiness, bounds and close back (a cycle's node closes with the
   * EarlyClose handler, or when the graph goes idle).
   */
  constructor(
    readonly node: string,
    readonly stream: string,
    private readonly pool: FrameAccess | null,
    capacity = 8,
  ) {
    this.times = new Float64Array(capacity);
    this.values = new Array<unknown>(capacity).fill(undefined);
    this.frames = new Float64Array(capacity);
    this.mask = capacity - 1;
  }

  /** Packets queued. */
  get size(): number {
    return this.count;
  }

  /** True once the bound is past PostStream: no packet can arrive any more. */
  get closed(): boolean {
    return this.bound >= Timestamp.OneOverPostStream;
  }

  /** Timestamp of the oldest queued packet; only valid when `size > 0`. */
  headTimestamp(): number {
    return this.times[this.head]!;
  }

  /** Timestamp of the n-th newest packet (1 = newest); only valid for 1 ≤ n ≤ size. */
  fromNewest(n: number): number {
    return this.times[(this.head + this.count - n) & this.mask]!;
  }

  /** Value of the oldest queued packet; only valid when `size > 0`. */
  peekValue(): unknown {
    return this.values[this.head];
  }

  /** The head packet's timestamp, or the bound when empty (MediaPipe's MinTimestampOrBound). */
  headOrBound(): number {
    return this.count > 0 ? this.times[this.head]! : this.bound;
  }

  /**
   * Queues a packet. Throws InvalidTimestampError for a timestamp no stream may carry, and
   * TimestampOrderError below the bound or for a PostStream packet after others; a rejected frame
   * packet's reference is released first, since it was handed to us.
   */
  push(timestamp: number, value: unknown, frame: number): void {
    if (!isAllowedInStream(timestamp) || timestamp < this.bound || this.postStreamAfterOthers(timestamp)) {
      if (frame >= 0) this.pool?.release(frame);
      throw this.rejection(timestamp);
    }
    if (this.count === this.times.length) this.grow();
    const i = (this.head + this.count) & this.mask;
    this.times[i] = timestamp;
    this.values[i] = value;
    this.frames[i] = frame;
    this.count++;
    this.hadPacket = true;
    this.bound = nextAllowedInStream(timestamp);
  }

  /** Raises the bound; bounds that do not rise are ignored. Throws for a value that is no bound. */
  raiseBound(bound: number): void {
    if (!isBound(bound)) {
      throw new InvalidTimestampError(
        `timestamp bound ${String(bound)} is not a safe integer in [PreStream, Done]`,
        {
          node: this.node,
          stream: this.stream,
          phase: 'transport',
        },
      );
    }
    if (bound > this.bound) this.bound = bound;
  }

  /** Ends the stream: bound Done. Queued packets stay and are still processed. */
  close(): void {
    this.bound = Timestamp.Done;
  }

  /** Moves the head packet into `slot` (its frame reference goes with it). */
  popInto(slot: PacketSlot): void {
    const i = this.head;
    slot.isEmpty = false;
    slot.timestamp = this.times[i]!;
    slot.value = this.values[i];
    slot.frame = this.frames[i]!;
    this.values[i] = undefined;
    this.head = (i + 1) & this.mask;
    this.count--;
  }

  /** Makes `slot` this stream's empty packet: timestamp = (head or bound) − 1, as MediaPipe does. */
  fillEmpty(slot: PacketSlot): void {
    slot.setEmpty(previousAllowedInStream(this.headOrBound()));
  }

  /** Drops packets older than `timestamp`, releasing their frames. Returns how many were dropped. */
  eraseBefore(timestamp: number): number {
    let n = 0;
    while (this.count > 0 && this.times[this.head]! < timestamp) {
      this.dropHead();
      n++;
    }
    return n;
  }

  /**
   * Hands every queued packet, oldest first, to `take` and forgets them without releasing their
   * frames: the references go with the packets (a restart's hand-over to a fresh instance).
   */
  takeAll(take: (timestamp: number, value: unknown, frame: number) => void): void {
    while (this.count > 0) {
      const i = this.head;
      const value = this.values[i];
      this.values[i] = undefined;
      this.head = (i + 1) & this.mask;
      this.count--;
      take(this.times[i]!, value, this.frames[i]!);
    }
  }

  /**
   * Drops every queued packet, releasing their frames; returns the first release that threw, after
   * dropping all the others (see `InputSets.clear`).
   */
  clear(): unknown {
    let first: unknown;
    while (this.count > 0) {
      try {
        this.dropHead();
      } catch (err) {
        first ??= err;
      }
    }
    return first;
  }

  private dropHead(): void {
    const i = this.head;
    const frame = this.frames[i]!;
    this.values[i] = undefined;
    this.head = (i + 1) & this.mask;
    this.count--;
    if (frame >= 0) this.pool?.release(frame);
  }

  private postStreamAfterOthers(timestamp: number): boolean {
    return timestamp === Timestamp.PostStream && this.hadPacket;
  }

  private rejection(t: number): Error {
    const where = { node: this.node, stream: this.stream, phase: 'transport' as const };
    if (!isAllowedInStream(t)) {
      return new InvalidTimestampError(
        `packet timestamp ${formatTimestamp(t)} is not allowed in a stream ` +
          '(a safe integer in [PreStream, PostStream])',
        where,
      );
    }
    if (t < this.bound) {
      const closed = this.bound === Timestamp.Done ? ' (the stream is closed)' : '';
      return new TimestampOrderError(
        `packet timestamp mismatch: minimum expected timestamp is ${formatTimestamp(this.bound)} ` +
          `but received ${formatTimestamp(t)}${closed}`,
        where,
      );
    }
    return new TimestampOrderError('a PostStream packet must be the only packet of its stream', where);
  }

  // Allocates (doubling): only while a queue grows to a depth it has not reached before.
  private grow(): void {
    const n = this.times.length;
    const times = new Float64Array(n * 2);
    const values = new Array<unknown>(n * 2).fill(undefined);
    const frames = new Float64Array(n * 2);
    for (let k = 0; k < n; k++) {
      const i = (this.head + k) & this.mask;
      times[k] = this.times[i]!;
      values[k] = this.values[i];
      frames[k] = this.frames[i]!;
    }
    this.times = times;
    this.values = values;
    this.frames = frames;
    this.head = 0;
    this.mask = n * 2 - 1;
  }
}
