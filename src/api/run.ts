/**
 * Run: one live execution of a Session's graph, driven by the application — it pushes samples in at
 * Push inputs and pulls results out at Pull outputs; the graph's actors work whenever samples are
 * queued. Built by `session.build(options)`.
 *
 * ```ts
 * await using run = session.build({ preset: 'balanced' });
 * await run.start();
 * const producer = (async () => {
 *   for (const frame of frames) await run.push({ value: frame, streamId: 0 });
 *   run.closeInput();                        // queued work finishes, then outputs close
 * })();
 * for await (const s of run.output('detections')) consume(s.value);
 * await producer;
 * ```
 *
 * Threading and lifecycle: see the `Run` class. Misuse that would corrupt state — a second push on
 * an input while one waits, a second pull on an output while one waits — throws UsageError instead.
 * Telemetry (`latency`, `diagnose`, `chromeTrace`) reads counters the data path keeps anyway.
 */

import { InvalidArgumentError, UsageError } from '../core/errors.js';
import { type ChromeTrace, type TimelineSample, toChromeTrace } from '../telemetry/chrome-trace.js';
import type { RunDiagSnapshot } from '../telemetry/diag-snapshot.js';
import type { LatencySummary } from '../telemetry/latency-profiler.js';
import type { StageStats } from '../telemetry/stage-stats.js';
import type { FramePool } from '../transport/frame-pool.js';
import type { InputBoundary } from './input-boundary.js';
import { frameOf, type OutputBoundary } from './output-boundary.js';
import { RunCore } from './run-core.js';
import { RunLifecycle } from './run-lifecycle.js';
import type { ResolvedRunOptions } from './run-options.js';
import type { RunSpec } from './run-spec.js';
import { RunTelemetry } from './run-telemetry.js';
import type { OutputSample, PullResult, PushSample, RunOutput, RunState, RunStats } from './run-types.js';

/**
 * A live run of a session's graph. See the module comment for an example.
 *
 * Threading: every method on the thread that built the Run. One producer task per input, one
 * consumer task per output, and a coordinator that may `stop()`/`close()` at any time; each method
 * says which of them it belongs to.
 * Lifecycle: `created` → `start()` → `running` → `closeInput()` → `draining` → `ended`; `stop()` →
 * `stopped`; a graph error → `failed` (sticky until `close()`); `close()` → `closed`. After close,
 * the session may build the next Run.
 */
export class Run implements AsyncDisposable {
  /** The boundary options this run was built with (preset and overrides applied). */
  readonly options: ResolvedRunOptions;
  private readonly core: RunCore;
  private readonly telemetry = new RunTelemetry();
  // Start-up and shutdown: the promises behind start, stop, close and waitUntilDone.
  private readonly lifecycle: RunLifecycle;

  /** Runs come from `Session.build`; this constructor is not public API. */
  constructor(spec: RunSpec, options: ResolvedRunOptions) {
    this.options = options;
    this.core = new RunCore(options, spec.outputs);
    this.lifecycle = new RunLifecycle(this, spec, this.core, this.telemetry);
  }

  /** Where the run is in its life. Any time, on the run's thread. */
  get state(): RunState {
    return this.core.st;
  }

  /**
   * Validates the graph (first run of a session only; cached), spawns one actor per node, opens
   * them with `sidePackets` and starts them. Rejects — with nothing left running — on a validation,
   * side-packet or open error, or with CancelledError when `stop()` came first.
   * Threading: the coordinator; once per Run.
   */
  start(sidePackets: Record<string, unknown> = {}): Promise<void> {
    return this.lifecycle.start(sidePackets);
  }

