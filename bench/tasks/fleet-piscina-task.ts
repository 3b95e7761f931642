/**
 * The task of `fleet.piscina` (see `fleet-piscina.ts`): one batch of camera frames rendered,
 * preprocessed and classified inside a piscina thread by the fleet's own per-frame work
 * (`FleetFrameWork`, what `fleet.serial` runs). Tasks carry only which frames to make (camera ids and
 * frame numbers); results carry only, per frame, its class, score and capture time.
 *
 * Threading: runs on a piscina thread. Each thread makes its one FleetFrameWork (one onnxruntime
 * session, one intra-op thread; the model path and sizes from the pool's workerData) on its first
 * task and keeps it for the thread's life. A thread may be handed its next task while one runs
 * (`concurrentTasksPerWorker`): tasks run one after the other, never interleaved, since they share
 * the one batch buffer.
 */
import { workerData } from 'node:worker_threads';
import { FleetFrameWork, type FleetFrameWorkOptions } from '../../src/fleet/fleet-serial.js';

/** One batch: frame `seqs[i]` of camera `cameras[i]`, for every i. */
export interface FleetBatchTask {
  readonly cameras: Int32Array;
  readonly seqs: Int32Array;
}

/** Per frame of the task, in its order: predicted class, its score, capture time (`wallMs`). */
export interface FleetBatchResult {
  readonly labels: Int32Array;
  readonly scores: Float32Array;
  readonly capturedAt: Float64Array;
}

let work: Promise<FleetFrameWork> | undefined;
// The task running now, or the last one: the next starts when it ended.
let tail: Promise<unknown> = Promise.resolve();

/** Renders, preprocesses and classifies the task's frames as one inference batch. */
export default function fleetBatch(task: FleetBatchTask): Promise<FleetBatchResult> {
  const result = tail.then(() => runBatch(task));
  tail = result.catch(() => {});
  return result;
}

async function runBatch(task: FleetBatchTask): Promise<FleetBatchResult> {
  const w = await (work ??= FleetFrameWork.create(workerData as FleetFrameWorkOptions));
  const n = task.cameras.length;
  for (let i = 0; i < n; i++) w.add(task.cameras[i]!, task.seqs[i]!);
  const detections = await w.run();
  const labels = new Int32Array(n);
  const scores = new Float32Array(n);
  const capturedAt = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const d = detections[i]!;
    labels[i] = d.label;
    scores[i] = d.score;
    capturedAt[i] = d.capturedAt;
  }
  return { labels, scores, capturedAt };
}
