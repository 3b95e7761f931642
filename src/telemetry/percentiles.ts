/**
 * Percentiles over recorded samples (nearest-rank on a sorted copy, kept and extended between calls).
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
    this.sortedCount = 0;
  }

  // The samples sorted so far: [0, sortedCount) of `sorted`. A live view asks for percentiles once a
  // second while samples keep coming: sorting only the new ones and merging them in costs O(new ×
  // log new + all) per call instead of O(all × log all), and allocates only the new ones' copy.
  private sorted = new Float64Array(0);
  private sortedCount = 0;

  /** Nearest-rank percentiles for each `p` in [0, 100]; NaN when empty. */
  percentiles(ps: readonly number[]): number[] {
    const sorted = this.sortedSamples();
    return ps.map((p) => percentileOfSorted(sorted, p));
  }

  private sortedSamples(): Float64Array {
    const n = this.n;
    let m = this.sortedCount;
    if (m < n) {
      if (this.sorted.length < n) {
        const bigger = new Float64Array(Math.max(n, this.sorted.length * 2));
        bigger.set(this.sorted.subarray(0, m));
        this.sorted = bigger;
      }
      const tail = this.data.slice(m, n).sort();
      // Merge from the back, in place: the sorted prefix moves up only into room not read yet.
      const out = this.sorted;
      let k = tail.length - 1;
      for (let w = n - 1; k >= 0; w--) {
        if (m > 0 && out[m - 1]! > tail[k]!) out[w] = out[--m]!;
        else out[w] = tail[k--]!;
      }
      this.sortedCount = n;
    }
    return this.sorted.subarray(0, n);
  }
}

/** Nearest-rank percentile `p` in [0, 100] of ascending `sorted`; NaN when empty. */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}
