/**
 * One reading of a live graph or Run for the web view and the Prometheus metrics: stage statistics,
 * the diagnostic snapshot, the frame pool's classes and whatever figures the application adds (the
 * fleet's frames processed, drops and latency), all read from counters that already exist in shared
 * memory. Taking a reading sends no message and takes no lock, so it costs the data path nothing.
 *
 * Threading: the thread that owns the graph or Run (main thread). Pure reads; a reading allocates
 * its result and keeps nothing.
 */
import type { SizeClassStats } from '../transport/frame-pool-layout.js';
import type { RunDiagSnapshot } from './diag-snapshot.js';
import type { StageStats } from './stage-stats.js';

/**
 * What the view and the metrics read. A {@link CalculatorGraph} and a {@link Run} fit as they are;
 * any object with these methods does (a test double, a graph wrapped by an application). Its
 * members are read at each reading on the thread that owns the source (a graph's or Run's), which
 * they must not block.
 */
export interface LiveSource {
  /** Per-node figures; may throw before the run started (the reading then says `starting`). */
  stageStats(): StageStats[];
  /** The snapshot with the bottleneck; a Run's adds its boundary flow and latency. */
  diagnose(): RunDiagSnapshot;
  /** The run's frame pool (only `stats()` is read); may throw before the run started. */
  readonly frames?: { stats(): SizeClassStats[] };
  /** A Run's state (`running`, `failed`, ...); a graph's is derived from its nodes' states. */
  readonly state?: string;
}

/**
 * A source, or a function giving it once it exists (undefined before): a view can then be served
 * before the graph is built, and says `starting` until it is. The function is called at each
 * reading, on the reading thread.
 */
export type LiveSourceRef = LiveSource | (() => LiveSource | undefined);

/**
 * A latency histogram an application keeps (the fleet's capture → sink): frames per bucket, bucket
 * `i` holding latencies up to `upperBoundsMs[i]` (the last bound may be `Infinity`). Plain data;
 * any thread.
 */
export interface LatencyHistogram {
  readonly upperBoundsMs: readonly number[];
  readonly counts: readonly number[];
  readonly sumMs: number;
}

/**
 * One lane of an application that runs lanes side by side (the fleet: one per camera shard). Plain
 * data; any thread.
 */
export interface LaneFigures {
  readonly lane: string;
  /** Items through the lane so far (its rate is shown). */
  readonly processed: number;
  /** Packets queued in the lane's inputs now. */
  readonly queued: number;
  /** The lane's busiest node and its work share since the start, 0..1. */
  readonly busiest: string;
  readonly busiestShare: number;
}

/** Figures an application adds to the view's panel and the metrics. Plain data; any thread. */
export interface AppFigures {
  /** What `processed` counts, for labels ("frames"). */
  readonly unit: string;
  /** Items fully processed so far: the panel's throughput is its rate. */
  readonly processed: number;
  /** Items dropped so far. */
  readonly dropped: number;
  /** Latency percentiles now, ms (NaN or absent when unknown). */
  readonly latencyMs?: { readonly p50: number; readonly p99: number };
  readonly latencyHistogram?: LatencyHistogram;
  readonly lanes?: readonly LaneFigures[];
}

/** Everything one reading holds. Plain data; any thread. */
export interface LiveReading {
  /** Epoch ms of the reading. */
  readonly atMs: number;
  /** `starting`, `running`, `ended`, `failed`, `stopped`, `closed` (a Run's own states pass through). */
  readonly state: string;
  /** Why the run failed, or why it could not be read, when known. */
  readonly error: string | undefined;
  readonly stats: readonly StageStats[];
  readonly snapshot: RunDiagSnapshot | undefined;
  /** Epoch ms the snapshot was taken (a {@link LiveReader} may reuse one; else `atMs`). */
  readonly snapshotAtMs: number;
  readonly pool: readonly SizeClassStats[];
  readonly app: AppFigures | undefined;
}

