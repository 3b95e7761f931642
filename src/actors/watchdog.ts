/**
 * The supervisor's watchdog: reads the actors' shared counters every tick (no messages) and acts on
 * what it sees. A calculator call past its stuck-call limit fails the run and its thread is ended;
 * a graph gone idle with nodes still open (a cycle) has them closed, ending the run (idle-end.ts);
 * a graph that stands still behind a full queue has that queue grown (or fails, with
 * `report_deadlock`); a node waiting for a frame of an exhausted pool class while nothing moves is
 * named; and whether the run still has work of its own decides if it keeps the process alive.
 *
 * Threading: the thread that owns the run. Lifecycle: `start()` when the actors are spawned (the
 * stuck check covers `open`), `running()` once every node started (the stall checks begin), `stop()`
 * when the run shuts down.
 */
import { DeadlockError, NodeStuckError } from '../core/errors.js';
import type { ResolvedGraph } from '../core/graph-config.js';
import { ring } from '../transport/doorbell.js';
import type { FramePool } from '../transport/frame-pool.js';
import { type GraphPlan, portLabel } from './graph-plan.js';
import { IdleEnd } from './idle-end.js';
import type { KeepAlive } from './keep-alive.js';
import { F_CALL_STARTED_AT, type NodeCounters, NodeState } from './node-counters.js';

/** How long a graph may stand still while a node waits for a frame before the stall is named. */
export const FRAME_STALL_MS = 1000;

/** What the watchdog watches and whom it tells. */
export interface WatchedRun {
  readonly graph: ResolvedGraph;
  readonly plan: GraphPlan;
  readonly counters: NodeCounters;
  readonly pool: FramePool;
  readonly keepAlive: KeepAlive;
  /** Per node: the longest a call may run, ms (Infinity: no limit). */
  readonly stuckLimits: readonly number[];
  readonly watchdogMs: number;
  /** True once the run failed: the watchdog has nothing more to say. */
  failed(): boolean;
  /** True while the application waits to add a packet to a full graph input (a blocked producer). */
  inputWaiting(): boolean;
  /** Fails the run. */
  fail(err: unknown): void;
  /** Ends a node's thread now (a stuck call never returns to read its stop word). */
  terminate(node: number): void;
  /**
   * A node's call is stuck with `err`: true when the node's restart policy replaces its thread
   * (the run then ends the stuck thread itself and goes on), false to fail the run.
   */
  restartStuck(node: number, err: Error): boolean;
  warn(message: string): void;
}

/** See the module comment. */
export class Watchdog {
  private timer: ReturnType<typeof setInterval> | undefined;
  private deadlineCheck: ReturnType<typeof setTimeout> | undefined;
  private readonly lastProgress: number[] = [];
  private stalledTicks = 0;
  private frameStallReported = false;
  private stallChecks = false;
  // Nodes without input streams: while one is alive, the graph can still make work of its own.
  private readonly sources: readonly number[];

  private readonly idleEnd: IdleEnd;

  constructor(private readonly run: WatchedRun) {
    this.sources = run.graph.nodes.filter((n) => n.inputs.length === 0).map((n) => n.id);
    this.idleEnd = new IdleEnd(run.graph, run.plan, run.counters);
  }

  /** Starts the ticks: the stuck-call check from the first open on. */
  start(): void {
    this.timer = setInterval(() => this.inspect(), this.run.watchdogMs);
    // The watchdog only reads counters; whether the run keeps the process alive is keepAlive's.
    this.timer.unref();
  }

  /** Every node opened and started: the stall checks apply from now on. */
  running(): void {
    this.stallChecks = true;
  }

  /**
   * The timeout of node `id`'s open call, for control calls that otherwise time out after
   * `callTimeoutMs`. Any time; a pure function of the run's limits.
   */
  openTimeoutMs(id: number, callTimeoutMs: number): number {
    // A stuck open is the watchdog's to name (node, phase, limit): the call's own timeout stays
    // out of its way.
    const limit = this.run.stuckLimits[id]!;
    return Number.isFinite(limit)
      ? Math.max(callTimeoutMs, limit + 4 * this.run.watchdogMs + 1000)
      : callTimeoutMs;
  }

  /** True when no node has work now: see IdleEnd.quiet. */
  quiet(): boolean {
    return this.idleEnd.quiet();
  }

  stop(): void {
    clearInterval(this.timer);
    clearTimeout(this.deadlineCheck);
  }

