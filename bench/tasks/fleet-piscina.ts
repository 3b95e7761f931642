/**
 * `fleet.piscina`: the camera fleet's per-frame work on a piscina pool, as a Node engineer would
 * build it without weft: one task per inference batch (render, preprocess and classify 16 frames in
 * the pool thread, `fleet-piscina-task.ts`), one onnxruntime session per thread, one thread per
 * core, tasks carrying only camera ids and frame numbers and results only classes, scores and
 * capture times. This thread keeps 2 tasks per thread in flight and does what the fleet's sink does:
 * per-camera order and accounting, and latency.
 *
 * Tuning, measured on 2 shared cores: tasks in flight per thread 1-4 and one pool thread against the
 * serial baseline (a thread costs ~3% more CPU a frame than `fleet.serial`, two ~5%) were within
 * noise of each other; each thread holding its next task itself (`concurrentTasksPerWorker`, the
 * task module runs them in turn) rather than piscina's queue was ~2% ahead, also within noise.
 *
 * The frames are the fleet's: 1000 cameras round robin, camera `g % cameras`, its frame
 * `⌊g / cameras⌋`, the sequence `g` continuing across windows. Tasks are accounted in the order they
 * were submitted (a reorder buffer), so every camera's frames come out in order: a thread that
 * stalls while the other finishes the ~60 tasks up to the camera's next frame (seen under load)
 * would otherwise break it. The accounting still checks the order, and that every frame came back.
 *
 * Latency of a frame: from its capture time (when its task's thread starts rendering it, as a weft
 * shard stamps its frames) to its accounting on this thread (as the fleet's sink does), in the
 * fleet's latency histogram.
 *
 * Threading: main thread; the pool's threads are its children. Lifecycle: start (threads start and
 * load their session in a warm-up pass) → window* (idle in between: piscina's threads sleep in
 * Atomics.wait) → destroy, which the caller must always reach.
 */
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { tsxBootstrapModule } from '../../src/core/module-loader.js';
import { wallMs } from '../../src/fleet/fleet-layout.js';
import type { FleetFrameWorkOptions } from '../../src/fleet/fleet-serial.js';
import { latencyBucket, latencyHistogram, latencyPercentile } from '../../src/fleet/fleet-stats.js';
import type { FleetBatchResult, FleetBatchTask } from './fleet-piscina-task.js';

/** Tasks in flight per thread by default: one running, one waiting in the thread. */
const TASKS_PER_THREAD = 2;

/** Options of {@link FleetPiscina.start}. */
export interface FleetPiscinaOptions {
  readonly modelPath: string;
  readonly width: number;
  readonly height: number;
  /** Cameras, round robin. Default 1000. */
  readonly cameras?: number;
  /** Frames per task, the inference batch. Default 16. */
  readonly batchSize?: number;
  /** Pool threads. Default: one per core (`os.availableParallelism()`). */
  readonly threads?: number;
  /** Tasks in flight per thread. Default 2. */
  readonly tasksPerThread?: number;
  /** Seconds of a first, unmeasured pass (threads load the module and session, code warms). */
  readonly warmupS: number;
}

/** Frames processed in a window and its milliseconds. */
export interface PiscinaWindow {
  readonly frames: number;
  readonly ms: number;
}

/** The fleet's frames through a piscina pool, in measured windows. See the file header. */
export class FleetPiscina {
  /** Frames whose result came back out of order for their camera. */
  orderErrors = 0;
  /** Sum of the predicted labels (a checksum, comparable with a serial run of the same frames). */
  labelSum = 0;
  private readonly cameras: number;
  private readonly batchSize: number;
  private readonly inFlight: number;
  // The frame sequence: the next frame to submit is g (camera g % cameras, frame ⌊g / cameras⌋).
  private g = 0;
  // Per camera: the next frame number expected, frames submitted and frames accounted.
  private readonly expected: Int32Array;
  private readonly submitted: Int32Array;
  private readonly processed: Int32Array;
  private hist = latencyHistogram();
  // Tasks by submission index: the next one submitted, the next one accounted, and the finished
  // ones still waiting for an earlier task (the reorder buffer).
  private tasksSubmitted = 0;
  private tasksAccounted = 0;
  private readonly finished = new Map<number, [FleetBatchTask, FleetBatchResult]>();
  private framesAccounted = 0;

  private constructor(
    private readonly pool: Piscina<FleetBatchTask, FleetBatchResult>,
    o: FleetPiscinaOptions,
    threads: number,
  ) {
    this.cameras = o.cameras ?? 1000;
    this.batchSize = o.batchSize ?? 16;
    this.inFlight = threads * (o.tasksPerThread ?? TASKS_PER_THREAD);
    this.expected = new Int32Array(this.cameras);
    this.submitted = new Int32Array(this.cameras);
    this.processed = new Int32Array(this.cameras);
  }

