/**
 * How a Run input's `queueSize` divides between the places a sample can wait before its first
 * node takes it: the input boundary, the ring to the node, and the node's own queue.
 *
 * Threading: pure; any thread.
 */
import type { Supervisor } from '../actors/supervisor.js';
import type { ResolvedGraph } from '../core/graph-config.js';
import type { InputOptions } from './run-options.js';

/**
 * Where an input's `queueSize` samples wait: `boundary` at the boundary (where a policy can evict
 * them), `ring` in the ring to the node and at the node (counted in samples, not bytes: the node
 * reports the samples it took and has not finished, queued or in its call), `node` how many the
 * node may take ahead into its own queue (its `max_queue_size` there, for a node with that one
 * input). `boundary + ring` is `queueSize`: every sample pushed and not finished by the node counts.
 * - replace: the boundary holds all but one, the ring and node the last one: eviction reaches every
 *   sample the node has not taken.
 * - drop: the ring and node hold them all: a full ring refuses (with several consumers the pump
 *   writes, so one of them waits at the boundary instead).
 * - wait: one at the boundary, the rest in the ring and node; the node takes up to half ahead, so
 *   that it reads its queue in bursts (one packet per read costs ~4× on a pass-through).
 * Pure; any thread.
 */
export function queueSplit(
  o: Required<InputOptions>,
  consumers = 1,
): { boundary: number; ring: number; node: number } {
  const size = o.queueSize;
  if (o.overflowPolicy === 'replace') return { boundary: Math.max(1, size - 1), ring: 1, node: 1 };
  if (o.overflowPolicy === 'drop') {
    return consumers === 1
      ? { boundary: 0, ring: size, node: 1 }
      : { boundary: 1, ring: Math.max(1, size - 1), node: 1 };
  }
  return { boundary: 1, ring: Math.max(1, size - 1), node: Math.max(1, size >> 1) };
}

/**
 * Gives each one-input node fed by Push input `input` its share of the queue (see
 * {@link queueSplit}): the rest wait in the ring and at the boundary, where the overflow policy
 * sees them. A node joining several inputs keeps its own queue (max_queue_size), so that it can
 * hold one input's samples while it waits for the others. Call before the run starts.
 */
export function limitNodeQueues(
  sup: Supervisor,
  graph: ResolvedGraph,
  input: string,
  options: Required<InputOptions>,
): void {
  const consumers = graph.streams.find((s) => s.name === input)?.consumers ?? [];
  const share = queueSplit(options, consumers.length).node;
  for (const k of consumers) {
    if (graph.nodes[k.node]!.inputs.length === 1)
      sup.counters.setQueueLimit(sup.plan.inputBase[k.node]! + k.input, share);
  }
}
