/**
 * MediaPipe's FixedSizeInputStreamHandler: the Default rule plus queue trimming, for real-time
 * graphs that would rather drop old input than fall behind.
 *
 * Default trimming (`fixedMinSize: false`): whenever some input holds `triggerQueueSize` packets or
 * more, it keeps only its newest `targetQueueSize`, and the oldest timestamp kept becomes a floor
 * for every input: packets below it are dropped on all inputs, including ones that arrive later.
 * When a set is taken, the floor is lowered to the least advanced input's newest timestamp, so a
 * complete set is never trimmed away. With `fixedMinSize: true`, trimming waits until every input
 * holds `triggerQueueSize` packets, then drops below the oldest of each input's newest
 * `targetQueueSize`; there is no floor.
 *
 * Trimming runs when a packet is queued and before each readiness check. Dropped frame packets are
 * released by their queue.
 *
 * Threading: owned by one node engine on one thread; not thread-safe.
 */
import type { PacketSlot } from '../calculator-context.js';
import type { InputQueue } from '../input-queue.js';
import { nextAllowedInStream, Timestamp } from '../timestamp.js';
import { type Readiness, SyncGroupHandler } from './sync-groups.js';

/** Default readiness with trimming. */
export class FixedSizeHandler extends SyncGroupHandler {
  readonly takesAtArrival = true;
  // MediaPipe's kept_timestamp_: the oldest timestamp trimming keeps.
  private kept: number = Timestamp.Unset;

  constructor(
    queues: readonly InputQueue[],
    processBounds: boolean,
    private readonly trigger: number,
    private readonly target: number,
    private readonly fixedMinSize: boolean,
  ) {
    super(queues, [Int32Array.from(queues, (_, i) => i)], processBounds, false);
  }

  override packetAdded(_input: number): void {
    this.trim();
  }

  override readiness(): Readiness {
    this.trim();
    return super.readiness();
  }

  override fill(slots: readonly PacketSlot[], base: number): void {
    if (!this.fixedMinSize) this.keepOne();
    super.fill(slots, base);
  }

  private trim(): void {
    if (this.fixedMinSize) this.trimAll();
    else this.trimAny();
  }

  // MediaPipe's EraseAnySurplus(keep_one = false).
  private trimAny(): void {
    const qs = this.queues;
    for (let i = 0; i < qs.length; i++) {
      const q = qs[i]!;
      const keep = q.size >= this.trigger ? this.target : this.trigger - 1;
      if (q.size > keep) {
        const first = nextAllowedInStream(q.fromNewest(keep + 1));
        if (first > this.kept) this.kept = first;
      }
    }
    if (this.kept === Timestamp.Unset) return;
    for (let i = 0; i < qs.length; i++) qs[i]!.eraseBefore(this.kept);
  }

  // MediaPipe's keep_one: never trim past the newest timestamp of the least advanced input.
  private keepOne(): void {
    const qs = this.queues;
    let min = Timestamp.Done;
    for (let i = 0; i < qs.length; i++) {
      const q = qs[i]!;
      const b = q.size > 0 ? nextAllowedInStream(q.fromNewest(1)) : q.bound;
      if (b < min) min = b;
    }
    const floor = min >= Timestamp.Min && min <= Timestamp.Max ? min - 1 : min;
    if (floor < this.kept) this.kept = floor;
  }

  // MediaPipe's EraseAllSurplus (fixed_min_size).
  private trimAll(): void {
    const qs = this.queues;
    let min = Timestamp.Max;
    for (let i = 0; i < qs.length; i++) {
      const q = qs[i]!;
      if (q.size < this.trigger) return;
      const t = q.fromNewest(this.target);
      if (t < min) min = t;
    }
    for (let i = 0; i < qs.length; i++) qs[i]!.eraseBefore(min);
  }
}
