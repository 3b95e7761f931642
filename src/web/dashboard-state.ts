/**
 * The dashboard's sampler: once per interval it takes a {@link LiveReading} of the graph or Run
 * (shared counters, no message), turns the differences from the previous reading into rates and
 * shares, and appends the headline figures to a bounded history. Each `GET /api/state` answers the
 * latest state: a page that polls faster, slower or not at all changes nothing here.
 *
 * Memory is bounded: the history keeps `historyLength` points, the rest is the latest reading.
 *
 * Threading: main thread (the graph's or Run's owner). Lifecycle: `start()` once, `stop()` once (the
 * timer is unref'd, so a forgotten sampler never keeps a process alive); `state()` at any time.
 */

import {
  type AppFigures,
  LiveReader,
  type LiveReading,
  type LiveSourceRef,
} from '../telemetry/live-reading.js';
import type { StageStats } from '../telemetry/stage-stats.js';
import type {
  DashboardState,
  EdgeView,
  HistoryView,
  LaneView,
  NodeView,
  TotalsView,
} from './dashboard-protocol.js';
import { edgeId } from './graph-layout.js';

/** What the sampler needs besides its source. */
export interface SamplerOptions {
  readonly title: string;
  readonly intervalMs: number;
  readonly historyLength: number;
  readonly app: (() => AppFigures | undefined) | undefined;
}

/** Snapshot-derived rates, per second. */
interface Flow {
  readonly edges: ReadonlyMap<string, number>;
  readonly processed: number;
  readonly drops: number;
}

type Series = { -readonly [K in keyof HistoryView]: HistoryView[K][number][] };

/** Samples a graph or Run for the view. */
export class DashboardSampler {
  private timer: ReturnType<typeof setInterval> | undefined;
  private previous: LiveReading | undefined;
  private latest: DashboardState | undefined;
  private failure: string | undefined;
  private readonly reader: LiveReader;
  private snapshotReading: LiveReading | undefined;
  private flow: Flow = { edges: new Map(), processed: 0, drops: 0 };
  private readonly history: Series = { t: [], throughput: [], p50: [], p99: [], drops: [] };

  constructor(
    source: LiveSourceRef,
    private readonly options: SamplerOptions,
  ) {
    this.reader = new LiveReader(source, options.app);
  }

  /** Takes a reading now and then one per interval. */
  start(): void {
    this.tick();
    this.timer = setInterval(() => this.tick(), this.options.intervalMs);
    this.timer.unref();
  }

  /** Stops sampling; the last state stays readable. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Shows the run as failed with this error, whatever its counters say. */
  fail(error: unknown): void {
    this.failure = error instanceof Error ? error.message : String(error);
    if (this.latest !== undefined) this.latest = { ...this.latest, state: 'failed', error: this.failure };
  }

  /** The latest state (a reading is taken first if none was). */
  state(): DashboardState {
    if (this.latest === undefined) this.tick();
    return this.latest!;
  }

  /** One reading, for the metrics: the same reader, so a scrape may reuse the sampler's snapshot. */
  read(): LiveReading {
    return this.reader.read();
  }

  private tick(): void {
    const now = this.read();
    // A reading that failed to start (the run is still starting) keeps no previous: rates start later.
    const prev = this.previous?.snapshot !== undefined ? this.previous : undefined;
    const dt = prev === undefined ? 0 : (now.atMs - prev.atMs) / 1000;
    const rate = (a: number, b: number | undefined) =>
      dt > 0 && b !== undefined ? Math.max(0, (a - b) / dt) : 0;
    const before = new Map(prev?.stats.map((s) => [s.node, s]));
    const nodes = now.stats.map((s) => nodeView(s, before.get(s.node), rate));
    const flow = this.flowOf(now);
    const edges: EdgeView[] = (now.snapshot?.pads ?? []).map((p) => {
      const id = edgeId(p.from, p.to, p.stream);
      const perSecond = flow.edges.get(id) ?? 0;
      return { id, stream: p.stream, from: p.from, to: p.to, packets: p.packets, perSecond };
    });
    const processed = processedOf(now);
    const latency = now.app?.latencyMs ?? now.snapshot?.latency;
    // An application's figures are fresh at every reading; the rest may come from a reused snapshot.
    const app = now.app !== undefined && prev?.app !== undefined;
    const totals: TotalsView = {
      unit: processed.unit,
      processed: processed.count,
      perSecond: app ? rate(processed.count, processedOf(prev!).count) : flow.processed,
      dropped: dropsOf(now),
      latencyP50: finite(latency?.p50),
      latencyP99: finite(latency?.p99),
    };
    const lanesBefore = new Map(prev?.app?.lanes?.map((l) => [l.lane, l.processed]));
    const lanes: LaneView[] = (now.app?.lanes ?? []).map((l) => ({
      ...l,
      perSecond: rate(l.processed, lanesBefore.get(l.lane)),
    }));
    if (prev !== undefined) {
      this.record(now.atMs, totals, app ? rate(totals.dropped, dropsOf(prev!)) : flow.drops);
    }
    const failed = this.failure !== undefined;
    this.latest = {
      title: this.options.title,
      atMs: now.atMs,
      intervalMs: this.options.intervalMs,
      state: failed ? 'failed' : now.state,
      error: this.failure ?? now.error ?? null,
      bottleneck: now.snapshot?.bottleneck ?? null,
      nodes,
      edges,
      pool: now.pool.map((c, i) => ({
        class: i,
        slotBytes: c.slotBytes,
        slots: c.slots,
        inUse: c.inUse,
        highWater: c.highWater,
        exhaustedWaits: c.exhaustedWaits,
      })),
      lanes,
      totals,
      history: this.history,
    };
    if (now.snapshot !== undefined) this.previous = now;
  }

