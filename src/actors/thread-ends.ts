/**
 * How a run's threads end, for its supervisor: which have exited, and which were ended (terminated)
 * and are no longer waited for. A thread stuck in code that termination cannot interrupt (a native
 * call) exits only when that call returns; the run's outcome must not wait for it, but `exited`
 * (and so `close()`) does, and the frames are reclaimed only then.
 *
 * Threading: the thread that owns the run. Lifecycle: `track` each thread as it is spawned; `end`
 * any time; `allSettled` and `exited` once the run shuts down.
 */
import type { ThreadTask } from './thread-task.js';

/** See the module comment. */
export class ThreadEnds {
  private readonly tasks: ThreadTask<unknown>[] = [];
  // Per thread: resolves when it exited, or was ended and is no longer waited for.
  private readonly settled: Promise<void>[] = [];
  private readonly abandon: (() => void)[] = [];
  private readonly gone = new Set<number>();
  private abandonedAny = false;

  /**
   * Follows thread `id`: a node's thread, or its successor once the one before has exited (a node
   * under the `restart` policy), which replaces it here.
   */
  track(id: number, task: ThreadTask<unknown>): void {
    this.tasks[id] = task;
    this.gone.delete(id);
    const left = () => {
      if (this.tasks[id] === task) this.gone.add(id);
    };
    const exit = task.result.then(left, left);
    this.settled[id] = Promise.race([exit, new Promise<void>((r) => (this.abandon[id] = r))]);
  }

  /** Terminates thread `id` (if still running) and stops waiting for it. */
  end(id: number): void {
    const task = this.tasks[id];
    if (task === undefined || this.gone.has(id)) return;
    this.abandonedAny = true;
    this.abandon[id]?.();
    void task.terminate();
  }

  /** The threads (by node id) that have not exited yet. */
  running(): number[] {
    const out: number[] = [];
    for (let id = 0; id < this.tasks.length; id++)
      if (this.tasks[id] !== undefined && !this.gone.has(id)) out.push(id);
    return out;
  }

  /** Ends every thread still running. */
  endAll(): void {
    for (let id = 0; id < this.tasks.length; id++) this.end(id);
  }

  /** Resolves once every thread exited or was ended. */
  allSettled(): Promise<void> {
    return Promise.all(this.settled).then(() => {});
  }

  /** True when some thread was ended rather than waited for: it may still be exiting. */
  get abandoned(): boolean {
    return this.abandonedAny;
  }

  /** Resolves once every thread has really exited (also those ended while stuck). */
  exited(): Promise<void> {
    return Promise.allSettled(this.tasks.map((t) => t.result)).then(() => {});
  }
}
