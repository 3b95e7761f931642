/**
 * The supervisor: runs one validated graph as a set of actors, on worker threads laid out by node,
 * executor and chain (see actor-groups.ts).
 *
 * It wires the rings, spawns the actors, opens them in side-packet order, starts them, pumps the
 * graph's output streams on the main thread, and watches the shared counters (no messages) for a
 * calculator stuck in a call and for a graph stuck behind full queues. The first failure — an error
 * in open/process/close, a worker that exits or crashes, a stuck call, a reported deadlock — ends
 * the run: every actor is stopped (shared stop word, abandoned rings, doorbells rung), stragglers
 * are terminated after a grace period (one stuck in native code is not waited for: see
 * thread-ends.ts), and once every thread is gone the frames they held or left in rings are
 * reclaimed, so no worker and no frame outlives the run.
 *
 * Threading: main thread (or whichever thread owns the run); never on the data path.
 */
import { availableParallelism } from 'node:os';
import { CancelledError, type WeftError } from '../core/errors.js';
import type { ResolvedGraph } from '../core/graph-config.js';
import { FramePool } from '../transport/frame-pool.js';
import { type ActorGroups, actorGroups } from './actor-groups.js';
import { compiledSources } from './compiled-sources.js';
import { type GraphPlan, planGraph } from './graph-plan.js';
import { raiseInitialHeap } from './initial-heap.js';
import { KeepAlive } from './keep-alive.js';
import { createCounters, NodeCounters } from './node-counters.js';
import { NodeRestarts } from './node-restarts.js';
import { OutputPump, type StreamObserver } from './output-pump.js';
import { restartReporter, uncloneable } from './run-failures.js';
import { RunOutcome } from './run-outcome.js';
import { shutDownRun } from './run-shutdown.js';
import { RunThreads } from './run-threads.js';
import { StartSequence } from './start-sequence.js';
import {
  DEFAULT_CHAINING,
  DEFAULT_FRAMES,
  type ResolvedSupervisorOptions,
  resolveOptions,
  type SupervisorOptions,
} from './supervisor-options.js';
import { type ReplacementHost, ThreadReplacement } from './thread-replacement.js';
import { Watchdog } from './watchdog.js';

export {
  DEFAULT_HEAP_LIMIT_MB,
  DEFAULT_STUCK_TIMEOUT_MS,
  type SupervisorOptions,
} from './supervisor-options.js';

/** Where a calculator module lives, per calculator name. */
export type CalculatorModules = ReadonlyMap<string, { module: string; exportName: string }>;

/** One run of one graph. */
export class Supervisor {
  readonly pool: FramePool;
  readonly counters: NodeCounters;
  readonly plan: GraphPlan;
  /**
   * Settles when the run is over: resolves when every node finished, rejects with the first error.
   * Every thread has exited by then, except one ended while stuck (see {@link exited}).
   */
  readonly done: Promise<void>;
  /**
   * Resolves once every thread of the run has exited and the frames they held are back in the
   * pool: with `done`, or later when a thread was ended while stuck in a call that termination
   * cannot interrupt (native code), which exits only when that call returns. Never rejects.
   */
  readonly exited: Promise<void>;
  /**
   * The run's one hold on the event loop (its threads and background waits hold none): taken while
   * the actors work or the application awaits the run; see keep-alive.ts.
   */
  readonly keepAlive = new KeepAlive();
  /** Which nodes share a thread (executors, chains). */
  readonly layout: ActorGroups;
  private readonly pump: OutputPump;
  private readonly sidePackets = new Map<string, unknown>();
  private readonly o: ResolvedSupervisorOptions;
  // The run's ending: first failure, shutdown, `done` and `exited` (run-outcome.ts).
  private readonly outcome = new RunOutcome(() => this.doShutdown());
  private readonly watchdog: Watchdog;
  // The `restart` policy's bookkeeping (node-restarts.ts).
  private readonly restarts: NodeRestarts;
  // The run's threads: spawned, followed, their ends made the nodes' (run-threads.ts).
  private readonly threads: RunThreads;
  // Opening nodes and replacing their threads under the `restart` policy (thread-replacement.ts).
  private readonly replacement: ThreadReplacement;
  // Opening and starting the nodes, and how far each got (start-sequence.ts).
  private readonly startup: StartSequence;
  // From source: the compiled twins the threads start from (see compiled-sources.ts), made meanwhile.
  private readonly compiled = compiledSources();