  /**
   * Pushes a sample into a Push input (`sample.input`, or the only one). Resolves `true` once it is
   * enqueued at the input boundary — not when the graph has processed it. When the input's queue is
   * full the overflow policy decides: `wait` resolves once there is room (or `false` after
   * `pushTimeoutMs`, the sample left with the caller); `drop` resolves `false` and drops it;
   * `replace` evicts the oldest pending sample and resolves `true`.
   * Rejects with TimestampOrderError (timestamp not above the input's previous), UsageError (a push
   * on this input still waits, push before start or after `closeInput`), CancelledError (the run
   * was stopped; also a push waiting when `stop()` is called), or the run's graph error.
   * Threading: the input's one producer task.
   */
  push(sample: PushSample): Promise<boolean> {
    let input: InputBoundary;
    try {
      input = this.core.inputOf(sample);
    } catch (err) {
      return Promise.reject(err);
    }
    return input.push(sample);
  }

  /**
   * Pushes without waiting: `true` when the sample was taken (enqueued, or written into the graph),
   * `false` when the queue is full — under `wait` the sample stays with the caller, under `drop` it
   * was dropped (`onInputDrop`). Allocates nothing on the fast path: loop on it and `await push()`
   * only when it returns false. Throws what `push` rejects with.
   * Threading: the input's one producer task.
   */
  tryPush(sample: PushSample): boolean {
    return this.core.inputOf(sample).tryPush(sample);
  }

  /**
   * The next sample of the only Pull output; see {@link RunOutput.pull}. `pull()` waits
   * indefinitely, `pull(0)` never waits.
   * Threading: the output's one consumer task.
   */
  pull(timeoutMs = -1): Promise<PullResult> {
    const out = this.core.soleOutput;
    return out !== undefined ? out.pull(timeoutMs) : this.outputOrReject().then((o) => o.pull(timeoutMs));
  }

  /** {@link RunOutput.tryPull} of the only Pull output. Threading: the output's consumer task. */
  tryPull(): OutputSample | undefined {
    return this.core.output(undefined).tryPull();
  }

  /** {@link RunOutput.pullOrThrow} of the only Pull output. Threading: the output's consumer task. */
  pullOrThrow(timeoutMs = -1): Promise<OutputSample> {
    const out = this.core.soleOutput;
    return out !== undefined
      ? out.pullOrThrow(timeoutMs)
      : this.outputOrReject().then((o) => o.pullOrThrow(timeoutMs));
  }

  /**
   * The handle of a Pull output (the only one when `name` is left out): pull from it, or iterate it
   * with `for await` (ends when the output closes or the run stops). Available before `start()`.
   * Throws UsageError without a name when there is not exactly one output, InvalidArgumentError for
   * an unknown name.
   */
  output(name?: string): RunOutput {
    return this.core.output(name);
  }

  /**
   * Delivers every sample of output `name` to `callback` instead of queueing it for `pull`. The
   * callback runs on the run's thread inside the output pump, so keep it short (copy, hand to your
   * own queue, return): long work back-pressures the graph. A frame value is valid only during the
   * call (retain it to keep it). An exception thrown by the callback fails the run.
   * Call before `start()`; the output can then not be pulled.
   */
  onOutput(name: string, callback: (sample: OutputSample) => void): this {
    if (this.core.st !== 'created')
      throw new UsageError('set onOutput callbacks before start()', { stream: name, phase: 'config' });
    if (typeof callback !== 'function')
      throw new InvalidArgumentError('onOutput needs a function', { stream: name, phase: 'config' });
    this.core.output(name).callback = callback;
    return this;
  }

  /**
   * Ends input `name` (or every input): samples already pushed still go through the graph; once
   * they have, the outputs close and pulls report `closed`. A later push to a closed input is a
   * UsageError. Idempotent; a no-op once the run is over.
   * Threading: the producer (after its last push) or the coordinator.
   */
  closeInput(name?: string): void {
    const c = this.core;
    if (c.st === 'created' || c.st === 'starting')
      throw new UsageError('closeInput() before start()', { stream: name, phase: 'run' });
    if (c.st !== 'running' && c.st !== 'draining') return;
    if (name !== undefined) {
      const input = c.inputs.get(name);
      if (input === undefined) throw c.unknownInput(name);
      input.close();
    } else {
      for (const input of c.inputList) input.close();
    }
    if (c.inputList.every((i) => i.closing)) c.st = 'draining';
  }

