/**
 * The readiness rule shared by the Default, Immediate and SyncSet handlers: inputs are split into
 * sync groups, each synchronised like MediaPipe's `SyncSet`.
 *
 * Per group: minPacket = smallest head timestamp among its non-empty inputs, minBound = smallest
 * bound among its empty inputs. The group is done when min(minPacket, minBound) ≥ OneOverPostStream;
 * ready when minBound > minPacket (input timestamp = minPacket); with `processTimestampBounds` also
 * for every newly settled timestamp: min(minPacket, minBound − 1) above the last one it fired for.
 *
 * Across groups the lowest ready timestamp wins (first group on a tie). Default has one group;
 * SyncSet its declared groups plus one for the rest, filling one group per call; Immediate one
 * group per input, filling every group ready at the winning timestamp (as MediaPipe does). Inputs
 * outside the filled groups get empty packets at their (head or bound) − 1.
 *
 * Immediate without `processTimestampBounds` also makes one call, every input empty, when an input
 * ends while others are open and no set is ready (MediaPipe's `stream_became_done`, which it keeps
 * for backward compatibility), at the lowest bound of the others; an end seen along with a ready set
 * is folded into that set's call, as there.
 *
 * Back edges take part like any other input, as in MediaPipe.
 *
 * Threading: owned by one node engine on one thread; not thread-safe. No allocation after
 * construction.
 */
import type { PacketSlot } from '../calculator-context.js';
import type { InputQueue } from '../input-queue.js';
import { previousAllowedInStream, Timestamp } from '../timestamp.js';

/** Nothing to do now. */
export const NOT_READY = 0;
/** An input set is ready: see `timestamp`, then call `fill`. */
export const READY = 1;
/** Every input is done (and its packets consumed): close the node. */
export const READY_FOR_CLOSE = 2;
/** What {@link InputStreamHandler.readiness} returns. */
export type Readiness = typeof NOT_READY | typeof READY | typeof READY_FOR_CLOSE;

/**
 * Decides when `process` runs and which packets it sees.
 * Threading: one engine's thread; not thread-safe.
 */
export interface InputStreamHandler {
  /**
   * True when the node must take its next input set as soon as it arrives while the node is idle,
   * as MediaPipe's scheduler does, rather than when the owner next runs it: the FixedSize handler
   * trims only what arrives while the node works.
   */
  readonly takesAtArrival?: boolean;
  /** Called after a packet was queued on `input` (the FixedSize handler trims here). */
  packetAdded(input: number): void;
  /** Looks for the next input set. Does not consume anything. */
  readiness(): Readiness;
  /** The input timestamp of the set the last `readiness()` found. */
  readonly timestamp: number;
  /**
   * Moves the set found by the last `readiness()` into `slots[base + i]` (one slot per input);
   * inputs without a packet at the timestamp get an empty packet. Call only right after READY.
   */
  fill(slots: readonly PacketSlot[], base: number): void;
  /**
   * The lowest timestamp not yet settled on the inputs: min over heads of non-empty queues and
   * bounds of empty blocking ones; Done when there is none. With `processTimestampBounds`, no higher
   * than the next timestamp settled by bounds alone that the node is still to be called at. Output
   * bounds follow it with an offset.
   */
  settledBound(): number;
}

// A group's state in `candidates`: waiting, done, or the timestamp it is ready at.
const WAITING = Timestamp.Unset;
const DONE = Timestamp.Done;

/** Default, Immediate and SyncSet handlers. */
export class SyncGroupHandler implements InputStreamHandler {
  timestamp: number = Timestamp.Unset;
  private readonly candidates: Float64Array;
  private readonly last: Float64Array;
  private chosen = -1;
  // Immediate without processTimestampBounds: 1 once a group's end was shown to a call (see above).
  private readonly endShown: Uint8Array | null;
  private endCall = false;

