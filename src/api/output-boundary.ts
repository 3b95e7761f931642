/**
 * The output boundary of one Pull output of a Run: receives the graph output stream's packets from
 * the output pump (main thread) and holds them for the consumer's `pull`, or hands them to an
 * `onOutput` callback.
 *
 * A queued frame sample holds one frame reference (the pump releases its own as soon as the
 * observer returns), which the consumer gives back with `run.release(sample)`; samples still queued
 * when the run is stopped or closed are released by the run.
 *
 * Threading: the thread that owns the Run; one consumer per output (checked: a second pull while one
 * waits is a UsageError).
 */

import type { StreamObserver } from '../actors/output-pump.js';
import {
  CancelledError,
  InvalidArgumentError,
  StreamClosedError,
  TimeoutError,
  UsageError,
} from '../core/errors.js';
import { SampleQueue } from '../core/sample-queue.js';
import type { OutputLatency } from '../telemetry/run-latency.js';
import { isFrameRef } from '../transport/codec.js';
import { heldPromise } from './held-promise.js';
import { OutputIterator } from './output-iterator.js';
import type { OutputHost, OutputSample, PullResult, RunOutput } from './run-types.js';

interface Waiter {
  readonly resolve: (r: PullResult) => void;
  readonly reject: (err: unknown) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

const CLOSED: PullResult = Object.freeze({ status: 'closed' });
const TIMEOUT: PullResult = Object.freeze({ status: 'timeout' });
const CANCELLED: PullResult = Object.freeze({ status: 'cancelled' });
const CLOSED_P = Promise.resolve(CLOSED);
const TIMEOUT_P = Promise.resolve(TIMEOUT);
const CANCELLED_P = Promise.resolve(CANCELLED);

const MAX_TIMER_MS = 2 ** 31 - 1;

/** One Pull output. See the module comment. */
export class OutputBoundary implements RunOutput, StreamObserver {
  /** Samples the application got so far: pulled, or handed to its callback. */
  pulled = 0;
  /** Samples the graph delivered to this output (pulled, queued, or handed to the callback). */
  delivered = 0;
  /** The bound this output settled to (the run forgets sample ids below every output's). */
  settledTo: number | undefined;
  /** Set by `run.onOutput` before start: samples go to it instead of the queue. */
  callback: ((sample: OutputSample) => void) | undefined;
  private readonly queue = new SampleQueue<OutputSample>();
  private waiter: Waiter | undefined;
  // The end of stream is final: the node that produced it finished cleanly (see end()).
  private endConfirmed = false;
  private cancelled = false;
  private full = false;
  /** Latency probe; null (one load and a branch per packet and pull) unless the run records it. */
  private readonly lat: OutputLatency | null;

  constructor(
    readonly name: string,
    private readonly depth: number,
    private readonly host: OutputHost,
  ) {
    this.lat = host.latency === null ? null : host.latency.addOutput();
  }

  get done(): boolean {
    return this.cancelled || (this.endConfirmed && this.queue.length === 0 && !this.host.failing());
  }

  /** Samples waiting to be pulled. */
  get queued(): number {
    return this.queue.length;
  }

  // StreamObserver: called by the output pump, on this thread, once per packet.
  packet(timestamp: number, value: unknown, frame: number): void {
    this.settledTo = timestamp + 1;
    this.delivered++;
    // Stopping: the pump may still deliver until its next wake-up; it releases the frame itself.
    if (this.cancelled) return;
    const lat = this.lat;
    if (lat !== null) lat.arrive(timestamp);
    const ids = this.host.idsAt(this.name, timestamp);
    const sample: OutputSample = {
      output: this.name,
      timestamp,
      value,
      streamId: ids?.streamId,
      frameId: ids?.frameId,
    };
    if (this.callback !== undefined) {
      // The frame stays valid for the callback only: the pump releases it when this returns.
      if (lat !== null) lat.deliver();
      this.pulled++;
      this.callback(sample);
      return;
    }
    if (frame >= 0) this.host.frames.retain(frame);
    const w = this.waiter;
    if (w !== undefined) {
      this.waiter = undefined;
      clearTimeout(w.timer);
      this.pulled++;
      if (lat !== null) lat.deliver();
      w.resolve({ status: 'sample', sample });
      return;
    }
    this.queue.push(sample);
    if (lat !== null) lat.enqueue();
    if (!this.full && this.queue.length >= this.depth) {
      this.full = true;
      this.host.setFull(true);
    }
  }

  bound(bound: number): void {
    this.settledTo = bound;
    if (this.lat !== null) this.lat.settle(bound);
  }

  end(): void {
    if (this.lat !== null) this.lat.ended = true;
    this.settledTo = Number.POSITIVE_INFINITY;
    // The producer may still fail after it ended the stream (its close throws): `closed` is reported
    // once its thread ended cleanly; if it failed, a waiting pull stays until the run fails it with
    // the error.
    void this.host.producerFinished(this.name).then((clean) => {
      if (!clean || this.host.failing()) return;
      this.endConfirmed = true;
      this.settleWaiter(CLOSED);
    });
  }