  private inspect(): void {
    const r = this.run;
    if (r.failed()) return;
    const c = r.counters;
    const now = Date.now();
    let progressed = false;
    let running = false;
    let nextDeadline = Number.POSITIVE_INFINITY;
    for (const n of r.graph.nodes) {
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
      if (!inCall || since === 0) continue;
      const limit = r.stuckLimits[n.id]!;
      if (now - since > limit) {
        this.stuck(n.id, now - since, limit);
        return;
      }
      nextDeadline = Math.min(nextDeadline, since + limit);
    }
    // A call's limit ends before the next tick: look again right after it, not up to a tick late.
    if (nextDeadline - now < r.watchdogMs && this.deadlineCheck === undefined) {
      this.deadlineCheck = setTimeout(
        () => {
          this.deadlineCheck = undefined;
          this.inspect();
        },
        nextDeadline - now + 1,
      );
      this.deadlineCheck.unref();
    }
    if (!this.stallChecks) return;
    // The nodes left open were told to close: they will move again.
    if (this.idleEnd.tick()) return;
    this.stalledTicks = progressed || running ? 0 : this.stalledTicks + 1;
    // Idle: nothing moved for two ticks and no source is left that could make work of its own, so
    // only the application can bring more (a push, a pull, a released frame).
    r.keepAlive.setBusy(this.stalledTicks < 2 || this.sources.some((id) => c.state(id) !== NodeState.Done));
    if (this.stalledTicks === 0) this.frameStallReported = false;
    if (this.stalledTicks >= 2 && !this.resolveQueueStall()) this.reportFrameStall();
  }

  // A call ran past its limit. Its thread cannot stop on its own (a stuck call never returns to the
  // loop that reads the stop word), so it is ended now, and the run fails at once rather than after
  // the other actors' grace period.
  private stuck(id: number, ms: number, limit: number): void {
    const n = this.run.graph.nodes[id]!;
    const phase = this.run.counters.stage(id) ?? 'open';
    const err = new NodeStuckError(
      `${n.calculator} has been in its ${phase} call for ${ms} ms (limit ${limit} ms)`,
      { node: n.name, phase },
    );
    if (this.run.restartStuck(id, err)) return;
    this.run.fail(err);
    this.run.terminate(id);
  }

  // Nothing moved for two ticks. A deadlock needs a producer blocked on a full ring whose consumer
  // stopped draining it because that input's queue reached its limit, or the application waiting
  // to add to a graph input whose queue is full. True when one was found.
  private resolveQueueStall(): boolean {
    const { graph, plan, counters: c } = this.run;
    const blocked =
      this.run.inputWaiting() || graph.nodes.some((n) => c.state(n.id) === NodeState.BlockedOutput);
    if (!blocked) return false;
    for (const n of graph.nodes) {
      for (let i = 0; i < n.inputs.length; i++) {
        const g = plan.inputBase[n.id]! + i;
        const limit = c.queueLimit(g);
        if (limit < 0 || c.queueDepth(g) < limit) continue;
        const port = n.inputs[i]!;
        if (graph.reportDeadlock) {
          this.run.fail(
            new DeadlockError(
              `deadlock: input ${portLabel(port)} ("${port.name}") of node "${n.name}" (${n.calculator}) ` +
                `holds ${limit} packets (max_queue_size) and its ` +
                'producers are blocked on it; raise max_queue_size for this node or the graph, or make the ' +
                'other inputs of this node carry timestamp bounds',
              { node: n.name, stream: port.name, phase: 'run' },
            ),
          );
          return true;
        }
        const grown = Math.max(limit + 1, limit * 2);
        c.setQueueLimit(g, grown);
        const bell = plan.doorbells[n.id]!;
        ring(new Int32Array(bell.sab), bell.index);
        this.stalledTicks = 0;
        this.run.warn(
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
    const { graph, counters: c, pool } = this.run;
    const waiting = graph.nodes.filter((n) => c.state(n.id) === NodeState.WaitingFrame);
    const stalledMs = this.stalledTicks * this.run.watchdogMs;
    if (waiting.length === 0 || stalledMs < FRAME_STALL_MS || this.frameStallReported) return;
    this.frameStallReported = true;
    const empty = pool
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
    if (graph.reportDeadlock)
      this.run.fail(new DeadlockError(message, { node: waiting[0]!.name, phase: 'run' }));
    else this.run.warn(message);
  }
}