  /**
   * `groups`: input positions per group (every input in exactly one). `fillAllAtTimestamp`: fill
   * every group ready at the winning timestamp (Immediate) instead of only the first (SyncSet).
   */
  constructor(
    protected readonly queues: readonly InputQueue[],
    private readonly groups: readonly Int32Array[],
    private readonly processBounds: boolean,
    private readonly fillAllAtTimestamp: boolean,
  ) {
    this.candidates = new Float64Array(groups.length);
    this.last = new Float64Array(groups.length).fill(Timestamp.Unset);
    this.endShown = fillAllAtTimestamp && !processBounds ? new Uint8Array(groups.length) : null;
  }

  packetAdded(_input: number): void {}

  readiness(): Readiness {
    let chosen = -1;
    let best = DONE;
    let allDone = true;
    let ended = false;
    const shown = this.endShown;
    for (let g = 0; g < this.groups.length; g++) {
      const c = this.candidate(g);
      this.candidates[g] = c;
      if (c === DONE) {
        if (shown !== null && shown[g] === 0) ended = true;
        continue;
      }
      allDone = false;
      if (c !== WAITING && (chosen < 0 || c < best)) {
        chosen = g;
        best = c;
      }
    }
    this.chosen = chosen;
    this.endCall = false;
    if (chosen >= 0) {
      this.timestamp = best;
      return READY;
    }
    if (allDone) return READY_FOR_CLOSE;
    if (!ended) return NOT_READY;
    this.endCall = true;
    this.timestamp = this.settledBound();
    return READY;
  }

  fill(slots: readonly PacketSlot[], base: number): void {
    const ts = this.timestamp;
    const shown = this.endShown;
    if (shown !== null)
      for (let g = 0; g < this.groups.length; g++) if (this.candidates[g] === DONE) shown[g] = 1;
    if (this.endCall) {
      for (let i = 0; i < this.queues.length; i++) this.queues[i]!.fillEmpty(slots[base + i]!);
      return;
    }
    for (let g = 0; g < this.groups.length; g++) {
      const take = g === this.chosen || (this.fillAllAtTimestamp && this.candidates[g] === ts);
      if (take) this.last[g] = ts;
      const group = this.groups[g]!;
      for (let k = 0; k < group.length; k++) {
        const i = group[k]!;
        const q = this.queues[i]!;
        const slot = slots[base + i]!;
        if (take && q.size > 0 && q.headTimestamp() === ts) q.popInto(slot);
        else q.fillEmpty(slot);
      }
    }
  }

  settledBound(): number {
    let min = Timestamp.Done;
    for (let i = 0; i < this.queues.length; i++) {
      const q = this.queues[i]!;
      const t = q.size > 0 ? q.headTimestamp() : q.bound;
      if (t < min) min = t;
    }
    if (!this.processBounds) return min;
    // A timestamp settled by a bound alone and not called at yet lies below the inputs' bound; its
    // call may still emit there (MediaPipe's bound after Process(t) is t + 1 + offset).
    for (let g = 0; g < this.groups.length; g++) {
      const c = this.candidate(g);
      if (c !== WAITING && c < min) min = c;
    }
    return min;
  }

  // MediaPipe's SyncSet::GetReadiness, without side effects: `last` moves only when a set is filled.
  private candidate(g: number): number {
    const group = this.groups[g]!;
    let minPacket = Timestamp.Done;
    let minBound = Timestamp.Done;
    for (let k = 0; k < group.length; k++) {
      const q = this.queues[group[k]!]!;
      if (q.size > 0) {
        const t = q.headTimestamp();
        if (t < minPacket) minPacket = t;
      } else if (q.bound < minBound) {
        minBound = q.bound;
      }
    }
    if (minPacket >= Timestamp.OneOverPostStream && minBound >= Timestamp.OneOverPostStream) return DONE;
    if (!this.processBounds) return minBound > minPacket ? minPacket : WAITING;
    // previousAllowedInStream skips PostStream, so a lone PostStream packet is settled explicitly.
    const settled =
      minPacket === Timestamp.PostStream && minBound > minPacket
        ? minPacket
        : previousAllowedInStream(minBound);
    const ts = Math.min(minPacket, settled);
    return ts > Math.max(this.last[g]!, Timestamp.Unstarted) ? ts : WAITING;
  }
}
