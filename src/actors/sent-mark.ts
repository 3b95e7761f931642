/**
 * Which input set's call last sent a packet downstream, for a node whose restart policy drops the
 * set of a failing call (`resume`, `restart`): a dropped set counts as lost only when its call sent
 * nothing (`StageStats.lost`), since what it sent before it failed is delivered — counting that set
 * lost too would count it twice (delivered + lost would exceed what was sent).
 *
 * The sink calls {@link SentMark.onPacket} with each packet the node emits: a few compares per
 * packet, no allocation, and writes only on the first packet of a set's call (its timestamp, and how
 * many packets the set had). Calls with no input set (`open`, `close`, wake calls) are not marked.
 *
 * Threading: the node's thread. The marks are plain stores into `marks` — shared memory under
 * `restart` (restart-state.ts), which the supervisor reads once the thread has exited.
 */
import type { NodeEngine } from '../core/node-engine.js';
import { Timestamp } from '../core/timestamp.js';

/** See the module comment. */
export class SentMark {
  /**
   * `marks[0]`: the timestamp of the set whose call last sent a packet (NaN: none); `marks[1]`: the
   * packets in that set.
   */
  constructor(
    private readonly engine: NodeEngine,
    private readonly marks: Float64Array,
  ) {}

  /** The sink emitted a packet (see the module comment). */
  readonly onPacket = (): void => {
    const ts = this.engine.callTimestamp;
    if (ts === this.marks[0] || ts === Timestamp.Unstarted || ts === Timestamp.Done) return;
    this.marks[0] = ts;
    this.marks[1] = this.engine.callSetPackets();
  };

  /**
   * For a failed call that is dropped: the packets it costs, those of its input set, or 0 when the
   * call had sent a packet (see the module comment) or had no set.
   */
  droppedByCall(): number {
    return this.marks[0] === this.engine.callTimestamp ? 0 : this.engine.callSetPackets();
  }
}
