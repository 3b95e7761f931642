/**
 * Spawning worker threads that run one exported function of a module.
 *
 * Every weft thread starts through {@link spawnTask}: the worker loads the single worker entry,
 * which imports the task module and calls the named export. Compiled JavaScript starts with no
 * loader at all; TypeScript task modules get one from importModule (see module-loader.ts) on their
 * first import, and the TypeScript entry itself (weft running from source, as in tests) gets tsx
 * registered before it loads.
 *
 * From source, a thread whose task module is a compiled twin (see compiled-sources.ts) starts from
 * compiled JavaScript as well: weft's own sources, compiled once per source state rather than by a
 * TypeScript loader in every thread (which costs each thread a loader thread of its own and a
 * round trip to it per module: most of a graph's start-up, measured).
 *
 * Lifecycle: `result` settles only after the thread has exited, so awaiting it proves the thread is
 * gone. Every live thread is tracked; {@link liveThreadCount} lets tests assert that none leaked.
 *
 * Threading: main thread, or any thread that owns workers. Never imported by `src/core`.
 */
import { type ResourceLimits, Worker, type WorkerOptions } from 'node:worker_threads';
import { CancelledError, deserializeError, OutOfMemoryError, WorkerExitError } from '../core/errors.js';
import { tsxBootstrapModule } from '../core/module-loader.js';
import { twinRootOf } from './compiled-sources.js';
import type { TaskReply, TaskRequest } from './task-protocol.js';

const fromSource = import.meta.url.endsWith('.ts');
const ENTRY_URL = new URL(`./worker-entry.${fromSource ? 'ts' : 'js'}`, import.meta.url).href;

