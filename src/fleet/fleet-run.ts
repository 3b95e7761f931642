/**
 * Runs the camera-fleet pipeline once and reports what happened: the demo's and the bench's engine.
 *
 * Threading: main thread. Lifecycle: one call = one graph run; every worker is closed before the
 * promise settles, also on failure.
 */
import { CalculatorGraph } from '../api/calculator-graph.js';
import type { StageStats } from '../telemetry/stage-stats.js';
import type { SizeClassStats } from '../transport/frame-pool-layout.js';
import { fleetRegistry } from './fleet-calculators.js';
import type { FleetControl } from './fleet-control.js';
import { FLEET_DEFAULTS, type FleetGraph, type FleetOptions, fleetGraph, fleetModel } from './fleet-graph.js';
import { wallMs } from './fleet-layout.js';
import { type FleetFigures, FleetStats } from './fleet-stats.js';

/**
 * What {@link runFleet} takes: the fleet's sizes plus how long and how to report. Read on the
 * calling thread, where every callback is called too.
 */
export interface FleetRunOptions extends Partial<FleetOptions> {
  /** Stop producing after this many seconds, then drain. Default: run until every camera is done. */
  readonly seconds?: number;
  /**
   * The ONNX model, taking {@link fleetModel}'s input; default: the tiny classifier from
   * `weft/models` for the frame size and tensor type, written on first use.
   */
  readonly modelPath?: string;
  /** Called about every `progressIntervalMs` with the figures so far. */
  readonly onProgress?: (figures: FleetFigures, elapsedSeconds: number) => void;
  /** Default 1000. */
  readonly progressIntervalMs?: number;
  /** Aborting stops the cameras and drains the pipeline, as when `seconds` run out. */
  readonly signal?: AbortSignal;
  /** Pauses, resumes or stops this run from the calling thread (see {@link FleetControl}). */
  readonly control?: FleetControl;
  /**
   * Called with the running graph once it started, and the fleet's shared stats (for a live view:
   * `serveDashboard(graph, { figures: fleetDashboardFigures(stats, graph) })`).
   */
  readonly onStart?: (graph: CalculatorGraph, stats: FleetStats) => void;
}

/** What a fleet run did. Plain data; any thread. */
export interface FleetReport {
  readonly options: FleetOptions;
  readonly figures: FleetFigures;
  /** From the first frame the actors could take to the last frame accounted for. */
  readonly seconds: number;
  /** Frames processed per second over `seconds`. */
  readonly fps: number;
  /**
   * Cameras whose frames are not all accounted for: produced ≠ processed + dropped + lost to faults
   * (0 when every frame is). A camera's frames lost to faults are those that never reached its sink
   * nor were dropped; they are accounted for only when, over the fleet, they are exactly the input
   * packets the runtime counted lost at restarts (`StageStats.lost`).
   */
  readonly unaccountedCameras: number;
  /** Frames lost to faults: produced, not dropped, never processed (see `faultRate`). */
  readonly lostToFaults: number;
  /** Restarts of inference threads (`restart: true`). */
  readonly restarts: number;
  readonly stages: StageStats[];
  /**
   * The frame pool's two size classes at the end: `exhaustedWaits` counts the times a shard (camera
   * frames) or preprocess (tensors) found its class empty and waited (back-pressure).
   */
  readonly frames: { readonly cameraFrames: SizeClassStats; readonly tensors: SizeClassStats };
}

/**
 * Runs the fleet graph; resolves with its report once the pipeline drained.
 *
 * Threading: main thread, which owns the run; its callbacks run there. Lifecycle: one call, one
 * graph run, closed (every actor thread gone) before the promise settles, also on failure.
 */
export async function runFleet(options: FleetRunOptions = {}): Promise<FleetReport> {
  const o: FleetOptions = { ...FLEET_DEFAULTS, ...options };
  // The model builder (and its protobuf writer) loads only when a run needs a model built.
  const modelPath =
    options.modelPath ?? (await (await import('../models/tiny-classifier.js')).ensureModel(fleetModel(o)));
  const fleet = fleetGraph(modelPath, o);
  const stats = new FleetStats(fleet.stats);
  const g = new CalculatorGraph(fleet.config, { frames: fleet.frames, registry: fleetRegistry() });
  const timers: ReturnType<typeof setTimeout>[] = [];
  const stop = () => stats.requestStop();
  options.signal?.addEventListener('abort', stop, { once: true });
  // An already aborted signal fires no event: the cameras stop at once, the pipeline still drains.
  if (options.signal?.aborted === true) stop();
  try {
    // Before the start, so that a control paused beforehand lets no frame through.
    options.control?.attach(stats);
    await g.startRun();
    // Every actor runs now: the cameras' schedule starts here, not when the graph was built, so
    // the seconds the threads took to start count against no live camera.
    stats.startClock(wallMs());
    options.control?.watchFaults(() => {
      let lost = 0;
      let restarts = 0;
      for (const s of g.stageStats()) {
        lost += s.lost;
        restarts += s.restarts;
      }
      return { lost, restarts };
    });
    options.onStart?.(g, stats);
    const t0 = performance.now();
    if (options.seconds !== undefined) timers.push(setTimeout(stop, options.seconds * 1000));
    if (options.onProgress !== undefined) {
      const report = options.onProgress;
      timers.push(
        setInterval(
          () => report(stats.read(), (performance.now() - t0) / 1000),
          options.progressIntervalMs ?? 1000,
        ),
      );
    }
    await g.waitUntilDone();
    const seconds = (performance.now() - t0) / 1000;
    const figures = stats.read();
    const stages = g.stageStats();
    return {
      options: fleet.options,
      figures,
      seconds,
      fps: figures.processed / seconds,
      ...accounting(stats, stages),
      stages,
      frames: classesOf(fleet, g.frames.stats()),
    };
  } finally {
    for (const t of timers) clearTimeout(t);
    options.signal?.removeEventListener('abort', stop);
    await g.close();
  }
}

// The pool lists its classes by slot size; the fleet graph made them camera frames first.
function classesOf(fleet: FleetGraph, pool: SizeClassStats[]): FleetReport['frames'] {
  const [camera, tensor] = fleet.frames.classes.map((c) => pool.find((p) => p.slotBytes === c.slotBytes)!);
  return { cameraFrames: camera!, tensors: tensor! };
}

// Per camera, produced − dropped − processed is what faults lost; exact when it never goes below 0
// and the fleet's total is what the runtime counted lost at restarts.
function accounting(
  stats: FleetStats,
  stages: readonly StageStats[],
): Pick<FleetReport, 'unaccountedCameras' | 'lostToFaults' | 'restarts'> {
  const t = stats.perCamera;
  let lost = 0;
  let missing = 0;
  let over = 0;
  for (let c = 0; c < stats.desc.cameras; c++) {
    const r = t[c * 3]! - t[c * 3 + 1]! - t[c * 3 + 2]!;
    if (r < 0) over++;
    else if (r > 0) {
      missing++;
      lost += r;
    }
  }
  const counted = stages.reduce((n, s) => n + s.lost, 0);
  const restarts = stages.reduce((n, s) => n + s.restarts, 0);
  return { unaccountedCameras: over + (lost === counted ? 0 : missing), lostToFaults: lost, restarts };
}
