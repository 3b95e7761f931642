/**
 * A Run's telemetry besides latency: the stage-statistics sampler behind `run.timeline()` and
 * `run.chromeTrace()` (`profileIntervalMs`), the stage statistics themselves, and the boundary flow
 * (pushes and pulls, counts and rates) in `run.diagnose()`.
 *
 * Everything is read from counters that already exist — the actors' shared-memory counters and the
 * boundaries' own — so reading costs the data path nothing: no message to any actor, no lock.
 *
 * Threading: the thread that owns the Run. Lifecycle: `begin` once the run's actors started, `end`
 * once the run is over (its last sample is kept, the timer cleared); read at any time after `begin`.
 */

import type { Supervisor } from '../actors/supervisor.js';
import { UsageError } from '../core/errors.js';
import type { TimelineSample } from '../telemetry/chrome-trace.js';
import { type BoundaryFlow, diagnose, type RunDiagSnapshot } from '../telemetry/diag-snapshot.js';
import type { RunLatency } from '../telemetry/run-latency.js';
import { readStageStats, type StageStats } from '../telemetry/stage-stats.js';
import type { InputBoundary } from './input-boundary.js';
import type { OutputBoundary } from './output-boundary.js';
import type { InputStats, RunStats } from './run-types.js';

/** What the snapshot reads from a Run. */
interface RunParts {
  readonly inputList: readonly InputBoundary[];
  readonly outputList: readonly OutputBoundary[];
  readonly latency: RunLatency | null;
}

/** The sampler and the boundary clock of one Run. */
export class RunTelemetry {
  /** Samples taken so far (see `profileIntervalMs`). */
  readonly samples: TimelineSample[] = [];
  private sup: Supervisor | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private startedAt = Number.NaN;
  private endedAt = Number.NaN;

  /** The run's supervisor exists (its actors may still be starting): stage stats can be read. */
  attach(sup: Supervisor): void {
    this.sup = sup;
  }

  /** The run's actors started: the boundary clock starts, and sampling when `intervalMs` > 0. */
  begin(intervalMs: number): void {
    this.startedAt = performance.now();
    if (intervalMs <= 0) return;
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
    // Sampling must never keep a finished process alive.
    this.timer.unref();
  }

  /** The run is over (ended, failed or stopped): rates stop here; the last sample is taken. */
  end(): void {
    if (!Number.isNaN(this.endedAt) || Number.isNaN(this.startedAt)) return;
    this.endedAt = performance.now();
    if (this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
    this.sample();
  }

  /** Every node's figures now, read from the shared counters. UsageError before `attach`. */
  stageStats(): StageStats[] {
    const sup = this.sup;
    if (sup === undefined)
      throw new UsageError('run telemetry is available once start() was called', { phase: 'run' });
    return readStageStats(sup.graph, sup.counters, sup.plan.inputBase);
  }

  /** The run's snapshot: stage figures, boundary flow and, when recorded, latency. */
  diagnose(run: RunParts): RunDiagSnapshot {
    const stats = this.stageStats();
    return diagnose(this.sup!.graph, stats, {
      boundary: this.boundary(run.inputList, run.outputList),
      ...(run.latency === null ? {} : { latency: run.latency.summary() }),
    });
  }

  /** `run.stats()`: counters per input and output. */
  stats(run: RunParts): RunStats {
    const inputs: Record<string, InputStats & { queued: number }> = {};
    for (const i of run.inputList) inputs[i.name] = { ...i.stats, queued: i.queued };
    const outputs: Record<string, { pulled: number; queued: number }> = {};
    for (const o of run.outputList) outputs[o.name] = { pulled: o.pulled, queued: o.queued };
    return { inputs, outputs };
  }

  /** Counts and rates at the run's boundaries. */
  boundary(inputs: readonly InputBoundary[], outputs: readonly OutputBoundary[]): BoundaryFlow {
    const end = Number.isNaN(this.endedAt) ? performance.now() : this.endedAt;
    const seconds = Number.isNaN(this.startedAt) ? 0 : Math.max(0, (end - this.startedAt) / 1000);
    const per = (n: number) => (seconds > 0 ? n / seconds : 0);
    return {
      seconds,
      inputs: inputs.map((i) => ({
        input: i.name,
        pushed: i.stats.pushed,
        perSecond: per(i.stats.pushed),
        dropped: i.stats.dropped,
        evicted: i.stats.evicted,
        cancelled: i.stats.cancelled,
        queued: i.queued,
      })),
      outputs: outputs.map((o) => {
        // A callback output's samples are taken as they arrive.
        const pulled = o.callback === undefined ? o.pulled : o.delivered;
        return { output: o.name, pulled, perSecond: per(pulled), delivered: o.delivered, queued: o.queued };
      }),
    };
  }

  private sample(): void {
    this.samples.push({ atMs: Date.now(), stats: this.stageStats() });
  }
}
