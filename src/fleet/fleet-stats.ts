/**
 * A camera fleet's counters in shared memory: written by the shard and sink actors, read by the main
 * thread for the live progress line and the summary, without a single message.
 *
 * Layout (one SharedArrayBuffer, Float64 words then Int32 words):
 * - per shard: frames produced, frames dropped at the source (a live camera does not wait);
 * - control: the stop word the main thread sets to drain the fleet, and the cameras' epoch;
 * - per sink (one per lane, or one for the whole fleet): frames processed, order errors (a camera's
 *   frames out of order), latency and batch sums, and a latency histogram: log-spaced buckets
 *   (ratio 1.05 from 50 µs), for percentiles within ~2.5 %;
 * - per camera (Int32): produced, dropped, processed;
 * - pause (Int32): the pause word the main thread sets, then one word per shard, 1 while that shard
 *   waits out a pause, then the start word: 0 until the main thread starts the cameras' clock (the
 *   epoch, a Float64 in the sink block), once every actor is running.
 *
 * Writers aggregate locally and publish once per turn (seed 004's metric aggregation), so the hot
 * path adds nothing per frame beyond plain local increments. Each word has one writer thread; a
 * reader may see a turn half published, which only makes a progress line a few frames stale.
 *
 * Threading: any thread may read; each counter is written by exactly one actor.
 */

import { Waiter } from '../transport/doorbell.js';

const BUCKETS = 240;
const FIRST_BUCKET_MS = 0.05;
const RATIO = 1.05;
const LOG_RATIO = Math.log(RATIO);

/** Control words, after the per-shard pairs. */
// Written by the main thread: shards stop producing once it is non-zero (a graceful drain).
const S_STOP = 0;
// Written by the main thread once every actor runs: the cameras' time zero (wallMs scale).
const S_EPOCH = 1;
const CONTROL_WORDS = 2;
/** Fields of a sink's block, each followed by its histogram. */
const S_PROCESSED = 0;
const S_ORDER_ERRORS = 1;
const S_LATENCY_SUM = 2;
const S_BATCH_SUM = 3;
const SINK_WORDS = 4 + BUCKETS;

/**
 * Structured-cloneable handle of a stats block (pass it in calculator options). Any thread: a
 * SharedArrayBuffer crosses shared, not copied.
 */
export interface FleetStatsDescriptor {
  readonly sab: SharedArrayBuffer;
  readonly cameras: number;
  readonly shards: number;
  /** Sink actors, each with its own block (one writer per word). */
  readonly sinks: number;
}

/** What the main thread reads. Plain data; any thread. */
export interface FleetFigures {
  readonly produced: number;
  readonly dropped: number;
  readonly processed: number;
  readonly orderErrors: number;
  /** Mean achieved inference batch size over processed frames. */
  readonly meanBatch: number;
  readonly latencyMs: { readonly p50: number; readonly p99: number; readonly mean: number };
}

/** Creates a zeroed stats block for `sinks` sink actors. Main thread, before the run. */
export function createFleetStats(cameras: number, shards: number, sinks = 1): FleetStatsDescriptor {
  const f64Words = f64WordsOf(shards, sinks);
  const sab = new SharedArrayBuffer(f64Words * 8 + (cameras * 3 + 2 + shards) * 4);
  return { sab, cameras, shards, sinks };
}

function f64WordsOf(shards: number, sinks: number): number {
  return shards * 2 + CONTROL_WORDS + sinks * SINK_WORDS;
}

/** Typed views over a stats block. One per thread; cheap to create. */
export class FleetStats {
  readonly f64: Float64Array;
  /** Per camera: produced at [3c], dropped at [3c + 1], processed at [3c + 2]. */
  readonly perCamera: Int32Array;
  // Where the control words start, and the first sink block.
  private readonly control: number;
  private readonly sinks: number;

  // [0]: paused (main thread), [1 + s]: shard s is waiting out a pause (shard s), [1 + shards]:
  // the clock started (main thread).
  private readonly pause: Int32Array;
  private waiter: Waiter | undefined;

  constructor(readonly desc: FleetStatsDescriptor) {
    const f64Words = f64WordsOf(desc.shards, desc.sinks);
    this.f64 = new Float64Array(desc.sab, 0, f64Words);
    this.perCamera = new Int32Array(desc.sab, f64Words * 8, desc.cameras * 3);
    this.pause = new Int32Array(desc.sab, f64Words * 8 + desc.cameras * 12, 2 + desc.shards);
    this.control = desc.shards * 2;
    this.sinks = this.control + CONTROL_WORDS;
  }

  /**
   * Main thread: pauses (true) or resumes (false) every shard. A paused shard renders nothing and
   * waits without polling; frames already in the pipeline still drain to the sink.
   */
  setPaused(paused: boolean): void {
    Atomics.store(this.pause, 0, paused ? 1 : 0);
    if (!paused) Atomics.notify(this.pause, 0);
  }

  /** Shard side: true while the fleet is paused. */
  get paused(): boolean {
    return Atomics.load(this.pause, 0) !== 0;
  }

  /**
   * Shard side: waits until the fleet is resumed or `timeoutMs` passed, with the event loop
   * turning; the shard shows as waiting (see {@link pausedShards}) meanwhile. Allocates a promise:
   * once per pause wait, not per frame.
   */
  async waitWhilePaused(shard: number, timeoutMs: number): Promise<void> {
    Atomics.store(this.pause, 1 + shard, 1);
    // The waiter holds the event loop open: a pending Atomics.waitAsync alone would let it exit.
    this.waiter ??= new Waiter(undefined);
    await this.waiter.parkAsync(this.pause, 0, 1, timeoutMs);
    if (!this.paused) Atomics.store(this.pause, 1 + shard, 0);
  }

