/**
 * CalculatorGraph: the MediaPipe-style way to run a graph, one actor (worker thread) per node.
 *
 * ```ts
 * const g = CalculatorGraph.fromText(pbtxt);
 * g.observeOutputStream('out', { packet: (ts, v) => console.log(ts, v) });
 * await g.startRun({ threshold: 0.5 });
 * await g.addPacket('in', frameValue, 1000);
 * g.closeAllInputStreams();
 * await g.waitUntilDone();
 * ```
 *
 * Validation (calculator modules loaded, every problem reported as a typed error) happens before any
 * worker starts. A graph object can run again after a run ended; each run gets fresh calculators.
 *
 * Threading: use a CalculatorGraph from one thread (the one that created it). Observers are called
 * on that thread. Lifecycle: `startRun` → `addPacket`* → `closeAllInputStreams` → `waitUntilDone`;
 * `cancel()` ends a run early; `close()` releases everything and is idempotent.
 */

import type { StreamObserver } from '../actors/output-pump.js';
import { Supervisor, type SupervisorOptions } from '../actors/supervisor.js';
import type { CalculatorRegistry } from '../core/calculator-registry.js';
import { InvalidArgumentError } from '../core/errors.js';
import type { GraphConfig, ResolvedGraph } from '../core/graph-config.js';
import { checkGraphConfigShape } from '../core/graph-config-shape.js';
import { parseGraphText } from '../core/graph-text.js';
import { checkSidePackets } from '../core/graph-validation.js';
import { type ChromeTrace, type TimelineSample, toChromeTrace } from '../telemetry/chrome-trace.js';
import { diagnose, type RunDiagSnapshot } from '../telemetry/diag-snapshot.js';
import { readStageStats, type StageStats } from '../telemetry/stage-stats.js';
import type { FramePool } from '../transport/frame-pool.js';
import { type GraphInputStreamAddMode, GraphInputStreams } from './graph-input-streams.js';
import { checkGraphOptions } from './graph-options.js';
import { defaultRegistry, defaultWarn, prepareGraph } from './graph-preparation.js';
import type { PreparedGraph } from './run-spec.js';

/** Options of a {@link CalculatorGraph}. */
export interface CalculatorGraphOptions extends SupervisorOptions {
  /** Where calculator names resolve. Default: {@link defaultRegistry}. */
  registry?: CalculatorRegistry;
  /**
   * Sample every actor's statistics this often (ms) during a run, for {@link CalculatorGraph.chromeTrace}.
   * Off by default. Sampling reads shared counters on this thread: the actors pay nothing for it.
   */
  profileIntervalMs?: number;
}

/** A graph of calculators, each run as an actor in its own worker thread. */
export class CalculatorGraph {
  private readonly registry: CalculatorRegistry;
  private prepared: PreparedGraph | undefined;
  private run: Supervisor | undefined;
  private inputs: GraphInputStreams | undefined;
  private readonly observers: [string, StreamObserver][] = [];
  // Streams observed that the config does not declare as outputs: made outputs for the runs.
  private readonly tapped = new Set<string>();
  private readonly warned = new Set<string>();

  /**
   * Main thread (the thread that runs the graph); starts nothing: threads start at `startRun`.
   * @throws GraphInvalidError when a field of `config` is not of GraphConfig's type (a config written
   * by hand); InvalidArgumentError for an unknown or mistyped option.
   */
  constructor(
    readonly config: GraphConfig,
    private readonly options: CalculatorGraphOptions = {},
  ) {
    // A config written by hand (JavaScript, JSON) has had no type check: its fields are checked
    // here, not found wrong by a TypeError deep inside validation.
    checkGraphConfigShape(config);
    checkGraphOptions(options, 'graph options');
    this.registry = options.registry ?? defaultRegistry();
  }

  /** Parses MediaPipe's text format (throws GraphParseError with line and column). */
  static fromText(text: string, options?: CalculatorGraphOptions): CalculatorGraph {
    return new CalculatorGraph(parseGraphText(text), options);
  }

  /** Loads the calculators and validates the graph; throws GraphInvalidError listing every problem. */
  async validate(): Promise<ResolvedGraph> {
    if (this.prepared !== undefined) return this.prepared.graph;
    const config =
      this.tapped.size === 0
        ? this.config
        : { ...this.config, outputStreams: [...this.config.outputStreams, ...this.tapped] };
    const observed = new Set(this.observers.map(([stream]) => stream));
    // Each warning once per graph: a graph validated again (a stream observed after validate(),
    // as `weft run` does) would repeat it.
    const warn = (m: string) => {
      if (this.warned.has(m)) return;
      this.warned.add(m);
      (this.options.onWarning ?? defaultWarn)(m);
    };
    this.prepared = await prepareGraph(config, this.registry, warn, observed);
    return this.prepared.graph;
  }

