/**
 * The supervisor's machinery of the `restart` policy: opening a node until one of its threads
 * opens, replacing a running node's thread when it asks (a failed call) or dies (exit, out of
 * memory, a stuck call the watchdog ended), and keeping a standby thread per restartable node so
 * that a replacement costs an `open` call rather than a thread's start-up. The bookkeeping of each
 * replacement (the policy's decision, frames, losses, hand-over) is node-restarts.ts's.
 *
 * Threading: the supervisor's thread. Lifecycle: one per run; `endStandbys` and `settled` at its
 * shutdown, after which nothing is replaced or spawned.
 */
import type { ResolvedGraph } from '../core/graph-config.js';
import { causeText } from '../core/weft-error.js';
import type { ActorResult, RestartRequest } from './actor-protocol.js';
import type { NodeThread } from './actor-threads.js';
import { type ControlClient, ThreadDoneError } from './control-channel.js';
import type { GraphPlan } from './graph-plan.js';
import { F_CALL_STARTED_AT, type NodeCounters, NodeState } from './node-counters.js';
import type { NodeRestarts, ThreadEnd } from './node-restarts.js';
import { attributeExit } from './run-failures.js';
import type { ThreadTask } from './thread-task.js';

/** What the replacement machinery needs of its supervisor. */
export interface ReplacementHost {
  readonly graph: ResolvedGraph;
  readonly plan: GraphPlan;
  readonly counters: NodeCounters;
  readonly restarts: NodeRestarts;
  readonly callTimeoutMs: number;
  /** The run's first failure, if any: nothing is replaced once there is one. */
  failure(): unknown;
  /** True once the run is over. */
  over(): boolean;
  fail(err: unknown): void;
  /** Node `id` failed for good with `err` (its replacement could not be made). */
  nodeFailed(id: number, err: unknown): void;
  task(id: number): ThreadTask<ActorResult>;
  control(id: number): ControlClient;
  /** Spawns a thread of node `id` alone; `track`: the supervisor follows it as the node's. */
  spawn(id: number, track: boolean): NodeThread;
  /** Makes `thread` the node's (the supervisor follows it). */
  adopt(thread: NodeThread): void;
  /** Node `id` runs (true) or is being replaced (false). */
  setStarted(id: number, started: boolean): void;
  /** The node's open call with `args`; its output side packets. A stuck open is the watchdog's. */
  callOpen(id: number, args: unknown[]): Promise<Record<number, unknown>>;
  /** The error an open call's failure `err` stands for (a side packet that cannot be copied...). */
  openError(id: number, err: unknown): unknown;
  collectSidePackets(id: number, values: Record<number, unknown>): void;
}

/** See the module comment. */
export class ThreadReplacement {
  // Per node: the side packets it opened with, for the fresh threads of a restart.
  private readonly openValues: unknown[][] = [];
  // Nodes in an open call: a restart then is the open's to make (see open).
  private readonly opening = new Set<number>();
  // Replacements of a node's thread under way, and the nodes they replace.
  private readonly replacing = new Set<Promise<void>>();
  private readonly underway = new Set<number>();
  // Per restartable node: a thread started ahead, for its next restart (see prepareStandby).
  private readonly standbys = new Map<number, NodeThread>();
  // Per node: the stuck call that ended its thread, for its restart's record.
  private readonly stuckCauses = new Map<number, Error>();

  constructor(private readonly host: ReplacementHost) {}

  /**
   * Opens node `id` with side packets `values`. Under the `restart` policy a failed open (or a
   * thread that died opening) gets the node a fresh thread, opened in turn, until one opens or the
   * policy escalates (rejects with RestartLimitError).
   */
  async open(id: number, values: unknown[]): Promise<void> {
    const h = this.host;
    this.openValues[id] = values;
    this.opening.add(id);
    try {
      for (;;) {
        const task = h.task(id);
        try {
          const args = h.restarts.restartable(id) ? [values, h.restarts.carryFor(id)] : [values];
          h.collectSidePackets(id, await h.callOpen(id, args));
          return;
        } catch (err) {
          const e = h.openError(id, err);
          // A side packet that cannot reach the thread would fail every successor alike.
          if (!h.restarts.restartable(id) || h.failure() !== undefined || e !== err) throw e;
          const end = await task.result.then(
            (r) => (r.restart === undefined ? null : this.requestEnd(r.restart)),
            (death: unknown) => this.deathOf(id, death),
          );
          if (end === null) throw e;
          this.respawn(id, end);
        }
      }
    } finally {
      this.opening.delete(id);
    }
  }

  /**
   * Node `id`'s thread ended asking for a successor: true when that is being seen to (or is an
   * open's to see to), false when the run failed meanwhile and the node is simply done.
   */
  requested(id: number, request: RestartRequest): boolean {
    if (this.opening.has(id)) return true;
    if (this.host.failure() !== undefined) return false;
    this.begin(id, this.requestEnd(request));
    return true;
  }

  /** Node `id`'s thread died with `err`: true when it is being replaced (a restartable node). */
  died(id: number, err: unknown): boolean {
    if (!this.host.restarts.restartable(id) || this.host.failure() !== undefined) return false;
    if (!this.opening.has(id)) this.begin(id, this.deathOf(id, err));
    return true;
  }

