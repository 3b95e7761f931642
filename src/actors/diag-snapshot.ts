/**
 * RunDiagSnapshot: where the time went in a run, how many packets crossed each stream, and which
 * stage is the bottleneck.
 *
 * Built from the shared scheduling counters only. The bottleneck follows Flink's rule for
 * back-pressure: stages upstream of a slow one spend their time blocked on full output rings
 * (back-pressured); the culprit is the first stage, in stream order, that is busy with its own work
 * but not back-pressured itself.
 *
 * Threading: the thread that owns the run; pure functions over a stats snapshot.
 */
import type { ResolvedGraph } from '../core/graph-config.js';
import type { StageStats } from './stage-stats.js';

/** Where one element (node) spent its time, as shares of its time in the run loop. */
export interface ElementTiming {
  readonly node: string;
  readonly calculator: string;
  /** Doing its own work (busy minus back-pressured), 0..1. */
  readonly workShare: number;
  /** Blocked on full output rings, 0..1. */
  readonly backPressuredShare: number;
  /** Asleep waiting for input, 0..1. */
  readonly idleShare: number;
  readonly processCalls: number;
  readonly packetsIn: number;
  readonly packetsOut: number;
}

/** Packets that crossed one stream into one consumer (one ring). */
export interface PadFlow {
  readonly stream: string;
  /** Producing node, or `graph` for a graph input stream. */
  readonly from: string;
  readonly to: string;
  readonly packets: number;
}

/** A diagnostic snapshot of a run. */
export interface RunDiagSnapshot {
  readonly elements: readonly ElementTiming[];
  readonly pads: readonly PadFlow[];
  /** The bottleneck stage, or undefined when no stage is busy without being back-pressured. */
  readonly bottleneck: string | undefined;
}

/** A stage counts as busy past this share of its time working, as back-pressured past the other. */
const BUSY = 0.5;
const BACK_PRESSURED = 0.1;

/** Builds the snapshot from stage statistics (see `CalculatorGraph.stageStats`). */
export function diagnose(graph: ResolvedGraph, stats: readonly StageStats[]): RunDiagSnapshot {
  const elements = stats.map((s): ElementTiming => {
    const total = s.busyMs + s.idleMs;
    const share = (ms: number) => (total > 0 ? ms / total : 0);
    return {
      node: s.node,
      calculator: s.calculator,
      workShare: share(s.busyMs - s.blockedMs),
      backPressuredShare: share(s.blockedMs),
      idleShare: share(s.idleMs),
      processCalls: s.processCalls,
      packetsIn: s.packetsIn,
      packetsOut: s.packetsOut,
    };
  });
  const pads: PadFlow[] = [];
  for (const st of graph.streams) {
    const from = st.producer.kind === 'graph-input' ? 'graph' : graph.nodes[st.producer.node]!.name;
    for (const c of st.consumers) {
      const node = graph.nodes[c.node]!;
      pads.push({ stream: st.name, from, to: node.name, packets: stats[c.node]!.inputPackets[c.input] ?? 0 });
    }
  }
  const culprit = graph.topologicalOrder.find((id) => {
    const e = elements[id]!;
    return e.workShare >= BUSY && e.backPressuredShare < BACK_PRESSURED;
  });
  return { elements, pads, bottleneck: culprit === undefined ? undefined : elements[culprit]!.node };
}

const pct = (x: number) => `${(x * 100).toFixed(0)}%`.padStart(5);

/** A plain-text rendering of a snapshot (what `weft` prints; no screenshot needed). */
export function formatDiagSnapshot(s: RunDiagSnapshot): string {
  const w = Math.max(4, ...s.elements.map((e) => e.node.length));
  const lines = [`${'node'.padEnd(w)}   work  back-pressured  idle   calls  packets in/out`];
  for (const e of s.elements) {
    lines.push(
      `${e.node.padEnd(w)}  ${pct(e.workShare)}  ${pct(e.backPressuredShare).padStart(14)}  ${pct(e.idleShare)}` +
        `  ${String(e.processCalls).padStart(6)}  ${e.packetsIn}/${e.packetsOut}`,
    );
  }
  lines.push('', 'streams:');
  for (const p of s.pads) lines.push(`  ${p.from} -> ${p.to}  "${p.stream}"  ${p.packets} packets`);
  lines.push('', `bottleneck: ${s.bottleneck ?? 'none (no stage is busy without being back-pressured)'}`);
  return `${lines.join('\n')}\n`;
}
