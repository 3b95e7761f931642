/**
 * The check of a FrameRef handed to a graph input, shared by both ways in: `Run.push` (the input
 * boundary) and `CalculatorGraph.addPacket` (the graph input streams).
 *
 * Threading: the thread that owns the run or graph (the frame pool's owner). Lifecycle: none.
 */
import { causeText, WeftError, type WeftErrorClass } from '../core/errors.js';
import type { FramePool } from '../transport/frame-pool.js';

/**
 * Throws the pool's typed error (FrameStaleError, FrameForeignError) for a handle that is not a live
 * frame of `frames`, naming the input: a bad FrameRef is refused at the call that adds it, rather
 * than failing the run when a node reads it. A few shared loads; no allocation when valid.
 */
export function checkFrameRef(frames: FramePool, handle: number, stream: string): void {
  try {
    frames.byteLength(handle);
  } catch (err) {
    if (!(err instanceof WeftError)) throw err;
    const Cls = err.constructor as WeftErrorClass;
    throw new Cls(`frame added to input "${stream}": ${causeText(err)}`, {
      stream,
      phase: 'run',
      cause: err,
    });
  }
}
