/**
 * The state a Run shares with its boundaries: lifecycle state and the sticky error, the inputs and
 * outputs by name, the run clock, end-of-burst publication, output back-pressure (the gate), and
 * the ids carried from pushes to outputs. `Run` is the public facade and drives the lifecycle;
 * the boundaries see only this object, through `InputHost` and `OutputHost`.
 *
 * Threading: the thread that owns the Run.
 */

import { NodeState } from '../actors/node-counters.js';
import type { Supervisor } from '../actors/supervisor.js';
import { CancelledError, InvalidArgumentError, UsageError } from '../core/errors.js';
import { RunLatency } from '../telemetry/run-latency.js';
import type { FramePool } from '../transport/frame-pool.js';
import type { InputBoundary } from './input-boundary.js';
import { OutputBoundary } from './output-boundary.js';
import { type LineageSource, RunIds } from './run-ids.js';
import type { ResolvedRunOptions } from './run-options.js';
import type { InputHost, OutputHost, PushSample, RunState, SampleIds } from './run-types.js';

/** Shared state of one Run. Not public API. */
export class RunCore implements InputHost, OutputHost {
  st: RunState = 'created';
  sup: Supervisor | undefined;
  /** The first failure (graph, start, pump); the run's sticky error unless it is our own stop. */
  failure: unknown;
  stopRequested = false;
  /** The failure reached the user (a call threw it, or they waited for the end). */
  reported = false;
  readonly inputs = new Map<string, InputBoundary>();
  readonly inputList: InputBoundary[] = [];
  soleInput: InputBoundary | undefined;
  readonly outputs = new Map<string, OutputBoundary>();
  readonly outputList: OutputBoundary[];
  readonly soleOutput: OutputBoundary | undefined;
  /** performance.now() at start: the run clock's zero. */
  t0 = 0;
  /** Push → pull latency bookkeeping, when the run was built with `latency: true`. */
  readonly latency: RunLatency | null;
  private readonly ids: RunIds;
  private fullOutputs = 0;
  private flushQueued = false;
  private lastStamp = -1;
  private clockNow = -1;

  constructor(
    readonly options: ResolvedRunOptions,
    outputs: readonly string[],
  ) {
    // Before the outputs: each takes its latency probe when it is created.
    this.latency = options.latency === false ? null : new RunLatency(options.latency);
    for (const name of outputs) this.outputs.set(name, new OutputBoundary(name, options.outputDepth, this));
    this.outputList = [...this.outputs.values()];
    this.soleOutput = this.outputList.length === 1 ? this.outputList[0] : undefined;
    this.ids = new RunIds(this.outputList);
  }

  /** The latency bookkeeping; UsageError unless the run was built with `latency: true`. */
  recordedLatency(): RunLatency {
    if (this.latency === null) {
      throw new UsageError('latency is recorded only by runs built with { latency: true }', { phase: 'run' });
    }
    return this.latency;
  }

  /** Adds a started input boundary. */
  addInput(input: InputBoundary): void {
    this.inputs.set(input.name, input);
    this.inputList.push(input);
    this.soleInput = this.inputList.length === 1 ? input : undefined;
  }

  get frames(): FramePool {
    if (this.sup === undefined)
      throw new UsageError('frames are available once start() was called', { phase: 'run' });
    return this.sup.pool;
  }

  /** See OutputHost.pollOutputs. */
  pollOutputs(): void {
    if (this.st !== 'running' || this.sup === undefined) return;
    // Only for a lone sample in flight (a request/response caller: push, then pull its result).
    // With a stream of them in flight, a poll would hold this thread, and so the pushes that keep
    // the graph busy, for results that arrive anyway; their pulls wait as usual.
    let inFlight = 0;
    for (const i of this.inputList) inFlight += i.stats.pushed - i.stats.evicted - i.stats.cancelled;
    for (const o of this.outputList) inFlight -= o.delivered;
    if (inFlight > 1) return;
    // The samples of this burst are still held back for the end-of-burst microtask: the result the
    // caller waits for cannot come before they go out.
    if (this.flushQueued) this.flushAll();
    this.sup.pollOutputs();
  }

  /** See OutputHost.producerFinished. */
  producerFinished(output: string): Promise<boolean> {
    return this.sup?.producerFinished(output) ?? Promise.resolve(false);
  }

  /** See InputHost.markReported. */
  markReported(): void {
    this.reported = true;
  }

  /** See InputHost.hold: the supervisor's keep-alive, once there is one. */
  hold(): () => void {
    return this.sup?.keepAlive.hold() ?? noop;
  }

  get gated(): boolean {
    return this.fullOutputs > 0;
  }

  checkPush(input: { readonly name: string; readonly closing: boolean }): void {
    if (this.st === 'running' && !input.closing && this.sup!.error === undefined) return;
    const sticky = this.sticky();
    if (sticky !== undefined) throw sticky;
    if (this.stopRequested || this.st === 'closed') throw cancelledPushError(input.name);
    throw closedInputError(input.name);
  }

  checkPull(): void {
    if (this.st === 'created' || this.st === 'starting')
      throw new UsageError('pull before start()', { phase: 'run' });
    if (this.sup?.error === undefined && this.failure === undefined) return;
    const sticky = this.sticky();
    if (sticky !== undefined) throw sticky;
  }

  failing(): boolean {
    const sup = this.sup;
    if (this.failure !== undefined || sup?.error !== undefined) return !this.stopRequested;
    if (sup === undefined) return false;
    for (const n of sup.graph.nodes) if (sup.counters.state(n.id) === NodeState.Failed) return true;
    return false;
  }

