/**
 * `weft demo` (and `npm start`): the camera-fleet pipeline on its embedded defaults, with a live
 * progress line on stderr and a summary table on stdout.
 *
 * Threading: main thread.
 */
import { parseArgs } from 'node:util';
import { FLEET_DEFAULTS, type FleetOptions, hostShards } from '../fleet/fleet-graph.js';
import { runFleet } from '../fleet/fleet-run.js';
import type { FleetFigures } from '../fleet/fleet-stats.js';
import { createProgress } from './progress.js';

/** Help text of the demo's flags (part of `weft help`). */
export const FLEET_DEMO_HELP = `  demo      the camera-fleet pipeline: synthetic cameras -> preprocess -> batched ONNX inference,
            one lane per camera shard, -> postprocess -> sink; frames passed as shared-memory handles
            --seconds N            cameras stop after N s, then the pipeline drains (default 5)
            --cameras N            synthetic cameras (default ${FLEET_DEFAULTS.cameras})
            --shards K             camera shards, by hash of camera id, each with its own lane of
                                   preprocess and inference (default: 1 per core, at most
                                   ${FLEET_DEFAULTS.shards}; ${hostShards()} here)
            --fps F                frames per second per camera; 0 = as fast as the pipeline goes (default 0)
            --size S               frame width and height in pixels, RGBA cameras (default 96)
            --tensor T             uint8 (raw pixels, the model scales them) or float32 (scaled by
                                   preprocess); default ${FLEET_DEFAULTS.tensorType}
            --replicas R           inference replicas per lane (default ${FLEET_DEFAULTS.inferenceReplicas})
            --preprocess P         preprocess replicas per lane (default ${FLEET_DEFAULTS.preprocessReplicas})
            --batch B              inference batch size (default ${FLEET_DEFAULTS.batchSize})
            --batch-timeout MS     partial batch timeout (default ${FLEET_DEFAULTS.batchTimeoutMs})
  relay     the frame-relay demo: one camera thread, one analyzer thread, large RGBA frames
            --seconds N --width W --height H --slots N
`;

/** The demo's frame size: big enough that per-frame work, not per-packet overhead, dominates. */
export const DEMO_FRAME_SIZE = 96;

function count(name: string, raw: string | undefined, fallback: number, min = 1): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number ≥ ${min}, got "${raw}"`);
  return n;
}

function line(f: FleetFigures, seconds: number, lastProcessed: number, dt: number): string {
  const fps = dt > 0 ? (f.processed - lastProcessed) / dt : 0;
  return (
    `frames ${f.processed}  fps ${fps.toFixed(0)}  p50 ${f.latencyMs.p50.toFixed(1)} ms  ` +
    `p99 ${f.latencyMs.p99.toFixed(1)} ms  dropped ${f.dropped}  (${seconds.toFixed(0)} s)`
  );
}

/** Runs the demo with command-line flags `argv`. Sets a failing exit code when frames went missing. */
export async function fleetDemo(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      seconds: { type: 'string' },
      cameras: { type: 'string' },
      shards: { type: 'string' },
      fps: { type: 'string' },
      size: { type: 'string' },
      replicas: { type: 'string' },
      preprocess: { type: 'string' },
      batch: { type: 'string' },
      tensor: { type: 'string' },
      'batch-timeout': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) {
    process.stdout.write(`usage: weft demo [options]\n${FLEET_DEMO_HELP}`);
    return;
  }
  const seconds = count('seconds', values.seconds, 5, 0.1);
  const size = Math.round(count('size', values.size, DEMO_FRAME_SIZE, 8));
  const tensorType = values.tensor ?? FLEET_DEFAULTS.tensorType;
  if (tensorType !== 'uint8' && tensorType !== 'float32') {
    throw new Error(`--tensor must be uint8 or float32, got "${tensorType}"`);
  }
  const options: Partial<FleetOptions> = {
    cameras: Math.round(count('cameras', values.cameras, FLEET_DEFAULTS.cameras)),
    shards: Math.round(count('shards', values.shards, hostShards())),
    fps: count('fps', values.fps, 0, 0),
    width: size,
    height: size,
    tensorType,
    inferenceReplicas: Math.round(count('replicas', values.replicas, FLEET_DEFAULTS.inferenceReplicas)),
    preprocessReplicas: Math.round(count('preprocess', values.preprocess, FLEET_DEFAULTS.preprocessReplicas)),
    batchSize: Math.round(count('batch', values.batch, FLEET_DEFAULTS.batchSize)),
    batchTimeoutMs: count('batch-timeout', values['batch-timeout'], FLEET_DEFAULTS.batchTimeoutMs, 0),
  };
  process.stdout.write(
    `weft camera fleet: ${options.cameras} cameras in ${options.shards} lanes of shard -> preprocess ` +
      `x${options.preprocessReplicas} -> ONNX tiny classifier x${options.inferenceReplicas} ` +
      `(batch ${options.batchSize} / ${options.batchTimeoutMs} ms), then postprocess -> sink; ` +
      `${size}x${size} RGBA frames, ${tensorType} tensors, ${seconds} s\n`,
  );
  const progress = createProgress();
  progress.update('starting actors');
  let last = 0;
  let lastAt = 0;
  const report = await runFleet({
    ...options,
    seconds,
    onProgress: (f, t) => {
      progress.update(line(f, t, last, t - lastAt));
      last = f.processed;
      lastAt = t;
    },
  });
  progress.clear();
  const f = report.figures;
  const rows: [string, string][] = [
    ['frames processed', `${f.processed} of ${f.produced} produced (${f.dropped} dropped at the cameras)`],
    ['throughput', `${report.fps.toFixed(0)} fps over ${report.seconds.toFixed(1)} s`],
    [
      'latency capture -> sink',
      `p50 ${f.latencyMs.p50.toFixed(1)} ms  p99 ${f.latencyMs.p99.toFixed(1)} ms  mean ${f.latencyMs.mean.toFixed(1)} ms`,
    ],
    ['mean inference batch', f.meanBatch.toFixed(1)],
    ['per-camera order errors', String(f.orderErrors)],
    ['cameras not accounted for', String(report.unaccountedCameras)],
    ['busiest stages', busiest(report.stages, report.seconds)],
    [
      'frame pool (slots, waits)',
      `camera frames ${report.frames.cameraFrames.slots}, ${report.frames.cameraFrames.exhaustedWaits}; ` +
        `tensors ${report.frames.tensors.slots}, ${report.frames.tensors.exhaustedWaits}`,
    ],
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  for (const [k, v] of rows) process.stdout.write(`  ${k.padEnd(w)}  ${v}\n`);
  if (f.orderErrors !== 0 || report.unaccountedCameras !== 0) process.exitCode = 1;
}

function busiest(stages: readonly { node: string; busyMs: number }[], seconds: number): string {
  return [...stages]
    .sort((a, b) => b.busyMs - a.busyMs)
    .slice(0, 4)
    .map((s) => `${s.node} ${((s.busyMs / (seconds * 1000)) * 100).toFixed(0)}%`)
    .join(', ');
}
