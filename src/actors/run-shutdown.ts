/**
 * The end of a run's threads, in order: standby threads ended; on a failure, every node asked to
 * stop, every ring abandoned and every doorbell rung (so no producer or consumer stays asleep), the
 * output pump stopped, nodes that opened but never started closed (as MediaPipe's cleanup closes
 * every node whose Open succeeded) and threads that never started ended; replacements under way
 * settled; then a
 * grace period for the threads to finish on their own, after which the stragglers are ended; and
 * once every thread is gone, the control channels closed and the frames the threads held (or left
 * in rings nobody will read) reclaimed.
 *
 * Threading: the supervisor's thread. Lifecycle: once per run (the supervisor's shutdown).
 */
import { NodeStuckError } from '../core/errors.js';
import type { ResolvedGraph } from '../core/graph-config.js';
import { ring } from '../transport/doorbell.js';
import type { FramePool } from '../transport/frame-pool.js';
import { RingReader } from '../transport/ring-queue.js';
import type { ActorResult } from './actor-protocol.js';
import type { ControlClient } from './control-channel.js';
import type { GraphPlan } from './graph-plan.js';
import { F_CALL_STARTED_AT, type NodeCounters, NodeState } from './node-counters.js';
import type { OutputPump } from './output-pump.js';
import type { ThreadEnds } from './thread-ends.js';
import type { ThreadReplacement } from './thread-replacement.js';
import type { ThreadTask } from './thread-task.js';

/** What a run's shutdown ends. */
export interface RunParts {
  readonly graph: ResolvedGraph;
  readonly plan: GraphPlan;
  readonly counters: NodeCounters;
  readonly pump: OutputPump;
  readonly pool: FramePool;
  readonly ends: ThreadEnds;
  readonly replacement: ThreadReplacement;
  /** Nodes whose `start` call completed. */
  readonly started: ReadonlySet<number>;
  /** Nodes whose `open` call is under way. */
  readonly opening: ReadonlySet<number>;
  /** Nodes whose `open` call completed. */
  readonly opened: ReadonlySet<number>;
  /** Nodes whose `start` call was made (completed or not). */
  readonly starting: ReadonlySet<number>;
  readonly tasks: readonly (ThreadTask<ActorResult> | undefined)[];
  readonly controls: readonly (ControlClient | undefined)[];
  readonly shutdownTimeoutMs: number;
}

/**
 * Ends the run's threads (see the module comment); `failed` says, once the standbys are gone,
 * whether the run failed or was stopped (a failure may come while they end). Calls `exited` once
 * every thread is gone; resolves then too, or at most 1 s after ending threads (one stuck in native
 * code finishes in the background: see thread-ends.ts). Tells `stuck` of each node still in a call
 * when the grace ran out (NodeStuckError), before its thread is ended.
 */
export async function shutDownRun(
  p: RunParts,
  failed: () => boolean,
  exited: () => void,
  stuck: (err: Error) => void,
): Promise<void> {
  await p.replacement.endStandbys();
  if (failed()) abandon(p);
  // A replacement under way spawns nothing once the run failed; wait for those that did.
  await p.replacement.settled();
  const all = p.ends.allSettled();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const grace = new Promise<void>((r) => {
    timer = setTimeout(r, p.shutdownTimeoutMs);
  });
  await Promise.race([all, grace]);
  clearTimeout(timer);
  // A node still in a call after the grace is ended with its thread: said, not silent (the watchdog
  // stopped when the shutdown began).
  for (const err of stragglers(p)) stuck(err);
  p.ends.endAll();
  await all;
  await p.pump.finished.catch(() => {});
  const gone = p.ends.exited().then(() => {
    for (const ctl of p.controls) ctl?.close();
    // Every thread is gone: what they held, and what sits in rings nobody will read, comes back.
    p.pool.reclaimOthers();
  });
  gone.then(exited, exited);
  if (!p.ends.abandoned) await gone;
  // Ended threads are waited for a moment: terminating JavaScript takes milliseconds, so the run
  // ends with them gone; one stuck in a native call exits only once it returns, in the background.
  else await bounded(gone, TERMINATE_WAIT_MS);
}

/** How long a shutdown waits for the threads it terminated to exit. */
const TERMINATE_WAIT_MS = 1000;

function bounded(p: Promise<void>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<void>((r) => {
    timer = setTimeout(r, ms);
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

// NodeStuckError for each node whose thread is still running with the node in a call.
function stragglers(p: RunParts): Error[] {
  const c = p.counters;
  const out: Error[] = [];
  for (const id of p.ends.running()) {
    const started = c.f64[c.field(id, F_CALL_STARTED_AT)]!;
    const phase = c.stage(id);
    // A node waiting for a frame slot is not stuck in its own code: on a stop the frames it waits
    // for may sit in rings nobody reads any more, given back only once every thread is gone.
    if (started === 0 || phase === undefined || c.state(id) === NodeState.WaitingFrame) continue;
    const n = p.graph.nodes[id]!;
    const ms = Math.round(Date.now() - started);
    out.push(
      new NodeStuckError(
        `${n.calculator} was still in its ${phase} call after ${ms} ms, past the shutdown's ` +
          `${p.shutdownTimeoutMs} ms grace (shutdownTimeoutMs): its thread was ended`,
        { node: n.name, phase },
      ),
    );
  }
  return out;
}

// A failed run: nothing may wait for it any more.
function abandon(p: RunParts): void {
  for (const n of p.graph.nodes) p.counters.requestStop(n.id);
  // Abandoned rings make every blocked or later push throw, so producers cannot stay asleep.
  for (const d of p.plan.rings) new RingReader(d).close();
  for (const d of p.plan.doorbells) ring(new Int32Array(d.sab), d.index);
  p.pump.stop();
  p.pump.releaseUnread();
  // A thread whose nodes run (an own thread whose start was asked for; a shared one once every
  // node on it was, which starts its driver) closes them itself: their stop is requested. On any
  // other, each node opened or opening is closed there (its stop requested, its one turn closes it,
  // after an open under way; what it writes is dropped, the rings being abandoned), as MediaPipe
  // closes every node whose Open succeeded; then the thread ends, since it runs nothing else (a
  // shared one may host a node that never opened, which would keep it waiting). Others end now.
  const threads = new Map<number, { task: ThreadTask<ActorResult>; ids: number[] }>();
  for (const n of p.graph.nodes) {
    const task = p.tasks[n.id];
    if (task === undefined) continue;
    const t = threads.get(task.threadId) ?? { task, ids: [] };
    t.ids.push(n.id);
    threads.set(task.threadId, t);
  }
  for (const { task, ids } of threads.values()) {
    if (ids.every((id) => p.starting.has(id) || p.started.has(id))) continue;
    const open = ids.filter((id) => p.opened.has(id) || p.opening.has(id));
    if (open.length === 0) {
      void task.terminate();
      continue;
    }
    const calls = open.map((id) => p.controls[id]?.call('closeOpened', [], p.shutdownTimeoutMs));
    void Promise.allSettled(calls).then(() => task.terminate());
  }
}
