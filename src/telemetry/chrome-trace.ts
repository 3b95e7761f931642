/**
 * Chrome trace export (chrome://tracing, Perfetto): one track per actor, built from stage
 * statistics sampled over time, so recording it costs the actors nothing.
 *
 * Each interval between two samples becomes a complete event ("X") on the actor's track, named by
 * what the actor mostly did then (work, back-pressured, idle) with the exact shares and packet counts
 * as arguments; counter events ("C") per actor plot its queue depth.
 *
 * Threading: pure functions over samples taken on the run's thread.
 */
import type { StageStats } from './stage-stats.js';

/** One sample of every actor's statistics at a wall-clock time (epoch ms). */
export interface TimelineSample {
  readonly atMs: number;
  readonly stats: readonly StageStats[];
}

/** A Chrome trace-event file. */
export interface ChromeTrace {
  readonly traceEvents: readonly Record<string, unknown>[];
  readonly displayTimeUnit: 'ms';
}

const PID = 1;

/** Builds a trace with one track (thread) per actor from consecutive samples. */
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
      // Failures the node's restart policy survived in this interval: an instant mark on its track.
      if (s.restarts > p.restarts) {
        events.push({
          name: 'restart',
          cat: 'supervision',
          ph: 'i',
          s: 't',
          pid: PID,
          tid: i + 1,
          ts: (b.atMs - first.atMs) * 1000,
          args: { restarts: s.restarts - p.restarts, total: s.restarts },
        });
      }
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