  /** A call of node `id` is stuck: true when the node's thread is ended here and replaced. */
  restartStuck(id: number, err: Error): boolean {
    if (!this.host.restarts.restartable(id) || this.host.failure() !== undefined) return false;
    if (!this.stuckCauses.has(id)) {
      this.stuckCauses.set(id, err);
      void this.host.task(id).terminate();
    }
    return true;
  }

  /** Starts a standby thread for each restartable node (once the run has started). */
  prepareStandbys(): void {
    for (const n of this.host.graph.nodes)
      if (this.host.restarts.restartable(n.id)) this.prepareStandby(n.id);
  }

  /** Ends the standby threads; resolves once they have exited. */
  async endStandbys(): Promise<void> {
    const spares = [...this.standbys.values()];
    this.standbys.clear();
    for (const s of spares) {
      s.control.close();
      void s.task.terminate();
    }
    await Promise.allSettled(spares.map((s) => s.task.result));
  }

  /** Resolves once no replacement is under way (none starts once the run failed). */
  async settled(): Promise<void> {
    while (this.replacing.size > 0) await Promise.allSettled([...this.replacing]);
  }

  private requestEnd(request: RestartRequest): ThreadEnd {
    return { cause: this.host.restarts.causeOf(request), phase: request.phase, request };
  }

  private deathOf(id: number, err: unknown): ThreadEnd {
    const h = this.host;
    const cause = this.stuckCauses.get(id) ?? attributeExit(h.graph, h.counters, id, err);
    const phase = h.counters.stage(id) ?? 'open';
    return { cause: cause instanceof Error ? cause : new Error(causeText(cause)), phase, request: null };
  }

  // Replaces a running node's thread in the background; a failure to do so fails the run.
  private begin(id: number, end: ThreadEnd): void {
    this.underway.add(id);
    const p: Promise<void> = this.replace(id, end)
      .catch((err: unknown) => {
        this.host.fail(err);
        this.host.nodeFailed(id, err);
      })
      .finally(() => {
        this.replacing.delete(p);
        this.underway.delete(id);
      });
    this.replacing.add(p);
  }

  private async replace(id: number, end: ThreadEnd): Promise<void> {
    const h = this.host;
    h.setStarted(id, false);
    this.respawn(id, end);
    await this.open(id, this.openValues[id]!);
    if (!(await this.start(id))) return;
    h.setStarted(id, true);
  }

  /**
   * The run's first start of node `id` (see {@link start}); false, without a call, when the node's
   * thread already died after its open and a replacement, which starts its successor, is under way.
   */
  startFirst(id: number): Promise<boolean> {
    return this.underway.has(id) ? Promise.resolve(false) : this.start(id);
  }

  /**
   * Starts node `id`'s opened thread: true once it runs (or already finished). False when the thread
   * died before it answered (a crash right after its open, or in its first call): that death is
   * replaced as any other, by the supervisor's reaction to the thread's end (see {@link died}), not
   * failed here.
   */
  private async start(id: number): Promise<boolean> {
    const h = this.host;
    const task = h.task(id);
    try {
      await h.control(id).call('start', [], h.callTimeoutMs);
    } catch (err) {
      if (err instanceof ThreadDoneError) return true;
      if (task.gone && h.restarts.restartable(id) && h.failure() === undefined) return false;
      throw err;
    }
    return true;
  }

  /**
   * Node `id`'s thread ended as `end` says and has exited: a fresh thread (the standby, when one is
   * ready) takes its place, not yet opened; or the policy escalates (throws RestartLimitError).
   */
  private respawn(id: number, end: ThreadEnd): void {
    const h = this.host;
    const failure = h.failure();
    if (failure !== undefined) throw failure;
    this.stuckCauses.delete(id);
    h.restarts.replace(id, end);
    h.control(id).close();
    const c = h.counters;
    // The dead call's clock must not make its successor look stuck; the node is busy, not idle.
    c.f64[c.field(id, F_CALL_STARTED_AT)] = 0;
    c.setState(id, NodeState.Opening);
    // The dead thread's queues are gone: full ones left behind would read as a deadlock.
    const base = h.plan.inputBase[id]!;
    for (let i = 0; i < h.graph.nodes[id]!.inputs.length; i++) c.setQueueDepth(base + i, 0);
    const standby = this.standbys.get(id);
    this.standbys.delete(id);
    if (standby !== undefined) h.adopt(standby);
    else h.spawn(id, true);
    this.prepareStandby(id);
  }

  // A standby loads the node's modules and waits on its control port (idle, never spinning).
  private prepareStandby(id: number): void {
    const h = this.host;
    if (h.failure() !== undefined || h.over() || this.standbys.has(id)) return;
    const t = h.spawn(id, false);
    t.task.unref();
    this.standbys.set(id, t);
    // One that died waiting (its module failed to load) is not used: a restart then starts afresh.
    const gone = () => {
      if (this.standbys.get(id) === t) this.standbys.delete(id);
    };
    t.task.result.then(gone, gone);
  }
}
