/**
 * Worker side of the frame-relay demo: a synthetic camera and an analyzer, each in its own thread.
 * Frames stay in the shared pool; only handles cross the ring between them.
 */
import { FramePool, type FramePoolDescriptor } from '../transport/frame-pool.js';
import { RecordKind, type RingDescriptor, RingReader, RingWriter } from '../transport/ring-queue.js';

/** Arguments of {@link camera}. */
export interface CameraArgs {
  pool: FramePoolDescriptor;
  out: RingDescriptor;
  /** Int32 cell: the main thread stores 1 to stop the camera. */
  stop: SharedArrayBuffer;
  width: number;
  height: number;
}

/** Microseconds since the epoch, as an integer: the packets' timestamps (MediaPipe convention). */
function nowUs(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

/** Renders frames into pool slots and pushes their handles until told to stop; returns frames sent. */
export function camera(args: CameraArgs): number {
  const pool = FramePool.attach(args.pool);
  const out = new RingWriter(args.out);
  const stop = new Int32Array(args.stop);
  const rowBytes = args.width * 4;
  const frameBytes = rowBytes * args.height;
  let ts = 0;
  let seq = 0;
  while (Atomics.load(stop, 0) === 0) {
    // Back-pressure: blocks while every slot is in flight, so memory stays bounded.
    const h = pool.alloc(frameBytes);
    const px = pool.bytes(h);
    // A moving gradient, one memset per row: cheap to draw, different in every frame.
    for (let y = 0; y < args.height; y++) px.fill((y + seq) & 255, y * rowBytes, (y + 1) * rowBytes);
    ts = Math.max(ts + 1, nowUs());
    out.pushFrame(ts, h);
    // Publish each frame at once: a frame is worth far more than the cost of one shared store.
    out.flush();
    seq++;
  }
  out.close();
  return seq;
}

/** Arguments of {@link analyzer}. */
export interface AnalyzerArgs {
  pool: FramePoolDescriptor;
  in: RingDescriptor;
  out: RingDescriptor;
}

/** Reads each frame in place (no copy), pushes its mean brightness with the frame's timestamp. */
export function analyzer(args: AnalyzerArgs): number {
  const pool = FramePool.attach(args.pool);
  const input = new RingReader(args.in);
  const out = new RingWriter(args.out);
  let n = 0;
  for (let k = input.pop(); k !== RecordKind.End; k = input.pop()) {
    if (k !== RecordKind.Packet) continue;
    const h = input.frame;
    const px = pool.bytes(h);
    const len = pool.byteLength(h);
    let sum = 0;
    let count = 0;
    // Sample one byte in 509 (a prime, so the sample walks across rows and channels).
    for (let i = 0; i < len; i += 509, count++) sum += px[i]!;
    pool.release(h);
    out.pushNumber(input.timestamp, sum / count);
    out.flush();
    n++;
  }
  out.close();
  return n;
}
