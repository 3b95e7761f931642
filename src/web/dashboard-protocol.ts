/**
 * What the dashboard server sends the page, as JSON: `GET /api/state` (the live figures and their
 * history) and `GET /api/graph` (the graph's layout). Types only; the server builds them
 * (dashboard-state.ts, graph-layout.ts) and the page's script reads them.
 *
 * Rates and shares are over the sampler's last interval (about a second), totals since the start.
 *
 * Threading: every type here is plain JSON data, built on the thread that serves the dashboard (the
 * graph's or Run's owner) and parsed by the page; any thread may hold one. Lifecycle: none.
 */

/** One node as the view shows it. Plain JSON data; any thread. */
export interface NodeView {
  readonly node: string;
  readonly calculator: string;
  /** The actor's state now (Running, WaitingInput, BlockedOutput, Done, Failed, ...). */
  readonly state: string;
  /** Shares of the last interval, 0..1, summing to 1 (all 0 while the node did not run). */
  readonly work: number;
  readonly backPressured: number;
  readonly idle: number;
  /** Packets out per second (packets in, for a node that emits nothing). */
  readonly perSecond: number;
  readonly packetsIn: number;
  readonly packetsOut: number;
  readonly processCalls: number;
  readonly restarts: number;
  /** Input packets its failures cost (see `StageStats.lost`). */
  readonly lost: number;
  /** Per input, in port order. */
  readonly queues: readonly { readonly depth: number; readonly limit: number }[];
}

/** One stream into one consumer. `from` is `graph` for a graph input. Plain JSON data; any thread. */
export interface EdgeView {
  readonly id: string;
  readonly stream: string;
  readonly from: string;
  readonly to: string;
  readonly packets: number;
  readonly perSecond: number;
}

/** One size class of the frame pool, as its counters read at sampling. Plain JSON data; any thread. */
export interface PoolClassView {
  readonly class: number;
  readonly slotBytes: number;
  readonly slots: number;
  readonly inUse: number;
  readonly highWater: number;
  readonly exhaustedWaits: number;
}

/** One lane of an application (the fleet's camera shards). Plain JSON data; any thread. */
export interface LaneView {
  readonly lane: string;
  readonly processed: number;
  readonly perSecond: number;
  readonly queued: number;
  readonly busiest: string;
  readonly busiestShare: number;
}

/** The panel's headline figures. Plain JSON data; any thread. */
export interface TotalsView {
  /** What is counted: `frames`, `samples`, `packets`. */
  readonly unit: string;
  readonly processed: number;
  readonly perSecond: number;
  readonly dropped: number;
  /** ms; null when not measured. */
  readonly latencyP50: number | null;
  readonly latencyP99: number | null;
}

/**
 * The series over time, oldest first; `t` in epoch seconds. Bounded (see the sampler). Plain JSON
 * data; any thread.
 */
export interface HistoryView {
  readonly t: readonly number[];
  readonly throughput: readonly number[];
  readonly p50: readonly (number | null)[];
  readonly p99: readonly (number | null)[];
  readonly drops: readonly number[];
}

/**
 * `GET /api/state`: built at each request, on the thread that serves the dashboard, from the
 * latest sample. Plain JSON data; any thread.
 */
export interface DashboardState {
  readonly title: string;
  /** Epoch ms of the reading. */
  readonly atMs: number;
  /** Sampling interval, ms. */
  readonly intervalMs: number;
  /** `starting`, `running`, `ended`, `failed`, `stopped`, `closed`. */
  readonly state: string;
  readonly error: string | null;
  /** By Flink's rule over the whole run, as `diagnose()` names it; null when none. */
  readonly bottleneck: string | null;
  readonly nodes: readonly NodeView[];
  readonly edges: readonly EdgeView[];
  readonly pool: readonly PoolClassView[];
  readonly lanes: readonly LaneView[];
  readonly totals: TotalsView;
  readonly history: HistoryView;
}

/** A laid-out node box (left to right). Plain JSON data; any thread. */
export interface LayoutNode {
  readonly id: string;
  readonly calculator: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** A laid-out edge: a polyline of points. Plain JSON data; any thread. */
export interface LayoutEdge {
  readonly id: string;
  readonly stream: string;
  readonly from: string;
  readonly to: string;
  readonly points: readonly (readonly [number, number])[];
}

/**
 * `GET /api/graph`: laid out once, on the thread that serves the dashboard, from the first reading
 * that has the run's nodes (a run's topology never changes). Plain JSON data; any thread.
 */
export interface GraphLayout {
  readonly width: number;
  readonly height: number;
  readonly nodes: readonly LayoutNode[];
  readonly edges: readonly LayoutEdge[];
}
