/**
 * The process's resident memory over a long run, for the demos' progress lines and summaries: the
 * memory test of seed 004 ("monitor memory usage over 24+ hours") is `weft demo --seconds 86400`
 * and a look at whether the last figure stayed near the first. Resident memory counts every
 * thread's heap, the shared frame pool and rings, and native memory (onnxruntime's sessions), so a
 * leak anywhere in the process shows here; the first seconds grow as each thread compiles its code
 * and the pool's slots are first touched.
 *
 * Threading: main thread; one instance per demo run.
 */

const MIB = 1024 * 1024;

/** Samples of `process.memoryUsage.rss()` taken at the demo's progress ticks. */
export class ResidentMemory {
  private first = -1;
  private firstAt = 0;
  private last = -1;
  private peak = 0;

  /** Takes a sample `seconds` into the run; returns it in MiB. Cheap: reads one counter of the OS. */
  sample(seconds: number): number {
    const rss = process.memoryUsage.rss();
    if (this.first < 0) {
      this.first = rss;
      this.firstAt = seconds;
    }
    this.last = rss;
    if (rss > this.peak) this.peak = rss;
    return rss / MIB;
  }

  /** For a progress line: `rss 158 MiB`. */
  static label(mib: number): string {
    return `rss ${mib.toFixed(0)} MiB`;
  }

  /** For the summary: the first sample, the last and the peak (the demos sample once more at the end). */
  summary(): string {
    if (this.first < 0) return 'not sampled';
    const mib = (b: number) => `${(b / MIB).toFixed(0)} MiB`;
    return `${mib(this.first)} at ${this.firstAt.toFixed(0)} s, ${mib(this.last)} at the end, peak ${mib(this.peak)}`;
  }
}
