/**
 * Push → pull latency of a Run: for every sample an application pulls (or receives in an `onOutput`
 * callback), the time from the `push`/`tryPush` call that fed the graph at that timestamp to the
 * moment the application got the result. Recorded in milliseconds into a {@link LatencyProfiler}.
 *
 * A graph carries only a timestamp and a value, so the push time cannot ride inside the graph. Each
 * Push input logs `(timestamp, push time)` into a pair of Float64Array rings instead; each Pull
 * output keeps a cursor per input log and, as its packets (timestamp order) and bounds arrive, walks
 * the cursor up to the packet's timestamp. An output timestamp that several inputs were pushed at
 * takes the latest of their push times: the graph could not start on it before that. A measured
 * sample that waits in an output queue keeps its push time, and its queue position, in number rings
 * beside the queue, so pulling allocates nothing.
 *
 * Cost: disabled, every probe in the boundaries is one field load and a branch. Enabled, a measured
 * sample costs a clock read at its push and one at its pull (~60 ns each, most of what latency
 * costs), and nothing is allocated per sample (the rings double while they fill, up to
 * {@link MAX_LOGGED} entries per input; past that, the oldest entries an idle output never settled
 * are dropped and those samples go unmeasured). Mode `sampled` (`latency: true`) measures every
 * sample while an input's pushes come more than {@link SAMPLE_GAP_MS} apart; faster, it measures
 * about one push per that gap, picked at random, at a stride re-estimated at burst boundaries (one
 * more clock read at most per stride), so its clock reads take about 1 % of the time at any rate up
 * to 64 pushes per gap (3.2 M pushes a second). Mode `all` measures every sample.
 *
 * Threading: the thread that owns the Run. Lifecycle: created with the run (when built with
 * `latency: true`); inputs join at `start()`; lives as long as the Run.
 */

import { NumberQueue } from '../core/sample-queue.js';
import { LatencyProfiler, type LatencySummary } from './latency-profiler.js';

/** Samples a Push input may have logged and not yet seen settled at every output. */
export const MAX_LOGGED = 1 << 16;

/** In mode `sampled`, the time between measured pushes of an input that the stride aims at. */
export const SAMPLE_GAP_MS = 0.02;

/** At most one push in this many unmeasured, so that a rate that drops is noticed soon. */
const MAX_STRIDE = 64;

/** Which pushes are measured: about one per {@link SAMPLE_GAP_MS} (`sampled`), or every one. */
export type LatencyMode = 'sampled' | 'all';

/** Push times of one input's accepted samples, in push (= timestamp) order. */
export class PushLog {
  /** Entries logged so far; an entry's slot is its sequence number masked. */
  head = 0;
  /** Oldest entry some output may still need. */
  tail = 0;
  ts = new Float64Array(256);
  at = new Float64Array(256);
  /** Mode `sampled`: pushes until the next measured one, and the mean of that draw. */
  private skip = 1;
  private stride = 1;
  /** Mode `sampled`: a burst of pushes ended; the next push re-estimates the rate. */
  private burstEnded = false;
  private pushesSinceMark = 0;
  private markAt = Number.NaN;
  private rand = 0x9e3779b9;

  constructor(
    private readonly owner: RunLatency,
    readonly index: number,
    private readonly sampled: boolean,
  ) {}

  /** A sample was accepted at `timestamp` just now: measured, if its turn came. */
  push(timestamp: number): void {
    if (this.sampled) {
      // At most one rate estimate per stride of pushes: a run pushing one sample per event-loop turn
      // ends a burst at every push.
      if (++this.pushesSinceMark >= this.stride && this.burstEnded) this.mark();
      if (--this.skip > 0) return;
      this.skip = this.draw();
    }
    this.add(timestamp, performance.now());
  }

  /**
   * The run published a burst of pushes (once per event-loop turn that pushed): the next push may
   * re-estimate the rate.
   */
  endBurst(): void {
    this.burstEnded = this.sampled;
  }

  /** Logs a sample accepted at `timestamp`, pushed at `at` (performance.now()): always measured. */
  add(timestamp: number, at: number): void {
    if (this.head - this.tail === this.ts.length) this.makeRoom();
    const i = this.head++ & (this.ts.length - 1);
    this.ts[i] = timestamp;
    this.at[i] = at;
  }

  // Sets the stride to the pushes expected per sampling gap at the rate since the previous mark.
  // It is re-estimated at a burst boundary at least a stride after the last one: the clock is read
  // at most twice per stride of pushes, and pushes that slow down are all measured again within a
  // stride.
  private mark(): void {
    this.burstEnded = false;
    const now = performance.now();
    const perGap = (this.pushesSinceMark * SAMPLE_GAP_MS) / (now - this.markAt);
    this.markAt = now;
    this.pushesSinceMark = 0;
    const stride = perGap >= 2 ? Math.min(MAX_STRIDE, Math.round(perGap)) : 1;
    if (stride < this.stride) this.skip = Math.min(this.skip, 1 + (this.draw() % stride));
    this.stride = stride;
  }

  // Uniform in 1 .. 2·stride − 1 (mean: stride): a fixed stride would alias with the batches in
  // which rings publish, always measuring the same position in a batch.
  private draw(): number {
    let x = this.rand;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.rand = x;
    return 1 + ((x >>> 0) % (2 * this.stride - 1));
  }

