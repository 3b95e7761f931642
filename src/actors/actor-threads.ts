/**
 * Starting the thread that hosts one node (actor-task.ts) or several (executor-host.ts: an executor,
 * a chain), and the per-node handles the supervisor tracks either way: each node has its own
 * control channel and task handle; on a shared thread the handles settle with the thread.
 *
 * From source, a thread starts from the compiled twins of weft's sources when the run has them
 * (see compiled-sources.ts): its task module and the calculator modules that are
 * weft's own are their twins. A calculator module outside weft's sources in TypeScript is loaded
 * through tsx there as before (its imports of weft's sources get the twins); one in JavaScript
 * keeps the thread on the sources, where tsx resolves what it imports as it did before.
 *
 * Threading: the supervisor's thread.
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import type { ResolvedGraph, ResolvedNode } from '../core/graph-config.js';
import { isTypeScriptModule } from '../core/module-loader.js';
import type { FramePool } from '../transport/frame-pool.js';
import type { ActorArgs, ActorResult, RestartArgs } from './actor-protocol.js';
import type { CompiledSources } from './compiled-sources.js';
import type { ExecutorArgs } from './executor-host.js';
import type { GraphPlan } from './graph-plan.js';
import { F_CALL_STARTED_AT, F_EXITED_THREAD, type NodeCounters } from './node-counters.js';
import type { CalculatorModules } from './supervisor.js';
import { spawnTask, type ThreadTask, taskModuleUrl } from './thread-task.js';

const ACTOR_MODULE = taskModuleUrl(import.meta.url, './actor-task');
const EXECUTOR_MODULE = taskModuleUrl(import.meta.url, './executor-host');

/** What a run's threads are made from. */
export interface ThreadContext {
  readonly graph: ResolvedGraph;
  readonly modules: CalculatorModules;
  readonly plan: GraphPlan;
  readonly pool: FramePool;
  readonly counters: NodeCounters;
  /** The run's heap limit per thread, MiB, for nodes that set none. */
  readonly heapLimitMb: number;
  /** From source: the compiled twins of weft's sources, when they could be had. */
  readonly compiled?: CompiledSources | undefined;
  /** What the thread of a node under the `restart` policy gets besides (see node-restarts.ts). */
  readonly restartOf?: (id: number) => RestartArgs | undefined;
}

/** One node's handles. */
export interface NodeThread {
  readonly id: number;
  readonly task: ThreadTask<ActorResult>;
  /** The supervisor's end of the node's control channel. */
  readonly control: MessagePort;
  /** Which node a death of the thread is charged to (the one in a call then, else the first). */
  readonly culprit: () => number;
}

/** Starts the thread of nodes `ids` (one, or several sharing it); their handles in that order. */
export function spawnActorThread(ctx: ThreadContext, ids: readonly number[]): NodeThread[] {
  const nodes = ids.map((id) => ctx.graph.nodes[id]!);
  const channels = ids.map(() => new MessageChannel());
  // A runaway allocation ends this thread, not the process (see the README's limits for what V8
  // cannot contain this way). A shared thread's heap serves all its nodes: the smallest limit any of
  // them asks for, so that each node's limit holds (chaining never joins nodes whose limits differ).
  const resourceLimits = {
    maxOldGenerationSizeMb: Math.min(...nodes.map((n) => n.heapLimitMb ?? ctx.heapLimitMb)),
  };
  const name = `weft:${nodes.map((n) => n.name).join('+')}`;
  const transferList = channels.map((c) => c.port2);
  const twins = compiledFor(ctx, nodes);
  const modules = twins === undefined ? ctx.modules : twinModules(ctx.modules, twins);
  if (ids.length === 1) {
    const id = ids[0]!;
    const args = actorArgs(ctx, modules, id, channels[0]!.port2);
    const task = spawnTask<ActorResult>(twins?.twin(ACTOR_MODULE) ?? ACTOR_MODULE, 'hostActor', args, {
      name,
      transferList,
      resourceLimits,
    });
    return [{ id, task, control: channels[0]!.port1, culprit: () => id }];
  }
  const args: ExecutorArgs = { actors: ids.map((id, k) => actorArgs(ctx, modules, id, channels[k]!.port2)) };
  const group = spawnTask<ActorResult[]>(
    twins?.twin(EXECUTOR_MODULE) ?? EXECUTOR_MODULE,
    'hostExecutor',
    args,
    {
      name,
      transferList,
      resourceLimits,
    },
  );
  const c = ctx.counters;
  // The node whose code exited the thread; else (out of memory: no code runs then) the node in a
  // call, or the innermost of several (a node waiting for a frame slot runs the others on its
  // thread meanwhile: the latest call to start, downstream on ties, is the one that died).
  const culprit = () => {
    // The node whose code called process.exit, when the dying thread could tell (see executor-host.ts).
    for (const id of ids) if (c.f64[c.field(id, F_EXITED_THREAD)] === 1) return id;
    let best = ids[0]!;
    let at = 0;
    for (const id of ids) {
      const t = c.f64[c.field(id, F_CALL_STARTED_AT)]!;
      if (t !== 0 && t >= at) {
        at = t;
        best = id;
      }
    }
    return best;
  };
  return ids.map((id, k) => ({
    id,
    task: {
      result: group.result.then((rs) => rs[k]!),
      threadId: group.threadId,
      get gone() {
        return group.gone;
      },
      terminate: () => group.terminate(),
      unref: () => group.unref(),
    },
    control: channels[k]!.port1,
    culprit,
  }));
}

/**
 * The compiled twins for a thread of `nodes`, or undefined when it starts from source: no twins,
 * or a calculator module in JavaScript outside weft's sources (it may import weft's sources by
 * their `.js` names, which only tsx resolves).
 */
function compiledFor(ctx: ThreadContext, nodes: readonly ResolvedNode[]): CompiledSources | undefined {
  const twins = ctx.compiled;
  if (twins === undefined) return undefined;
  for (const n of nodes) {
    const m = ctx.modules.get(n.calculator)!.module;
    if (twins.twin(m) === undefined && !isTypeScriptModule(m)) return undefined;
  }
  return twins;
}

function twinModules(modules: CalculatorModules, twins: CompiledSources): CalculatorModules {
  return new Map(
    [...modules].map(([name, m]) => [
      name,
      { module: twins.twin(m.module) ?? m.module, exportName: m.exportName },
    ]),
  );
}

function actorArgs(
  ctx: ThreadContext,
  modules: CalculatorModules,
  id: number,
  control: MessagePort,
): ActorArgs {
  const node = ctx.graph.nodes[id]!;
  const restart = ctx.restartOf?.(id);
  return {
    ...(restart === undefined ? {} : { restart }),
    node,
    calculator: modules.get(node.calculator)!,
    inputs: ctx.plan.nodeInputs[id]!,
    inputBase: ctx.plan.inputBase[id]!,
    outputs: ctx.plan.nodeOutputs[id]!,
    doorbell: ctx.plan.doorbells[id]!,
    pool: ctx.pool.descriptor,
    counters: {
      sab: ctx.counters.i32.buffer as SharedArrayBuffer,
      nodes: ctx.graph.nodes.length,
      inputs: ctx.plan.totalInputs,
    },
    control,
  };
}
