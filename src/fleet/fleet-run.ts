/**
 * Runs the camera-fleet pipeline once and reports what happened: the demo's and the bench's engine.
 *
 * Threading: main thread. Lifecycle: one call = one graph run; every worker is closed before the
 * promise settles, also on failure.
 */
import { CalculatorGraph } from '../api/calculator-graph.js';
import { ensureModel } from '../models/tiny-classifier.js';
import type { StageStats } from '../telemetry/stage-stats.js';
import type { SizeClassStats } from '../transport/frame-pool-layout.js';
import { fleetRegistry } from './fleet-calculators.js';
import type { FleetControl } from './fleet-control.js';
import { FLEET_DEFAULTS, type FleetGraph, type FleetOptions, fleetGraph, fleetModel } from './fleet-graph.js';
import { wallMs } from './fleet-layout.js';
import { type FleetFigures, FleetStats } from './fleet-stats.js';

/** What {@link runFleet} takes: the fleet's sizes plus how long and how to report. */
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
  /** Debugging: called with the running graph once it started. */
  readonly onStart?: (graph: CalculatorGraph) => void;
}

/** What a fleet run did. */
export interface FleetReport {
  readonly options: FleetOptions;
  readonly figures: FleetFigures;
  /** From the first frame the actors could take to the last frame accounted for. */
  readonly seconds: number;
  /** Frames processed per second over `seconds`. */
  readonly fps: number;
  /** Cameras whose produced ≠ processed + dropped (0 when every frame is accounted for). */
  readonly unaccountedCameras: number;
  readonly stages: StageStats[];
  /**
   * The frame pool's two size classes at the end: `exhaustedWaits` counts the times a shard (camera
   * frames) or preprocess (tensors) found its class empty and waited (back-pressure).
   */
  readonly frames: { readonly cameraFrames: SizeClassStats; readonly tensors: SizeClassStats };
}

/** Runs the fleet graph; resolves with its report once the pipeline drained. */
export async function runFleet(options: FleetRunOptions = {}): Promise<FleetReport> {
  const o: FleetOptions = { ...FLEET_DEFAULTS, ...options };
  const modelPath = options.modelPath ?? (await ensureModel(fleetModel(o)));
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
    options.onStart?.(g);
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
    return {
      options: fleet.options,
      figures,
      seconds,
      fps: figures.processed / seconds,
      unaccountedCameras: unaccounted(stats),
      stages: g.stageStats(),
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

function unaccounted(stats: FleetStats): number {
  const t = stats.perCamera;
  let n = 0;
  for (let c = 0; c < stats.desc.cameras; c++) if (t[c * 3]! !== t[c * 3 + 1]! + t[c * 3 + 2]!) n++;
  return n;
}
