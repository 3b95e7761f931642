/**
 * The `streamId` / `frameId` of pushed samples, kept per input and by timestamp, so that outputs at
 * the same timestamp carry them out (a graph carries only timestamp and value). An output takes the
 * ids of the inputs whose streams reach it (its lineage, from the graph's wiring), so samples of
 * different inputs at equal timestamps never mix; an output that several inputs reach takes the ids
 * of the first of them, in the order the inputs were added, with a sample at that timestamp.
 * Calculators that shift timestamps by a declared amount (a numeric `timestampOffset`, or
 * `lineageShift`) shift the lookup: an output at `T` behind a shift of `d` takes the ids of the input
 * sample at `T - d`.
 *
 * Entries are forgotten once every Pull output has settled past their timestamp (no output can
 * deliver that timestamp any more), so memory follows what is in flight, not what was pushed.
 * Samples without ids cost nothing here; a sample with ids costs a Map entry and an object.
 *
 * Threading: the thread that owns the Run.
 */

import type { CalculatorContract } from '../core/calculator.js';
import type { ResolvedGraph, ResolvedNode } from '../core/graph-config.js';
import type { SampleIds } from './run-types.js';

/** One input an output derives from, and the timestamp shift along the way (output − input). */
export interface LineageSource {
  readonly input: string;
  readonly shift: number;
}

interface Source {
  readonly map: Map<number, SampleIds>;
  readonly shift: number;
}

/** Per output: the bound it settled to (no sample below it will come). */
interface Settling {
  readonly settledTo: number | undefined;
}

/** Ids by input and timestamp for one run. */
export class RunIds {
  private readonly byInput = new Map<string, Map<number, SampleIds>>();
  private readonly lineage = new Map<string, readonly Source[]>();
  /** Per output (in `outputs` order), its largest positive shift: how far back it may still look. */
  private lookBack: number[] = [];
  private stored = 0;
  private pruneAt = 256;

  constructor(private readonly outputs: readonly Settling[]) {}

  /** Which inputs reach each output, in the order the inputs were added. Call before samples flow. */
  setLineage(lineage: ReadonlyMap<string, readonly LineageSource[]>, outputNames: readonly string[]): void {
    for (const [output, sources] of lineage)
      this.lineage.set(
        output,
        sources.map((s) => ({ map: this.mapOf(s.input), shift: s.shift })),
      );
    this.lookBack = outputNames.map((o) => Math.max(0, ...(lineage.get(o) ?? []).map((s) => s.shift)));
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
    // Allocates a Map entry and its ids object per sample with ids (a streamId may be any string).
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
    const sources = this.lineage.get(output);
    if (sources === undefined) return undefined;
    for (const s of sources) {
      const ids = s.map.get(s.shift === 0 ? timestamp : timestamp - s.shift);
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
    // An output behind a shift of d still needs inputs down to its bound − d.
    for (let i = 0; i < this.outputs.length; i++) {
      const settled = this.outputs[i]!.settledTo ?? Number.NEGATIVE_INFINITY;
      min = Math.min(min, settled - (this.lookBack[i] ?? 0));
    }
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

/** Distinct shifts kept per stream: bounds the walk through loops that shift timestamps. */
const MAX_SHIFTS_PER_STREAM = 8;

/**
 * For each output, the inputs whose streams reach it through the graph's wiring (side packets do
 * not count), in the order the inputs are given, each with the timestamp shift along its path
 * (a path through several shifts is listed once per distinct total). `contractOf` gives each
 * calculator's contract (for `outputLineage` and the shifts). Pure; any thread.
 */
export function lineageOf(
  graph: ResolvedGraph,
  inputs: readonly string[],
  outputs: readonly string[],
  contractOf: (calculator: string) => CalculatorContract | undefined = () => undefined,
): Map<string, LineageSource[]> {
  const streams = new Map(graph.streams.map((s) => [s.name, s]));
  const lineage = new Map<string, LineageSource[]>(outputs.map((o) => [o, []]));
  for (const input of inputs) {
    const seen = new Map<string, number[]>([[input, [0]]]);
    const todo: LineageSource[] = [{ input, shift: 0 }];
    // `input` here is the stream reached, `shift` the total shift from the pushed input to it.
    for (let at = todo.pop(); at !== undefined; at = todo.pop()) {
      lineage.get(at.input)?.push({ input, shift: at.shift });
      for (const c of streams.get(at.input)?.consumers ?? []) {
        const node = graph.nodes[c.node]!;
        const contract = contractOf(node.calculator);
        const shift = at.shift + shiftOf(node, contract);
        // A pairwise node's k-th input reaches its k-th output only.
        const reached =
          contract?.outputLineage === 'pairwise' ? node.outputs.slice(c.input, c.input + 1) : node.outputs;
        for (const out of reached) {
          const shifts = seen.get(out.name) ?? [];
          if (shifts.includes(shift) || shifts.length >= MAX_SHIFTS_PER_STREAM) continue;
          seen.set(out.name, [...shifts, shift]);
          todo.push({ input: out.name, shift });
        }
      }
    }
  }
  return lineage;
}

// The shift a node puts between its inputs and outputs; 0 (equal timestamps) when undeclared.
function shiftOf(node: ResolvedNode, contract: CalculatorContract | undefined): number {
  if (contract?.lineageShift !== undefined) {
    const d = contract.lineageShift(node.options as never);
    return Number.isFinite(d) ? d : 0;
  }
  return node.timestampOffset ?? 0;
}
