/**
 * The threads of one run as its supervisor follows them: spawning the thread of a layout group (one
 * node, an executor, a chain: actor-threads.ts) or, under the `restart` policy, a fresh thread of
 * one node; following each (its task handle, its control channel, its exit: thread-ends.ts); and
 * turning each thread's end into its nodes' ends — done, replaced (thread-replacement.ts), or a
 * failure of the run.
 *
 * Threading: the supervisor's thread. Lifecycle: one per run, made with its supervisor, which owns
 * it; threads are spawned from the run's start on; the run's shutdown ends them through `ends` and
 * closes the `controls`.
 */
import type { ActorResult, RestartRequest } from './actor-protocol.js';
import { type NodeThread, spawnActorThread, type ThreadContext } from './actor-threads.js';
import type { CompiledSources } from './compiled-sources.js';
import { type ControlClient, connectControl } from './control-channel.js';
import type { NodeRestarts } from './node-restarts.js';
import { attributeExit, restartReporter } from './run-failures.js';
import { type Settlement, settlement } from './run-outcome.js';
import type { ResolvedSupervisorOptions } from './supervisor-options.js';
import { ThreadEnds } from './thread-ends.js';
import type { ThreadTask } from './thread-task.js';

/** What a run's threads are made from, and whom their ends are told to; the supervisor's. */
export interface ThreadsParts extends Omit<ThreadContext, 'compiled' | 'restartOf'> {
  readonly restarts: NodeRestarts;
  /** The application's listener of node restarts. */
  readonly onNodeRestart: ResolvedSupervisorOptions['onNodeRestart'];
  /** Fails the run (the first failure wins). */
  fail(err: unknown): void;
  /** Node `id` finished with output side packets `values`. */
  collectSidePackets(id: number, values: Record<number, unknown>): void;
  /** Node `id`'s thread ended asking for a successor: true when that is seen to (see ThreadReplacement). */
  requested(id: number, request: RestartRequest): boolean;
  /** Node `id`'s thread died with `err`: true when it is being replaced (see ThreadReplacement). */
  died(id: number, err: unknown): boolean;
}

/** See the module comment. */
export class RunThreads {
  /** How the threads end: the run's shutdown waits for them, and ends stragglers, through it. */
  readonly ends = new ThreadEnds();
  /** Per node: its thread's task (on a shared thread, settling with that thread). */
  readonly tasks: ThreadTask<ActorResult>[] = [];
  /** Per node: the supervisor's end of its control channel. */
  readonly controls: ControlClient[] = [];
  // Per node: settles once the node is done for good (its last thread, under `restart`).
  private readonly nodeEnds: Settlement[];
  // From source: the compiled twins the threads start from (see compiled-sources.ts).
  private compiled: CompiledSources | undefined;

  constructor(private readonly p: ThreadsParts) {
    this.nodeEnds = p.graph.nodes.map(() => settlement());
  }

  /** From source: what threads spawned from now on start from (compiled-sources.ts); before the first. */
  useCompiled(compiled: CompiledSources | undefined): void {
    this.compiled = compiled;
  }

  /**
   * Spawns the thread of one layout group, node ids `ids`: of one node, or of several (an executor,
   * a chain): see actor-threads.ts. Follows it as each node's thread.
   */
  spawnGroup(ids: readonly number[]): void {
    const threads = spawnActorThread(this.context(), ids);
    for (const t of threads) this.track(t, ids.length > 1);
  }

  /**
   * Spawns a thread of node `id` alone; `follow`: it is the node's from now on (else a standby,
   * followed once {@link adopt}ed).
   */
  spawn(id: number, follow: boolean): NodeThread {
    const [t] = spawnActorThread(this.context(), [id]);
    if (follow) this.track(t!);
    return t!;
  }

  /** Makes `thread` (a standby) its node's: followed as the node's thread from now on. */
  adopt(thread: NodeThread): void {
    this.track(thread);
  }

  /** Node `id`'s thread's task. */
  task(id: number): ThreadTask<ActorResult> {
    return this.tasks[id]!;
  }

  /** The supervisor's end of node `id`'s control channel. */
  control(id: number): ControlClient {
    return this.controls[id]!;
  }

  /** Node `id` failed for good with `err` (its replacement could not be made). */
  nodeFailed(id: number, err: unknown): void {
    this.nodeEnds[id]!.reject(err);
  }

  /** Settles once node `id` is done for good: resolves when it finished, rejects with its failure. */
  nodeEnd(id: number): Promise<void> {
    return this.nodeEnds[id]!.promise;
  }

  /** Every node's {@link nodeEnd}, in node order. */
  allNodeEnds(): Promise<void>[] {
    return this.nodeEnds.map((e) => e.promise);
  }

  // What a thread spawned now starts from.
  private context(): ThreadContext {
    const p = this.p;
    return {
      graph: p.graph,
      modules: p.modules,
      plan: p.plan,
      pool: p.pool,
      counters: p.counters,
      heapLimitMb: p.heapLimitMb,
      compiled: this.compiled,
      restartOf: (id) => p.restarts.argsFor(id),
    };
  }

  private track(t: NodeThread, shared = false): void {
    const { id, task, culprit } = t;
    const p = this.p;
    const node = p.graph.nodes[id]!;
    task.unref();
    this.tasks[id] = task;
    this.ends.track(id, task);
    task.result.then(
      (r) => {
        if (r.restart !== undefined && p.requested(id, r.restart)) return;
        if (r.restart === undefined) p.collectSidePackets(id, r.outputSidePackets);
        this.nodeEnds[id]!.resolve();
      },
      (err: unknown) => {
        if (p.died(id, err)) return;
        const e = attributeExit(p.graph, p.counters, culprit(), err);
        p.fail(e);
        this.nodeEnds[id]!.reject(e);
      },
    );
    this.controls[id] = connectControl(t.control, {
      label: `node "${node.name}"`,
      node: node.name,
      exited: task.result,
      // On a shared thread a node's failure comes before the thread's result (see executor-host.ts).
      ...(shared ? { onFailure: (err: Error) => p.fail(err) } : {}),
      onRecovered: restartReporter(p.onNodeRestart, (err) => p.fail(err)),
    });
  }
}
