import { describe, expect, it } from 'vitest';
import { LatencyProfiler } from '../src/telemetry/latency-profiler.js';

describe('LatencyProfiler', () => {
  it.each([
    [
      Array.from({ length: 100 }, (_, i) => i + 1),
      { count: 100, min: 1, mean: 50.5, p50: 50, p90: 90, p95: 95, p99: 99, max: 100 },
    ],
    [[5], { count: 1, min: 5, mean: 5, p50: 5, p90: 5, p95: 5, p99: 5, max: 5 }],
    [[3, 1, 2, 10], { count: 4, min: 1, mean: 4, p50: 2, p90: 10, p95: 10, p99: 10, max: 10 }],
  ])('nearest-rank percentiles of %j', (values, want) => {
    const p = new LatencyProfiler();
    for (const v of [...values].reverse()) p.record(v);
    expect(p.summary()).toEqual(want);
  });

  it('drops what came before the warm-up mark, and ignores non-finite values', () => {
    const p = new LatencyProfiler();
    p.record(1000);
    p.markWarmup();
    p.span(10, 12);
    p.record(Number.NaN);
    p.record(Number.POSITIVE_INFINITY);
    expect(p.summary()).toMatchObject({ count: 1, p50: 2, max: 2 });
    expect(p.afterWarmup).toBe(true);
  });

  it('reports NaN when empty', () => {
    expect(new LatencyProfiler().summary()).toMatchObject({ count: 0, p50: Number.NaN, mean: Number.NaN });
  });
});