  /**
   * Frames produced and neither processed nor dropped yet, from the per-camera table (the sink's
   * totals are published in batches, so they lag). A loop over the cameras: call it now and then.
   */
  inFlight(): number {
    const t = this.perCamera;
    let n = 0;
    for (let i = 0; i < t.length; i += 3) n += t[i]! - t[i + 1]! - t[i + 2]!;
    return n;
  }

  /** Shards that are waiting out the pause now: all of them once a pause took hold. Any thread. */
  pausedShards(): number {
    let n = 0;
    for (let s = 1; s <= this.desc.shards; s++) n += Atomics.load(this.pause, s);
    return n;
  }

  /**
   * Main thread, once every actor runs: starts the cameras' clock at `epochMs` (on the `wallMs()`
   * scale). Live cameras schedule their frames from it, so none is late for the actors' start-up.
   */
  startClock(epochMs: number): void {
    this.f64[this.control + S_EPOCH] = epochMs;
    Atomics.store(this.pause, 1 + this.desc.shards, 1);
    Atomics.notify(this.pause, 1 + this.desc.shards);
  }

  /** Shard side: the cameras' time zero, or 0 while the clock has not started. */
  get clockMs(): number {
    return Atomics.load(this.pause, 1 + this.desc.shards) === 0 ? 0 : this.f64[this.control + S_EPOCH]!;
  }

  /** Shard side: waits until the clock starts or `timeoutMs` passed, with the event loop turning. */
  async waitForClock(timeoutMs: number): Promise<void> {
    this.waiter ??= new Waiter(undefined);
    await this.waiter.parkAsync(this.pause, 1 + this.desc.shards, 0, timeoutMs);
  }

  /** Main thread: asks every shard to stop producing; the pipeline then drains and ends. */
  requestStop(): void {
    this.f64[this.control + S_STOP] = 1;
  }

  /** Shard side: true once {@link requestStop} was called. */
  get stopRequested(): boolean {
    return this.f64[this.control + S_STOP] !== 0;
  }

  /** Shard side: adds a turn's produced and dropped frames. */
  addShard(shard: number, produced: number, dropped: number): void {
    this.f64[shard * 2]! += produced;
    this.f64[shard * 2 + 1]! += dropped;
  }

  /** Sink `sink` adds a turn's figures; `hist` is the sink's local histogram, drained here. */
  addSink(
    sink: number,
    processed: number,
    orderErrors: number,
    latencySum: number,
    batchSum: number,
    hist: Float64Array,
  ): void {
    const f = this.f64;
    const b = this.sinks + sink * SINK_WORDS;
    f[b + S_PROCESSED]! += processed;
    f[b + S_ORDER_ERRORS]! += orderErrors;
    f[b + S_LATENCY_SUM]! += latencySum;
    f[b + S_BATCH_SUM]! += batchSum;
    const hist0 = b + 4;
    for (let i = 0; i < BUCKETS; i++) {
      if (hist[i] !== 0) {
        f[hist0 + i]! += hist[i]!;
        hist[i] = 0;
      }
    }
  }

  /** The latency histogram of every sink, summed: frames per bucket. Allocates the result. */
  latencyCounts(): Float64Array {
    const f = this.f64;
    const counts = new Float64Array(BUCKETS);
    for (let k = 0; k < this.desc.sinks; k++) {
      const h = this.sinks + k * SINK_WORDS + 4;
      for (let i = 0; i < BUCKETS; i++) counts[i]! += f[h + i]!;
    }
    return counts;
  }

  /** The figures now. Allocates the result. */
  read(): FleetFigures {
    const f = this.f64;
    let produced = 0;
    let dropped = 0;
    for (let s = 0; s < this.desc.shards; s++) {
      produced += f[s * 2]!;
      dropped += f[s * 2 + 1]!;
    }
    let processed = 0;
    let orderErrors = 0;
    let latencySum = 0;
    let batchSum = 0;
    for (let k = 0; k < this.desc.sinks; k++) {
      const b = this.sinks + k * SINK_WORDS;
      processed += f[b + S_PROCESSED]!;
      orderErrors += f[b + S_ORDER_ERRORS]!;
      latencySum += f[b + S_LATENCY_SUM]!;
      batchSum += f[b + S_BATCH_SUM]!;
    }
    const counts = this.latencyCounts();
    return {
      produced,
      dropped,
      processed,
      orderErrors,
      meanBatch: processed > 0 ? batchSum / processed : 0,
      latencyMs: {
        p50: latencyPercentile(counts, 0.5),
        p99: latencyPercentile(counts, 0.99),
        mean: processed > 0 ? latencySum / processed : 0,
      },
    };
  }
}

/** A local latency histogram for a sink (aggregated, then published with `addSink`). */
export function latencyHistogram(): Float64Array {
  return new Float64Array(BUCKETS);
}

/** The bucket of a latency in ms. */
export function latencyBucket(ms: number): number {
  if (!(ms > FIRST_BUCKET_MS)) return 0;
  const b = Math.floor(Math.log(ms / FIRST_BUCKET_MS) / LOG_RATIO) + 1;
  return b >= BUCKETS ? BUCKETS - 1 : b;
}

/** The q-quantile of a latency histogram: the upper edge of the bucket holding it; 0 when empty. */
export function latencyPercentile(counts: Float64Array, q: number): number {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i]!;
  if (total === 0) return 0;
  const rank = Math.ceil(q * total);
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    seen += counts[i]!;
    if (seen >= rank) return FIRST_BUCKET_MS * RATIO ** i;
  }
  return FIRST_BUCKET_MS * RATIO ** (counts.length - 1);
}
