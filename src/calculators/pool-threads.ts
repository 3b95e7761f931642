/**
 * A piscina pool whose tasks carry frame handles, never frame bytes: the owner's side of
 * PoolCalculator, usable on its own (the bench baseline runs the same work through it).
 *
 * Thread start: piscina always starts a thread on its own bootstrap (`piscina/dist/worker.js`; no
 * option names another file) and then imports the module given as `filename` to find the task
 * handler. That module is weft's one worker entry (`src/actors/worker-entry.ts`): seeing pool
 * workerData, it exports the handler built by `src/actors/pool-worker.ts` instead of running a
 * spawnTask task. When weft runs from source the entry itself is `.ts`, so tsx must be registered
 * before piscina imports it: an `--import` of a `data:` module that registers tsx's hooks does
 * that inside each thread (Node 20 applies module hooks that a worker registers itself; tsx's
 * `--import tsx` loader does not register them in a worker). Compiled weft starts its threads with
 * no loader and the parent's execArgv; a TypeScript user module gets its loader from importModule
 * when the pool thread first imports it.
 *
 * Frames: {@link PoolThreads.run} takes its own reference to an input frame before posting the
 * task and drops it when the reply (or the failure) arrives, so the frame stays valid while a pool
 * thread reads it, whatever the caller does with its own reference meanwhile; a task cut short by
 * close drops it only once every thread is gone.
 *
 * Failures are typed errors naming the pool and the task's timestamp, without node or phase (the
 * owner adds its own, as PoolCalculator does): see {@link PoolThreads.run}. A pool thread reports a
 * fault outside a reply itself ({@link PoolFault}, posted before it ends), since piscina would say
 * only that a thread exited, or nothing when it was between tasks.
 *
 * Close ends the threads at once (piscina's `destroy`), rather than through piscina's `close`:
 * that one waits for each thread's tasks to report done, which a thread that died never does, so
 * it hung whenever two threads had died (the second died after close began, beside the
 * replacement piscina was starting for the first), and it would wait on a task that never ends.
 *
 * Threading: one owner thread (an actor, or the main thread) uses a PoolThreads; the pool's threads
 * are its children and end with it. Lifecycle: construct (threads start) → probe? → run* → close
 * (ends every thread; tasks not finished reject). {@link livePoolThreadCount} lets tests prove that
 * no pool thread outlived its owner's close.
 */

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Piscina } from 'piscina';
import type { PoolFault, PoolReply, PoolTask, PoolWorkerData } from '../actors/pool-protocol.js';
import {
  CalculatorError,
  CancelledError,
  CodecError,
  deserializeError,
  InvalidArgumentError,
  OutOfMemoryError,
  RemoteError,
  WorkerExitError,
} from '../core/errors.js';
import { requireDependency, tsxBootstrapModule } from '../core/module-loader.js';
import type { FramePoolDescriptor } from '../transport/frame-pool.js';

const fromSource = import.meta.url.endsWith('.ts');
const ENTRY_URL = new URL(`../actors/worker-entry.${fromSource ? 'ts' : 'js'}`, import.meta.url).href;

/** The frame pool as a PoolThreads owner sees it: a FramePool, or a calculator's `ctx.frames`. */
export interface PoolFrames {
  /** Handed to every pool thread, which attaches the pool from it. */
  readonly descriptor: FramePoolDescriptor;
  retain(handle: number): void;
  release(handle: number): void;
}

/** Options of {@link PoolThreads}. */
export interface PoolThreadsOptions {
  /** The user's module: a `file:` URL, or a path (resolved against the working directory). */
  readonly module: string | URL;
  /** The export that is the per-frame function. Default 'default'. */
  readonly exportName?: string;
  /** Pool threads, all started at once and kept until close. Default 2. */
  readonly threads?: number;
  /** Named in error messages (the node's name). */
  readonly name?: string;
  /**
   * Each thread's JavaScript heap limit, MiB (V8's old generation, as Node's `resourceLimits`): a
   * thread that outgrows it is ended, and its task rejects with OutOfMemoryError. Default: Node's.
   */
  readonly heapLimitMb?: number;
  /**
   * How an idle thread waits for its next task (piscina's `atomics`). `'sync'` (piscina's default)
   * blocks it in `Atomics.wait`, so its timers and promise jobs run only while a task awaits
   * something; `'async'` keeps its event loop turning between tasks, at some cost per task, so an
   * error from a timer is reported when it happens. Default 'sync'.
   */
  readonly atomics?: 'sync' | 'async';
  /**
   * Told of each fault of a thread outside a reply: an error thrown from a timer or a promise nobody
   * awaited, a reply that cannot be cloned, a thread that exited or ran out of heap. A fault during
   * a task is told here first, then rejects that task with the same error; between tasks, only here.
   * A stray error that a thread reported before close ended it is told during close.
   */
  readonly onFault?: (err: Error) => void;
}

/** A task's result. `frame` ≥ 0: a result frame whose one reference now belongs to the caller. */
export interface PoolResult {
  readonly frame: number;
  readonly value: unknown;
}

