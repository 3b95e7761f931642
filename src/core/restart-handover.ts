/**
 * What a node under the `restart` policy hands from the calculator instance that failed to the
 * fresh one that replaces it (on a fresh thread): the input packets it had read and not processed,
 * each input's timestamp bound, and — under at-least-once delivery — the input set whose call
 * failed. Frames travel by reference: the handles in a hand-over are references the receiver owns.
 *
 * Threading: built on the failing node's thread, structured-cloned to the supervisor and on to the
 * new thread, replayed there before its first call.
 */
import type { InputSets } from './calculator-context.js';
import type { InputQueue } from './input-queue.js';
import { Timestamp } from './timestamp.js';

/** One carried packet: a frame's value is rebuilt from `frame` (a FrameRef does not clone). */
export interface CarriedPacket {
  readonly input: number;
  readonly timestamp: number;
  readonly value: unknown;
  /** Frame handle (a reference the receiver owns), or -1. */
  readonly frame: number;
}

/** The hand-over (see the module comment). Plain data. */
export interface RestartCarry {
  /** Per input, oldest first; the retried set, if any, first of all. */
  readonly packets: CarriedPacket[];
  /** Per input, its bound (Timestamp.Done once it ended). */
  readonly bounds: number[];
  /** Timestamp of the input set whose call failed, when it is carried to be tried once more. */
  readonly retried: number | null;
  /** Timestamp of the input set whose call failed, carried or dropped; null when no set was gathered. */
  readonly failing: number | null;
  /** Packets of the failing set that were dropped (at-most-once, or a set that failed its retry). */
  readonly dropped: number;
}

/**
 * Empties `sets` and `queues` into a hand-over. The first gathered row is the set whose call failed
 * (when there is one): carried when `retry(its timestamp)`, else its frames go to `release` and it
 * counts as dropped. Later rows and queued packets are carried in timestamp order.
 */
export function takeCarry(
  queues: readonly InputQueue[],
  sets: InputSets,
  retry: (timestamp: number) => boolean,
  release: (frame: number) => void,
): RestartCarry {
  const n = queues.length;
  const perInput: CarriedPacket[][] = queues.map(() => []);
  let dropped = 0;
  let retried: number | null = null;
  const failing = sets.filled > sets.done ? sets.timestamps[sets.done]! : null;
  const again = failing !== null && retry(failing);
  for (let row = sets.done; row < sets.filled; row++) {
    const inCall = row === sets.done;
    if (inCall && again) retried = sets.timestamps[row]!;
    for (let i = 0; i < n; i++) {
      const slot = sets.slots[row * n + i]!;
      if (slot.isEmpty) continue;
      const frame = slot.frame;
      if (inCall && !again) {
        dropped++;
        if (frame >= 0) release(frame);
      } else {
        perInput[i]!.push({
          input: i,
          timestamp: slot.timestamp,
          value: frame >= 0 ? null : slot.value,
          frame,
        });
      }
      slot.value = undefined;
      slot.frame = -1;
      slot.setEmpty(slot.timestamp);
    }
  }
  sets.done = sets.filled = 0;
  queues.forEach((q, i) => {
    q.takeAll((timestamp, value, frame) =>
      perInput[i]!.push({ input: i, timestamp, value: frame >= 0 ? null : value, frame }),
    );
  });
  return {
    packets: perInput.flat(),
    bounds: queues.map((q) => (q.closed ? Timestamp.Done : q.bound)),
    retried,
    failing,
    dropped,
  };
}

/** Packets `sets` and `queues` hold: queued, and in gathered rows not yet done (one in a call too). */
export function heldPackets(queues: readonly InputQueue[], sets: InputSets): number {
  let held = 0;
  for (const q of queues) held += q.size;
  const n = queues.length;
  for (let k = sets.done * n; k < sets.filled * n; k++) if (!sets.slots[k]!.isEmpty) held++;
  return held;
}
