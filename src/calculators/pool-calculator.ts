/**
 * PoolCalculator: runs a plain per-frame function (not a calculator) on a piscina pool, seed 004's
 * CPU "sync" mode — one loop handing each frame to a thread pool — with frames passed by handle.
 *
 * Threading: the definition is plain data plus functions; an instance runs on its actor's thread
 * and owns one {@link PoolThreads} (its threads are children of the actor's thread and end with it).
 */
import { resourceLimits } from 'node:worker_threads';
import type { CalculatorContext, FrameAccess } from '../core/calculator.js';
import { defineCalculator } from '../core/calculator.js';
import {
  bareMessage,
  CalculatorError,
  errorClassOf,
  InvalidArgumentError,
  OutOfMemoryError,
  WorkerExitError,
} from '../core/errors.js';
import { nextAllowedInStream } from '../core/timestamp.js';
import type { FramePoolDescriptor } from '../transport/frame-pool.js';
import { type PoolFrames, PoolThreads } from './pool-threads.js';

export type { PoolCall, PoolFunction } from '../actors/pool-protocol.js';

/** Options of {@link PoolCalculator}. Plain data, structured-cloneable; any thread. */
export interface PoolOptions {
  /** The user's module: a `file:` URL, or a path resolved against the working directory. Required. */
  readonly module: string;
  /** The export that is the per-frame function (a {@link PoolFunction}). Default 'default'. */
  readonly exportName: string;
  /** Pool threads, started in `open` and kept until `close`. Default 2. */
  readonly threads: number;
  /** Packets handed to the pool and not yet emitted, at most. Default 0: 2 × threads. */
  readonly maxInFlight: number;
}

// An input packet's place in the output order, and its result once the pool replied.
interface Slot {
  readonly timestamp: number;
  done: boolean;
  frame: number;
  value: unknown;
  settled: Promise<void>;
}

/**
 * Runs a {@link PoolFunction} from a user's module on each input packet, in a pool of `threads`
 * piscina threads, and emits its results in input order at the input timestamps.
 *
 * - Input: untagged, one stream of frame packets (the function gets a zero-copy view of the frame's
 *   bytes: only the handle crosses to the pool thread) or structured values (cloned to the thread).
 * - Output: untagged, one stream: the function's value, or the frame it allocated and returned as a
 *   FrameRef, at the timestamp of the input it came from.
 * - Order: results wait in a reorder buffer. A finished task asks for a wake call
 *   (`ctx.waker()`), which emits every finished result at the head of the order; a result behind an
 *   unfinished one waits for it.
 * - Back-pressure: while `maxInFlight` packets are in the buffer (running, queued, or finished but
 *   behind an unfinished one), `process` awaits the oldest before taking the next, so the node's
 *   input queue fills and upstream slows down.
 * - Timestamps: `timestampOffset: null`; after every call the output bound is the oldest buffered
 *   timestamp, or past the input's settled timestamp when the buffer is empty, so downstream joins
 *   never wait on a timestamp that will carry nothing.
 * - Frames: an input frame is retained while its task runs and released when it replies.
 * - Lifecycle: `open` starts the threads and loads the function in one of them (a missing module or
 *   export fails `open`). `close` awaits every buffered task, emits the results, and ends the
 *   threads.
 * - Failures: the first one fails the run in phase `process` (where the task was submitted, also
 *   when `close` is what waits for it), naming the node and the task's timestamp: CalculatorError
 *   when the function threw (cause: its error rebuilt with its class and code), when its result
 *   cannot be copied back (cause: CodecError), or when a pool thread threw outside a task (a timer,
 *   a promise nobody awaited); WorkerExitError when a pool thread exited; OutOfMemoryError when one
 *   outgrew the node's heap limit, which every pool thread gets. At that failure the pool is closed
 *   at once (tasks still running are ended, so nothing waits on a thread that will never answer)
 *   and every result frame not emitted is released; the run hears of it through the call in
 *   progress or a wake call. A close after that failure does not report it again.
 * - Threading: the instance runs on its actor's thread; the function runs on the pool's threads,
 *   one packet at a time per thread, so it may keep per-thread state but must not rely on which
 *   thread sees which packet. A pool thread's event loop turns between tasks, so its timers run.
 */
