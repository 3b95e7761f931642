/**
 * Percentiles over recorded samples (nearest-rank on a sorted copy).
 *
 * Threading: plain data, owned by one thread.
 */

/** A growable sample buffer that does not allocate per sample until it doubles. */
export class SampleBuffer {
  private data: Float64Array;
  private n = 0;

  constructor(initialCapacity = 1024) {
    this.data = new Float64Array(initialCapacity);
  }

  /** Records one sample. Allocates only when the buffer doubles. */
  add(x: number): void {
    if (this.n === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.n++] = x;
  }

  /** Number of samples. */
  get count(): number {
    return this.n;
  }

  /** Drops every sample (e.g. at a warm-up mark). */
  clear(): void {
    this.n = 0;
  }

  /** Nearest-rank percentiles for each `p` in [0, 100]; NaN when empty. */
  percentiles(ps: readonly number[]): number[] {
    const sorted = this.data.slice(0, this.n).sort();
    return ps.map((p) => percentileOfSorted(sorted, p));
  }
}

/** Nearest-rank percentile `p` in [0, 100] of ascending `sorted`; NaN when empty. */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}