  clock(): number {
    // Read once per burst of pushes (reset by the end-of-burst microtask): performance.now() per
    // sample is a measurable share of the push path.
    let now = this.clockNow;
    if (now < 0) {
      now = this.clockNow = Math.floor((performance.now() - this.t0) * 1000);
      this.scheduleFlush();
    }
    // Strictly increasing across all inputs: run-stamped samples are unique and in push order.
    this.lastStamp = now > this.lastStamp ? now : this.lastStamp + 1;
    return this.lastStamp;
  }

  scheduleFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    queueMicrotask(this.flushAll);
  }

  noteIds(
    input: string,
    timestamp: number,
    streamId: number | string | undefined,
    frameId: number | undefined,
  ): void {
    this.ids.note(input, timestamp, streamId, frameId);
  }

  forgetIds(input: string, timestamp: number): void {
    this.ids.forget(input, timestamp);
  }

  idsAt(output: string, timestamp: number): SampleIds | undefined {
    return this.ids.at(output, timestamp);
  }

  /** Which inputs reach each output (see RunIds). Call before samples flow. */
  setLineage(lineage: ReadonlyMap<string, readonly LineageSource[]>): void {
    this.ids.setLineage(
      lineage,
      this.outputList.map((o) => o.name),
    );
  }

  setFull(full: boolean): void {
    this.fullOutputs += full ? 1 : -1;
    // The last full output has room again: resume feeding the graph.
    if (this.fullOutputs === 0) for (const i of this.inputList) i.kick();
  }

  pumpFailed(err: unknown): void {
    // An abandoned ring is how a stopping or failing run looks from the producer side.
    if (this.stopRequested || this.sup?.error !== undefined) return;
    if (this.st === 'running' || this.st === 'draining') {
      this.failure ??= err;
      void this.sup?.stop();
    }
  }

  translate(err: unknown): unknown {
    const sticky = this.sticky();
    if (sticky !== undefined) return sticky;
    return this.stopRequested ? new CancelledError('the run was stopped', { phase: 'run' }) : err;
  }

  /** The error every call reports once the run failed: sticky until close. Marks it reported. */
  sticky(): unknown {
    if (this.st === 'closed') return undefined;
    const err = this.failure ?? this.sup?.error;
    if (err === undefined || (this.stopRequested && err instanceof CancelledError)) return undefined;
    this.reported = true;
    return err;
  }

  /** The input a sample goes to; throws the error that explains why there is none. */
  inputOf(sample: PushSample): InputBoundary {
    // A bare value (`push(5)`, `push('in', {...})`) would otherwise go in as an empty payload.
    if (typeof sample !== 'object' || sample === null || !('value' in sample)) throw notASample(sample);
    const name = sample.input;
    const input = name === undefined ? this.soleInput : this.inputs.get(name);
    if (input !== undefined) return input;
    const sticky = this.sticky();
    if (sticky !== undefined) throw sticky;
    if (this.stopRequested) throw new CancelledError('the run was stopped', { phase: 'run' });
    if (this.st === 'created' || this.st === 'starting')
      throw new UsageError('push before start() resolved', { phase: 'run' });
    if (name !== undefined) throw this.unknownInput(name);
    throw new UsageError(
      this.inputList.length === 0
        ? 'this session has no Push input'
        : `the run has ${this.inputList.length} inputs: name one in sample.input`,
    );
  }

  /** The output named `name`, or the only one. */
  output(name: string | undefined): OutputBoundary {
    if (name === undefined) {
      if (this.soleOutput !== undefined) return this.soleOutput;
      throw new UsageError(
        this.outputList.length === 0
          ? 'this session has no Pull output'
          : `the run has ${this.outputList.length} outputs: use run.output(name)`,
      );
    }
    const out = this.outputs.get(name);
    if (out !== undefined) return out;
    throw new InvalidArgumentError(
      `"${name}" is not a Pull output of this session (outputs: ${names(this.outputs)})`,
      { stream: name, phase: 'run' },
    );
  }

  unknownInput(name: string): Error {
    return new InvalidArgumentError(
      `"${name}" is not a Push input of this session (inputs: ${names(this.inputs)})`,
      {
        stream: name,
        phase: 'run',
      },
    );
  }

  private readonly flushAll = (): void => {
    this.flushQueued = false;
    this.clockNow = -1;
    for (const i of this.inputList) {
      try {
        i.flush();
      } catch (err) {
        this.pumpFailed(err);
      }
    }
  };
}

function names(map: ReadonlyMap<string, unknown>): string {
  return [...map.keys()].join(', ') || 'none';
}

/** The error for a push after `closeInput`. */
export function closedInputError(name: string): Error {
  return new UsageError(`input "${name}" was closed (closeInput): push nothing after it`, {
    stream: name,
    phase: 'run',
  });
}

/** The error for a push to a stopped or closed run (and for a push waiting when it stopped). */
export function cancelledPushError(name: string): Error {
  return new CancelledError(`the run was stopped: the push to input "${name}" was not taken`, {
    stream: name,
    phase: 'run',
  });
}

function noop(): void {}

function notASample(sample: unknown): InvalidArgumentError {
  const what =
    sample === null || typeof sample !== 'object'
      ? `${typeof sample} ${String(sample).slice(0, 40)}`
      : 'an object without value';
  return new InvalidArgumentError(
    `push takes a sample, { value, input?, timestamp?, streamId?, frameId? }, not ${what}`,
    { phase: 'run' },
  );
}