// Registers tsx in the new thread before importing the entry, when the entry itself is TypeScript
// (weft running from source). An eval'd CommonJS script is the only way to run code before a `.ts`
// entry is resolved: `--import` in a worker's execArgv is not honoured for module hooks on Node 20.
// Task and calculator modules in TypeScript need nothing here: the entry imports them through
// importModule, which registers a loader in the thread on its first TypeScript import.
// A thread started from compiled twins maps its stack traces back to the sources, as tsx would.
const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
if (workerData.sourceMaps) process.setSourceMapsEnabled(true);
(async () => {
  if (workerData.tsx) await import(workerData.tsx);
  await import(workerData.entry);
})();
`;

let bootstrapModule: string | undefined;
function entryBootstrap(): string | undefined {
  if (!fromSource) return undefined;
  bootstrapModule ??= tsxBootstrapModule();
  return bootstrapModule;
}

const live = new Set<Worker>();

/**
 * URL of a task module that sits beside the calling module, with the extension weft runs from
 * (`.ts` from source, `.js` compiled): `taskModuleUrl(import.meta.url, './camera-tasks')`.
 */
export function taskModuleUrl(callerUrl: string, relative: string): URL {
  return new URL(`${relative}.${callerUrl.endsWith('.ts') ? 'ts' : 'js'}`, callerUrl);
}

// What a Worker may transfer, read off WorkerOptions: @types/node renamed the named type
// (TransferListItem) across majors, and weft's declarations must check against the one installed.
type Transferable = NonNullable<WorkerOptions['transferList']>[number];

/**
 * Options for {@link spawnTask}. Read by {@link spawnTask} on the calling thread; `transferList`'s
 * objects move to the new thread.
 */
export interface SpawnOptions {
  /** Thread name shown in diagnostics. */
  name?: string;
  /** Forwarded to `Worker`: bounds the JS heap (not ArrayBuffers). */
  resourceLimits?: ResourceLimits;
  /** Objects in `args` to transfer rather than clone (MessagePorts must be listed here). */
  transferList?: readonly Transferable[];
}

/**
 * A running task thread.
 *
 * Threading: its members are called on the thread that spawned it (the worker is that thread's
 * child). Lifecycle: the thread runs until its task settles or {@link ThreadTask.terminate}; a live
 * thread keeps the process alive unless unref'd, and `result` settling proves it gone.
 */
export interface ThreadTask<T> {
  /** Settles after the thread exits: with the task's return value, or its error rebuilt by code. */
  readonly result: Promise<T>;
  /** Node's id for the thread. */
  readonly threadId: number;
  /**
   * True once the thread has exited, however: set before `result` settles, so a reaction to a
   * failure that came from the thread's death (a control call that it ended) can tell so.
   */
  readonly gone: boolean;
  /** Ends the thread now (even if blocked in `Atomics.wait`); `result` rejects with CancelledError. */
  terminate(): Promise<void>;
  /**
   * Lets the process exit while the thread still runs (Node's `worker.unref()`); `result` then
   * settles only if something else keeps the event loop alive. For threads whose owner holds the
   * loop itself while it needs them (a run's actors: see the supervisor's keepAlive).
   */
  unref(): void;
}

/**
 * Starts a worker thread that runs `(await import(module))[exportName](args)`. `args` is
 * structured-cloned; SharedArrayBuffers inside it are shared with the new thread. Any thread may
 * spawn; the new thread is counted by the spawning thread ({@link liveThreadCount}), and the caller
 * owns the returned task: await `result` or terminate it.
 */
export function spawnTask<T = unknown>(
  module: string | URL,
  exportName: string,
  args: unknown,
  options: SpawnOptions = {},
): ThreadTask<T> {
  const moduleUrl = typeof module === 'string' ? module : module.href;
  // A compiled twin's thread runs the twin of the entry too: one copy of weft per thread.
  const twinRoot = twinRootOf(moduleUrl);
  const request: TaskRequest & { entry: string; tsx: string | undefined; sourceMaps: boolean } = {
    module: moduleUrl,
    exportName,
    args,
    entry: twinRoot === undefined ? ENTRY_URL : `${twinRoot}actors/worker-entry.js`,
    tsx: twinRoot === undefined ? entryBootstrap() : undefined,
    sourceMaps: twinRoot !== undefined,
  };
  const workerOptions: WorkerOptions = { eval: true, workerData: request };
  if (options.name !== undefined) workerOptions.name = options.name;
  if (options.resourceLimits !== undefined) workerOptions.resourceLimits = options.resourceLimits;
  if (options.transferList !== undefined) workerOptions.transferList = [...options.transferList];
  const worker = new Worker(BOOTSTRAP, workerOptions);
  live.add(worker);
  const label = options.name ?? `${exportName} (${moduleUrl.slice(moduleUrl.lastIndexOf('/') + 1)})`;

  let reply: TaskReply | undefined;
  let crash: unknown;
  let terminated = false;
  const result = new Promise<T>((resolve, reject) => {
    worker.on('message', (m: TaskReply) => {
      // An error is final: a thread whose stray error came while its task was finishing posts the
      // error, and its result may still follow before its exit takes effect.
      if (reply?.type !== 'error') reply = m;
    });
    // Without an 'error' listener an uncaught error in the worker would crash the whole process.
    worker.on('error', (err) => {
      crash = err;
    });
    worker.on('exit', (code) => {
      live.delete(worker);
      // A thread that posted its result and then died (a late crash, process.exit(n)) failed all
      // the same: its result is not to be trusted, and the failure must not be lost.
      if (reply?.type === 'result' && code !== 0 && !terminated) {
        const why = crash === undefined ? `exit code ${code}` : 'an uncaught error';
        reject(
          new WorkerExitError(`thread ${label} exited with ${why} after its result`, {
            phase: 'run',
            cause: crash,
          }),
        );
      } else if (reply?.type === 'result') resolve(reply.value as T);
      else if (reply?.type === 'error') reject(deserializeError(reply.error));
      else if (terminated)
        reject(new CancelledError(`thread ${label} was terminated`, { phase: 'shutdown' }));
      else if ((crash as { code?: unknown } | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
        const limit = options.resourceLimits?.maxOldGenerationSizeMb;
        reject(
          new OutOfMemoryError(
            `thread ${label} ran out of its JavaScript heap${limit === undefined ? '' : ` (limit ${limit} MiB)`} and was ended`,
            { phase: 'run', cause: crash },
          ),
        );
      } else {
        const why = crash === undefined ? `exit code ${code}` : 'an uncaught error';
        reject(new WorkerExitError(`thread ${label} exited with ${why}`, { phase: 'run', cause: crash }));
      }
    });
  });
  return {
    result,
    threadId: worker.threadId,
    get gone() {
      return !live.has(worker);
    },
    async terminate() {
      if (!live.has(worker)) return;
      terminated = true;
      await worker.terminate();
    },
    unref() {
      worker.unref();
    },
  };
}

/** Number of task threads started by this thread that have not exited yet. */
export function liveThreadCount(): number {
  return live.size;
}

/**
 * Terminates every live task thread; returns how many there were. For emergency cleanup. Only those
 * the calling thread started.
 */
export async function terminateAllThreads(): Promise<number> {
  const n = live.size;
  await Promise.all([...live].map((w) => w.terminate()));
  return n;
}
