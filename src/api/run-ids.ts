/**
 * The `streamId` / `frameId` of pushed samples, kept by timestamp so that outputs at the same
 * timestamp carry them out (a graph carries only timestamp and value).
 *
 * Entries are forgotten once every Pull output has settled past their timestamp (no output can
 * deliver that timestamp any more), so memory follows what is in flight, not what was pushed.
 * Samples without ids cost nothing here.
 *
 * Threading: the thread that owns the Run.
 */

import type { SampleIds } from './run-types.js';

/** Per output: the bound it settled to (no sample below it will come). */
interface Settling {
  readonly settledTo: number | undefined;
}

/** Ids by timestamp for one run. */
export class RunIds {
  private readonly byTimestamp = new Map<number, SampleIds>();
  private pruneAt = 256;

  constructor(private readonly outputs: readonly Settling[]) {}

  /** Records the ids of a sample accepted at `timestamp`. */
  note(timestamp: number, streamId: number | string | undefined, frameId: number | undefined): void {
    if (this.outputs.length === 0) return;
    this.byTimestamp.set(timestamp, { streamId, frameId });
    if (this.byTimestamp.size >= this.pruneAt) this.prune();
  }

  /** Forgets a sample that never entered the graph. */
  forget(timestamp: number): void {
    this.byTimestamp.delete(timestamp);
  }

  /** The ids at `timestamp`, if a sample with ids was pushed there. */
  at(timestamp: number): SampleIds | undefined {
    return this.byTimestamp.size === 0 ? undefined : this.byTimestamp.get(timestamp);
  }

  private prune(): void {
    let min = Number.POSITIVE_INFINITY;
    for (const o of this.outputs) min = Math.min(min, o.settledTo ?? Number.NEGATIVE_INFINITY);
    // Insertion order is push order, which is timestamp order per input: stop at the first entry
    // still in flight (entries pushed out of order across inputs go at a later prune).
    for (const ts of this.byTimestamp.keys()) {
      if (ts >= min) break;
      this.byTimestamp.delete(ts);
    }
    this.pruneAt = Math.max(256, this.byTimestamp.size * 2);
  }
}
