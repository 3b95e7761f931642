/**
 * Records a node on a shared thread could not write yet: the ring is full and its consumer lives on
 * the same thread but cannot run now (its call is in flight, awaiting a promise that only this
 * thread's event loop can settle, or it is further up the call stack). Waiting would never end, so
 * the records wait here, in order per ring, and the node takes no turn until they are written
 * (see executor-host.ts): memory stays bounded by what one call emits, as Flink's chained operators
 * hand records on without a queue.
 *
 * Threading: the node's thread. Allocates a record per spilled write: the slow path only.
 */
import { RingClosedError } from '../core/errors.js';
import type { FramePool } from '../transport/frame-pool.js';
import type { RingWriter } from '../transport/ring-queue.js';

/** What a spilled record is. */
export const SpillKind = Object.freeze({ Number: 0, Frame: 1, Value: 2, Bound: 3, Close: 4 } as const);
export type SpillKind = (typeof SpillKind)[keyof typeof SpillKind];

interface SpilledRecord {
  readonly kind: SpillKind;
  /** The packet's timestamp, or the bound. */
  readonly ts: number;
  /** The number, frame handle or value. */
  readonly value: unknown;
}

/** See the module comment. */
export class SpillQueue {
  private readonly queues = new Map<RingWriter, SpilledRecord[]>();

  /** True when nothing waits. */
  get empty(): boolean {
    return this.queues.size === 0;
  }

  /** True when records wait for `w`: later writes to it must queue behind them. */
  holds(w: RingWriter): boolean {
    return this.queues.has(w);
  }

  /** Queues a record for `w` (a frame keeps the reference handed over with it). */
  add(w: RingWriter, kind: SpillKind, ts: number, value: unknown): void {
    let q = this.queues.get(w);
    if (q === undefined) this.queues.set(w, (q = []));
    q.push({ kind, ts, value });
  }

  /**
   * Writes what fits, oldest first per ring, and publishes it; true once nothing waits. A ring its
   * consumer abandoned (the run is stopping) drops its records, frames released: the node's own
   * next write to it reports the closed ring, as it would on a thread of its own.
   */
  flush(pool: FramePool): boolean {
    for (const [w, q] of this.queues) {
      let n = 0;
      try {
        while (n < q.length && write(w, q[n]!)) n++;
      } catch (err) {
        // Only a closed ring is expected here: payloads were checked when they were spilled.
        if (!(err instanceof RingClosedError)) throw err;
        this.release(pool, q.slice(n));
        n = q.length;
      }
      if (n > 0) w.flush();
      if (n === q.length) this.queues.delete(w);
      else q.splice(0, n);
    }
    return this.queues.size === 0;
  }

  /** Drops everything (the node failed or stopped), releasing the frames. */
  clear(pool: FramePool): void {
    for (const q of this.queues.values()) this.release(pool, q);
    this.queues.clear();
  }

  private release(pool: FramePool, records: readonly SpilledRecord[]): void {
    for (const r of records) {
      const h = r.value as number;
      if (r.kind === SpillKind.Frame && pool.isValid(h)) pool.release(h);
    }
  }
}

function write(w: RingWriter, r: SpilledRecord): boolean {
  switch (r.kind) {
    case SpillKind.Number:
      return w.tryPushNumber(r.ts, r.value as number);
    case SpillKind.Frame:
      return w.tryPushFrame(r.ts, r.value as number);
    case SpillKind.Value:
      return w.tryPushValue(r.ts, r.value);
    case SpillKind.Bound:
      return w.tryPushBound(r.ts);
    default:
      w.close();
      return true;
  }
}