/**
 * Takes one reading. Never throws: a source not started yet reads as `starting` with no figures, and
 * an application callback that throws leaves `app` out and its message in `error`.
 *
 * Threading: the thread that owns the source; it keeps nothing between readings.
 */
export function readLive(ref: LiveSourceRef, app?: () => AppFigures | undefined): LiveReading {
  return readWith(ref, app, (source) => ({ snapshot: source.diagnose(), atMs: Date.now() }));
}

/**
 * `diagnose()` may spend at most this share of the reading thread's time. A Run recording latency
 * sorts its new samples into all the others at each `diagnose()`: over a long run at millions of
 * samples a second that takes milliseconds, and a view reading it every second would pay them.
 */
const DIAGNOSE_SHARE = 0.02;

/**
 * Reads one source again and again (the view's sampler and its scrapes share one): the stage
 * statistics fresh at every reading; the snapshot (streams, bottleneck, boundary, latency) too,
 * unless taking the last one cost so much that a new one now would pass {@link DIAGNOSE_SHARE} of
 * the time since (then the last one is reused: `snapshotAtMs` says when it was taken). A change of
 * state (the run ended or failed) always takes a fresh one.
 *
 * Threading: the source's thread. Lifecycle: as long as its owner keeps it; holds no timer.
 */
export class LiveReader {
  private last: { snapshot: RunDiagSnapshot; atMs: number; state: string } | undefined;
  private nextAt = 0;

  constructor(
    private readonly ref: LiveSourceRef,
    private readonly app?: () => AppFigures | undefined,
  ) {}

  /** A reading now (see the class comment). Never throws, as {@link readLive}. */
  read(): LiveReading {
    return readWith(this.ref, this.app, (source, state) => {
      const t0 = performance.now();
      if (this.last !== undefined && t0 < this.nextAt && this.last.state === state) return this.last;
      const snapshot = source.diagnose();
      const took = performance.now() - t0;
      this.last = { snapshot, atMs: Date.now(), state };
      this.nextAt = t0 + took / DIAGNOSE_SHARE;
      return this.last;
    });
  }
}

type SnapshotOf = (source: LiveSource, state: string) => { snapshot: RunDiagSnapshot; atMs: number };

function readWith(
  ref: LiveSourceRef,
  app: (() => AppFigures | undefined) | undefined,
  snapshotOf: SnapshotOf,
): LiveReading {
  const atMs = Date.now();
  const starting: LiveReading = {
    atMs,
    state: 'starting',
    error: undefined,
    stats: [],
    snapshot: undefined,
    snapshotAtMs: atMs,
    pool: [],
    app: undefined,
  };
  let source: LiveSource | undefined;
  let stats: StageStats[];
  let state: string;
  let snap: { snapshot: RunDiagSnapshot; atMs: number };
  try {
    source = typeof ref === 'function' ? ref() : ref;
    // Not built yet, or not readable yet (a graph whose run has not started): still starting.
    if (source === undefined) return starting;
    stats = source.stageStats();
    state = source.state ?? stateOf(stats);
    snap = snapshotOf(source, state);
  } catch {
    return starting;
  }
  let pool: SizeClassStats[] = [];
  try {
    pool = source.frames?.stats() ?? [];
  } catch {
    // The pool of a run that never started: nothing to show.
  }
  let figures: AppFigures | undefined;
  let error: string | undefined;
  try {
    figures = app?.();
  } catch (err) {
    error = `application figures: ${err instanceof Error ? err.message : String(err)}`;
  }
  return { atMs, state, error, stats, snapshot: snap.snapshot, snapshotAtMs: snap.atMs, pool, app: figures };
}

// A CalculatorGraph has no run state of its own: its nodes' states say it.
function stateOf(stats: readonly StageStats[]): string {
  if (stats.some((s) => s.state === 'Failed')) return 'failed';
  if (stats.length > 0 && stats.every((s) => s.state === 'Done')) return 'ended';
  return 'running';
}