  constructor(
    readonly graph: ResolvedGraph,
    modules: CalculatorModules,
    options: SupervisorOptions = {},
  ) {
    this.o = resolveOptions(options);
    // The ledger tells this thread's references (the application's) from those of actors, which
    // are all reclaimed once the actors are gone, however they ended.
    this.pool = FramePool.create({ ...(options.frames ?? DEFAULT_FRAMES), ownerLedger: true });
    this.layout = actorGroups(graph, options.chaining ?? DEFAULT_CHAINING, availableParallelism());
    this.plan = planGraph(graph, {
      ringBytes: options.ringBytes,
      eagerOutputs: options.eagerOutputs,
      groupOf: this.layout.groupOf,
    });
    const limits: number[] = [];
    for (const n of graph.nodes) for (let i = 0; i < n.inputs.length; i++) limits.push(n.maxQueueSize);
    this.counters = new NodeCounters(
      createCounters(graph.nodes.length, this.plan.totalInputs, (i) => limits[i]!),
    );
    this.pump = new OutputPump(this.plan, this.pool);
    // Per node: the longest a call may run, ms (Infinity: no limit).
    const stuckLimits = graph.nodes.map((n) => {
      const ms = n.stuckTimeoutMs ?? this.o.stuckTimeoutMs;
      return ms < 0 ? Number.POSITIVE_INFINITY : ms;
    });
    this.watchdog = new Watchdog({
      graph,
      plan: this.plan,
      counters: this.counters,
      pool: this.pool,
      keepAlive: this.keepAlive,
      stuckLimits,
      watchdogMs: this.o.watchdogMs,
      failed: () => this.outcome.failed,
      inputWaiting: () => this.inputWaits > 0,
      fail: (err) => this.fail(err),
      terminate: (id) => this.threads.ends.end(id),
      restartStuck: (id, err) => this.replacement.restartStuck(id, err),
      warn: this.o.onWarning,
    });
    this.restarts = new NodeRestarts(
      graph,
      this.plan,
      this.pool,
      this.counters,
      restartReporter(this.o.onNodeRestart, (err) => this.fail(err)),
    );
    this.threads = new RunThreads({
      graph,
      modules,
      plan: this.plan,
      pool: this.pool,
      counters: this.counters,
      heapLimitMb: this.o.heapLimitMb,
      restarts: this.restarts,
      onNodeRestart: this.o.onNodeRestart,
      fail: (err) => this.fail(err),
      collectSidePackets: (id, values) => this.collectSidePackets(id, values),
      requested: (id, request) => this.replacement.requested(id, request),
      died: (id, err) => this.replacement.died(id, err),
    });
    this.replacement = new ThreadReplacement(this.replacementHost());
    this.startup = new StartSequence(graph, this.replacement);
    this.done = this.outcome.done;
    this.exited = this.outcome.exited;
  }

  /**
   * How many `addPacket` calls wait for room in a full graph input now: the watchdog counts them as
   * blocked producers when it looks for a deadlock. Main thread only.
   */
  inputWaits = 0;

  /** True once `done` has settled: the run is over (see {@link exited} for its threads). */
  get isOver(): boolean {
    return this.outcome.isOver;
  }

  /**
   * Settles once the thread of the node that produces `stream` has ended: true when it finished
   * cleanly, false when it failed (or the stream has no node producing it and the run failed). An
   * output's end of stream is only final once this says so: the node may still fail in `close`
   * after it ended its outputs.
   */
  producerFinished(stream: string): Promise<boolean> {
    const s = this.graph.streams.find((x) => x.name === stream);
    const end = s?.producer.kind === 'node' ? this.threads.nodeEnd(s.producer.node) : this.done;
    return end.then(
      () => true,
      () => false,
    );
  }

  /**
   * Delivers what the graph outputs hold, polling them briefly first (see `OutputPump.poll`): for a
   * caller about to wait for a result. Main thread; blocks it for at most `OutputSpin.MAX_US`.
   */
  pollOutputs(): boolean {
    return this.pump.poll();
  }

  /** Registers an observer of a graph output stream. Call before {@link start}. */
  observe(stream: string, observer: StreamObserver): void {
    this.pump.observe(stream, observer);
  }

  /** Output side packets known so far (all of them once `done` resolved). */
  outputSidePackets(): Record<string, unknown> {
    return Object.fromEntries(this.sidePackets);
  }

