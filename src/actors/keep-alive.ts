/**
 * Whether a run keeps its owner's process alive.
 *
 * A run's threads, control ports and background waits are all unref'd: on their own they never
 * keep the event loop turning. This one handle does, while the run has a reason to live: the
 * application awaits something of it (a push or pull that waits, `waitUntilDone`, a stop), or its
 * actors are working. A run the application forgot to close, once its actors sit idle and nobody
 * awaits it, lets the process exit, as an idle piscina pool does; a graph still processing, or a
 * result still awaited, never loses its work that way.
 *
 * Threading: the thread that owns the run.
 */

// Never fires: a long interval is the cheapest handle whose ref() and unref() can be toggled.
const FOREVER_MS = 2 ** 30;

/** A run's hold on its thread's event loop. */
export class KeepAlive {
  private holds = 0;
  private busy = true;
  private handle: ReturnType<typeof setInterval> | undefined;
  private disposed = false;

  /** The run starts: from now on the handle exists (before, the start's own awaits hold the loop). */
  start(): void {
    if (this.disposed || this.handle !== undefined) return;
    this.handle = setInterval(() => {}, FOREVER_MS);
    this.update();
  }

  /**
   * Keeps the loop alive until the returned function is called (once; later calls do nothing).
   * For a wait the application awaits.
   */
  hold(): () => void {
    this.holds++;
    this.update();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holds--;
      this.update();
    };
  }

  /** Keeps the loop alive until `promise` settles; returns it. */
  during<T>(promise: Promise<T>): Promise<T> {
    const release = this.hold();
    promise.then(release, release);
    return promise;
  }

  /** Whether the actors are working (the watchdog's reading): a working run keeps the loop alive. */
  setBusy(busy: boolean): void {
    if (this.busy === busy) return;
    this.busy = busy;
    this.update();
  }

  /** The run is over: nothing is held any more. Idempotent. */
  dispose(): void {
    this.disposed = true;
    clearInterval(this.handle);
    this.handle = undefined;
  }

  private update(): void {
    if (this.handle === undefined) return;
    if (this.holds > 0 || this.busy) this.handle.ref();
    else this.handle.unref();
  }
}
