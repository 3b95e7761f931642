/**
 * MediaPipe's BarrierInputStreamHandler: fires once every input holds a packet, whatever their
 * timestamps, and takes the oldest packet of each (arrival order, not timestamp matching); the
 * input timestamp is the lowest of them. The node closes as soon as any input is done.
 *
 * Difference: MediaPipe also turns off the timestamp checks of the node's inputs, for producers that
 * emit out of order; in weft every output stream keeps its timestamps increasing, so the inputs stay
 * checked (listed in the README's differences).
 *
 * Threading: owned by one node engine on one thread; not thread-safe. No allocation.
 */
import type { PacketSlot } from '../calculator-context.js';
import type { InputQueue } from '../input-queue.js';
import { Timestamp } from '../timestamp.js';
import { type InputStreamHandler, NOT_READY, READY, READY_FOR_CLOSE, type Readiness } from './sync-groups.js';

/** The Barrier handler over `queues`. */
export class BarrierHandler implements InputStreamHandler {
  timestamp: number = Timestamp.Unset;

  constructor(private readonly queues: readonly InputQueue[]) {}

  packetAdded(_input: number): void {}

  readiness(): Readiness {
    let min = Timestamp.Done;
    let missing = false;
    for (let i = 0; i < this.queues.length; i++) {
      const q = this.queues[i]!;
      if (q.size === 0) {
        if (q.closed) return READY_FOR_CLOSE;
        missing = true;
      } else if (q.headTimestamp() < min) min = q.headTimestamp();
    }
    if (missing) return NOT_READY;
    this.timestamp = min;
    return READY;
  }

  fill(slots: readonly PacketSlot[], base: number): void {
    for (let i = 0; i < this.queues.length; i++) this.queues[i]!.popInto(slots[base + i]!);
  }

  settledBound(): number {
    let min = Timestamp.Done;
    for (let i = 0; i < this.queues.length; i++) {
      const t = this.queues[i]!.headOrBound();
      if (t < min) min = t;
    }
    return min;
  }
}
