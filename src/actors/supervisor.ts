/**
 * The supervisor: runs one validated graph as a set of actors, one worker thread per node.
 *
 * It wires the rings, spawns the actors, opens them in side-packet order, starts them, pumps the
 * graph's output streams on the main thread, and watches the shared counters (no messages) for a
 * calculator stuck in a call and for a graph stuck behind full queues. The first failure — an error
 * in open/process/close, a worker that exits or crashes, a stuck call, a reported deadlock — ends
 * the run: every actor is stopped (shared stop word, abandoned rings, doorbells rung), stragglers
 * are terminated after a grace period, and frames left in rings are released, so no worker and no
 * frame outlives the run.
 *
 * Threading: main thread (or whichever thread owns the run); never on the data path.
 */
import { MessageChannel } from 'node:worker_threads';
import {
  CancelledError,
  CodecError,
  DeadlockError,
  NodeStuckError,
  OutOfMemoryError,
  SidePacketMissingError,
  WeftError,
  WorkerExitError,
} from '../core/errors.js';
import type { ResolvedGraph } from '../core/graph-config.js';
import { ring } from '../transport/doorbell.js';
import { FramePool, type FramePoolOptions } from '../transport/frame-pool.js';
import { RingReader } from '../transport/ring-queue.js';
import type { ActorArgs, ActorResult } from './actor-host.js';
import { type ControlClient, connectControl } from './control-channel.js';
import { type GraphPlan, planGraph, portLabel } from './graph-plan.js';
import { KeepAlive } from './keep-alive.js';
import { createCounters, F_CALL_STARTED_AT, NodeCounters, NodeState } from './node-counters.js';
import { OutputPump, type StreamObserver } from './output-pump.js';
import { spawnTask, type ThreadTask, taskModuleUrl } from './thread-task.js';

/** Options of a run. */
export interface SupervisorOptions {
  /** Frame pool size classes. Default: 64 slots of 64 KiB and 16 of 4 MiB. */
  frames?: FramePoolOptions;
  /** Bytes per ring. Default 64 KiB. */
  ringBytes?: number;
  /** Timeout of control calls (open, start). Default 30 s. */
  callTimeoutMs?: number;
  /**
   * A calculator call (open, process or close) running longer than this many ms fails the run with
   * NodeStuckError naming the node and phase, and its thread is ended. The graph's and each node's
   * `stuckTimeoutMs` override it; -1 for no limit. Default {@link DEFAULT_STUCK_TIMEOUT_MS}.
   */
  stuckTimeoutMs?: number;
  /**
   * The JavaScript heap (old generation) each node's thread may use, MiB: past it the thread is
   * ended and the run fails with OutOfMemoryError naming the node, while the process lives on. The
   * graph's and each node's `heapLimitMb` override it. Default {@link DEFAULT_HEAP_LIMIT_MB}.
   */
  heapLimitMb?: number;
  /** How often the watchdog reads the counters. Default 100 ms. */
  watchdogMs?: number;
  /** How long stopped actors get to finish before they are terminated. Default 5 s. */
  shutdownTimeoutMs?: number;
  /** Receives warnings (a deadlock resolved by growing a queue). Default: process.emitWarning. */
  onWarning?: (message: string) => void;
}

/** Where a calculator module lives, per calculator name. */
export type CalculatorModules = ReadonlyMap<string, { module: string; exportName: string }>;

const ACTOR_MODULE = taskModuleUrl(import.meta.url, './actor-host');

/** The heap limit of a node's thread when neither the node, the graph nor the run sets one: 1 GiB. */
export const DEFAULT_HEAP_LIMIT_MB = 1024;

/** The stuck-call limit when neither the node, the graph nor the run sets one: 30 s. */
export const DEFAULT_STUCK_TIMEOUT_MS = 30_000;

/** How long a graph may stand still while a node waits for a frame before the stall is named. */
export const FRAME_STALL_MS = 1000;

