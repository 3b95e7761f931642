/**
 * MediaPipe's MuxInputStreamHandler: the control stream (tag `SELECT`, else the last input) says at
 * each of its timestamps which data input to take; the other data inputs are never waited for.
 *
 * Rule: let c be the control's head timestamp (or its bound when empty). Data packets below c can
 * never be selected and are dropped, on every check (so an unselected input's queue cannot fill
 * up). With the control empty the node waits, or closes once the control is done: the data inputs'
 * ends do not matter. With a control packet at c whose value is v, the v-th data input decides:
 * ready when it holds a packet (at c or later: later means "nothing at c"), or when its bound has
 * passed c; otherwise wait. The set holds the control packet, the selected input's packet at c if
 * any, and empty packets elsewhere; then data below c + 1 is dropped.
 *
 * Threading: owned by one node engine on one thread; not thread-safe. No allocation.
 */
import type { PacketSlot } from '../calculator-context.js';
import { InvalidArgumentError } from '../errors.js';
import type { InputQueue } from '../input-queue.js';
import { Timestamp } from '../timestamp.js';
import { type InputStreamHandler, NOT_READY, READY, READY_FOR_CLOSE, type Readiness } from './sync-groups.js';

/** The Mux handler over `queues`; `control` is the index of the control input. */
export class MuxHandler implements InputStreamHandler {
  timestamp: number = Timestamp.Unset;
  private selected = -1;

  constructor(
    private readonly queues: readonly InputQueue[],
    private readonly control: number,
    private readonly node: string,
  ) {}

  packetAdded(_input: number): void {}

  readiness(): Readiness {
    const ctl = this.queues[this.control]!;
    const c = ctl.headOrBound();
    this.eraseDataBefore(c);
    if (ctl.size === 0) return ctl.closed ? READY_FOR_CLOSE : NOT_READY;
    const d = this.dataInput(ctl.peekValue());
    const q = this.queues[d]!;
    if (q.size === 0 && q.bound <= c) return NOT_READY;
    this.selected = d;
    this.timestamp = c;
    return READY;
  }

  fill(slots: readonly PacketSlot[], base: number): void {
    const c = this.timestamp;
    for (let i = 0; i < this.queues.length; i++) {
      const q = this.queues[i]!;
      const slot = slots[base + i]!;
      const take = i === this.control || i === this.selected;
      if (take && q.size > 0 && q.headTimestamp() === c) q.popInto(slot);
      else q.fillEmpty(slot);
    }
    this.eraseDataBefore(c + 1);
  }

  settledBound(): number {
    return this.queues[this.control]!.headOrBound();
  }

  private eraseDataBefore(t: number): void {
    if (t <= Timestamp.Min) return;
    for (let i = 0; i < this.queues.length; i++) if (i !== this.control) this.queues[i]!.eraseBefore(t);
  }

  // The data input a control value selects: the v-th input other than the control.
  private dataInput(v: unknown): number {
    const n = this.queues.length - 1;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= n) {
      throw new InvalidArgumentError(
        `MuxInputStreamHandler: the control packet selects input ${String(v)}, not an integer in 0..${n - 1}`,
        { node: this.node, stream: this.queues[this.control]!.stream, phase: 'process' },
      );
    }
    return v < this.control ? v : v + 1;
  }
}
