/**
 * `weft demo` (and `npm start`): the camera-fleet pipeline on its embedded defaults, with a live
 * progress line on stderr and a summary table on stdout.
 *
 * Threading: main thread.
 */
import type { CalculatorGraph } from '../api/calculator-graph.js';
import { fleetDashboardFigures } from '../fleet/fleet-dashboard.js';
import type { FleetOptions } from '../fleet/fleet-graph.js';
import { runFleet } from '../fleet/fleet-run.js';
import type { FleetFigures } from '../fleet/fleet-stats.js';
import type { AppFigures } from '../telemetry/live-reading.js';
import { DEMO_FLAGS } from './cli-values.js';
import { openDashboard, uiFlags } from './dashboard-option.js';
import { onInterrupt } from './interrupt.js';
import { createProgress } from './progress.js';
import { ResidentMemory } from './resident-memory.js';

function line(f: FleetFigures, seconds: number, lastProcessed: number, dt: number, rssMib: number): string {
  const fps = dt > 0 ? (f.processed - lastProcessed) / dt : 0;
  return (
    `frames ${f.processed}  fps ${fps.toFixed(0)}  p50 ${f.latencyMs.p50.toFixed(1)} ms  ` +
    `p99 ${f.latencyMs.p99.toFixed(1)} ms  dropped ${f.dropped}  ${ResidentMemory.label(rssMib)}  (${seconds.toFixed(0)} s)`
  );
}

/** The demo's settings: the parsed flags, by commander's camelCase names; absent ones take defaults. */
export type DemoFlags = Readonly<Record<string, number | string | boolean | undefined>>;

/**
 * Runs the demo. Sets exit code 1 when frames went missing, came out of order, or live cameras
 * dropped more than `--max-drop` percent of them; Ctrl-C stops the cameras, drains the pipeline,
 * prints the summary so far and sets 130.
 */
export async function fleetDemo(flags: DemoFlags): Promise<void> {
  const v = (name: string) => {
    const f = DEMO_FLAGS.find((d) => d.flags.startsWith(`--${name} `))!;
    const key = name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    return flags[key] ?? f.fallback;
  };
  if (typeof flags.redis === 'string') {
    const { clusterDemo } = await import('./cluster-demo.js');
    return clusterDemo(flags, (name) => DEMO_FLAGS.find((d) => d.flags.startsWith(`--${name} `))!.fallback);
  }
  const seconds = v('seconds') as number;
  const size = v('size') as number;
  const tensorType = v('tensor') as FleetOptions['tensorType'];
  const maxDrop = v('max-drop') as number;
  const options: Partial<FleetOptions> = {
    cameras: v('cameras') as number,
    shards: v('shards') as number,
    fps: v('fps') as number,
    width: size,
    height: size,
    tensorType,
    inferenceReplicas: v('replicas') as number,
    preprocessReplicas: v('preprocess') as number,
    batchSize: v('batch') as number,
    batchTimeoutMs: v('batch-timeout') as number,
    faultRate: v('fault-rate') as number,
    restart: flags.restart === true,
  };
  process.stdout.write(
    `weft camera fleet: ${options.cameras} cameras in ${options.shards} lanes of shard -> preprocess ` +
      `x${options.preprocessReplicas} -> ONNX tiny classifier x${options.inferenceReplicas} ` +
      `(batch ${options.batchSize} / ${options.batchTimeoutMs} ms), then postprocess -> sink; ` +
      `${size}x${size} RGBA frames, ${tensorType} tensors, ${seconds} s\n`,
  );
  // The view opens before any thread starts (a taken port fails here), and shows the graph once it runs.
  let live: { graph: CalculatorGraph; figures: () => AppFigures } | undefined;
  const dashboard = await openDashboard(
    uiFlags(flags),
    () => live?.graph,
    'weft camera fleet',
    () => live?.figures(),
  );
  const interrupt = new AbortController();
  const stopListening = onInterrupt(() => interrupt.abort());
  const progress = createProgress();
  progress.update('starting actors');
  let last = 0;
  let lastAt = 0;
  const memory = new ResidentMemory();
  const report = await runFleet({
    ...options,
    seconds,
    signal: interrupt.signal,
    onProgress: (f, t) => {
      progress.update(line(f, t, last, t - lastAt, memory.sample(t)));
      last = f.processed;
      lastAt = t;
    },
    onStart: (graph, stats) => {
      live = { graph, figures: fleetDashboardFigures(stats, graph) };
    },
  })
    .catch((err: unknown) => {
      dashboard?.fail(err);
      throw err;
    })
    .finally(async () => {
      stopListening();
      await dashboard?.close();
    });
  progress.clear();
  memory.sample(report.seconds);
  if (interrupt.signal.aborted) process.stdout.write('interrupted: cameras stopped, the pipeline drained\n');
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
    ...(options.faultRate === 0 && report.restarts === 0
      ? []
      : [
          [
            'lost to faults',
            `${report.lostToFaults} frames, ${report.restarts} inference restart${report.restarts === 1 ? '' : 's'}`,
          ] as [string, string],
        ]),
    ['cameras not accounted for', String(report.unaccountedCameras)],
    ['busiest stages', busiest(report.stages, report.seconds)],
    [
      'frame pool (slots, waits)',
      `camera frames ${report.frames.cameraFrames.slots}, ${report.frames.cameraFrames.exhaustedWaits}; ` +
        `tensors ${report.frames.tensors.slots}, ${report.frames.tensors.exhaustedWaits}`,
    ],
    ['resident memory', memory.summary()],
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  for (const [k, val] of rows) process.stdout.write(`  ${k.padEnd(w)}  ${val}\n`);
  const dropPercent = f.produced === 0 ? 0 : (f.dropped / f.produced) * 100;
  if (dropPercent > maxDrop) {
    process.stdout.write(
      `weft: the cameras dropped ${dropPercent.toFixed(1)}% of their frames, more than --max-drop ${maxDrop}%: ` +
        `the pipeline does not keep up with ${options.cameras} cameras at ${options.fps} fps\n`,
    );
  }
  if (f.orderErrors !== 0 || report.unaccountedCameras !== 0 || dropPercent > maxDrop) process.exitCode = 1;
  if (interrupt.signal.aborted) process.exitCode = 130;
}

function busiest(stages: readonly { node: string; busyMs: number }[], seconds: number): string {
  return [...stages]
    .sort((a, b) => b.busyMs - a.busyMs)
    .slice(0, 4)
    .map((s) => `${s.node} ${((s.busyMs / (seconds * 1000)) * 100).toFixed(0)}%`)
    .join(', ');
}
