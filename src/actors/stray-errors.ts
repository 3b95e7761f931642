/**
 * Errors that escape every call: thrown from a timer, or a rejected promise nobody awaited. Node
 * would end the thread with them (an uncaught exception), and an error that surfaces after the
 * thread posted its result would be lost. Here they are caught in the thread and reported: the task
 * that runs there (an actor) turns them into its own failure, or, when the task already ended or
 * registered no handler, they become the task's result, reported late.
 *
 * Threading: worker threads (one task per thread); installed once by the worker entry.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** Turns a stray error into the task's failure; returns an error to report late, or undefined when the task failed itself with it. */
export type StrayErrorHandler = (
  err: unknown,
  stage: string | undefined,
  node: number | undefined,
) => Error | undefined;

/**
 * The lifecycle stage in which the code that scheduled a timer or made a promise was running:
 * timers and promises keep the store of the context they were created in, so an error they throw
 * later is reported in the stage it came from, not the stage it surfaced in.
 *
 * Cost: a store in use turns on V8's promise hooks for the thread, so every promise made there
 * (an async calculator's, the actor loop's own) allocates its context too (~90 B measured). Paid
 * for exact attribution of late errors; a synchronous calculator on a busy actor makes no promise
 * per packet, so it pays nothing.
 */
export const stageStore = new AsyncLocalStorage<string>();

/**
 * On a thread shared by several nodes (executor-host.ts): the node whose code scheduled a timer or
 * made a promise, so that an error it throws later is charged to that node. Unset elsewhere.
 */
export const nodeStore = new AsyncLocalStorage<number>();

let handler: StrayErrorHandler | undefined;

/** The thread's task takes stray errors from now on (an actor, once it exists). */
export function onStrayError(h: StrayErrorHandler): void {
  handler = h;
}

/** Installs the process-wide listeners of this thread; `report` sends a late error to the spawner. */
export function catchStrayErrors(report: (err: unknown) => void): void {
  const takeIn = (err: unknown, stage: string | undefined, node: number | undefined) => {
    const late = handler === undefined ? err : handler(err, stage, node);
    if (late !== undefined) report(late);
  };
  const take = (err: unknown) => takeIn(err, stageStore.getStore(), nodeStore.getStore());
  process.on('uncaughtException', take);
  process.on('unhandledRejection', take);
  // A microtask's throw reaches 'uncaughtException' outside the context it was queued in (the
  // stores then name whatever runs now: another node of a shared thread, a later stage), so the
  // callback is run here under the context of the code that queued it. Allocates a closure per
  // queueMicrotask call: the calculator's own calls only (weft's threads make none per packet).
  const native = globalThis.queueMicrotask;
  globalThis.queueMicrotask = (callback: () => void) => {
    // Not a function: the native call refuses it at once, as it would unwrapped.
    if (typeof callback !== 'function') return native(callback);
    const stage = stageStore.getStore();
    const node = nodeStore.getStore();
    native(() => {
      try {
        callback();
      } catch (err) {
        takeIn(err, stage, node);
      }
    });
  };
}
