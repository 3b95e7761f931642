/**
 * Starting the thread that hosts one node (actor-task.ts) or several (executor-host.ts: an executor,
 * a chain), and the per-node handles the supervisor tracks either way: each node has its own
 * control channel and task handle; on a shared thread the handles settle with the thread.
 *
 * Threading: the supervisor's thread.
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import type { ResolvedGraph } from '../core/graph-config.js';
import type { FramePool } from '../transport/frame-pool.js';
import type { ActorArgs, ActorResult } from './actor-protocol.js';
import type { ExecutorArgs } from './executor-host.js';
import type { GraphPlan } from './graph-plan.js';
import { F_CALL_STARTED_AT, type NodeCounters } from './node-counters.js';
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
  if (ids.length === 1) {
    const id = ids[0]!;
    const args = actorArgs(ctx, id, channels[0]!.port2);
    const task = spawnTask<ActorResult>(ACTOR_MODULE, 'hostActor', args, {
      name,
      transferList,
      resourceLimits,
    });
    return [{ id, task, control: channels[0]!.port1, culprit: () => id }];
  }
  const args: ExecutorArgs = { actors: ids.map((id, k) => actorArgs(ctx, id, channels[k]!.port2)) };
  const group = spawnTask<ActorResult[]>(EXECUTOR_MODULE, 'hostExecutor', args, {
    name,
    transferList,
    resourceLimits,
  });
  const c = ctx.counters;
  const culprit = () => ids.find((id) => c.f64[c.field(id, F_CALL_STARTED_AT)] !== 0) ?? ids[0]!;
  return ids.map((id, k) => ({
    id,
    task: {
      result: group.result.then((rs) => rs[k]!),
      threadId: group.threadId,
      terminate: () => group.terminate(),
      unref: () => group.unref(),
    },
    control: channels[k]!.port1,
    culprit,
  }));
}

function actorArgs(ctx: ThreadContext, id: number, control: MessagePort): ActorArgs {
  const node = ctx.graph.nodes[id]!;
  return {
    node,
    calculator: ctx.modules.get(node.calculator)!,
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