  pull(timeoutMs = -1): Promise<PullResult> {
    try {
      this.checkPull(timeoutMs);
    } catch (err) {
      return Promise.reject(err);
    }
    if (this.cancelled) return CANCELLED_P;
    const s = this.take();
    if (s !== undefined) return Promise.resolve({ status: 'sample', sample: s });
    if (this.endConfirmed && !this.host.failing()) return CLOSED_P;
    if (timeoutMs === 0) return TIMEOUT_P;
    this.host.pollOutputs();
    const polled = this.take();
    if (polled !== undefined) return Promise.resolve({ status: 'sample', sample: polled });
    // The caller awaits this pull: the run keeps the process alive until it settles.
    return heldPromise<PullResult>(this.host.hold.bind(this.host), (resolve, reject) => {
      const w: Waiter = { resolve, reject, timer: undefined };
      // Past setTimeout's range (~24.8 days) a timer would fire at once: take it as no limit.
      if (timeoutMs > 0 && timeoutMs <= MAX_TIMER_MS) {
        w.timer = setTimeout(() => {
          if (this.waiter !== w) return;
          this.waiter = undefined;
          resolve(TIMEOUT);
        }, timeoutMs);
      }
      this.waiter = w;
    });
  }

  tryPull(): OutputSample | undefined {
    this.checkPull(0);
    return this.cancelled ? undefined : this.take();
  }

  pullOrThrow(timeoutMs = -1): Promise<OutputSample> {
    // A sample already here settles at once (allocates only the promise); else as pull() does.
    const s = this.cancelled ? undefined : this.takeChecked(timeoutMs);
    if (s instanceof Error) return Promise.reject(s);
    if (s !== undefined) return Promise.resolve(s);
    return this.pull(timeoutMs).then((r) => this.sampleOrThrow(r, timeoutMs));
  }

  private sampleOrThrow(r: PullResult, timeoutMs: number): OutputSample {
    switch (r.status) {
      case 'sample':
        return r.sample;
      case 'timeout':
        throw new TimeoutError(`no sample on output "${this.name}" within ${timeoutMs} ms`, {
          stream: this.name,
          phase: 'run',
        });
      case 'closed':
        throw new StreamClosedError(`output "${this.name}" is closed: no sample will follow`, {
          stream: this.name,
          phase: 'run',
        });
      default:
        throw new CancelledError(`the run was stopped before a sample arrived on output "${this.name}"`, {
          stream: this.name,
          phase: 'run',
        });
    }
  }

  /** Samples until the output closes or the run stops (a failure rejects); see OutputIterator. */
  [Symbol.asyncIterator](): AsyncIterableIterator<OutputSample> {
    return new OutputIterator(this);
  }

  /** A sample already here, for the iterator (see {@link IteratedOutput.takeNow}). */
  takeNow(): OutputSample | Error | undefined {
    return this.cancelled ? undefined : this.takeChecked(-1);
  }

  // A queued sample, after the checks pull() makes (an Error to reject with instead of throwing).
  private takeChecked(timeoutMs: number): OutputSample | Error | undefined {
    try {
      this.checkPull(timeoutMs);
    } catch (err) {
      return err as Error;
    }
    return this.take();
  }

  /** Stop or close: a waiting pull reports `cancelled`; queued samples are released. */
  cancel(): void {
    this.cancelled = true;
    this.settleWaiter(CANCELLED);
    this.releaseQueued();
  }

  /** The graph failed: a waiting pull rejects with `err`; queued samples are released. */
  fail(err: unknown): void {
    const w = this.waiter;
    this.waiter = undefined;
    if (w !== undefined) {
      clearTimeout(w.timer);
      this.host.markReported();
      w.reject(err);
    }
    this.releaseQueued();
  }

  private take(): OutputSample | undefined {
    const s = this.queue.shift();
    if (s === undefined) return undefined;
    this.pulled++;
    if (this.lat !== null) this.lat.pulled();
    if (this.full && this.queue.length < this.depth) {
      this.full = false;
      this.host.setFull(false);
    }
    return s;
  }

  private checkPull(timeoutMs: number): void {
    if (typeof timeoutMs !== 'number' || !(timeoutMs >= 0 || timeoutMs === -1)) {
      throw new InvalidArgumentError(
        `pull timeout must be a number of ms ≥ 0 (-1 or Infinity: no limit), not ${String(timeoutMs)}`,
        { stream: this.name, phase: 'run' },
      );
    }
    if (this.waiter !== undefined) {
      throw new UsageError(
        `a pull on output "${this.name}" is still waiting: one consumer per output, await each pull`,
        { stream: this.name, phase: 'run' },
      );
    }
    if (this.callback !== undefined) {
      throw new UsageError(`output "${this.name}" is consumed by its onOutput callback: do not pull it`, {
        stream: this.name,
        phase: 'run',
      });
    }
    this.host.checkPull();
  }

  private settleWaiter(r: PullResult): void {
    const w = this.waiter;
    if (w === undefined) return;
    this.waiter = undefined;
    clearTimeout(w.timer);
    w.resolve(r);
  }

  private releaseQueued(): void {
    if (this.lat !== null) this.lat.clear();
    for (const s of this.queue.drain()) {
      const h = frameOf(s.value);
      if (h >= 0 && this.host.frames.isValid(h)) this.host.frames.release(h);
    }
    if (this.full) {
      this.full = false;
      this.host.setFull(false);
    }
  }
}

/** The frame handle a sample value holds, or -1. */
export function frameOf(value: unknown): number {
  return isFrameRef(value) ? value.handle : -1;
}
