/**
 * Chrome trace export (chrome://tracing, Perfetto): one track per actor, built from stage
 * statistics sampled over time, so recording it costs the actors nothing.
 *
 * Each interval between two samples becomes a complete event ("X") on the actor's track, named by
 * what the actor mostly did then (work, back-pressured, idle) with the exact shares and packet counts
 * as arguments; counter events ("C") per actor plot its queue depth. Each failure the node's restart
 * policy survived is one instant event ("i") `restart` on its track, at the first sample that counted
 * it — so a trace whose last sample was taken once the run ended has exactly `StageStats.restarts`
 * of them per node, however the samples fell (an interval in which a node being replaced did no
 * work, several restarts in one interval, restarts of an `open` before the first sample).
 *
 * Threading: pure functions over samples taken on the run's thread.
 */
import type { StageStats } from './stage-stats.js';

/** One sample of every actor's statistics at a wall-clock time (epoch ms). Plain data; any thread. */
export interface TimelineSample {
  readonly atMs: number;
  readonly stats: readonly StageStats[];
}

/** A Chrome trace-event file. Plain data (JSON); any thread. */
export interface ChromeTrace {
  readonly traceEvents: readonly Record<string, unknown>[];
  readonly displayTimeUnit: 'ms';
}

const PID = 1;

/** Builds a trace with one track (thread) per actor from consecutive samples. Pure; any thread. */
export function toChromeTrace(timeline: readonly TimelineSample[]): ChromeTrace {
  const events: Record<string, unknown>[] = [
    { name: 'process_name', ph: 'M', pid: PID, args: { name: 'weft graph' } },
  ];
  const first = timeline[0];
  if (first === undefined) return { traceEvents: events, displayTimeUnit: 'ms' };
  first.stats.forEach((s, i) => {
    events.push({
      name: 'thread_name',
      ph: 'M',
      pid: PID,
      tid: i + 1,
      args: { name: `${s.node} (${s.calculator})` },
    });
    // Restarts before the first sample (a failed open while the run started): at the trace's start.
    pushRestarts(events, i + 1, 0, 0, s);
  });
  for (let k = 1; k < timeline.length; k++) {
    const a = timeline[k - 1]!;
    const b = timeline[k]!;
    const ts = (a.atMs - first.atMs) * 1000;
    const dur = (b.atMs - a.atMs) * 1000;
    b.stats.forEach((s, i) => {
      const p = a.stats[i]!;
      const blocked = s.blockedMs - p.blockedMs;
      const work = s.busyMs - p.busyMs - blocked;
      const idle = s.idleMs - p.idleMs;
      const total = work + blocked + idle;
      // Before the span test: a node being replaced may have done no work in the interval.
      pushRestarts(events, i + 1, (b.atMs - first.atMs) * 1000, p.restarts, s);
      if (total <= 0) return;
      const name = work >= blocked && work >= idle ? 'work' : blocked >= idle ? 'back-pressured' : 'idle';
      events.push({
        name,
        cat: 'stage',
        ph: 'X',
        pid: PID,
        tid: i + 1,
        ts,
        dur,
        args: {
          work: Math.round((work / total) * 100) / 100,
          backPressured: Math.round((blocked / total) * 100) / 100,
          idle: Math.round((idle / total) * 100) / 100,
          packetsIn: s.packetsIn - p.packetsIn,
          packetsOut: s.packetsOut - p.packetsOut,
        },
      });
      events.push({
        name: `${s.node} queue`,
        ph: 'C',
        pid: PID,
        tid: i + 1,
        ts,
        args: { depth: s.queueDepths.reduce((x, y) => x + y, 0) },
      });
    });
  }
  return { traceEvents: events, displayTimeUnit: 'ms' };
}

/**
 * One instant event per failure the node's restart policy survived since the previous sample
 * (`before` restarts counted then), at `ts` on track `tid`; `count` numbers them as the node's
 * restart records do (`RestartRecord.count`).
 */
function pushRestarts(
  events: Record<string, unknown>[],
  tid: number,
  ts: number,
  before: number,
  s: StageStats,
): void {
  for (let n = before + 1; n <= s.restarts; n++) {
    events.push({
      name: 'restart',
      cat: 'supervision',
      ph: 'i',
      s: 't',
      pid: PID,
      tid,
      ts,
      args: { count: n },
    });
  }
}
