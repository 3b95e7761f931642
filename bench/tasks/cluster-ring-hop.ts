/**
 * Task module for `cluster.hop.ring`: the in-process hop a Redis hop replaces. A producer thread
 * copies a camera frame into a slot of the shared pool and pushes its handle on a ring; a consumer
 * thread pops it, reads the frame in place and releases the slot. The clock runs from the
 * producer's first frame to the consumer's last.
 *
 * Threading: each export runs inside its own bench worker thread.
 */
import { FramePool, type FramePoolDescriptor } from '../../src/transport/frame-pool.js';
import { RecordKind, type RingDescriptor, RingReader, RingWriter } from '../../src/transport/ring-queue.js';

/** Arguments of both sides. */
export interface RingHopArgs {
  readonly ring: RingDescriptor;
  readonly pool: FramePoolDescriptor;
  readonly count: number;
  readonly bytes: number;
}

const nowMs = () => performance.timeOrigin + performance.now();

/** Producer: copies and pushes `count` frames; returns when it started (epoch ms). */
export function produce(a: RingHopArgs): number {
  const pool = FramePool.attach(a.pool);
  const w = new RingWriter(a.ring);
  const frame = new Uint8Array(a.bytes).map((_, i) => i & 0xff);
  const t0 = nowMs();
  for (let i = 0; i < a.count; i++) {
    const h = pool.alloc(a.bytes);
    pool.bytes(h).set(frame);
    w.pushFrame(i, h);
  }
  w.close();
  return t0;
}

/** Consumer: pops every frame, touches it, releases it; returns when it finished (epoch ms). */
export function consume(a: RingHopArgs): {
  readonly end: number;
  readonly frames: number;
  readonly sum: number;
} {
  const pool = FramePool.attach(a.pool);
  const r = new RingReader(a.ring);
  let frames = 0;
  let sum = 0;
  for (let k = r.pop(); k !== RecordKind.End; k = r.pop()) {
    if (k !== RecordKind.Packet) continue;
    const b = pool.bytes(r.frame);
    sum += b[frames % a.bytes]!;
    pool.release(r.frame);
    frames++;
  }
  return { end: nowMs(), frames, sum };
}
