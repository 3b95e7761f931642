/**
 * MediaPipe's TimestampAlignInputStreamHandler: streams whose clocks differ by a constant offset
 * are lined up on a base stream's clock (`timestampBaseTagIndex`).
 *
 * Until every other stream has delivered a packet, sets fire at the base stream's packets alone;
 * the set in which the last of them shows its first packet fixes each stream's offset (base
 * head − its head). From then on the rule is the Default handler's over timestamps shifted by those
 * offsets, and packets reach `process` re-stamped to the base clock. The node closes once every
 * stream is done.
 *
 * Threading: owned by one node engine on one thread; not thread-safe. No allocation after
 * construction.
 */
import type { PacketSlot } from '../calculator-context.js';
import type { InputQueue } from '../input-queue.js';
import { isRangeValue, Timestamp } from '../timestamp.js';
import { type InputStreamHandler, NOT_READY, READY, READY_FOR_CLOSE, type Readiness } from './sync-groups.js';

/** The TimestampAlign handler over `queues`; `base` is the index of the base stream. */
export class TimestampAlignHandler implements InputStreamHandler {
  timestamp: number = Timestamp.Unset;
  private readonly offsets: Float64Array;
  private aligned: boolean;

  constructor(
    private readonly queues: readonly InputQueue[],
    private readonly base: number,
  ) {
    this.offsets = new Float64Array(queues.length);
    this.aligned = queues.length === 1;
  }

  packetAdded(_input: number): void {}

  readiness(): Readiness {
    if (!this.aligned) {
      const b = this.queues[this.base]!;
      if (b.size === 0) return b.closed ? READY_FOR_CLOSE : NOT_READY;
      const head = b.headTimestamp();
      let all = true;
      for (let i = 0; i < this.queues.length; i++) {
        if (i === this.base) continue;
        const q = this.queues[i]!;
        if (q.size > 0) this.offsets[i] = head - q.headTimestamp();
        else all = false;
      }
      this.aligned = all;
      this.timestamp = head;
      return READY;
    }
    let minPacket = Timestamp.Done;
    let minBound = Timestamp.Done;
    for (let i = 0; i < this.queues.length; i++) {
      const q = this.queues[i]!;
      if (q.size > 0) minPacket = Math.min(minPacket, this.shift(i, q.headTimestamp()));
      else minBound = Math.min(minBound, this.shift(i, q.bound));
    }
    if (minPacket >= Timestamp.OneOverPostStream && minBound >= Timestamp.OneOverPostStream) {
      return READY_FOR_CLOSE;
    }
    if (minBound <= minPacket) return NOT_READY;
    this.timestamp = minPacket;
    return READY;
  }

  fill(slots: readonly PacketSlot[], base: number): void {
    const ts = this.timestamp;
    for (let i = 0; i < this.queues.length; i++) {
      const q = this.queues[i]!;
      const slot = slots[base + i]!;
      const own = ts - this.offsets[i]!;
      const take = (this.aligned || i === this.base) && q.size > 0 && q.headTimestamp() === own;
      if (take) {
        q.popInto(slot);
        slot.timestamp = ts;
      } else slot.setEmpty(ts);
    }
  }

  settledBound(): number {
    let min = Timestamp.Done;
    for (let i = 0; i < this.queues.length; i++) {
      const q = this.queues[i]!;
      min = Math.min(min, this.shift(i, q.headOrBound()));
    }
    return min;
  }

  // A stream's timestamp on the base clock; special values stay as they are.
  private shift(i: number, t: number): number {
    return isRangeValue(t) ? t + this.offsets[i]! : t;
  }
}