  private makeRoom(): void {
    this.tail = this.owner.oldestNeeded(this.index, this.head);
    const n = this.ts.length;
    if (this.head - this.tail < n) return;
    if (n >= MAX_LOGGED) {
      // An output that never settles must not grow memory: its oldest samples go unmeasured.
      this.tail++;
      this.owner.skipTo(this.index, this.tail);
      return;
    }
    const ts = new Float64Array(n * 2);
    const at = new Float64Array(n * 2);
    for (let s = this.tail; s < this.head; s++) {
      ts[s & (2 * n - 1)] = this.ts[s & (n - 1)]!;
      at[s & (2 * n - 1)] = this.at[s & (n - 1)]!;
    }
    this.ts = ts;
    this.at = at;
  }
}

/** One Pull output's view of the input logs, and the push times of its queued samples. */
export class OutputLatency {
  /** Per input log: the next entry this output has not passed. */
  readonly cursors: number[] = [];
  ended = false;
  /**
   * The push time of the packet that just arrived (NaN: not measured). Kept in a field rather than
   * passed around: a double crossing a call that is not inlined is boxed, an allocation per packet.
   */
  private arrivedPushAt = Number.NaN;
  /** Samples queued and taken so far; a measured queued sample is known by its queue position. */
  private queuedCount = 0;
  private takenCount = 0;
  /** Measured queued samples only: their queue position and push time. */
  private readonly measuredAt = new NumberQueue();
  private readonly measuredPushAt = new NumberQueue();

  constructor(
    private readonly logs: readonly PushLog[],
    private readonly profiler: LatencyProfiler,
  ) {}

  /**
   * A packet at `timestamp` arrived: looks up the push time of the sample(s) at that timestamp, for
   * {@link deliver} or {@link enqueue} next. Unmeasured: no sample was measured there (sampling, a
   * graph's own source, a timestamp the graph shifted).
   */
  arrive(timestamp: number): void {
    this.arrivedPushAt = this.pushTimeOf(timestamp);
  }

  /** The packet that arrived went straight to the application (a waiting pull, a callback). */
  deliver(): void {
    this.record(this.arrivedPushAt);
  }

  /** The push time of the sample(s) at `timestamp` (NaN: none measured); moves the cursors past it. */
  pushTimeOf(timestamp: number): number {
    let pushedAt = Number.NaN;
    const logs = this.logs;
    for (let k = 0; k < logs.length; k++) {
      const log = logs[k]!;
      const mask = log.ts.length - 1;
      const c = this.advance(k, timestamp);
      if (c < log.head && log.ts[c & mask] === timestamp) {
        const at = log.at[c & mask]!;
        if (!(at <= pushedAt)) pushedAt = at;
        this.cursors[k] = c + 1;
      }
    }
    return pushedAt;
  }

  /** The output settled to `bound`: no sample below it will come. */
  settle(bound: number): void {
    for (let k = 0; k < this.logs.length; k++) this.advance(k, bound);
  }

  // Moves input k's cursor past its entries below `bound`; returns the new cursor.
  private advance(k: number, bound: number): number {
    const log = this.logs[k]!;
    const mask = log.ts.length - 1;
    let c = this.cursors[k]!;
    while (c < log.head && log.ts[c & mask]! < bound) c++;
    this.cursors[k] = c;
    return c;
  }

  /** The application got a sample pushed at `pushedAt` now (NaN: not measured). */
  record(pushedAt: number): void {
    // Unmeasured samples skip the clock: that read is the cost sampling saves.
    if (!Number.isNaN(pushedAt)) this.profiler.record(performance.now() - pushedAt);
  }

  /** The packet that arrived waits in the output queue. */
  enqueue(): void {
    const n = ++this.queuedCount;
    // Unmeasured samples leave no trace here: in mode `sampled` that is most of them.
    if (Number.isNaN(this.arrivedPushAt)) return;
    this.measuredAt.push(n);
    this.measuredPushAt.push(this.arrivedPushAt);
  }

  /** The oldest queued sample was pulled. */
  pulled(): void {
    const n = ++this.takenCount;
    if (this.measuredAt.peek() === n) {
      this.measuredAt.shift();
      this.record(this.measuredPushAt.shift());
    }
  }

  /** The queued samples were released unpulled. */
  clear(): void {
    this.takenCount = this.queuedCount;
    this.measuredAt.clear();
    this.measuredPushAt.clear();
  }
}

/** The latency bookkeeping of one Run. */
export class RunLatency {
  /** Where the latencies go (ms). */
  readonly profiler = new LatencyProfiler();
  private readonly logs: PushLog[] = [];
  private readonly outputs: OutputLatency[] = [];

  constructor(readonly mode: LatencyMode = 'sampled') {}

  /** An output's probe. Call for every output before any input joins. */
  addOutput(): OutputLatency {
    const o = new OutputLatency(this.logs, this.profiler);
    this.outputs.push(o);
    return o;
  }

  /** An input's log, or null when the run has no output to measure at. */
  addInput(): PushLog | null {
    if (this.outputs.length === 0) return null;
    const log = new PushLog(this, this.logs.length, this.mode === 'sampled');
    this.logs.push(log);
    for (const o of this.outputs) o.cursors.push(0);
    return log;
  }

  /** Percentiles (ms) since the warm-up mark. */
  summary(): LatencySummary {
    return this.profiler.summary();
  }

  /** The oldest entry of log `k` that a live output has not passed. */
  oldestNeeded(k: number, head: number): number {
    let min = head;
    for (const o of this.outputs) if (!o.ended && o.cursors[k]! < min) min = o.cursors[k]!;
    return min;
  }

  /** Moves every output's cursor on log `k` to at least `entry`. */
  skipTo(k: number, entry: number): void {
    for (const o of this.outputs) if (o.cursors[k]! < entry) o.cursors[k] = entry;
  }
}