/** One run of one graph. */
export class Supervisor {
  readonly pool: FramePool;
  readonly counters: NodeCounters;
  readonly plan: GraphPlan;
  /** Settles when the run is over: resolves when every node finished, rejects with the first error. */
  readonly done: Promise<void>;
  /**
   * The run's one hold on the event loop (its threads and background waits hold none): taken while
   * the actors work or the application awaits the run; see keep-alive.ts.
   */
  readonly keepAlive = new KeepAlive();
  private readonly tasks: ThreadTask<ActorResult>[] = [];
  private readonly controls: ControlClient[] = [];
  private readonly started = new Set<number>();
  private readonly pump: OutputPump;
  private readonly sidePackets = new Map<string, unknown>();
  private readonly o: Required<Omit<SupervisorOptions, 'frames' | 'ringBytes'>>;
  private failure: unknown;
  private lateFailure: unknown;
  private resolveDone!: () => void;
  private rejectDone!: (err: unknown) => void;
  private watchdog: ReturnType<typeof setInterval> | undefined;
  private deadlineCheck: ReturnType<typeof setTimeout> | undefined;
  private lastProgress: number[] = [];
  private stalledTicks = 0;
  // Nodes without input streams: while one is alive, the graph can still make work of its own.
  private readonly sources: readonly number[];
  // Per node: the longest a call may run, ms (Infinity: no limit).
  private readonly stuckLimits: readonly number[];
  private frameStallReported = false;
  // Every node opened and started: the stall checks apply from now on (the stuck check always).
  private running = false;
  private shuttingDown: Promise<void> | undefined;

