/**
 * The data a Run exchanges with its users and with its boundaries: samples in and out, pull
 * results, the output handle, counters, and the two small interfaces through which an input or
 * output boundary talks to its run. Types only, no logic.
 *
 * Threading: plain data; everything here is used on the thread that owns the Run.
 */

import type { RunLatency } from '../telemetry/run-latency.js';
import type { FramePool } from '../transport/frame-pool.js';
import type { ResolvedRunOptions } from './run-options.js';

/**
 * A sample given to `Run.push`. Only `value` is required. Given on the thread that owns the Run; a
 * `FrameRef` value hands its reference over as `value` says.
 */
export interface PushSample<T = unknown> {
  /**
   * The payload: a number, a `FrameRef` (hands one frame reference to the run: released by the run
   * if the sample is dropped, evicted or cancelled; still the caller's when a push refuses it under
   * `wait` or rejects), or any value the codec carries (msgpack, inline in the ring).
   */
  readonly value: T;
  /** The Push input; may be left out when the run has exactly one. */
  readonly input?: string;
  /** Microseconds; must rise strictly per input. Default: the run clock. */
  readonly timestamp?: number;
  /** Which source stream (camera, file, ...) the sample belongs to; carried to outputs. */
  readonly streamId?: number | string;
  /** The sample's number within its stream; carried to outputs and drop reports. */
  readonly frameId?: number;
}

/**
 * A sample pulled from an output. Made on the thread that owns the Run; a frame reference it holds
 * is the consumer's, released with `run.release(sample)` on that thread.
 */
export interface OutputSample<T = unknown> {
  /** The Pull output it came from. */
  readonly output: string;
  /** Its timestamp (µs). */
  readonly timestamp: number;
  /**
   * The value. A `FrameRef` holds one frame reference that the consumer owns: give it back with
   * `run.release(sample)` once done with the frame (an `onOutput` callback owns none).
   */
  readonly value: T;
  /** `streamId` of the pushed sample with the same timestamp, if it had one. */
  readonly streamId: number | string | undefined;
  /** `frameId` of the pushed sample with the same timestamp, if it had ids. */
  readonly frameId: number | undefined;
}

/** What `pull` reports. Plain data, on the thread that owns the Run. */
export type PullResult<T = unknown> =
  | { readonly status: 'sample'; readonly sample: OutputSample<T> }
  /** Nothing arrived within the timeout (for `pull(0)`: nothing was ready). */
  | { readonly status: 'timeout' }
  /** The output ended (after `closeInput`, or a graph that finished): no sample will follow. */
  | { readonly status: 'closed' }
  /** The run was stopped or closed. */
  | { readonly status: 'cancelled' };

/**
 * The consumer's handle on one Pull output (`run.output(name)`). Also an async iterable that ends
 * when the output closes or the run is stopped.
 *
 * Threading: one consumer task per output, on the Run's thread; a second `pull` while one waits is a
 * UsageError. `stop()`/`close()` from a coordinator settle a waiting pull with `cancelled`.
 */
export interface RunOutput<T = unknown> extends AsyncIterable<OutputSample<T>> {
  /** The output's name. */
  readonly name: string;
  /** True once the output ended cleanly and every sample was pulled, or the run was stopped. */
  readonly done: boolean;
  /**
   * The next sample. Waits up to `timeoutMs` (-1, the default, or Infinity: indefinitely; 0: never
   * waits); InvalidArgumentError for another negative number or a non-number.
   * Rejects with the run's error (node and phase named) once the graph failed: sticky until close.
   */
  pull(timeoutMs?: number): Promise<PullResult<T>>;
  /**
   * The next sample if one is ready, else undefined (see `done` for why). Never waits and allocates
   * no promise: drain with it after each wake-up. Throws the run's error once the graph failed.
   */
  tryPull(): OutputSample<T> | undefined;
  /**
   * Like `pull`, but a missing sample is an error: TimeoutError on timeout, StreamClosedError once
   * the output ended, CancelledError after stop.
   */
  pullOrThrow(timeoutMs?: number): Promise<OutputSample<T>>;
}