  /** Starts the threads and runs the warm-up pass; on failure the pool is destroyed. */
  static async start(o: FleetPiscinaOptions): Promise<FleetPiscina> {
    const threads = o.threads ?? availableParallelism();
    const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
    // From source the task module is TypeScript: each thread registers tsx's hooks itself before
    // piscina imports it (tsx's own `--import tsx` does not reach worker threads on Node 20).
    const bootstrap = ext === 'ts' ? tsxBootstrapModule() : undefined;
    const workerData: FleetFrameWorkOptions = {
      modelPath: o.modelPath,
      width: o.width,
      height: o.height,
      batchSize: o.batchSize ?? 16,
    };
    const pool = new Piscina<FleetBatchTask, FleetBatchResult>({
      filename: new URL(`./fleet-piscina-task.${ext}`, import.meta.url).href,
      workerData,
      minThreads: threads,
      maxThreads: threads,
      // Threads live until destroy, idle between windows (the default would end an idle one).
      idleTimeout: Number.POSITIVE_INFINITY,
      // Each thread holds its queued task itself (run one after the other by the task module), so
      // it starts the next the moment one ends instead of after a round trip through this thread.
      concurrentTasksPerWorker: o.tasksPerThread ?? TASKS_PER_THREAD,
      recordTiming: false,
      ...(bootstrap === undefined ? {} : { execArgv: [`--import=${bootstrap}`] }),
    });
    const fleet = new FleetPiscina(pool, o, threads);
    try {
      await fleet.window(o.warmupS);
      fleet.hist = latencyHistogram();
      return fleet;
    } catch (err) {
      await pool.destroy();
      throw err;
    }
  }

  /**
   * Keeps the tasks in flight for `seconds`, then lets the last ones finish. Frames and milliseconds
   * from the first submission to the last result accounted.
   */
  async window(seconds: number): Promise<PiscinaWindow> {
    const t0 = performance.now();
    const end = t0 + seconds * 1000;
    const accounted = this.framesAccounted;
    let failed = false;
    // Each lane keeps one task in flight: a thread finishing a task never waits for the one before.
    const lane = async () => {
      try {
        while (!failed && performance.now() < end) {
          const index = this.tasksSubmitted++;
          const task = this.nextTask();
          this.finished.set(index, [task, await this.pool.run(task)]);
          this.accountInOrder();
        }
      } catch (err) {
        failed = true;
        throw err;
      }
    };
    await Promise.all(Array.from({ length: this.inFlight }, lane));
    return { frames: this.framesAccounted - accounted, ms: performance.now() - t0 };
  }

  /** Latency percentile (ms) over the windows since the warm-up. */
  latencyMs(q: number): number {
    return latencyPercentile(this.hist, q);
  }

  /** Cameras whose submitted frames were not all accounted (0 once every window returned). */
  unaccountedCameras(): number {
    let n = 0;
    for (let c = 0; c < this.cameras; c++) if (this.submitted[c] !== this.processed[c]) n++;
    return n;
  }

  /** Ends every thread; queued tasks are rejected. */
  destroy(): Promise<void> {
    return this.pool.destroy();
  }

  // Accounts finished tasks in the order they were submitted, so each camera's frames come out in
  // order even when a thread stalls (descheduled, collecting garbage) while the others finish tasks
  // holding the camera's later frames: a reorder buffer, as anyone keeping per-key order writes.
  private accountInOrder(): void {
    for (let e = this.finished.get(this.tasksAccounted); e !== undefined; ) {
      this.finished.delete(this.tasksAccounted++);
      this.framesAccounted += this.account(e[0], e[1]);
      e = this.finished.get(this.tasksAccounted);
    }
  }

  private nextTask(): FleetBatchTask {
    const cameras = new Int32Array(this.batchSize);
    const seqs = new Int32Array(this.batchSize);
    for (let i = 0; i < this.batchSize; i++, this.g++) {
      const camera = this.g % this.cameras;
      cameras[i] = camera;
      seqs[i] = Math.floor(this.g / this.cameras);
      this.submitted[camera]!++;
    }
    return { cameras, seqs };
  }

  // What the fleet's sink does per frame: order per camera, the camera's count, latency.
  private account(task: FleetBatchTask, r: FleetBatchResult): number {
    const now = wallMs();
    const n = task.cameras.length;
    for (let i = 0; i < n; i++) {
      const camera = task.cameras[i]!;
      const seq = task.seqs[i]!;
      if (seq < this.expected[camera]!) this.orderErrors++;
      else this.expected[camera] = seq + 1;
      this.processed[camera]!++;
      this.hist[latencyBucket(now - r.capturedAt[i]!)]!++;
      this.labelSum += r.labels[i]!;
    }
    return n;
  }
}
