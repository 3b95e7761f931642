/**
 * The camera fleet's figures for the live view and the metrics (`weft demo --ui`): frames processed
 * and dropped, capture → sink latency (percentiles, and the sinks' histogram for Prometheus) from the
 * fleet's shared stats block, and one row per lane (camera shard) from the stage statistics.
 *
 * Threading: main thread, called by the dashboard at each sample and scrape. Reads shared counters
 * only; allocates its result.
 */
import type { AppFigures, LaneFigures, LatencyHistogram } from '../telemetry/live-reading.js';
import type { StageStats } from '../telemetry/stage-stats.js';
import { type FleetStats, latencyPercentile } from './fleet-stats.js';

/** Prometheus bucket bounds for the capture → sink latency, ms. */
const BOUNDS_MS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, Number.POSITIVE_INFINITY];

/**
 * The fleet's figures for `serveDashboard({ figures })`: `stats` is the run's FleetStats, `graph`
 * the running graph (for its lanes' stage statistics). Call it, and the function it returns, on the
 * thread that owns the run (the dashboard's); it only reads shared counters.
 */
export function fleetDashboardFigures(
  stats: FleetStats,
  graph: { stageStats(): StageStats[] },
): () => AppFigures {
  return () => {
    const f = stats.read();
    return {
      unit: 'frames',
      processed: f.processed,
      dropped: f.dropped,
      latencyMs: { p50: f.latencyMs.p50, p99: f.latencyMs.p99 },
      latencyHistogram: histogram(stats.latencyCounts(), f.latencyMs.mean * f.processed),
      lanes: lanesOf(graph.stageStats(), stats.desc.shards),
    };
  };
}

// The sinks count frames in fine log-spaced buckets (5 % wide); Prometheus gets a dozen coarse ones,
// each fine bucket counted in the first coarse bucket at or above its upper edge.
function histogram(counts: Float64Array, sumMs: number): LatencyHistogram {
  const coarse = BOUNDS_MS.map(() => 0);
  const oneHot = new Float64Array(counts.length);
  for (let i = 0; i < counts.length; i++) {
    if (counts[i] === 0) continue;
    oneHot[i] = 1;
    // The quantile of a histogram with one bucket filled is that bucket's upper edge.
    const upper = latencyPercentile(oneHot, 1);
    oneHot[i] = 0;
    const k = BOUNDS_MS.findIndex((b) => upper <= b);
    coarse[k]! += counts[i]!;
  }
  return { upperBoundsMs: BOUNDS_MS, counts: coarse, sumMs };
}

const LANE = /^[a-z]+_(\d+)(?:[.[]|$)/;

function lanesOf(all: readonly StageStats[], shards: number): LaneFigures[] {
  const lanes: LaneFigures[] = [];
  for (let s = 0; s < shards; s++) {
    const nodes = all.filter((n) => LANE.exec(n.node)?.[1] === String(s));
    if (nodes.length === 0) continue;
    const named = (name: string) => nodes.find((n) => n.node === name);
    // Where the lane's frames end: its own sink (lanes layout), else what its inference emitted.
    const end = named(`sink_${s}`) ?? named(`postprocess_${s}`);
    const inference = named(`inference_${s}.gather`) ?? named(`inference_${s}`);
    const processed = end?.packetsIn ?? inference?.packetsOut ?? 0;
    let busiest = nodes[0]!;
    let busiestShare = -1;
    for (const n of nodes) {
      const total = n.busyMs + n.idleMs;
      const share = total > 0 ? (n.busyMs - n.blockedMs) / total : 0;
      if (share > busiestShare) {
        busiest = n;
        busiestShare = share;
      }
    }
    const queued = nodes.reduce((q, n) => q + n.queueDepths.reduce((a, b) => a + b, 0), 0);
    lanes.push({
      lane: `lane ${s}`,
      processed,
      queued,
      busiest: busiest.node,
      busiestShare: Math.max(0, busiestShare),
    });
  }
  return lanes;
}
