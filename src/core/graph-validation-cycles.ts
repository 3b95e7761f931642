/**
 * The stream graph between nodes: cycles not broken by a back edge, and a topological order.
 * `edges[i]` maps each node that feeds node `i` (through an input not declared `back_edge`) to one
 * stream it feeds it by.
 *
 * Threading: pure functions, any thread.
 */

/**
 * One cycle per strongly connected component that has one (Tarjan), each as node ids in edge
 * order starting at its lowest id. `edges[i]` maps each producer of node i to a stream it feeds.
 */
export function findCycles(edges: readonly Map<number, string>[]): number[][] {
  const succ = edges.map(() => [] as number[]);
  edges.forEach((from, to) => {
    for (const p of from.keys()) succ[p]!.push(to);
  });
  const index = new Map<number, number>();
  const low = new Map<number, number>();
  const stack: number[] = [];
  const onStack = new Set<number>();
  const cycles: number[][] = [];
  const connect = (v: number): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of succ[v]!) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component = new Set<number>();
    let w: number;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.add(w);
    } while (w !== v);
    if (component.size > 1 || succ[v]!.includes(v)) {
      cycles.push(cyclePath(Math.min(...component), component, succ));
    }
  };
  for (let v = 0; v < edges.length; v++) if (!index.has(v)) connect(v);
  return cycles.sort((a, b) => a[0]! - b[0]!);
}

/** A path from `start` back to itself inside a strongly connected component (depth first). */
function cyclePath(start: number, component: ReadonlySet<number>, succ: readonly number[][]): number[] {
  const path = [start];
  const visited = new Set([start]);
  const walk = (v: number): boolean => {
    for (const w of succ[v]!) {
      if (w === start) return true;
      if (!component.has(w) || visited.has(w)) continue;
      visited.add(w);
      path.push(w);
      if (walk(w)) return true;
      path.pop();
    }
    return false;
  };
  walk(start);
  return path;
}

/** Kahn's algorithm, lowest ready id first, so the order is stable for a given config. */
export function topologicalOrder(edges: readonly Map<number, string>[]): number[] {
  const waiting = edges.map((from) => new Set(from.keys()));
  const order: number[] = [];
  const done = new Set<number>();
  while (order.length < edges.length) {
    const next = waiting.findIndex((from, id) => !done.has(id) && [...from].every((p) => done.has(p)));
    if (next === -1) break; // unreachable after validation: cycles were reported
    done.add(next);
    order.push(next);
  }
  return order;
}
