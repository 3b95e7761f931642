/**
 * LatencyProfiler: per-sample latencies with a warm-up mark and the percentiles users ask for
 * (p50/p90/p95/p99), as in Triton's perf_analyzer and SiMa NEAT's run stats.
 *
 * Record a latency per sample (e.g. pull time − push time, or sink − source timestamps); call
 * {@link LatencyProfiler.markWarmup} once the pipeline is warm to drop what came before.
 *
 * Threading: one thread; recording allocates nothing until the buffer doubles.
 */
import { SampleBuffer } from './percentiles.js';

/**
 * Percentiles and extremes of the recorded latencies, in the unit they were recorded in. Plain data;
 * any thread.
 */
export interface LatencySummary {
  readonly count: number;
  readonly min: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

/**
 * Records latencies and reports percentiles.
 *
 * Threading: the thread that made it (plain memory, not shared): merge other threads' latencies by
 * sending them here. Lifecycle: nothing to close; it keeps every sample since the warm-up mark,
 * so its memory grows with them until {@link markWarmup} drops them.
 */
export class LatencyProfiler {
  private readonly samples = new SampleBuffer();
  private sum = 0;
  private min = Number.POSITIVE_INFINITY;
  private max = Number.NEGATIVE_INFINITY;
  private warmedUp = false;

  /** Records one latency (any unit; milliseconds by convention). Non-finite values are ignored. */
  record(latency: number): void {
    if (!Number.isFinite(latency)) return;
    this.samples.add(latency);
    this.sum += latency;
    if (latency < this.min) this.min = latency;
    if (latency > this.max) this.max = latency;
  }

  /** Records `end − start` for one sample. */
  span(start: number, end: number): void {
    this.record(end - start);
  }

  /** Drops every latency recorded so far: the pipeline is warm from here on. */
  markWarmup(): void {
    this.samples.clear();
    this.sum = 0;
    this.min = Number.POSITIVE_INFINITY;
    this.max = Number.NEGATIVE_INFINITY;
    this.warmedUp = true;
  }

  /** True once {@link markWarmup} was called. */
  get afterWarmup(): boolean {
    return this.warmedUp;
  }

  /** Percentiles (nearest rank) of what was recorded since the warm-up mark; NaN when empty. */
  summary(): LatencySummary {
    const n = this.samples.count;
    const [p50, p90, p95, p99] = this.samples.percentiles([50, 90, 95, 99]);
    return {
      count: n,
      min: n === 0 ? Number.NaN : this.min,
      mean: n === 0 ? Number.NaN : this.sum / n,
      p50: p50!,
      p90: p90!,
      p95: p95!,
      p99: p99!,
      max: n === 0 ? Number.NaN : this.max,
    };
  }
}