const PoolCalculator = defineCalculator<PoolOptions>({
  name: 'PoolCalculator',
  description:
    'Runs a plain function from your module on a piscina pool of threads inside the actor: frames reach it by handle, results leave in input order.',
  contract: {
    inputs: { '': 'one' },
    outputs: { '': 'one' },
    options: { module: '', exportName: 'default', threads: 2, maxInFlight: 0 },
    validateOptions: (o) => {
      if (typeof o.module !== 'string' || o.module === '') return 'module must be a file URL or a path';
      if (typeof o.exportName !== 'string' || o.exportName === '') return 'exportName must be a name';
      if (!Number.isSafeInteger(o.threads) || o.threads < 1 || o.threads > 1024) {
        return `threads must be an integer in [1, 1024], not ${o.threads}`;
      }
      if (!Number.isSafeInteger(o.maxInFlight) || o.maxInFlight < 0) {
        return `maxInFlight must be an integer ≥ 0 (0: 2 × threads), not ${o.maxInFlight}`;
      }
      return undefined;
    },
    timestampOffset: null,
    // Bound-only input updates call `process` too, so the output bound follows the input.
    processTimestampBounds: true,
  },
  create: () => {
    let threads: PoolThreads | null = null;
    let frames: PoolFrames | null = null;
    let node = '';
    let phase: 'open' | 'process' = 'open';
    let limit = 0;
    let wake: () => void = () => {};
    const order: Slot[] = [];
    // The first failure, the node's error; `reported` once it failed a call.
    let failure: { error: unknown; reported: boolean } | null = null;
    // The pool's close: begun by the first failure, else by `close` once every task settled.
    let closed: Promise<void> | null = null;

    // A task or a pool thread failed: the node's failure, and the pool closes now, which settles
    // every task still pending (a wait on one of them ends), whether its thread answers or not.
    function poolFailed(err: unknown): void {
      if (failure !== null) return;
      failure = { error: nodeFailure(node, phase, err), reported: false };
      void closeThreads();
      wake();
    }

    function closeThreads(): Promise<void> {
      closed ??= threads === null ? Promise.resolve() : threads.close();
      return closed;
    }

    function submit(frame: number, value: unknown, timestamp: number): void {
      const slot: Slot = { timestamp, done: false, frame: -1, value: undefined, settled: Promise.resolve() };
      // Allocates the slot and the task's promises: one per packet, next to a pool round trip.
      slot.settled = threads!.run(frame, value, timestamp).then((r) => {
        slot.done = true;
        slot.frame = r.frame;
        slot.value = r.value;
        wake();
      }, poolFailed);
      order.push(slot);
    }

    // Emits every finished result at the head of the order.
    function emitReady(ctx: CalculatorContext<PoolOptions>): void {
      const out = ctx.output(0);
      while (order.length > 0 && order[0]!.done) {
        const s = order.shift()!;
        if (s.frame >= 0) out.addFrame(s.frame, s.timestamp);
        else out.add(s.value, s.timestamp);
      }
    }

    function raiseBound(ctx: CalculatorContext<PoolOptions>): void {
      const out = ctx.output(0);
      const b = order.length > 0 ? order[0]!.timestamp : nextAllowedInStream(ctx.input(0).timestamp);
      if (b > out.nextTimestampBound) out.setNextTimestampBound(b);
    }

    // Closes the pool (tasks not finished are dropped) and releases unemitted frames.
    async function teardown(): Promise<void> {
      await closeThreads();
      await Promise.all(order.map((s) => s.settled));
      for (const s of order) if (s.done && s.frame >= 0) frames!.release(s.frame);
      order.length = 0;
    }

    // Reports the first error, once the pool is closed and no frame is left referenced.
    async function fail(error: unknown): Promise<never> {
      failure ??= { error, reported: false };
      failure.reported = true;
      // A second error while tearing down would only hide the first, which is the one to report.
      await teardown().catch(() => {});
      throw failure.error;
    }

    // Waits while the buffer is full, emitting what finishes, then hands the packet to the pool.
    async function admit(
      ctx: CalculatorContext<PoolOptions>,
      frame: number,
      value: unknown,
      timestamp: number,
    ): Promise<void> {
      try {
        while (order.length >= limit && failure === null) {
          await order[0]!.settled;
          emitReady(ctx);
        }
        if (failure === null) {
          submit(frame, value, timestamp);
          raiseBound(ctx);
          return;
        }
      } catch (err) {
        return fail(err);
      }
      return fail(failure.error);
    }

    return {
      async open(ctx) {
        const o = ctx.options;
        node = ctx.node;
        frames = poolFrames(ctx.frames);
        limit = o.maxInFlight > 0 ? o.maxInFlight : 2 * o.threads;
        wake = ctx.waker();
        threads = new PoolThreads(frames, {
          module: o.module,
          exportName: o.exportName,
          threads: o.threads,
          name: ctx.node,
          // The node's heap limit is its thread's: the actor's thread was started with it (a thread
          // shared by nodes has the smallest of theirs). Undefined off a worker (a test runner).
          heapLimitMb: resourceLimits.maxOldGenerationSizeMb,
          // Timers and promises of the function run between tasks, so their errors are reported.
          atomics: 'async',
          onFault: poolFailed,
        });
        try {
          await threads.probe();
        } catch (err) {
          const first = failure?.error ?? nodeFailure(node, phase, err);
          await teardown();
          throw first;
        }
        if (failure !== null) return fail(failure.error);
        phase = 'process';
      },
      process(ctx) {
        if (failure !== null) return fail(failure.error);
        try {
          emitReady(ctx);
          const p = ctx.input(0);
          if (ctx.woken || p.isEmpty) {
            raiseBound(ctx);
            return undefined;
          }
          // Copies the packet's fields: the engine reuses the packet object between calls.
          const frame = p.frame;
          const value = frame >= 0 ? undefined : p.value;
          if (order.length >= limit) return admit(ctx, frame, value, p.timestamp);
          submit(frame, value, p.timestamp);
          raiseBound(ctx);
        } catch (err) {
          return fail(err);
        }
        return undefined;
      },
      async close(ctx) {
        if (failure?.reported === true) return teardown();
        try {
          while (failure === null && order.length > 0) {
            await order[0]!.settled;
            if (failure === null) emitReady(ctx);
          }
        } catch (err) {
          return fail(err);
        }
        if (failure !== null) return fail(failure.error);
        await teardown();
        // A stray error that a pool thread reported before it was ended surfaces while the pool
        // closes: still the node's failure. (The cast: TypeScript cannot see teardown set it.)
        const late = failure as { error: unknown } | null;
        if (late !== null) return fail(late.error);
      },
    };
  },
});
export default PoolCalculator;