  // Rates of what the snapshot counts (streams; a Run's boundary), between the last two distinct
  // snapshots, over the time between them: a reused snapshot keeps the rates it gave.
  private flowOf(now: LiveReading): Flow {
    const prev = this.snapshotReading;
    if (now.snapshot === undefined || now.snapshotAtMs === prev?.snapshotAtMs) return this.flow;
    const dt = prev === undefined ? 0 : (now.snapshotAtMs - prev.snapshotAtMs) / 1000;
    const rate = (a: number, b: number | undefined) =>
      dt > 0 && b !== undefined ? Math.max(0, (a - b) / dt) : 0;
    const before = new Map(prev?.snapshot?.pads.map((p) => [edgeId(p.from, p.to, p.stream), p.packets]));
    const edges = new Map<string, number>();
    for (const p of now.snapshot.pads) {
      const id = edgeId(p.from, p.to, p.stream);
      edges.set(id, rate(p.packets, before.get(id)));
    }
    this.flow = {
      edges,
      processed: rate(processedOf(now).count, prev === undefined ? undefined : processedOf(prev).count),
      drops: rate(dropsOf(now), prev === undefined ? undefined : dropsOf(prev)),
    };
    this.snapshotReading = now;
    return this.flow;
  }

  private record(atMs: number, totals: TotalsView, drops: number): void {
    const h = this.history;
    h.t.push(atMs / 1000);
    h.throughput.push(totals.perSecond);
    h.p50.push(totals.latencyP50);
    h.p99.push(totals.latencyP99);
    h.drops.push(drops);
    if (h.t.length > this.options.historyLength) for (const s of Object.values(h)) s.shift();
  }
}

function nodeView(
  s: StageStats,
  b: StageStats | undefined,
  rate: (a: number, b: number | undefined) => number,
): NodeView {
  const busy = s.busyMs - (b?.busyMs ?? 0);
  const blocked = s.blockedMs - (b?.blockedMs ?? 0);
  const idle = s.idleMs - (b?.idleMs ?? 0);
  const total = busy + idle;
  const share = (ms: number) => (total > 0 ? Math.min(1, Math.max(0, ms / total)) : 0);
  const emits = s.packetsOut > 0 || s.packetsIn === 0;
  return {
    node: s.node,
    calculator: s.calculator,
    state: s.state,
    work: share(busy - blocked),
    backPressured: share(blocked),
    idle: share(idle),
    perSecond: emits ? rate(s.packetsOut, b?.packetsOut) : rate(s.packetsIn, b?.packetsIn),
    packetsIn: s.packetsIn,
    packetsOut: s.packetsOut,
    processCalls: s.processCalls,
    restarts: s.restarts,
    lost: s.lost,
    queues: s.queueDepths.map((depth, i) => ({ depth, limit: s.queueLimits[i] ?? 0 })),
  };
}

const finite = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? x : null);

/**
 * What the panel counts: the application's items when it gives them; a Run's pulled samples; else
 * the packets reaching the graph's last nodes (those no stream leaves).
 */
function processedOf(r: LiveReading): { unit: string; count: number } {
  if (r.app !== undefined) return { unit: r.app.unit, count: r.app.processed };
  const outputs = r.snapshot?.boundary?.outputs;
  if (outputs !== undefined && outputs.length > 0) {
    return { unit: 'samples', count: outputs.reduce((n, o) => n + o.pulled, 0) };
  }
  const feeding = new Set(r.snapshot?.pads.map((p) => p.from));
  const last = r.stats.filter((s) => !feeding.has(s.node));
  return { unit: 'packets', count: last.reduce((n, s) => n + Math.max(s.packetsIn, s.packetsOut), 0) };
}

function dropsOf(r: LiveReading): number {
  if (r.app !== undefined) return r.app.dropped;
  return (r.snapshot?.boundary?.inputs ?? []).reduce((n, i) => n + i.dropped + i.evicted, 0);
}
