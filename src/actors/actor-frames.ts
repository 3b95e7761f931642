/**
 * The frame pool as an actor's calculator sees it (`ctx.frames`): the pool's own calls, except that
 * an allocation that finds its size class empty shows the node as WaitingFrame while it waits (so
 * the watchdog can tell a frame stall from a busy calculator) and counts the wait as back-pressure,
 * as a full output does.
 *
 * Threading: the actor's thread.
 */
import type { FrameAccess } from '../core/calculator.js';
import { PoolExhaustedError } from '../core/errors.js';
import type { FramePool } from '../transport/frame-pool.js';
import { F_BLOCKED_MS, F_CALL_STARTED_AT, type NodeCounters, NodeState } from './node-counters.js';

/** How long a blocking allocation on a thread shared by several nodes waits before it helps them again, ms. */
const HELP_WAIT_MS = 1;

/** Frames a node's calculator has taken from the pool so far (see {@link actorFrames}). */
export interface FrameTally {
  taken: number;
}

/**
 * `ctx.frames` of node `n`. `helper` (read at each wait) is set on a thread shared by several nodes:
 * a blocking allocation runs the others while it waits, since the frames it waits for may be held
 * by a node on this very thread; it says whether anything moved. `tally` counts the slots the
 * calculator took, so that its actor can tell a source's call that made frames (see actor-turns.ts).
 */
export function actorFrames(
  pool: FramePool,
  counters: NodeCounters,
  n: number,
  helper: () => (() => boolean) | null = () => null,
  tally: FrameTally = { taken: 0 },
): FrameAccess {
  // A blocking allocation on a shared thread: tries, helps, waits briefly, until a slot comes.
  const allocHelped = (bytes: number, help: () => boolean): number => {
    for (;;) {
      const h = pool.tryAlloc(bytes);
      if (h >= 0) return h;
      if (help()) continue;
      try {
        return pool.alloc(bytes, HELP_WAIT_MS);
      } catch (err) {
        if (!(err instanceof PoolExhaustedError)) throw err;
      }
    }
  };
  // The exhausted-pool path only: allocates closures.
  const waitForFrame = <T extends number | Promise<number>>(wait: () => T): T => {
    const c = counters;
    c.setState(n, NodeState.WaitingFrame);
    const t0 = performance.now();
    const done = () => {
      c.f64[c.field(n, F_BLOCKED_MS)]! += performance.now() - t0;
      // The stuck-call clock measures the calculator's own time: restart it after the wait.
      const started = c.field(n, F_CALL_STARTED_AT);
      if (c.f64[started] !== 0) c.f64[started] = Date.now();
      c.setState(n, NodeState.Running);
    };
    let r: T;
    try {
      r = wait();
    } catch (err) {
      done();
      throw err;
    }
    if (r instanceof Promise) return r.finally(done) as T;
    done();
    return r;
  };
  return {
    alloc: (bytes) => {
      let h = pool.tryAlloc(bytes);
      if (h < 0) {
        const help = helper();
        h = waitForFrame(() => (help === null ? pool.alloc(bytes) : allocHelped(bytes, help)));
      }
      tally.taken++;
      return h;
    },
    tryAlloc: (bytes) => {
      const h = pool.tryAlloc(bytes);
      if (h >= 0) tally.taken++;
      return h;
    },
    allocAsync: async (bytes, timeoutMs) => {
      const h = pool.tryAlloc(bytes);
      const slot = h >= 0 ? h : await waitForFrame(() => pool.allocAsync(bytes, timeoutMs));
      tally.taken++;
      return slot;
    },
    bytes: (h) => pool.bytes(h),
    byteLength: (h) => pool.byteLength(h),
    isValid: (h) => pool.isValid(h),
    retain: (h) => pool.retain(h),
    release: (h) => pool.release(h),
    descriptor: pool.descriptor,
  };
}