/**
 * A failure of the pool (PoolThreads' errors, made there, never the function's own) as the node's:
 * CalculatorError (the function or its load threw, or a stray error), WorkerExitError and
 * OutOfMemoryError keep their class and words and get the node and the phase the task was submitted
 * in; CodecError (a result that cannot be copied back) is the cause of a CalculatorError, as an
 * output that cannot be encoded is. The engine reports such an error as it stands rather than
 * wrapping it in the phase of the call that saw it (see engine-core.ts).
 */
function nodeFailure(node: string, phase: 'open' | 'process', err: unknown): Error {
  if (err instanceof CalculatorError || err instanceof WorkerExitError || err instanceof OutOfMemoryError) {
    const cls = errorClassOf(err.code)!;
    return new cls(`PoolCalculator: ${bareMessage(err)}`, { node, phase, cause: err.cause });
  }
  const what = err instanceof Error ? err.message : String(err);
  return new CalculatorError(`PoolCalculator: ${what}`, { node, phase, cause: err });
}

// The calculator's frame access as the pool needs it: with the descriptor its threads attach.
function poolFrames(frames: FrameAccess): PoolFrames {
  const descriptor = (frames as FrameAccess & { readonly descriptor?: FramePoolDescriptor }).descriptor;
  if (descriptor === undefined) {
    throw new InvalidArgumentError(
      "PoolCalculator needs the frame pool's descriptor (ctx.frames.descriptor) to attach the pool in its threads",
    );
  }
  return { descriptor, retain: (h) => frames.retain(h), release: (h) => frames.release(h) };
}