  /**
   * Observes a stream for every later run: a declared output, or any stream a node produces (as
   * MediaPipe allows; weft then carries it out of the graph like an output, so the producer also
   * waits for the observer's thread when it falls behind). A stream no node produces is refused at
   * `validate`/`startRun` (GraphInvalidError). Call before `startRun`.
   */
  observeOutputStream(
    stream: string,
    observer: StreamObserver | ((timestamp: number, value: unknown) => void),
  ): void {
    if (typeof stream !== 'string' || stream === '') {
      throw new InvalidArgumentError('observeOutputStream needs a stream name', { phase: 'config' });
    }
    if (this.run !== undefined && !this.run.isOver) {
      throw new InvalidArgumentError('observe streams before startRun', { stream, phase: 'config' });
    }
    if (!this.config.outputStreams.includes(stream) && !this.tapped.has(stream)) this.tapped.add(stream);
    // Validation keeps observed outputs that nothing produces, to refuse them: validate again.
    if (!this.observers.some(([s]) => s === stream)) this.prepared = undefined;
    this.observers.push([stream, typeof observer === 'function' ? { packet: observer } : observer]);
  }

  /** Starts a run: spawns and opens every node. Rejects (with nothing left running) if any fails. */
  async startRun(sidePackets: Record<string, unknown> = {}): Promise<void> {
    if (this.run !== undefined && !this.run.isOver) {
      throw new InvalidArgumentError('a run is in progress: wait for it or cancel it first', {
        phase: 'run',
      });
    }
    const graph = await this.validate();
    const { modules, lookup } = this.prepared!;
    checkSidePackets(graph, sidePackets, lookup);
    const run = new Supervisor(graph, modules, this.options);
    for (const [stream, o] of this.observers) run.observe(stream, o);
    this.inputs = new GraphInputStreams(run);
    this.run = run;
    await run.start(sidePackets);
    this.startSampling(run);
  }

  private samples: TimelineSample[] = [];

  private startSampling(run: Supervisor): void {
    this.samples = [];
    const ms = this.options.profileIntervalMs;
    if (ms === undefined || ms <= 0) return;
    const sample = () =>
      this.samples.push({
        atMs: Date.now(),
        stats: readStageStats(run.graph, run.counters, run.plan.inputBase),
      });
    sample();
    const timer = setInterval(sample, ms);
    timer.unref();
    const end = () => {
      clearInterval(timer);
      sample();
    };
    run.done.then(end, end);
  }

  /** The statistics sampled during the current or last run (see `profileIntervalMs`). */
  timeline(): readonly TimelineSample[] {
    return this.samples;
  }

  /** The sampled run as a Chrome trace (chrome://tracing, Perfetto), one track per actor. */
  chromeTrace(): ChromeTrace {
    return toChromeTrace(this.samples);
  }

  /** The frame pool of the current run: allocate frames here to feed them to a graph input. */
  get frames(): FramePool {
    return this.current().pool;
  }

  /**
   * How {@link addPacket} treats a graph input whose queues are full (MediaPipe's
   * `SetGraphInputStreamAddMode`): `'waitTillNotFull'` (default) waits for room, `'addIfNotFull'`
   * refuses the packet with GraphThrottledError. Applies from the next `addPacket` on, also across
   * runs.
   */
  setGraphInputStreamAddMode(mode: GraphInputStreamAddMode): void {
    if (mode !== 'waitTillNotFull' && mode !== 'addIfNotFull') {
      throw new InvalidArgumentError(
        `add mode must be 'waitTillNotFull' or 'addIfNotFull', not ${String(mode)}`,
      );
    }
    this.addMode = mode;
  }

  /** The mode set by {@link setGraphInputStreamAddMode}. */
  getGraphInputStreamAddMode(): GraphInputStreamAddMode {
    return this.addMode;
  }

  private addMode: GraphInputStreamAddMode = 'waitTillNotFull';

