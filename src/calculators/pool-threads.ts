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
 * thread reads it, whatever the caller does with its own reference meanwhile.
 *
 * Threading: one owner thread (an actor, or the main thread) uses a PoolThreads; the pool's threads
 * are its children and end with it. Lifecycle: construct (threads start) → probe? → run* → close
 * (waits for running tasks, rejects queued ones, then ends every thread). {@link livePoolThreadCount}
 * lets tests prove that no pool thread outlived its owner's close.
 */

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Piscina } from 'piscina';
import type { PoolReply, PoolTask, PoolWorkerData } from '../actors/pool-protocol.js';
import { CancelledError, deserializeError, InvalidArgumentError, WorkerExitError } from '../core/errors.js';
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
  private closing: Promise<void> | null = null;
  // An error piscina reported outside any task (an idle thread's uncaught error, a close timeout).
  private fault: unknown;

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
    });
    // Without a listener an 'error' event would throw in the owner thread.
    this.piscina.on('error', (err: unknown) => {
      this.fault ??= err;
    });
    live.add(this);
  }

  /** Threads running now (0 once closed). */
  get threadCount(): number {
    return this.piscina.threads.length;
  }

  /**
   * Loads the user's function in one thread and resolves when it is ready; rejects with the load
   * error rebuilt (e.g. InvalidArgumentError when the export is not a function).
   */
  async probe(): Promise<void> {
    await this.submit({ handle: -1, value: undefined, timestamp: 0, probe: true }, -1);
  }

  /**
   * Runs the function on one input: a frame (`handle` ≥ 0, referenced by the caller now: this takes
   * its own reference before returning) or a structured value (`handle` -1, cloned to the thread).
   * Resolves with the function's result; rejects with the function's error rebuilt by code, with
   * WorkerExitError when a pool thread died, or CancelledError when the pool closed first.
   */
  run(handle: number, value: unknown, timestamp: number): Promise<PoolResult> {
    if (handle >= 0) this.frames.retain(handle);
    return this.submit({ handle, value: handle >= 0 ? undefined : value, timestamp }, handle);
  }

  /**
   * Waits for running tasks, rejects queued ones with CancelledError, and ends every thread. Results
   * of tasks that were running still resolve: their frames are the caller's to release. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= this.piscina.close({ force: true }).finally(() => live.delete(this));
    return this.closing;
  }

  private async submit(task: PoolTask, handle: number): Promise<PoolResult> {
    let reply: PoolReply;
    try {
      if (this.fault !== undefined) throw this.fault;
      reply = await this.piscina.run(task);
    } catch (err) {
      if (this.closing !== null) {
        throw new CancelledError(`pool task was dropped: pool ${this.label} closed`, {
          phase: 'shutdown',
          cause: err,
        });
      }
      throw new WorkerExitError(`pool ${this.label}: a thread failed`, { phase: 'run', cause: err });
    } finally {
      if (handle >= 0) this.frames.release(handle);
    }
    if (!reply.ok) throw deserializeError(reply.error);
    return { frame: reply.frame, value: reply.value };
  }
}

function moduleUrl(module: string | URL): string {
  if (module instanceof URL) return module.href;
  if (typeof module !== 'string' || module === '') {
    throw new InvalidArgumentError('pool module must be a file URL or a path');
  }
  return module.startsWith('file:') ? module : pathToFileURL(resolve(module)).href;
}
