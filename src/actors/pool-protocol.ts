/**
 * The pool calculator's wire types, between the thread that owns a piscina pool
 * (`pool-threads.ts`) and the pool's threads (`src/actors/pool-worker.ts`), plus the signature of
 * the user's per-frame function. Types only, no logic: both sides read them, and neither side's code
 * may be pulled into the other.
 *
 * A task carries a frame *handle* (an integer into the shared frame pool), never the frame's bytes:
 * the pool thread attaches the pool once, from the descriptor in its workerData, and reads the frame
 * in place.
 */
import type { SerializedError } from '../core/errors.js';
import type { FramePool, FramePoolDescriptor } from '../transport/frame-pool.js';

/**
 * The workerData of every thread of a pool: piscina clones it into each thread it starts. The
 * descriptor's SharedArrayBuffers are shared with the threads, not copied.
 */
export interface PoolWorkerData {
  /** Marks a pool thread, so the worker entry serves piscina instead of running a spawnTask task. */
  readonly weftPool: 1;
  /** The frame pool that input handles point into and result frames are allocated from. */
  readonly frames: FramePoolDescriptor;
  /** File URL of the user's module. */
  readonly module: string;
  /** The export of that module that is the per-frame function. */
  readonly exportName: string;
}

/**
 * What a pool thread tells its owner, through its parent port, when it fails outside a reply (piscina
 * hands such a message to the pool's 'message' listeners; its own messages are told apart by a key
 * of theirs). Posted before the thread ends, so it reaches the owner before the thread's exit does.
 *
 * - `stray`: an error thrown from a timer or a promise nobody awaited (the thread then ends);
 * - `clone`: the reply to the task at `timestamp` could not be structured-cloned (the thread then
 *   ends: the reply is lost, and only the thread's end settles the task);
 * - `exit`: the thread is exiting with `code` (`process.exit` in the user's code).
 *
 * `timestamp`: the task running on the thread then (for `clone`, the one whose reply failed), or
 * null between tasks (and during a probe).
 */
export interface PoolFault {
  readonly weftPoolFault: 'stray' | 'clone' | 'exit';
  readonly timestamp: number | null;
  readonly error?: SerializedError;
  readonly code?: number;
}

/**
 * One task: a frame packet (`handle` ≥ 0, `value` undefined) or a structured value (`handle` -1).
 * The sender holds a reference to the frame until the task's reply has arrived.
 */
export interface PoolTask {
  readonly handle: number;
  readonly value: unknown;
  readonly timestamp: number;
  /**
   * True for a probe: the thread only loads the user's function and replies, so that a missing
   * module or export fails the calculator's `open` rather than its first packet.
   */
  readonly probe?: boolean;
}

/**
 * A task's outcome. `frame` ≥ 0: the function returned a FrameRef, and the reply hands over that one
 * reference to the receiver. Otherwise `value` is the function's (structured-cloned) result. An
 * error is serialized by code so that the receiver rebuilds its class, code and cause chain.
 */
export type PoolReply =
  | { readonly ok: true; readonly frame: number; readonly value: unknown }
  | { readonly ok: false; readonly error: SerializedError };

/**
 * What the user's function receives besides its input, made afresh for each task.
 *
 * Threading: the pool thread that runs the function. `frames` is that thread's own attachment of
 * the pool (a FramePool object belongs to the thread that made it): hand another thread a frame's
 * handle, never this object. Lifecycle: `frame`'s reference is held by the calculator until the
 * task's reply arrives; `frames` lives as long as the pool thread.
 */
export interface PoolCall {
  /** The packet's timestamp (µs). */
  readonly timestamp: number;
  /** The input frame's handle, or -1 for a value packet. The reference belongs to the caller. */
  readonly frame: number;
  /**
   * The shared frame pool, attached on this thread: allocate a result frame here and return
   * `new FrameRef(handle)` to emit it (the reference passes to the calculator). To emit the input
   * frame itself, `frames.retain(call.frame)` first.
   */
  readonly frames: FramePool;
}

/**
 * A plain per-frame function run by PoolCalculator on a pool thread. `input` is a zero-copy,
 * exact-length view of the frame's bytes for a frame packet (valid only until the function returns
 * or its promise settles), or the packet's structured-cloned value otherwise. It returns (or
 * resolves to) a structured-cloneable value, or a FrameRef of a frame it allocated in `call.frames`.
 * A typed array over shared memory returned as the result (e.g. `input` itself) is copied, as it
 * would otherwise alias a pool slot that may be reused; inside a returned object it is not copied,
 * so do not return views of the frame there. A FrameRef nested inside a returned value is cloned as
 * a plain object, not treated as a frame.
 * A throw fails the run; the error's class and `code` reach the calculator rebuilt.
 */
export type PoolFunction = (input: unknown, call: PoolCall) => unknown;
