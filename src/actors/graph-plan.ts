/**
 * The wiring of a validated graph: one ring per (stream, consumer) edge, one doorbell per thread, and
 * the global input numbering the counters use.
 *
 * A stream with several consumers gets one ring per consumer (a ring has one reader), so a slow
 * consumer back-pressures its producer without the others having to wait on a shared queue.
 * Graph inputs are written by the main thread; graph outputs are read by it, through rings like any
 * other edge.
 *
 * Threading: built on the supervisor's thread; descriptors are sent to actors.
 */

import { availableParallelism } from 'node:os';
import type { ResolvedGraph } from '../core/graph-config.js';
import { createDoorbell, createLoadGauge, type DoorbellDescriptor } from '../transport/doorbell.js';
import { createRing, type RingDescriptor } from '../transport/ring-queue.js';

/** Rings and doorbells of one run. */
export interface GraphPlan {
  /** Per node: one ring per input, in `node.inputs` order. */
  readonly nodeInputs: readonly RingDescriptor[][];
  /** Per node, per output: rings to every consumer of that stream. */
  readonly nodeOutputs: readonly RingDescriptor[][][];
  /** Per node: the doorbell its input rings share (one per thread: nodes sharing a thread share it). */
  readonly doorbells: readonly DoorbellDescriptor[];
  /** Per node: global index of its first input (counters). */
  readonly inputBase: readonly number[];
  /** Total inputs across nodes. */
  readonly totalInputs: number;
  /** Per graph input stream: rings the main thread writes (one per consumer). */
  readonly graphInputs: ReadonlyMap<string, RingDescriptor[]>;
  /** Per graph output stream: the ring the main thread reads. */
  readonly graphOutputs: ReadonlyMap<string, RingDescriptor>;
  /** The doorbell every graph-output ring rings (the main thread's). */
  readonly mainDoorbell: DoorbellDescriptor;
  /** Every ring, for shutdown and cleanup. */
  readonly rings: readonly RingDescriptor[];
}

/** Sizing of the rings. */
export interface PlanOptions {
  /** Bytes per ring (power of two). Default 64 KiB. */
  ringBytes?: number;
  /** Cores the spin policy assumes. Default `os.availableParallelism()`. */
  cores?: number;
  /** Graph-output rings wake the main thread at every record (see RingOptions.announceEagerly). */
  eagerOutputs?: boolean;
  /** Per node, the thread it runs on (see actor-groups.ts). Default: a thread per node. */
  groupOf?: readonly number[];
}

/** Creates every ring and doorbell of a run of `graph`. */
export function planGraph(graph: ResolvedGraph, options: PlanOptions = {}): GraphPlan {
  const capacityBytes = options.ringBytes ?? 64 * 1024;
  const groupOf = options.groupOf ?? graph.nodes.map((n) => n.id);
  const bells = new Map<number, DoorbellDescriptor>();
  const doorbells = groupOf.map((g) => {
    let bell = bells.get(g);
    if (bell === undefined) bells.set(g, (bell = createDoorbell()));
    return bell;
  });
  const mainDoorbell = createDoorbell();
  // Every actor thread plus the main thread: once they outnumber the cores, nobody spins before parking.
  const gauge = createLoadGauge(bells.size + 1, options.cores ?? availableParallelism());
  const nodeInputs: RingDescriptor[][] = graph.nodes.map((n) => new Array<RingDescriptor>(n.inputs.length));
  const nodeOutputs: RingDescriptor[][][] = graph.nodes.map((n) => n.outputs.map(() => []));
  const graphInputs = new Map<string, RingDescriptor[]>();
  const graphOutputs = new Map<string, RingDescriptor>();
  const rings: RingDescriptor[] = [];
  const inputBase: number[] = [];
  let total = 0;
  for (const n of graph.nodes) {
    inputBase.push(total);
    total += n.inputs.length;
  }

  // A node that may be restarted on a fresh thread publishes every record it writes and hands back
  // every record it read at once (one shared store per record): a thread that dies then leaves
  // nothing written but unpublished, and nothing read but unreleased for its successor to read again.
  const restarts = (id: number): boolean => graph.nodes[id]!.restart.policy === 'restart';
  for (const s of graph.streams) {
    const from = s.producer.kind === 'graph-input' ? 'graph' : graph.nodes[s.producer.node]!.name;
    const targets: RingDescriptor[] = [];
    const fromRestart = s.producer.kind === 'node' && restarts(s.producer.node);
    for (const c of s.consumers) {
      const node = graph.nodes[c.node]!;
      const ring = createRing({
        capacityBytes,
        name: `${from}:${s.name} -> ${node.name}:${portLabel(node.inputs[c.input]!)}`,
        doorbell: doorbells[c.node]!,
        gauge,
        ...(fromRestart || restarts(c.node) ? { publishEvery: 1 } : {}),
      });
      nodeInputs[c.node]![c.input] = ring;
      targets.push(ring);
    }
    if (s.isGraphOutput) {
      const ring = createRing({
        capacityBytes,
        name: `${from}:${s.name} -> graph output`,
        doorbell: mainDoorbell,
        announceEagerly: options.eagerOutputs === true,
        gauge,
        ...(fromRestart ? { publishEvery: 1 } : {}),
      });
      graphOutputs.set(s.name, ring);
      targets.push(ring);
    }
    rings.push(...targets);
    if (s.producer.kind === 'graph-input') graphInputs.set(s.name, targets);
    else nodeOutputs[s.producer.node]![s.producer.output] = targets;
  }
  return {
    nodeInputs,
    nodeOutputs,
    doorbells,
    inputBase,
    totalInputs: total,
    graphInputs,
    graphOutputs,
    mainDoorbell,
    rings,
  };
}

/** `TAG:index` of a port for messages (`IN:0`, or `:1` for untagged). */
export function portLabel(p: { tag: string; index: number }): string {
  return `${p.tag}:${p.index}`;
}
