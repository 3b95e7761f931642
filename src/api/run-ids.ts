/**
 * The `streamId` / `frameId` of pushed samples, kept per input and by timestamp, so that outputs at
 * the same timestamp carry them out (a graph carries only timestamp and value). An output takes the
 * ids of the inputs whose streams reach it (its lineage, from the graph's wiring), so samples of
 * different inputs at equal timestamps never mix; an output that several inputs reach takes the ids
 * of the first of them, in the order the inputs were added, with a sample at that timestamp.
 *
 * Entries are forgotten once every Pull output has settled past their timestamp (no output can
 * deliver that timestamp any more), so memory follows what is in flight, not what was pushed.
 * Samples without ids cost nothing here.
 *
 * Threading: the thread that owns the Run.
 */

import type { ResolvedGraph } from '../core/graph-config.js';
import type { SampleIds } from './run-types.js';

/** Per output: the bound it settled to (no sample below it will come). */
interface Settling {
  readonly settledTo: number | undefined;
}

/** Ids by input and timestamp for one run. */
export class RunIds {
  private readonly byInput = new Map<string, Map<number, SampleIds>>();
  private readonly lineage = new Map<string, readonly Map<number, SampleIds>[]>();
  private stored = 0;
  private pruneAt = 256;

  constructor(private readonly outputs: readonly Settling[]) {}

  /** Which inputs reach each output, in the order the inputs were added. Call before samples flow. */
  setLineage(lineage: ReadonlyMap<string, readonly string[]>): void {
    for (const [output, inputs] of lineage)
      this.lineage.set(
        output,
        inputs.map((i) => this.mapOf(i)),
      );
  }

  /** Records the ids of a sample accepted on `input` at `timestamp`. */
  note(
    input: string,
    timestamp: number,
    streamId: number | string | undefined,
    frameId: number | undefined,
  ): void {
    if (this.outputs.length === 0) return;
    const map = this.mapOf(input);
    if (!map.has(timestamp)) this.stored++;
    map.set(timestamp, { streamId, frameId });
    if (this.stored >= this.pruneAt) this.prune();
  }

  /** Forgets a sample that never entered the graph. */
  forget(input: string, timestamp: number): void {
    if (this.byInput.get(input)?.delete(timestamp) === true) this.stored--;
  }

  /** The ids `output` carries at `timestamp`: from the first input of its lineage with a sample there. */
  at(output: string, timestamp: number): SampleIds | undefined {
    if (this.stored === 0) return undefined;
    const maps = this.lineage.get(output);
    if (maps === undefined) return undefined;
    for (const map of maps) {
      const ids = map.get(timestamp);
      if (ids !== undefined) return ids;
    }
    return undefined;
  }

  private mapOf(input: string): Map<number, SampleIds> {
    let map = this.byInput.get(input);
    if (map === undefined) this.byInput.set(input, (map = new Map()));
    return map;
  }

  private prune(): void {
    let min = Number.POSITIVE_INFINITY;
    for (const o of this.outputs) min = Math.min(min, o.settledTo ?? Number.NEGATIVE_INFINITY);
    // Insertion order is push order, which is timestamp order per input: stop at the first entry
    // still in flight.
    for (const map of this.byInput.values()) {
      for (const ts of map.keys()) {
        if (ts >= min) break;
        map.delete(ts);
        this.stored--;
      }
    }
    this.pruneAt = Math.max(256, this.stored * 2);
  }
}

/**
 * For each output, the inputs whose streams reach it through the graph's wiring (side packets do
 * not count), in the order the inputs are given. Pure; any thread.
 */
export function lineageOf(
  graph: ResolvedGraph,
  inputs: readonly string[],
  outputs: readonly string[],
  pairwise: (calculator: string) => boolean = () => false,
): Map<string, string[]> {
  const streams = new Map(graph.streams.map((s) => [s.name, s]));
  const lineage = new Map<string, string[]>(outputs.map((o) => [o, []]));
  for (const input of inputs) {
    const seen = new Set<string>([input]);
    const todo = [input];
    for (let name = todo.pop(); name !== undefined; name = todo.pop()) {
      lineage.get(name)?.push(input);
      for (const c of streams.get(name)?.consumers ?? []) {
        const node = graph.nodes[c.node]!;
        // A pairwise node's k-th input reaches its k-th output only.
        const reached = pairwise(node.calculator) ? node.outputs.slice(c.input, c.input + 1) : node.outputs;
        for (const out of reached) {
          if (!seen.has(out.name)) {
            seen.add(out.name);
            todo.push(out.name);
          }
        }
      }
    }
  }
  return lineage;
}
