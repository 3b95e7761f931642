/**
 * Which nodes share a thread: those on one executor (MediaPipe's `executor` field), and, when
 * chaining is on, linear runs of one-to-one nodes (Flink's operator chaining). Every other node has
 * a thread of its own.
 *
 * Threading: pure; the supervisor's thread.
 */
import type { ResolvedGraph } from '../core/graph-config.js';

/**
 * How a run lays its nodes on threads, besides the executors a graph names:
 * - `'off'`: one thread per node (weft's classic layout; the most pipeline parallelism).
 * - `'on'`: each linear run of one-to-one nodes shares a thread.
 * - `'auto'`: when the nodes outnumber the cores left to actors (all of them, or one fewer when the
 *   application feeds graph inputs from the main thread), each linear run of L one-to-one nodes is
 *   cut into `ceil(L × actorCores / nodes)` contiguous segments of near-equal length, one thread
 *   each: the run keeps about one busy thread per core, so heavy stages still run in parallel
 *   (pipeline parallelism), while light ones stop paying a wake-up and a cache miss per hop; as
 *   `'off'` when the cores suffice. Measured on 2 cores (`npm run bench -- graph`): source → 4
 *   pass-through → sink 0.82 → 1.33 M packets/s; push → 4 pass-through → pull 2.23 → 2.47 M (as
 *   `'on'`); source → two 1 ms stages → sink keeps its 2.1× over one thread (`'on'` loses it).
 *
 * Plain data; any thread.
 */
export type Chaining = 'off' | 'on' | 'auto';

/** The threads of a run: per thread, its node ids in graph order. */
export interface ActorGroups {
  readonly groups: readonly (readonly number[])[];
  /** Per node: its thread's index in `groups`. */
  readonly groupOf: readonly number[];
}

/**
 * Lays out `graph`'s nodes on threads. A link A → B chains when A's outputs all feed B and nothing
 * else (graph outputs aside), B's inputs all come from A, neither names an executor, and both have the
 * same `heapLimitMb` and `stuckTimeoutMs` (a node given limits of its own keeps them), and neither
 * restarts under the `restart` policy (a restart replaces the node's thread). Replicas
 * (`parallelism`) never chain: their dispatcher feeds several, their gatherer reads several. Sources
 * chain like any node. Pure.
 */
export function actorGroups(graph: ResolvedGraph, chaining: Chaining, cores: number): ActorGroups {
  const n = graph.nodes.length;
  const parent = Array.from({ length: n }, (_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]!]!;
    return i;
  };
  const union = (a: number, b: number): void => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  };
  const byExecutor = new Map<string, number>();
  for (const node of graph.nodes) {
    const ex = node.executor;
    if (ex === undefined || ex === '') continue;
    const first = byExecutor.get(ex);
    if (first === undefined) byExecutor.set(ex, node.id);
    else union(first, node.id);
  }
  // A graph the application feeds keeps the main thread busy pushing: one core fewer for actors.
  const fed = graph.streams.some((st) => st.producer.kind === 'graph-input');
  const actorCores = fed ? Math.max(1, cores - 1) : cores;
  if (chaining === 'on' || (chaining === 'auto' && n > actorCores)) {
    for (const chain of chainsOf(graph)) {
      const k = chaining === 'on' ? 1 : Math.min(chain.length, Math.ceil((chain.length * actorCores) / n));
      // Segment j takes the nodes [floor(j L / k), floor((j + 1) L / k)).
      for (let j = 0; j < k; j++) {
        const from = Math.floor((j * chain.length) / k);
        const to = Math.floor(((j + 1) * chain.length) / k);
        for (let i = from + 1; i < to; i++) union(chain[from]!, chain[i]!);
      }
    }
  }
  const groupIndex = new Map<number, number>();
  const groups: number[][] = [];
  const groupOf: number[] = [];
  for (let i = 0; i < n; i++) {
    const root = find(i);
    let g = groupIndex.get(root);
    if (g === undefined) {
      g = groups.length;
      groupIndex.set(root, g);
      groups.push([]);
    }
    groups[g]!.push(i);
    groupOf.push(g);
  }
  return { groups, groupOf };
}

// The maximal linear runs of links chaining may fuse, each in order (two or more nodes).
function chainsOf(graph: ResolvedGraph): number[][] {
  const next = new Map<number, number>();
  const hasPrev = new Set<number>();
  for (const [a, b] of oneToOneLinks(graph)) {
    next.set(a, b);
    hasPrev.add(b);
  }
  const chains: number[][] = [];
  for (const head of next.keys()) {
    if (hasPrev.has(head)) continue;
    const chain = [head];
    for (let at = next.get(head); at !== undefined; at = next.get(at)) chain.push(at);
    chains.push(chain);
  }
  return chains;
}

// Links A → B that chaining may fuse (see actorGroups).
function oneToOneLinks(graph: ResolvedGraph): [number, number][] {
  const streams = new Map(graph.streams.map((s) => [s.name, s]));
  const chainable = (id: number): boolean => {
    const node = graph.nodes[id]!;
    // A node under the `restart` policy keeps a thread of its own: a restart replaces that thread.
    return (node.executor === undefined || node.executor === '') && node.restart.policy !== 'restart';
  };
  const links: [number, number][] = [];
  for (const a of graph.nodes) {
    if (!chainable(a.id) || a.outputs.length === 0) continue;
    let target = -1;
    let ok = true;
    for (const out of a.outputs) {
      for (const c of streams.get(out.name)?.consumers ?? []) {
        if (target === -1) target = c.node;
        else if (target !== c.node) ok = false;
      }
    }
    if (!ok || target < 0 || target === a.id || !chainable(target)) continue;
    const b = graph.nodes[target]!;
    // A node given its own heap or stuck-call limit keeps a thread of its own limits.
    if (a.heapLimitMb !== b.heapLimitMb || a.stuckTimeoutMs !== b.stuckTimeoutMs) continue;
    const fromA = b.inputs.every((p) => {
      const s = streams.get(p.name);
      return s?.producer.kind === 'node' && s.producer.node === a.id;
    });
    if (fromA) links.push([a.id, b.id]);
  }
  return links;
}
