/**
 * The packets a ring holds that its consumer has not released, counted by the producer: where each
 * written record ends, oldest first, forgotten once the consumer's read position passes it. Lets a
 * ring be sized in records (samples) rather than bytes (`RingWriter.limitRecords`).
 *
 * The consumer's HELD word adds the packets it took and has not finished with (see ring-layout.ts).
 *
 * Threading: the ring's producer thread only. No allocation after construction.
 */
import { InvalidArgumentError } from '../core/errors.js';

/** Ends of the records a ring holds unreleased (see the module comment). Producer thread only. */
export class RecordWindow {
  private readonly ends: Int32Array;
  private head = 0;
  /** Records counted and not yet seen released. */
  count = 0;

  /** @throws InvalidArgumentError unless `limit` is an integer ≥ 1. */
  constructor(readonly limit: number) {
    if (!Number.isSafeInteger(limit) || limit < 1) {
      throw new InvalidArgumentError(
        `record limit must be an integer ≥ 1 (0 in limitRecords lifts it), not ${limit}`,
      );
    }
    this.ends = new Int32Array(limit);
  }

  /**
   * True while another record fits beside the `held` ones the consumer took out of the ring and
   * has not finished with. A HELD read after the read position it goes with never counts too few:
   * the consumer raises HELD before it releases the packets' space.
   */
  hasRoomBesides(held: number): boolean {
    return this.count + held < this.limit;
  }

  /** Counts a record that ends at write position `end`. Call only while {@link hasRoom}. */
  add(end: number): void {
    this.ends[(this.head + this.count++) % this.limit] = end;
  }

  /** Forgets the records that end at or before read position `read` (positions wrap modulo 2^32). */
  releaseUpTo(read: number): void {
    while (this.count > 0 && ((this.ends[this.head]! - read) | 0) <= 0) {
      this.head = (this.head + 1) % this.limit;
      this.count--;
    }
  }
}