// piscina is loaded with the first pool, not with weft: a graph without a PoolCalculator, and every
// thread whose calculator module imports weft, would otherwise load it for nothing (~20 ms of a fresh
// thread's start-up). Its CommonJS build loads synchronously.
// `require('piscina')` is the Piscina class itself, which also names itself as its `Piscina` property.
type PiscinaModule = { readonly Piscina: typeof Piscina };
let piscinaModule: PiscinaModule | undefined;
function piscina(): PiscinaModule {
  piscinaModule ??= requireDependency<PiscinaModule>('piscina', 'PoolCalculator (a pool of threads)');
  return piscinaModule;
}

const live = new Set<PoolThreads>();

/** Threads of every PoolThreads created on this thread and not closed yet: 0 proves none leaked. */
export function livePoolThreadCount(): number {
  let n = 0;
  for (const p of live) n += p.threadCount;
  return n;
}

/** A fixed set of piscina threads running one user function on frame handles. See the file header. */
export class PoolThreads {
  /** The underlying pool, for callers that measure piscina itself. Submit through `run`. */
  readonly piscina: Piscina<PoolTask, PoolReply>;
  private readonly frames: PoolFrames;
  private readonly label: string;
  private readonly heapLimitMb: number | undefined;
  private readonly onFault: ((err: Error) => void) | undefined;
  private closing: Promise<void> | null = null;
  // The first fault of a thread: every task submitted after it rejects with it.
  private fault: Error | undefined;
  // Faults a thread reported during a task, by the task's timestamp, for that task's rejection.
  private taskFaults: Map<number, Error> | undefined;

  constructor(frames: PoolFrames, options: PoolThreadsOptions) {
    const threads = options.threads ?? 2;
    if (!Number.isSafeInteger(threads) || threads < 1) {
      throw new InvalidArgumentError(`pool threads must be an integer ≥ 1, not ${threads}`);
    }
    const module = moduleUrl(options.module);
    const workerData: PoolWorkerData = {
      weftPool: 1,
      frames: frames.descriptor,
      module,
      exportName: options.exportName ?? 'default',
    };
    this.frames = frames;
    this.label = options.name ?? module.slice(module.lastIndexOf('/') + 1);
    this.heapLimitMb = options.heapLimitMb;
    this.onFault = options.onFault;
    const bootstrap = fromSource ? tsxBootstrapModule() : undefined;
    const execArgv = bootstrap === undefined ? undefined : [`--import=${bootstrap}`];
    this.piscina = new (piscina().Piscina)<PoolTask, PoolReply>({
      filename: ENTRY_URL,
      workerData,
      minThreads: threads,
      maxThreads: threads,
      // Threads live until close: the default (0) would end an idle thread and start another later.
      idleTimeout: Number.POSITIVE_INFINITY,
      recordTiming: false,
      ...(execArgv === undefined ? {} : { execArgv }),
      ...(options.heapLimitMb === undefined
        ? {}
        : { resourceLimits: { maxOldGenerationSizeMb: options.heapLimitMb } }),
      ...(options.atomics === undefined ? {} : { atomics: options.atomics }),
    });
    // A thread's error while no task ran on it (it ran out of heap idle). Without a listener the
    // 'error' event would throw in the owner thread.
    this.piscina.on('error', (err: unknown) => {
      if (this.closing === null) this.threadFailed(this.deathError(err, null));
    });
    // While the pool closes, a stray error still counts (a thread's messages are read before its
    // exit, which close awaits, so one posted before the thread was ended is never lost); the
    // threads' ends do not.
    this.piscina.on('message', (m: unknown) => {
      if (isPoolFault(m) && (this.closing === null || m.weftPoolFault === 'stray')) {
        this.threadFailed(this.faultError(m), m.timestamp);
      }
    });
    live.add(this);
  }

  /** Threads running now (0 once closed). */
  get threadCount(): number {
    return this.piscina.threads.length;
  }

  /**
   * Loads the user's function in one thread and resolves when it is ready; rejects as {@link run}
   * does, with CalculatorError caused by the load's error rebuilt (e.g. InvalidArgumentError when
   * the export is not a function).
   */
  async probe(): Promise<void> {
    await this.submit({ handle: -1, value: undefined, timestamp: 0, probe: true }, -1);
  }

  /**
   * Runs the function on one input: a frame (`handle` ≥ 0, referenced by the caller now: this takes
   * its own reference before returning) or a structured value (`handle` -1, cloned to the thread).
   * Resolves with the function's result. Rejects, each error naming the pool and `timestamp`, with:
   * CalculatorError when the function threw (cause: its error rebuilt by code) or its thread threw
   * outside a task meanwhile; CodecError when the result cannot be cloned back; WorkerExitError when
   * the thread exited; OutOfMemoryError when it outgrew `heapLimitMb`; the first such fault of the
   * pool when one came before; CancelledError when the pool closed first.
   */
  run(handle: number, value: unknown, timestamp: number): Promise<PoolResult> {
    if (handle >= 0) this.frames.retain(handle);
    return this.submit({ handle, value: handle >= 0 ? undefined : value, timestamp }, handle);
  }