/** Where a Run is in its life; see the `Run` class comment. Plain data; any thread. */
export type RunState =
  | 'created'
  | 'starting'
  | 'running'
  | 'draining'
  | 'ended'
  | 'failed'
  | 'stopped'
  | 'closed';

/** Counters of one input. Plain data; any thread. */
export interface InputStats {
  /** Samples accepted (enqueued at the boundary or written to the graph). */
  pushed: number;
  /** Samples refused by policy `drop`. */
  dropped: number;
  /** Samples evicted by policy `replace`. */
  evicted: number;
  /** Samples abandoned by stop, close or a failed run. */
  cancelled: number;
}

/**
 * Counters of a Run, per input and output (`pulled`: samples the application got, by pull or
 * callback). A snapshot `run.stats()` takes on the Run's thread. Plain data; any thread.
 */
export interface RunStats {
  readonly inputs: Readonly<Record<string, InputStats & { queued: number }>>;
  readonly outputs: Readonly<Record<string, { pulled: number; queued: number }>>;
}

/** Ids of one pushed sample. */
export interface SampleIds {
  readonly streamId: number | string | undefined;
  readonly frameId: number | undefined;
}

/** What an input boundary needs from its run. */
export interface InputHost {
  readonly options: ResolvedRunOptions;
  /** Push → pull latency bookkeeping; null unless the run was built with `latency: true`. */
  readonly latency: RunLatency | null;
  /** True while a Pull output is full: the run must not feed the graph. */
  readonly gated: boolean;
  /** The run's frame pool (frames of dropped samples go back to it). */
  readonly frames: FramePool;
  /** Throws the error a push must fail with now (state, sticky graph error), if any. */
  checkPush(input: { readonly name: string; readonly closing: boolean }): void;
  /** Run clock, µs. */
  clock(): number;
  /** Publishes every input ring at the end of this burst of pushes. */
  scheduleFlush(): void;
  /** Remembers the ids of a sample of `input`, to attach to the outputs it reaches at `timestamp`. */
  noteIds(
    input: string,
    timestamp: number,
    streamId: number | string | undefined,
    frameId: number | undefined,
  ): void;
  /** Forgets them (the sample never entered the graph). */
  forgetIds(input: string, timestamp: number): void;
  /** A pump could not write (a run that is ending, or a real fault). */
  pumpFailed(err: unknown): void;
  /** Maps an error from a ring write (an abandoned ring) to the run's own error. */
  translate(err: unknown): unknown;
  /** Keeps the process alive until the returned function is called: for a push the caller awaits. */
  hold(): () => void;
  /** The run's failure reached a caller (a waiting push rejected with it): `close()` stays quiet. */
  markReported(): void;
}

/** What an output boundary needs from its run. */
export interface OutputHost {
  readonly frames: FramePool;
  /** Push → pull latency bookkeeping; null unless the run was built with `latency: true`. */
  readonly latency: RunLatency | null;
  /** Throws the error a pull must fail with now (not started, sticky graph error), if any. */
  checkPull(): void;
  /**
   * True once some node failed, even before the run knows the error: a failing node ends its
   * outputs so that nothing downstream waits, and that end must not read as a clean `closed`.
   */
  failing(): boolean;
  /** Ids this output carries at `timestamp` (from the inputs that reach it), if any. */
  idsAt(output: string, timestamp: number): SampleIds | undefined;
  /** The output now holds its limit (true) or dropped below it (false). */
  setFull(full: boolean): void;
  /** Keeps the process alive until the returned function is called: for a pull the caller awaits. */
  hold(): () => void;
  /** The run's failure reached a caller (a waiting pull rejected with it): `close()` stays quiet. */
  markReported(): void;
  /** True once the node producing `output` ended cleanly; false if it failed. */
  producerFinished(output: string): Promise<boolean>;
  /**
   * A pull is about to wait: publish what was pushed in this burst and poll the graph outputs
   * briefly, delivering whatever arrives (a result microseconds away skips the event-loop wake-up).
   */
  pollOutputs(): void;
}