  constructor(
    readonly graph: ResolvedGraph,
    private readonly modules: CalculatorModules,
    options: SupervisorOptions = {},
  ) {
    this.o = {
      callTimeoutMs: options.callTimeoutMs ?? 30_000,
      stuckTimeoutMs: options.stuckTimeoutMs ?? DEFAULT_STUCK_TIMEOUT_MS,
      heapLimitMb: options.heapLimitMb ?? DEFAULT_HEAP_LIMIT_MB,
      watchdogMs: options.watchdogMs ?? 100,
      shutdownTimeoutMs: options.shutdownTimeoutMs ?? 5_000,
      onWarning: options.onWarning ?? ((m) => process.emitWarning(m, 'WeftWarning')),
    };
    this.pool = FramePool.create(
      options.frames ?? {
        name: 'graph-frames',
        classes: [
          { slotBytes: 64 * 1024, slots: 64 },
          { slotBytes: 4 * 1024 * 1024, slots: 16 },
        ],
      },
    );
    this.plan = planGraph(graph, { ringBytes: options.ringBytes });
    const limits: number[] = [];
    for (const n of graph.nodes) for (let i = 0; i < n.inputs.length; i++) limits.push(n.maxQueueSize);
    this.counters = new NodeCounters(
      createCounters(graph.nodes.length, this.plan.totalInputs, (i) => limits[i]!),
    );
    this.pump = new OutputPump(this.plan, this.pool);
    this.sources = graph.nodes.filter((n) => n.inputs.length === 0).map((n) => n.id);
    this.stuckLimits = graph.nodes.map((n) => {
      const ms = n.stuckTimeoutMs ?? this.o.stuckTimeoutMs;
      return ms < 0 ? Number.POSITIVE_INFINITY : ms;
    });
    this.done = new Promise<void>((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    this.done.then(
      () => {
        this.over = true;
      },
      () => {
        this.over = true;
      },
    );
  }

  private over = false;

  /** True once `done` has settled: every thread of the run is gone. */
  get isOver(): boolean {
    return this.over;
  }

  /**
   * Settles once the thread of the node that produces `stream` has ended: true when it finished
   * cleanly, false when it failed (or the stream has no node producing it and the run failed). An
   * output's end of stream is only final once this says so: the node may still fail in `close`
   * after it ended its outputs.
   */
  producerFinished(stream: string): Promise<boolean> {
    const s = this.graph.streams.find((x) => x.name === stream);
    const task = s?.producer.kind === 'node' ? this.tasks[s.producer.node] : undefined;
    if (task === undefined)
      return this.done.then(
        () => true,
        () => false,
      );
    return task.result.then(
      () => true,
      () => false,
    );
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
    for (const node of this.graph.nodes) this.spawn(node.id);
    // From the first open on: a stuck open is named like a stuck process call.
    this.watchdog = setInterval(() => this.inspect(), this.o.watchdogMs);
    // The watchdog only reads counters; whether the run keeps the process alive is keepAlive's.
    this.watchdog.unref();
    try {
      await this.openAll();
      for (const node of this.graph.nodes) {
        await this.controls[node.id]!.call('start', [], this.o.callTimeoutMs);
        this.started.add(node.id);
      }
    } catch (err) {
      this.fail(err);
      await this.done.catch(() => {});
      throw this.failure;
    }
    this.pump.start((err) => this.fail(err));
    this.running = true;
    void Promise.allSettled([...this.tasks.map((t) => t.result), this.pump.finished]).then(() =>
      this.finish(),
    );
  }

  /** Cancels the run: `done` rejects with CancelledError once every actor is gone. */
  async stop(): Promise<void> {
    this.fail(new CancelledError('the run was stopped', { phase: 'shutdown' }));
    await this.done.catch(() => {});
  }

  private spawn(id: number): void {
    const node = this.graph.nodes[id]!;
    const { port1, port2 } = new MessageChannel();
    const args: ActorArgs = {
      node,
      calculator: this.modules.get(node.calculator)!,
      inputs: this.plan.nodeInputs[id]!,
      inputBase: this.plan.inputBase[id]!,
      outputs: this.plan.nodeOutputs[id]!,
      doorbell: this.plan.doorbells[id]!,
      pool: this.pool.descriptor,
      counters: {
        sab: this.counters.i32.buffer as SharedArrayBuffer,
        nodes: this.graph.nodes.length,
        inputs: this.plan.totalInputs,
      },
      control: port2,
    };
    const task = spawnTask<ActorResult>(ACTOR_MODULE, 'hostActor', args, {
      name: `weft:${node.name}`,
      transferList: [port2],
      // A runaway allocation ends this thread, not the process (see the README's limits for what V8
      // cannot contain this way).
      resourceLimits: { maxOldGenerationSizeMb: node.heapLimitMb ?? this.o.heapLimitMb },
    });
    task.unref();
    this.tasks[id] = task;
    task.result.then(
      (r) => this.collectSidePackets(id, r.outputSidePackets),
      (err: unknown) => this.fail(this.attribute(id, err)),
    );
    this.controls[id] = connectControl(port1, {
      label: `node "${node.name}"`,
      node: node.name,
      exited: task.result,
    });
  }

  /**
   * A node's thread failed without saying where (it exited, crashed or died mid-call): the error
   * gets the node and the lifecycle stage the actor last recorded, keeping the original as cause.
   */
  private attribute(id: number, err: unknown): unknown {
    const exited = err instanceof WorkerExitError || err instanceof OutOfMemoryError;
    if (!exited || err.node !== undefined) return err;
    const node = this.graph.nodes[id]!;
    const cls = err instanceof OutOfMemoryError ? OutOfMemoryError : WorkerExitError;
    return new cls(`${node.calculator}: ${err.message}`, {
      node: node.name,
      phase: this.counters.stage(id) ?? 'open',
      cause: err.cause ?? err,
    });
  }

  private async openAll(): Promise<void> {
    const producedBy = new Map<string, number>();
    for (const n of this.graph.nodes) for (const p of n.outputSidePackets) producedBy.set(p.name, n.id);
    const pending = new Set(this.graph.nodes.map((n) => n.id));
    while (pending.size > 0) {
      // A wave: every node whose side packets are all available (or come from no node at all).
      const wave = [...pending].filter((id) =>
        this.graph.nodes[id]!.inputSidePackets.every(
          (p) => this.sidePackets.has(p.name) || !producedBy.has(p.name),
        ),
      );
      if (wave.length === 0) throw this.unopenable(pending, producedBy);
      await Promise.all(
        wave.map(async (id) => {
          const node = this.graph.nodes[id]!;
          const values = node.inputSidePackets.map((p) => this.sidePackets.get(p.name));
          // A stuck open is the watchdog's to name (node, phase, limit): the call's own timeout
          // stays out of its way.
          const limit = this.stuckLimits[id]!;
          const timeout = Number.isFinite(limit)
            ? Math.max(this.o.callTimeoutMs, limit + 4 * this.o.watchdogMs + 1000)
            : this.o.callTimeoutMs;
          const out = await this.controls[id]!.call<Record<number, unknown>>('open', [values], timeout).catch(
            (err: unknown) => {
              throw this.uncloneable(id, err);
            },
          );
          this.collectSidePackets(id, out);
          pending.delete(id);
        }),
      );
    }
  }

  // No node of `pending` can open: each waits for a side packet that a node sets only later (in
  // process or close), or that another waiting node sets. Named, since nothing else would say why.
  private unopenable(pending: ReadonlySet<number>, producedBy: ReadonlyMap<string, number>): Error {
    const node = this.graph.nodes[[...pending][0]!]!;
    const p = node.inputSidePackets.find((x) => !this.sidePackets.has(x.name))!;
    const maker = this.graph.nodes[producedBy.get(p.name)!]!;
    return new SidePacketMissingError(
      `node "${node.name}" cannot open: it reads side packet "${p.name}", which node "${maker.name}" has not ` +
        'set in its open (weft opens every node before any runs, so a side packet set in process or ' +
        'close cannot feed another node)',
      { node: node.name, stream: p.name, phase: 'open' },
    );
  }

  // A side packet that cannot be structured-cloned to the node's thread (a function, a class with
  // private state...) fails the open call's postMessage with a DataCloneError: name the side packet.
  private uncloneable(id: number, err: unknown): unknown {
    if (!(err instanceof Error) || err.name !== 'DataCloneError') return err;
    const node = this.graph.nodes[id]!;
    const bad = node.inputSidePackets.find((p) => {
      try {
        structuredClone(this.sidePackets.get(p.name));
        return false;
      } catch {
        return true;
      }
    });
    return new CodecError(
      `side packet "${bad?.name ?? '?'}" of node "${node.name}" cannot be copied to its thread: ${err.message}`,
      { node: node.name, stream: bad?.name, phase: 'open', cause: err },
    );
  }

  private collectSidePackets(id: number, values: Record<number, unknown>): void {
    const ports = this.graph.nodes[id]!.outputSidePackets;
    for (const [i, v] of Object.entries(values)) this.sidePackets.set(ports[Number(i)]!.name, v);
  }

  // The watchdog: reads shared counters only.
  private inspect(): void {
    if (this.failure !== undefined) return;
    const c = this.counters;
    const now = Date.now();
    let progressed = false;
    let running = false;
    let nextDeadline = Number.POSITIVE_INFINITY;
    for (const n of this.graph.nodes) {
      const p = c.progress(n.id);
      if (p !== this.lastProgress[n.id]) progressed = true;
      this.lastProgress[n.id] = p;
      const state = c.state(n.id);
      if (state === NodeState.Running) running = true;
      const since = c.f64[c.field(n.id, F_CALL_STARTED_AT)]!;
      // Only a node running its own code can be stuck (opening, processing or closing): one blocked
      // on a full output ring is back-pressured by a node downstream (the one to blame, if any).
      const inCall =
        state === NodeState.Running || state === NodeState.Opening || state === NodeState.Closing;
      const limit = this.stuckLimits[n.id]!;
      if (inCall && since > 0 && now - since > limit) {
        this.stuck(n.id, now - since, limit);
        return;
      }
      if (inCall && since > 0) nextDeadline = Math.min(nextDeadline, since + limit);
    }
    // A call's limit ends before the next tick: look again right after it, not up to a tick late.
    if (nextDeadline - now < this.o.watchdogMs && this.deadlineCheck === undefined) {
      this.deadlineCheck = setTimeout(
        () => {
          this.deadlineCheck = undefined;
          this.inspect();
        },
        nextDeadline - now + 1,
      );
      this.deadlineCheck.unref();
    }
    if (!this.running) return;
    this.stalledTicks = progressed || running ? 0 : this.stalledTicks + 1;
    // Idle: nothing moved for two ticks and no source is left that could make work of its own, so
    // only the application can bring more (a push, a pull, a released frame).
    this.keepAlive.setBusy(
      this.stalledTicks < 2 || this.sources.some((id) => c.state(id) !== NodeState.Done),
    );
    if (this.stalledTicks === 0) this.frameStallReported = false;
    if (this.stalledTicks >= 2 && !this.resolveQueueStall()) this.reportFrameStall();
  }

  // A call ran past its limit. Its thread cannot stop on its own (a stuck call never returns to the
  // loop that reads the stop word), so it is ended now, and the run fails at once rather than after
  // the other actors' grace period.
  private stuck(id: number, ms: number, limit: number): void {
    const n = this.graph.nodes[id]!;
    const phase = this.counters.stage(id) ?? 'open';
    this.fail(
      new NodeStuckError(`${n.calculator} has been in its ${phase} call for ${ms} ms (limit ${limit} ms)`, {
        node: n.name,
        phase,
      }),
    );
    void this.tasks[id]?.terminate();
  }

  // Nothing moved for two ticks. A deadlock needs a producer blocked on a full ring whose consumer
  // stopped draining it because that input's queue reached its limit. True when one was found.
  private resolveQueueStall(): boolean {
    const c = this.counters;
    const anyBlocked = this.graph.nodes.some((n) => c.state(n.id) === NodeState.BlockedOutput);
    if (!anyBlocked) return false;
    for (const n of this.graph.nodes) {
      for (let i = 0; i < n.inputs.length; i++) {
        const g = this.plan.inputBase[n.id]! + i;
        const limit = c.queueLimit(g);
        if (limit < 0 || c.queueDepth(g) < limit) continue;
        const port = n.inputs[i]!;
        const where = { node: n.name, stream: port.name, phase: 'run' as const };
        if (this.graph.reportDeadlock) {
          this.fail(
            new DeadlockError(
              `input ${portLabel(port)} of node "${n.name}" holds ${limit} packets (max_queue_size) and its ` +
                'producers are blocked on it; raise max_queue_size for this node or the graph, or make the ' +
                'other inputs of this node carry timestamp bounds',
              where,
            ),
          );
          return true;
        }
        const grown = Math.max(limit + 1, limit * 2);
        c.setQueueLimit(g, grown);
        const bell = this.plan.doorbells[n.id]!;
        ring(new Int32Array(bell.sab), bell.index);
        this.stalledTicks = 0;
        this.o.onWarning(
          `weft resolved a deadlock by raising max_queue_size of input ${portLabel(port)} ("${port.name}") ` +
            `of node "${n.name}" from ${limit} to ${grown}`,
        );
        return true;
      }
    }
    return false;
  }

  // A node waits for a frame-pool slot and nothing has moved for FRAME_STALL_MS. No queue can be
  // grown to fix it: the frames are held by packets queued behind the waiting node, by calculators
  // that retain them, or by the application (outputs it has not released), and only the last may
  // still let go. So the stall is named, once per episode: an error with report_deadlock, else a
  // warning.
  private reportFrameStall(): void {
    const c = this.counters;
    const waiting = this.graph.nodes.filter((n) => c.state(n.id) === NodeState.WaitingFrame);
    const stalledMs = this.stalledTicks * this.o.watchdogMs;
    if (waiting.length === 0 || stalledMs < FRAME_STALL_MS || this.frameStallReported) return;
    this.frameStallReported = true;
    const empty = this.pool
      .stats()
      .filter((k) => k.free === 0)
      .map((k) => `${k.slots} slots of ${k.slotBytes} bytes`)
      .join(', ');
    const message =
      `${waiting.map((n) => `node "${n.name}"`).join(', ')} has waited ${stalledMs} ms for a frame and ` +
      `nothing in the graph moves: the frame pool's size class (${empty || 'none empty now'}) is ` +
      'exhausted, its frames held by packets queued behind the waiting node, by calculators that ' +
      'retain them, or by outputs the application has not released; give the class more slots ' +
      "(the graph's `frames` option) or release frames sooner";
    if (this.graph.reportDeadlock) {
      this.fail(new DeadlockError(message, { node: waiting[0]!.name, phase: 'run' }));
    } else {
      this.o.onWarning(message);
    }
  }

  /**
   * Records the first failure and shuts everything down. Later failures are ignored, except the
   * first real fault after a stop (a calculator whose close throws while stopping): it becomes the
   * cause of the stop's CancelledError, so it is reported rather than lost.
   */
  private fail(err: unknown): void {
    if (this.failure !== undefined) {
      if (this.failure instanceof CancelledError && !(err instanceof CancelledError))
        this.lateFailure ??= err;
      return;
    }
    this.failure = err;
    void this.shutdown().then(() => this.rejectDone(this.outcome()));
  }

  private finish(): void {
    if (this.failure !== undefined) return;
    void this.shutdown().then(() => {
      if (this.failure === undefined) this.resolveDone();
      else this.rejectDone(this.outcome());
    });
  }

  // The failure the run ends with: a stop carries the fault that happened while stopping, if any.
  private outcome(): unknown {
    const late = this.lateFailure;
    if (!(this.failure instanceof CancelledError) || late === undefined || this.failure.cause !== undefined) {
      return this.failure;
    }
    const where = late instanceof WeftError && late.node !== undefined ? `node "${late.node}"` : 'a node';
    this.failure = new CancelledError(
      `the run was stopped, and ${where} failed while stopping: ${late instanceof Error ? late.message : String(late)}`,
      { phase: 'shutdown', cause: late },
    );
    return this.failure;
  }

  private shutdown(): Promise<void> {
    this.shuttingDown ??= this.doShutdown();
    return this.shuttingDown;
  }

  private async doShutdown(): Promise<void> {
    clearInterval(this.watchdog);
    clearTimeout(this.deadlineCheck);
    // Shutting down is work: it completes even when nobody awaits it, then lets go for good.
    this.keepAlive.setBusy(true);
    try {
      await this.stopAll();
    } finally {
      this.keepAlive.dispose();
    }
  }

  private async stopAll(): Promise<void> {
    const c = this.counters;
    if (this.failure !== undefined) {
      for (const n of this.graph.nodes) c.requestStop(n.id);
      // Abandoned rings make every blocked or later push throw, so producers cannot stay asleep.
      for (const d of this.plan.rings) new RingReader(d).close();
      for (const d of this.plan.doorbells) ring(new Int32Array(d.sab), d.index);
      this.pump.stop();
      for (const n of this.graph.nodes) if (!this.started.has(n.id)) void this.tasks[n.id]?.terminate();
    }
    const all = Promise.allSettled(this.tasks.map((t) => t.result));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const grace = new Promise<void>((r) => {
      timer = setTimeout(r, this.o.shutdownTimeoutMs);
    });
    await Promise.race([all, grace]);
    clearTimeout(timer);
    await Promise.all(this.tasks.map((t) => t.terminate()));
    await all;
    await this.pump.finished.catch(() => {});
    for (const ctl of this.controls) ctl.close();
    this.pump.releaseLeftovers(this.plan.rings);
  }

  /** The first failure, if any. */
  get error(): WeftError | Error | undefined {
    return this.failure as WeftError | Error | undefined;
  }
}