  /**
   * Sends a packet into a graph input stream. An input is full while a queue it feeds holds the
   * node's `max_queue_size` packets (MediaPipe's throttling; `-1` never throttles): then it waits
   * for room, or with `'addIfNotFull'` throws GraphThrottledError and adds nothing. While it waits
   * the watchdog treats it as a blocked producer: a graph stuck behind it fails with DeadlockError
   * under `report_deadlock`, else the full queue grows. Resolves once the packet is enqueued;
   * resolves false if `timeoutMs` passed first. A FrameRef value hands over
   * one reference to the frame, except on false when no consumer took the packet (the caller still
   * holds its reference then). With several consumers, false can also mean that only the first ones
   * took it. Timestamps must increase per stream.
   */
  addPacket(stream: string, value: unknown, timestamp: number, timeoutMs = -1): Promise<boolean> {
    return this.graphInputs().add(stream, value, timestamp, timeoutMs, this.addMode);
  }

  /**
   * MediaPipe's `CloseAllPacketSources`: ends every graph input stream and closes every source node
   * at its next turn instead of running it (as when a node returns STOP). Packets already queued are
   * still processed; the run then ends as usual (`waitUntilDone`).
   */
  closeAllPacketSources(): void {
    this.closeAllInputStreams();
    this.current().stopSources();
  }

  /**
   * MediaPipe's `WaitUntilIdle`: resolves once no node has work left — each is waiting for input,
   * blocked behind a full queue, or done — and every output packet reached its observers; rejects
   * with the run's error. It does not wait for sources to end or inputs to close: a graph whose
   * source keeps producing is idle only once the source is blocked. The run's state lives in shared
   * memory, so this polls it (every 1 ms, backing off to 20 ms) rather than waiting for a message.
   */
  async waitUntilIdle(): Promise<void> {
    const run = this.current();
    for (let pause = 1; ; pause = Math.min(pause * 2, 20)) {
      if (run.isOver) return run.done;
      if (run.error !== undefined) throw run.error;
      if (run.isIdle()) return;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }

  /**
   * MediaPipe's `SetInputStreamTimestampBound`: promises that no packet below `bound` will be added
   * to graph input `stream`, so nodes waiting on it can go on (and bound-processing nodes see the
   * timestamps it settles). `bound` is an integer timestamp in [Min, Max], at or above the stream's
   * next allowed timestamp (else TimestampOrderError; InvalidTimestampError for a value that is no
   * timestamp). Resolves once the bound is enqueued, waiting while the input's rings are full.
   */
  setInputStreamTimestampBound(stream: string, bound: number): Promise<void> {
    return this.graphInputs().setBound(stream, bound);
  }

  /** Ends a graph input stream. */
  closeInputStream(stream: string): void {
    this.graphInputs().close(stream);
  }

  /** Ends every graph input stream. */
  closeAllInputStreams(): void {
    this.graphInputs().closeAll();
  }

  /** Resolves when the run finished; rejects with the first error (sticky until the next run). */
  waitUntilDone(): Promise<void> {
    const run = this.current();
    // An awaited run keeps the process alive until it ends (see the supervisor's keepAlive).
    return run.keepAlive.during(run.done);
  }

  /** Runs a self-contained graph (its own sources) to the end; returns the output side packets. */
  async runToCompletion(sidePackets: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    await this.startRun(sidePackets);
    this.closeAllInputStreams();
    await this.waitUntilDone();
    return this.outputSidePackets();
  }

  /** Per-node figures of the current or last run, read from shared counters (no messages). */
  stageStats(): StageStats[] {
    const run = this.current();
    return readStageStats(run.graph, run.counters, run.plan.inputBase);
  }

  /** Where time went, packets per stream, and the bottleneck stage, from shared counters. */
  diagnose(): RunDiagSnapshot {
    return diagnose(this.current().graph, this.stageStats());
  }

  /** Output side packets of the current or last run. */
  outputSidePackets(): Record<string, unknown> {
    const all = this.current().outputSidePackets();
    return Object.fromEntries(this.config.outputSidePackets.filter((n) => n in all).map((n) => [n, all[n]]));
  }

  /** Cancels the current run; waitUntilDone then rejects with CancelledError. */
  async cancel(): Promise<void> {
    this.inputs?.closeAll();
    await this.run?.stop();
  }

  /**
   * Cancels any run and releases it; resolves once every thread of the run has exited (a thread
   * ended while stuck in a native call exits when that call returns). Idempotent.
   */
  async close(): Promise<void> {
    if (this.run !== undefined && !this.run.isOver) await this.cancel();
    await this.run?.exited;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private current(): Supervisor {
    if (this.run === undefined) throw new InvalidArgumentError('no run has started', { phase: 'run' });
    return this.run;
  }

  private graphInputs(): GraphInputStreams {
    this.current();
    return this.inputs!;
  }
}
