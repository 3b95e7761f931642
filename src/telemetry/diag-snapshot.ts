/**
 * RunDiagSnapshot: where the time went in a run, how many packets crossed each stream, and which
 * stage is the bottleneck.
 *
 * Built from the shared scheduling counters only. The bottleneck follows Flink's rule for
 * back-pressure: stages upstream of a slow one spend their time blocked on full output rings
 * (back-pressured); the culprit is the first stage, in stream order, that is busy with its own work
 * but not back-pressured itself.
 *
 * A Run's snapshot (`run.diagnose()`) adds its boundary flow — samples pushed and pulled, and their
 * rates — and, when the run records it, the push → pull latency.
 *
 * Threading: the thread that owns the run; pure functions over a stats snapshot.
 */
import type { ResolvedGraph } from '../core/graph-config.js';
import type { LatencySummary } from './latency-profiler.js';
import type { StageStats } from './stage-stats.js';

/** Where one element (node) spent its time, as shares of its time in the run loop. Plain data; any thread. */
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
  /** Failures its restart policy survived. */
  readonly restarts: number;
  /** Input packets its restarts cost (see `StageStats.lost`). */
  readonly lost: number;
}

/** Packets that crossed one stream into one consumer (one ring). Plain data; any thread. */
export interface PadFlow {
  readonly stream: string;
  /** Producing node, or `graph` for a graph input stream. */
  readonly from: string;
  readonly to: string;
  readonly packets: number;
}

/** Samples that crossed one Push input of a Run. Plain data; any thread. */
export interface PushFlow {
  readonly input: string;
  /** Samples accepted (enqueued at the boundary or written into the graph). */
  readonly pushed: number;
  /** `pushed` per second over the boundary's time (see {@link BoundaryFlow.seconds}). */
  readonly perSecond: number;
  /** Refused by policy `drop`. */
  readonly dropped: number;
  /** Evicted by policy `replace`. */
  readonly evicted: number;
  /** Abandoned by stop, close or a failed run. */
  readonly cancelled: number;
  /** Waiting at the boundary now. */
  readonly queued: number;
}

/** Samples that crossed one Pull output of a Run. Plain data; any thread. */
export interface PullFlow {
  readonly output: string;
  /** Samples the application took: pulls, or calls of the output's `onOutput` callback. */
  readonly pulled: number;
  /** `pulled` per second over the boundary's time (see {@link BoundaryFlow.seconds}). */
  readonly perSecond: number;
  /** Samples the graph delivered to the output (pulled or still queued). */
  readonly delivered: number;
  /** Delivered and not pulled yet. */
  readonly queued: number;
}

/** The flow through a Run's boundaries: push and pull counts and rates. Plain data; any thread. */
export interface BoundaryFlow {
  /** Seconds the rates are averaged over: from `start()` resolving to now, or to the run's end. */
  readonly seconds: number;
  readonly inputs: readonly PushFlow[];
  readonly outputs: readonly PullFlow[];
}

/** A diagnostic snapshot of a run. Plain data; any thread. */
export interface RunDiagSnapshot {
  readonly elements: readonly ElementTiming[];
  readonly pads: readonly PadFlow[];
  /** The bottleneck stage, or undefined when no stage is busy without being back-pressured. */
  readonly bottleneck: string | undefined;
  /** A Run's push and pull flow (absent for a CalculatorGraph). */
  readonly boundary?: BoundaryFlow;
  /** Push → pull latency in ms, when the Run records it (`latency: true`). */
  readonly latency?: LatencySummary;
}

/** What a Run adds to its snapshot. Plain data; any thread. */
export interface RunBoundaryFigures {
  readonly boundary?: BoundaryFlow;
  readonly latency?: LatencySummary;
}

/** A stage counts as busy past this share of its time working, as back-pressured past the other. */
const BUSY = 0.5;
const BACK_PRESSURED = 0.1;

/**
 * Builds the snapshot from stage statistics (see `CalculatorGraph.stageStats`), with a Run's
 * boundary figures when given. Pure; any thread.
 */
export function diagnose(
  graph: ResolvedGraph,
  stats: readonly StageStats[],
  run: RunBoundaryFigures = {},
): RunDiagSnapshot {
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
      restarts: s.restarts,
      lost: s.lost,
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
  return {
    elements,
    pads,
    bottleneck: culprit === undefined ? undefined : elements[culprit]!.node,
    ...(run.boundary === undefined ? {} : { boundary: run.boundary }),
    ...(run.latency === undefined ? {} : { latency: run.latency }),
  };
}

const pct = (x: number) => `${(x * 100).toFixed(0)}%`.padStart(5);

/** A plain-text rendering of a snapshot (what `weft` prints; no screenshot needed). Pure; any thread. */
export function formatDiagSnapshot(s: RunDiagSnapshot): string {
  const w = Math.max(4, ...s.elements.map((e) => e.node.length));
  const lines = [`${'node'.padEnd(w)}   work  back-pressured  idle   calls  restarts/lost  packets in/out`];
  for (const e of s.elements) {
    lines.push(
      `${e.node.padEnd(w)}  ${pct(e.workShare)}  ${pct(e.backPressuredShare).padStart(14)}  ${pct(e.idleShare)}` +
        `  ${String(e.processCalls).padStart(6)}  ${`${e.restarts}/${e.lost}`.padStart(13)}  ${e.packetsIn}/${e.packetsOut}`,
    );
  }
  lines.push('', 'streams:');
  for (const p of s.pads) lines.push(`  ${p.from} -> ${p.to}  "${p.stream}"  ${p.packets} packets`);
  if (s.boundary !== undefined) lines.push('', ...formatBoundary(s.boundary));
  if (s.latency !== undefined) lines.push('', formatLatency(s.latency));
  lines.push('', `bottleneck: ${s.bottleneck ?? 'none (no stage is busy without being back-pressured)'}`);
  return `${lines.join('\n')}\n`;
}

const rate = (perSecond: number) => `${perSecond >= 100 ? perSecond.toFixed(0) : perSecond.toFixed(1)}/s`;

function formatBoundary(b: BoundaryFlow): string[] {
  const names = [...b.inputs.map((i) => i.input), ...b.outputs.map((o) => o.output)];
  const w = Math.max(0, ...names.map((n) => n.length)) + 2;
  const lines = [`boundary (${b.seconds.toFixed(2)} s):`];
  for (const i of b.inputs) {
    lines.push(
      `  push ${`"${i.input}"`.padEnd(w)}  ${String(i.pushed).padStart(8)} samples  ${rate(i.perSecond).padStart(11)}` +
        `  (queued ${i.queued}, dropped ${i.dropped}, evicted ${i.evicted}, cancelled ${i.cancelled})`,
    );
  }
  for (const o of b.outputs) {
    lines.push(
      `  pull ${`"${o.output}"`.padEnd(w)}  ${String(o.pulled).padStart(8)} samples  ${rate(o.perSecond).padStart(11)}` +
        `  (delivered ${o.delivered}, queued ${o.queued})`,
    );
  }
  return lines;
}

function formatLatency(l: LatencySummary): string {
  const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 1 ? x.toFixed(2) : x.toFixed(3));
  if (l.count === 0) return 'latency push -> pull: no samples yet';
  return (
    `latency push -> pull (ms, ${l.count} samples):  p50 ${ms(l.p50)}  p90 ${ms(l.p90)}  ` +
    `p95 ${ms(l.p95)}  p99 ${ms(l.p99)}  min ${ms(l.min)}  mean ${ms(l.mean)}  max ${ms(l.max)}`
  );
}