  /**
   * Ends every thread now: tasks still queued or running reject with CancelledError (a running
   * task's input frame is released once its thread is gone). Results that arrived before resolve:
   * their frames are the caller's to release. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= this.piscina.destroy().finally(() => live.delete(this));
    return this.closing;
  }

  private async submit(task: PoolTask, handle: number): Promise<PoolResult> {
    let reply: PoolReply;
    try {
      if (this.closing !== null) throw this.closedError(task);
      if (this.fault !== undefined) throw this.fault;
      reply = await this.piscina.run(task);
    } catch (err) {
      // A thread being ended may still read (or write) the input frame until it is gone.
      if (this.closing !== null) await this.closing;
      if (handle >= 0) this.frames.release(handle);
      throw this.taskError(err, task);
    }
    if (handle >= 0) this.frames.release(handle);
    if (reply.ok) return { frame: reply.frame, value: reply.value };
    const cause = deserializeError(reply.error);
    // A RemoteError's message names the original class already (`TypeError: …`).
    const what = cause instanceof RemoteError ? cause.message : `${cause.name}: ${cause.message}`;
    throw new CalculatorError(`${taskName(task)} in pool "${this.label}" threw ${what}`, { cause });
  }

  // Why the task failed, when piscina rejected it (its thread died, or the pool closed).
  private taskError(err: unknown, task: PoolTask): unknown {
    if (this.closing !== null) return err instanceof CancelledError ? err : this.closedError(task, err);
    if (err === this.fault) return err;
    const fault = this.taskFaults?.get(task.timestamp);
    if (fault !== undefined) {
      this.taskFaults!.delete(task.timestamp);
      return fault;
    }
    return this.deathError(err, task);
  }

  private closedError(task: PoolTask, cause?: unknown): CancelledError {
    return new CancelledError(`${taskName(task)} in pool "${this.label}" was dropped: the pool closed`, {
      phase: 'shutdown',
      cause,
    });
  }

  // A thread that died as piscina saw it: out of heap (Node's worker error says so), else exited.
  private deathError(err: unknown, task: PoolTask | null): Error {
    const where = task === null ? 'between tasks' : `while running ${taskName(task)}`;
    if ((err as { code?: unknown } | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
      const limit = this.heapLimitMb === undefined ? '' : ` (limit ${this.heapLimitMb} MiB)`;
      return new OutOfMemoryError(
        `a thread of pool "${this.label}" ran out of its JavaScript heap${limit} ${where}, and was ended`,
        { cause: err },
      );
    }
    const why = err instanceof Error ? err.message : String(err);
    return new WorkerExitError(`a thread of pool "${this.label}" ended ${where}: ${why}`, { cause: err });
  }

  // What a thread reported of its own fault (see PoolFault).
  private faultError(f: PoolFault): Error {
    const task = f.timestamp === null ? null : `the task at timestamp ${f.timestamp}`;
    const cause = f.error === undefined ? undefined : deserializeError(f.error);
    const pool = `pool "${this.label}"`;
    switch (f.weftPoolFault) {
      case 'clone':
        return new CodecError(
          `the result of ${task ?? 'a task'} in ${pool} cannot be copied back from its thread ` +
            `(a function, a symbol, an object with private state...): ${cause?.message}`,
          { cause },
        );
      case 'stray':
        return new CalculatorError(
          `a thread of ${pool} threw outside a task, from a timer or a promise nobody awaited` +
            `${task === null ? '' : ` (while running ${task})`}, and was ended: ${cause?.message}`,
          { cause },
        );
      case 'exit':
        return new WorkerExitError(
          `a thread of ${pool} exited with code ${f.code} ${task === null ? 'between tasks' : `while running ${task}`}`,
        );
    }
  }

  // The first fault fails every later task, and is told to the owner; a fault during a task also
  // waits for that task's rejection, which follows it.
  private threadFailed(err: Error, timestamp: number | null = null): void {
    if (timestamp !== null) (this.taskFaults ??= new Map()).set(timestamp, err);
    this.fault ??= err;
    this.onFault?.(err);
  }
}

function taskName(task: PoolTask): string {
  return task.probe === true ? 'the load of its function' : `the task at timestamp ${task.timestamp}`;
}

function isPoolFault(m: unknown): m is PoolFault {
  return (
    typeof m === 'object' &&
    m !== null &&
    typeof (m as { weftPoolFault?: unknown }).weftPoolFault === 'string'
  );
}

function moduleUrl(module: string | URL): string {
  if (module instanceof URL) return module.href;
  if (typeof module !== 'string' || module === '') {
    throw new InvalidArgumentError('pool module must be a file URL or a path');
  }
  return module.startsWith('file:') ? module : pathToFileURL(resolve(module)).href;
}
