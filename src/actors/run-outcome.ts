/**
 * How a run ends: its first failure (and the fault that a stop may hide), the one shutdown every
 * ending goes through, and the `done` / `exited` promises the application awaits.
 *
 * The first failure wins and starts the shutdown; later ones are ignored, except the first real
 * fault after a stop (a calculator whose close throws while stopping): it becomes the cause of the
 * stop's CancelledError, so it is reported rather than lost (see `stopOutcome`).
 *
 * Threading: the thread that owns the run. Lifecycle: one per run; `fail` or `finish` settle it once
 * the shutdown completed.
 */
import { CancelledError, type WeftError } from '../core/errors.js';
import { stopOutcome } from './run-failures.js';

/** The ending of one run (see the module comment). */
export class RunOutcome {
  /** Resolves when every node finished, rejects with the first error; after the shutdown either way. */
  readonly done: Promise<void>;
  /** Resolves once every thread of the run has exited and its frames are back (see `exitedNow`). */
  readonly exited: Promise<void>;
  private resolveDone!: () => void;
  private rejectDone!: (err: unknown) => void;
  private resolveExited!: () => void;
  private failure: unknown;
  private lateFailure: unknown;
  private over = false;
  private shuttingDown: Promise<void> | undefined;

  /** `shutDown` stops every part of the run; it runs once, whichever way the run ends. */
  constructor(private readonly shutDown: () => Promise<void>) {
    this.exited = new Promise<void>((resolve) => {
      this.resolveExited = resolve;
    });
    this.done = new Promise<void>((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    const over = () => {
      this.over = true;
    };
    this.done.then(over, over);
  }

  /** True once `done` has settled. */
  get isOver(): boolean {
    return this.over;
  }

  /** True once the run failed (or was stopped): it is shutting down, or down. */
  get failed(): boolean {
    return this.failure !== undefined;
  }

  /** The first failure, if any (once `done` rejected: what it rejected with). */
  get error(): WeftError | Error | undefined {
    return this.failure as WeftError | Error | undefined;
  }

  /** Records `err` as the run's failure if it is the first (see the module comment), and shuts down. */
  fail(err: unknown): void {
    if (this.failure !== undefined) {
      if (this.failure instanceof CancelledError && !(err instanceof CancelledError))
        this.lateFailure ??= err;
      return;
    }
    this.failure = err;
    void this.shutdown().then(() => this.rejectDone(this.settledFailure()));
  }

  /** Every node finished: shuts down, then `done` resolves (or rejects, if a failure came meanwhile). */
  finish(): void {
    if (this.failure !== undefined) return;
    void this.shutdown().then(() => {
      if (this.failure === undefined) this.resolveDone();
      else this.rejectDone(this.settledFailure());
    });
  }

  /** The shutdown, started once: by the first failure, or once everything finished. */
  shutdown(): Promise<void> {
    this.shuttingDown ??= this.shutDown();
    return this.shuttingDown;
  }

  /** Every thread has exited and its frames are reclaimed: `exited` resolves. */
  exitedNow(): void {
    this.resolveExited();
  }

  private settledFailure(): unknown {
    this.failure = stopOutcome(this.failure, this.lateFailure);
    return this.failure;
  }
}

/**
 * A promise with its settling functions (Node 20 has no Promise.withResolvers): a node's ending, for
 * whoever waits on that node alone. Threading: the run's thread.
 */
export interface Settlement {
  readonly promise: Promise<void>;
  resolve(): void;
  reject(err: unknown): void;
}

/** A fresh {@link Settlement}; its rejection, if nobody awaits it, is not an unhandled one. */
export function settlement(): Settlement {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {});
  return { promise, resolve, reject };
}
