/**
 * The frame-relay demo: a camera thread renders frames into the shared pool, an analyzer thread
 * reads them in place, and the main thread receives one number per frame. Only 8-byte handles
 * cross between threads; the summary shows what that buys.
 */
import { spawnTask, taskModuleUrl } from '../actors/thread-task.js';
import { InternalError } from '../core/errors.js';
import { SampleBuffer } from '../telemetry/percentiles.js';
import { FramePool } from '../transport/frame-pool.js';
import { createRing, RecordKind, RingReader } from '../transport/ring-queue.js';
import type { AnalyzerArgs, CameraArgs } from './frame-relay-tasks.js';

/** Options of {@link runFrameRelay}. */
export interface FrameRelayOptions {
  seconds: number;
  width: number;
  height: number;
  /** Frames in flight at most (pool slots). */
  slots: number;
  /** Called about twice a second with a one-line status. */
  progress: (line: string) => void;
}

/** What the demo measured. */
export interface FrameRelaySummary {
  frames: number;
  seconds: number;
  fps: number;
  frameBytes: number;
  /** Frame bytes handed from camera to analyzer per second, none of them copied. */
  bytesPerSecond: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  slots: number;
  highWater: number;
  framesLeaked: number;
}

const tasks = taskModuleUrl(import.meta.url, './frame-relay-tasks');

function nowUs(): number {
  return (performance.timeOrigin + performance.now()) * 1000;
}

/** Runs the demo for `seconds`; every thread it starts has exited when it resolves. */
export async function runFrameRelay(o: FrameRelayOptions): Promise<FrameRelaySummary> {
  const frameBytes = o.width * o.height * 4;
  const pool = FramePool.create({ name: 'frames', classes: [{ slotBytes: frameBytes, slots: o.slots }] });
  const frames = createRing({ name: 'camera:frames -> analyzer:frames' });
  const results = createRing({ name: 'analyzer:mean -> main' });
  const stop = new SharedArrayBuffer(4);
  const cameraArgs: CameraArgs = {
    pool: pool.descriptor,
    out: frames,
    stop,
    width: o.width,
    height: o.height,
  };
  const analyzerArgs: AnalyzerArgs = { pool: pool.descriptor, in: frames, out: results };
  const analyzer = spawnTask<number>(tasks, 'analyzer', analyzerArgs, { name: 'analyzer' });
  const camera = spawnTask<number>(tasks, 'camera', cameraArgs, { name: 'camera' });

  // A thread that fails never closes its ring: notice the failure instead of waiting forever.
  let failure: unknown;
  const noteFailure = (err: unknown) => {
    failure ??= err;
  };
  camera.result.catch(noteFailure);
  analyzer.result.catch(noteFailure);

  const reader = new RingReader(results);
  const latency = new SampleBuffer();
  // The clock starts at the first frame: thread start-up is not what the demo measures.
  let start = Number.POSITIVE_INFINITY;
  let end = Number.POSITIVE_INFINITY;
  let nextReport = Number.POSITIVE_INFINITY;
  let received = 0;
  let stopping = false;
  try {
    for (;;) {
      const now = performance.now();
      if (!stopping && now >= end) {
        Atomics.store(new Int32Array(stop), 0, 1);
        stopping = true;
      }
      const k = await reader.popAsync(
        Math.max(1, Math.min(stopping ? now + 500 : end, nextReport, now + 500) - now),
      );
      if (failure !== undefined) {
        await Promise.all([camera.terminate(), analyzer.terminate()]);
        throw failure;
      }
      if (k === RecordKind.End) break;
      if (k === RecordKind.Packet) {
        if (received === 0) {
          start = performance.now();
          end = start + o.seconds * 1000;
          nextReport = start + 500;
        }
        latency.add((nowUs() - reader.timestamp) / 1000);
        received++;
      }
      if (performance.now() >= nextReport) {
        nextReport += 500;
        const elapsed = (performance.now() - start) / 1000;
        const [p50, p99] = latency.percentiles([50, 99]);
        o.progress(
          `${elapsed.toFixed(1)}s  frames ${received}  ${(received / elapsed).toFixed(0)} fps  ` +
            `p50 ${p50!.toFixed(2)} ms  p99 ${p99!.toFixed(2)} ms  in flight ≤ ${pool.stats()[0]!.highWater}/${o.slots}`,
        );
      }
    }
  } finally {
    Atomics.store(new Int32Array(stop), 0, 1);
  }
  const [sent, analyzed] = await Promise.all([camera.result, analyzer.result]);
  const seconds = (performance.now() - start) / 1000;
  const [p50, p90, p99] = latency.percentiles([50, 90, 99]);
  const stats = pool.stats()[0]!;
  if (sent !== analyzed || analyzed !== received) {
    throw new InternalError(
      `frames lost: camera sent ${sent}, analyzer saw ${analyzed}, main received ${received}`,
    );
  }
  return {
    frames: received,
    seconds,
    fps: received / seconds,
    frameBytes,
    bytesPerSecond: (received * frameBytes) / seconds,
    p50Ms: p50!,
    p90Ms: p90!,
    p99Ms: p99!,
    slots: o.slots,
    highWater: stats.highWater,
    framesLeaked: pool.inUse(),
  };
}
