/**
 * The pool-thread side of PoolCalculator: the piscina task handler that the worker entry exports
 * when piscina started the thread (see `src/calculators/pool-threads.ts` for why piscina loads
 * weft's worker entry rather than a file of its own).
 *
 * Each thread attaches the shared frame pool once, from the descriptor in its workerData, and
 * imports the user's module once, both on its first task. A task names a frame by handle: the
 * function gets an exact-length view of the frame in shared memory, so its bytes never cross a
 * thread boundary. Errors are returned as serialized replies rather than thrown: piscina would
 * structured-clone a thrown error and lose its class and `code`.
 *
 * Faults outside a reply (an error from a timer or a promise nobody awaited, a reply that cannot
 * be cloned, `process.exit`) are posted to the owner as a {@link PoolFault} before the thread ends:
 * piscina would otherwise report them as a bare thread exit, or not at all when no task was running.
 *
 * Threading: runs on a piscina thread, one task at a time (piscina's default of one task per
 * thread). Lifecycle: the handler lives as long as its thread; piscina ends the thread on close.
 */

import { parentPort } from 'node:worker_threads';
import { InvalidArgumentError, serializeError } from '../core/errors.js';
import { importModule } from '../core/module-loader.js';
import { isFrameRef } from '../transport/codec.js';
import { FramePool } from '../transport/frame-pool.js';
import type { PoolFault, PoolFunction, PoolReply, PoolTask, PoolWorkerData } from './pool-protocol.js';
import { catchStrayErrors } from './stray-errors.js';

/** piscina's task handler in a pool thread. */
export type PoolTaskHandler = (task: PoolTask) => Promise<PoolReply>;

/** True when `data` is the workerData of a pool thread. */
export function isPoolWorkerData(data: unknown): data is PoolWorkerData {
  return typeof data === 'object' && data !== null && (data as { weftPool?: unknown }).weftPool === 1;
}

/**
 * The task handler of a pool thread, or undefined when `workerData` is not a pool's (a thread that
 * spawnTask started). Installs the thread's fault reports (see the file header) but starts no work:
 * loading happens on the first task, so a missing module or export becomes that task's error, not
 * a thread that fails to start (piscina would start a replacement, which would fail the same way).
 */
export function poolThreadHandler(workerData: unknown): PoolTaskHandler | undefined {
  if (!isPoolWorkerData(workerData)) return undefined;
  const data = workerData;
  let setup: Promise<{ fn: PoolFunction; frames: FramePool }> | undefined;
  // The task in the handler now, and the one whose reply the handler just returned (piscina posts it
  // in the same turn): null when none. Only a fault report reads them.
  let running: number | null = null;
  let replied: number | null = null;
  reportFaults(
    () => running,
    () => replied,
  );
  return async (task) => {
    running = task.probe === true ? null : task.timestamp;
    try {
      setup ??= load(data);
      const { fn, frames } = await setup;
      if (task.probe === true) return { ok: true, frame: -1, value: undefined };
      const h = task.handle;
      // Allocates a view and a call object per task: small next to a frame's work.
      const input = h >= 0 ? frames.view(h) : task.value;
      const out = await fn(input, { timestamp: task.timestamp, frame: h, frames });
      if (isFrameRef(out)) return { ok: true, frame: out.handle, value: undefined };
      // A view of shared memory would reach the receiver still aliasing it (a SharedArrayBuffer is
      // shared, not cloned), and the frame's slot may hold another frame by then: send a copy.
      return { ok: true, frame: -1, value: isSharedTypedArray(out) ? out.slice() : out };
    } catch (err) {
      return { ok: false, error: serializeError(err) };
    } finally {
      const mine = running;
      replied = mine;
      running = null;
      // piscina posts the reply in this same turn's microtasks: a DataCloneError after that is the
      // user's own (a timer posting something), not this reply's. Allocates a callback per task.
      setImmediate(() => {
        if (replied === mine) replied = null;
      });
    }
  };
}

// The first fault of this thread goes to the owner (one report: the exit that follows a stray error
// is not a fault of its own).
function reportFaults(running: () => number | null, replied: () => number | null): void {
  const port = parentPort!;
  let reported = false;
  const report = (fault: PoolFault) => {
    if (reported) return;
    reported = true;
    port.postMessage(fault);
  };
  // piscina posts a reply after the handler returned; one that cannot be cloned is thrown from a
  // microtask, as a stray error, and the task it answers would wait for a reply that never comes:
  // the thread ends so that its end settles the task. Any other stray error ends the thread too, as
  // it would end an actor's node: the owner fails the run with it.
  catchStrayErrors((err) => {
    const ts = running();
    const clone = ts === null && replied() !== null && (err as { name?: unknown })?.name === 'DataCloneError';
    report({
      weftPoolFault: clone ? 'clone' : 'stray',
      timestamp: clone ? replied() : ts,
      error: serializeError(err),
    });
    process.exit(1);
  });
  // `process.exit(n)` in the user's code: piscina would say only that the thread exited, and not even
  // that when it happens between tasks.
  process.on('exit', (code) => report({ weftPoolFault: 'exit', timestamp: running(), code }));
}

async function load(data: PoolWorkerData): Promise<{ fn: PoolFunction; frames: FramePool }> {
  const frames = FramePool.attach(data.frames);
  const mod = await importModule(data.module);
  const fn = mod[data.exportName];
  if (typeof fn !== 'function') {
    throw new InvalidArgumentError(
      `pool module ${data.module} has no exported function "${data.exportName}"`,
    );
  }
  return { fn: fn as PoolFunction, frames };
}

function isSharedTypedArray(v: unknown): v is Uint8Array {
  return ArrayBuffer.isView(v) && !(v instanceof DataView) && v.buffer instanceof SharedArrayBuffer;
}
