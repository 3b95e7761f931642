/**
 * MediaPipe's EarlyCloseInputStreamHandler: the Default handler's readiness over all inputs, except
 * that the node closes as soon as any one input is done (empty, bound Done), even while other
 * inputs still hold packets (they are dropped with the node).
 *
 * Why it exists: a node in a cycle waits on its back edge like on any input, and the back edge can
 * only end after the node itself closed. With this handler the node closes when its forward input
 * ends, which ends the loop (MediaPipe's accumulator graphs use it on the adder).
 *
 * Threading: owned by one node engine on one thread; not thread-safe. No allocation.
 */
import type { InputQueue } from '../input-queue.js';
import { Timestamp } from '../timestamp.js';
import { READY_FOR_CLOSE, type Readiness, SyncGroupHandler } from './sync-groups.js';

/** The EarlyClose handler (one sync set over every input). */
export class EarlyCloseHandler extends SyncGroupHandler {
  constructor(queues: readonly InputQueue[], processBounds: boolean) {
    super(queues, [Int32Array.from(queues, (_, i) => i)], processBounds, false);
  }

  override readiness(): Readiness {
    for (let i = 0; i < this.queues.length; i++) {
      const q = this.queues[i]!;
      if (q.size === 0 && q.bound >= Timestamp.Done) return READY_FOR_CLOSE;
    }
    return super.readiness();
  }
}
