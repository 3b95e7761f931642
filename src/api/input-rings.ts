/**
 * The rings of one Push input of a Run: one per node that consumes the graph input, each fed the
 * same samples in the same order — by the input boundary's pump, or, when a single node consumes
 * the input, straight by the boundary's fast path (`single`).
 *
 * Threading: the thread that owns the Run, the rings' one producer. Lifecycle: created with the
 * input boundary at start-up, from the rings the supervisor planned; `close()` (idempotent) ends
 * them, after which nothing is published.
 */
import { type RingDescriptor, RingWriter } from '../transport/ring-queue.js';

/** The ring writers of one Push input. See the module comment. */
export class InputRings {
  /** One writer per consuming node. */
  readonly writers: readonly RingWriter[];
  /** The only writer when one node consumes the input (the fast path writes to it), else null. */
  readonly single: RingWriter | null;
  /** The largest payload (bytes) every ring carries inline. */
  readonly maxInline: number;
  private isClosed = false;

  /** @param records the packets each ring may hold (see `queueSplit`). */
  constructor(rings: readonly RingDescriptor[], records: number) {
    this.writers = rings.map((d) => {
      const w = new RingWriter(d);
      // The pump's waits run in the background: a push the caller awaits holds the loop instead.
      w.holdsEventLoop = false;
      return w;
    });
    this.single = this.writers.length === 1 ? this.writers[0]! : null;
    this.maxInline = Math.min(...rings.map((d) => d.maxInlineBytes));
    for (const w of this.writers) w.limitRecords(records);
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** The most samples any consuming node holds: in its ring, queued, or in its current call. */
  get held(): number {
    let ring = 0;
    for (const w of this.writers) ring = Math.max(ring, w.heldRecords);
    return ring;
  }

  /** A ring that has no room for one more sample, or null when every one has. */
  withoutRoom(): RingWriter | null {
    for (const w of this.writers) if (!w.hasRecordRoom) return w;
    return null;
  }

  /** Publishes what was written since the last flush (a no-op once closed). */
  flush(): void {
    if (this.isClosed) return;
    for (const w of this.writers) w.flush();
  }

  /** Ends every ring: the consuming nodes see the input close. Idempotent. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const w of this.writers) w.close();
  }
}
