/**
 * `for await (const s of run.output())`: the iterator over one Pull output, with an async
 * generator's semantics (calls to `next` made before the last one settled are answered in order;
 * after the end, a failure or `return`, every `next` is done) without its cost (~1 KB a sample):
 * a sample already at the output costs the promise and the result object the protocol needs.
 *
 * Threading: the thread that owns the Run, as the output's one consumer.
 */
import type { OutputSample, PullResult } from './run-types.js';

/** What the iterator needs of its output (OutputBoundary). */
export interface IteratedOutput {
  /** A sample already here; an Error to reject with when the pull is refused; else undefined. */
  takeNow(): OutputSample | Error | undefined;
  pull(): Promise<PullResult>;
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true });
const DONE_P = Promise.resolve(DONE);

/** See the module comment. One per `for await` loop (each `[Symbol.asyncIterator]()` call). */
export class OutputIterator implements AsyncIterableIterator<OutputSample> {
  private done = false;
  // The last `next` not settled yet: a later one waits for it, so samples go out in call order.
  private pending: Promise<IteratorResult<OutputSample>> | undefined;
  private pulled = false;

  constructor(private readonly output: IteratedOutput) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<OutputSample>> {
    const before = this.pending;
    if (before === undefined) {
      const p = this.step();
      if (this.pulled) this.track(p);
      return p;
    }
    // Allocates the chained promise: calls made before the last settled only (a for-await loop
    // never makes them).
    const p = before.then(
      () => this.step(),
      () => this.step(),
    );
    this.track(p);
    return p;
  }

  /** Ends the iteration (a loop left by `break`, `return` or a throw): later `next` calls are done. */
  return(): Promise<IteratorResult<OutputSample>> {
    this.done = true;
    return DONE_P;
  }

  // One answer: a sample already here, or a pull (then `pulled` is set: the answer is not settled).
  private step(): Promise<IteratorResult<OutputSample>> {
    this.pulled = false;
    if (this.done) return DONE_P;
    const s = this.output.takeNow();
    if (s instanceof Error) {
      this.done = true;
      return Promise.reject(s);
    }
    if (s !== undefined) return Promise.resolve({ value: s, done: false });
    this.pulled = true;
    return this.output.pull().then(
      (r): IteratorResult<OutputSample> => {
        if (r.status === 'sample') return { value: r.sample, done: false };
        this.done = true;
        return DONE;
      },
      (err: unknown) => {
        this.done = true;
        throw err;
      },
    );
  }

  // The answer later calls wait for, until it settles. Allocates: unsettled answers only.
  private track(p: Promise<IteratorResult<OutputSample>>): void {
    this.pending = p;
    const settled = () => {
      if (this.pending === p) this.pending = undefined;
    };
    p.then(settled, settled);
  }
}