  /**
   * Cancels now: a waiting pull resolves `{ status: 'cancelled' }` and a waiting push rejects with
   * CancelledError before this returns; queued and in-flight samples are abandoned and their frames
   * released; later pushes reject with CancelledError and pulls report `cancelled`. Resolves once
   * every actor thread is gone. Idempotent.
   * Threading: the coordinator, at any time (also while a push or pull waits).
   */
  stop(): Promise<void> {
    return this.lifecycle.stop();
  }

  /**
   * Releases everything: stops the run if it is live, waits for its threads, releases queued
   * samples, and lets the session build a new Run. Idempotent (every call returns the same promise).
   * Rejects with the run's graph error only if no push, pull, start or waitUntilDone reported it,
   * so a failure is never lost.
   * Threading: the coordinator, at any time. Also `await using run = session.build()`.
   */
  close(): Promise<void> {
    return this.lifecycle.close();
  }

  /** `close()`, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /**
   * Resolves when the run ended by itself (inputs closed and drained, or a self-contained graph
   * finished); rejects with the graph error, or CancelledError after `stop()`.
   * Threading: any task on the run's thread, any number of times.
   */
  waitUntilDone(): Promise<void> {
    return this.lifecycle.waitUntilDone();
  }

  /** Output side packets of the run (complete once it ended). Available once started. */
  outputSidePackets(): Record<string, unknown> {
    const prepared = this.lifecycle.prepared;
    if (this.core.sup === undefined || prepared === undefined) {
      throw new UsageError('outputSidePackets() is available once start() was called', { phase: 'run' });
    }
    const all = this.core.sup.outputSidePackets();
    const names = prepared.graph.outputSidePackets;
    return Object.fromEntries(names.filter((n) => n in all).map((n) => [n, all[n]]));
  }

  /** The run's frame pool: allocate frames here to push them. Available once started, until GC. */
  get frames(): FramePool {
    return this.core.frames;
  }

  /** Gives back the frame reference a pulled sample holds (no-op for other values). */
  release(sample: OutputSample): void {
    const h = frameOf(sample.value);
    if (h >= 0) this.core.frames.release(h);
  }

  /** Counters per input and output (a snapshot). */
  stats(): RunStats {
    return this.telemetry.stats(this.core);
  }

  // Telemetry. Threading: the run's thread, at any time once `start()` was called (UsageError
  // before), also after the run ended or was closed.

  /**
   * Push → pull latency (ms) of every sample the application got since {@link markWarmup} (pulled,
   * or handed to an `onOutput` callback), from its `push`/`tryPush` call: count, min, mean, p50,
   * p90, p95, p99, max (NaN while empty). An output sample takes the push at its timestamp (the
   * latest, when several inputs were pushed there). UsageError unless built with `latency: true`.
   */
  latency(): LatencySummary {
    return this.core.recordedLatency().summary();
  }

  /** Forgets the latencies so far: the run is warm from here on. Same rules as {@link latency}. */
  markWarmup(): void {
    this.core.recordedLatency().profiler.markWarmup();
  }

  /** Per-node calls, packets, busy/idle/back-pressured time, queue depths (shared counters, no message). */
  stageStats(): StageStats[] {
    return this.telemetry.stageStats();
  }

  /**
   * Time per node, packets per stream, the bottleneck, the boundary flow (pushes and pulls, counts
   * and rates) and, with `latency: true`, the latency. Print it with `formatDiagSnapshot`.
   */
  diagnose(): RunDiagSnapshot {
    return this.telemetry.diagnose(this.core);
  }

  /** Stage statistics sampled every `profileIntervalMs` (empty when off). */
  timeline(): readonly TimelineSample[] {
    return this.telemetry.samples;
  }

  /** The sampled stage statistics as a Chrome trace (Perfetto, chrome://tracing), a track per actor. */
  chromeTrace(): ChromeTrace {
    return toChromeTrace(this.telemetry.samples);
  }

  private async outputOrReject(): Promise<OutputBoundary> {
    return this.core.output(undefined);
  }
}