  /**
   * Spawns every actor, opens them (a node opens once the side packets it reads exist), and starts
   * them. Rejects, after stopping everything, if any of that fails.
   */
  async start(sidePackets: Record<string, unknown>): Promise<void> {
    this.keepAlive.start();
    for (const [k, v] of Object.entries(sidePackets)) this.sidePackets.set(k, v);
    const compiled = await this.compiled;
    this.threads.useCompiled(compiled);
    // Stopped meanwhile: no thread was started, and none may start now.
    if (this.outcome.failed) {
      await this.done.catch(() => {});
      throw this.outcome.error;
    }
    // Before any thread starts, so that every thread of the run gets it, whatever the layout's order.
    raiseInitialHeap(Math.max(0, ...this.graph.nodes.map((n) => n.initialHeapMb ?? 0)));
    for (const ids of this.layout.groups) this.threads.spawnGroup(ids);
    // From the first open on: a stuck open is named like a stuck process call.
    this.watchdog.start();
    try {
      await this.startup.openAll(this.sidePackets);
      await this.startup.startAll();
      this.replacement.prepareStandbys();
    } catch (err) {
      this.fail(err);
      await this.done.catch(() => {});
      throw this.outcome.error;
    }
    this.pump.start((err) => this.fail(err));
    this.watchdog.running();
    void Promise.allSettled([...this.threads.allNodeEnds(), this.pump.finished]).then(() => this.finish());
  }

  /**
   * Closes every source node at its next turn instead of running it (MediaPipe's `stopping`, as
   * when a node returns STOP); queued work still runs. Any thread may have set it already.
   */
  stopSources(): void {
    this.counters.stopSources();
  }

  /**
   * True when the run has nothing to do until more input comes (MediaPipe's idle): every node is
   * done, blocked on a full output or asleep with nothing new, and every output record reached its
   * observers. Also true once the run is over.
   */
  isIdle(): boolean {
    // The nodes first: while one still works it may write to an output the pump has just found
    // empty; once every node is quiet, nothing more reaches the outputs, and empty ones stay empty.
    return this.outcome.isOver || (this.watchdog.quiet() && this.pump.drained());
  }

  /** Cancels the run: `done` rejects with CancelledError once every actor is gone. */
  async stop(): Promise<void> {
    this.fail(new CancelledError('the run was stopped', { phase: 'shutdown' }));
    await this.done.catch(() => {});
  }

  // What thread-replacement.ts needs of this run.
  private replacementHost(): ReplacementHost {
    const threads = this.threads;
    return {
      graph: this.graph,
      plan: this.plan,
      counters: this.counters,
      restarts: this.restarts,
      callTimeoutMs: this.o.callTimeoutMs,
      failure: () => this.outcome.error,
      over: () => this.outcome.isOver,
      fail: (err) => this.fail(err),
      nodeFailed: (id, err) => threads.nodeFailed(id, err),
      task: (id) => threads.task(id),
      control: (id) => threads.control(id),
      spawn: (id, follow) => threads.spawn(id, follow),
      adopt: (t) => threads.adopt(t),
      setStarted: (id, started) => this.startup.setStarted(id, started),
      callOpen: (id, args) => {
        const timeout = this.watchdog.openTimeoutMs(id, this.o.callTimeoutMs);
        return threads.control(id).call<Record<number, unknown>>('open', args, timeout);
      },
      openError: (id, err) => uncloneable(this.graph, id, this.sidePackets, err),
      collectSidePackets: (id, values) => this.collectSidePackets(id, values),
    };
  }

  private collectSidePackets(id: number, values: Record<number, unknown>): void {
    const ports = this.graph.nodes[id]!.outputSidePackets;
    for (const [i, v] of Object.entries(values)) this.sidePackets.set(ports[Number(i)]!.name, v);
  }

  // The first failure ends the run (see run-outcome.ts).
  private fail(err: unknown): void {
    this.outcome.fail(err);
  }

  private finish(): void {
    this.outcome.finish();
  }

  private async doShutdown(): Promise<void> {
    this.watchdog.stop();
    // Shutting down is work: it completes even when nobody awaits it, then lets go for good.
    this.keepAlive.setBusy(true);
    try {
      const { graph, plan, counters, pump, pool, replacement } = this;
      const { ends, tasks, controls } = this.threads;
      const { started, opening, opened, starting } = this.startup;
      const parts = { graph, plan, counters, pump, pool, ends, replacement, tasks, controls };
      await shutDownRun(
        { ...parts, started, opening, opened, starting, shutdownTimeoutMs: this.o.shutdownTimeoutMs },
        () => this.outcome.failed,
        () => this.outcome.exitedNow(),
        (err) => this.fail(err),
      );
    } finally {
      this.keepAlive.dispose();
    }
  }

  /** The first failure, if any. */
  get error(): WeftError | Error | undefined {
    return this.outcome.error;
  }
}
