/**
 * Suite `pipeline`: the camera-fleet demo's pipeline (seed 004) against the same per-frame work on
 * one thread.
 *
 * - `fleet.weft`: `runFleet` — 1000 synthetic cameras hash-sharded into one lane per core
 *   (`hostShards()`), each lane shard → preprocess → inference (tiny ONNX classifier, batches of
 *   16 / 5 ms), the lanes joined by postprocess → sink; 96×96 RGB frames passed as pool handles.
 *   Frames per second from 6 s to 14 s of a 14 s run (see `WARMUP_S`), plus `p50_ms` / `p99_ms`
 *   latency from capture to sink over the whole run.
 * - `fleet.serial`: `runFleetSerial` — render, normalize, batch of 16 through the same onnxruntime
 *   session setup, postprocess, one frame after another on this thread; no runtime; 20 000 frames.
 *
 * Both render and classify the same frames, so the ratio is what running the stages as actors buys.
 *
 * - `pool.weft`: a stateless calculator of small tasks (~5 µs of CPU a packet) run with
 *   `parallelism: 2`, counter source → dispatch → 2 replicas → gather → count sink, on rings.
 * - `pool.piscina`: the same function through piscina's `run()` on 2 threads from this thread, up to
 *   256 tasks in flight. Both in tasks per second; thread start-up is outside both intervals.
 *
 * Threading: main thread (drives the fleet; runs the serial baseline itself).
 */
import { DEMO_FRAME_SIZE } from '../../src/cli/fleet-demo.js';
import { hostShards } from '../../src/fleet/fleet-graph.js';
import { runFleet } from '../../src/fleet/fleet-run.js';
import { runFleetSerial } from '../../src/fleet/fleet-serial.js';
import { ensureModel } from '../../src/models/tiny-classifier.js';
import type { Suite, SuiteContext } from '../lib/suite.js';
import { runPiscinaSmallTasks } from '../tasks/pool-piscina.js';
import { SMALL_TASK_MICROS } from '../tasks/pool-small-work.js';
import { rate, runWeftChain } from './graph.js';

/** The frame size of both cases: per-frame work, not per-packet overhead, must dominate. */
const SIZE = DEMO_FRAME_SIZE;
/**
 * Seconds of each fleet run left out of its rate: every actor's isolate compiles the same hot code
 * again, in the background, on the cores the actors need (`--trace-opt`, 2 cores: 1.5 s of
 * TurboFan CPU in the first second of a run, still 0.3-0.7 s per second between 3 s and 6 s, under
 * 0.1 s after 8 s), while the serial baseline's one isolate is warm from its first repetition.
 * A camera fleet runs for hours; its steady state is what the rate should show.
 */
const WARMUP_S = 6;

/**
 * Frames of each serial repetition: ~8 s at this machine's 2.2-2.9 k frames/s, as long as the
 * fleet's measured window. Both cases keep their best repetition, and the best of short runs sits
 * higher in a shared host's noise than the best of long ones: equal windows keep the ratio fair
 * (with 1.5 s serial runs against 8 s fleet windows the ratio swung 1.30-1.68 between runs).
 */
const SERIAL_FRAMES = 20_000;

async function weftOnce(ctx: SuiteContext, modelPath: string, seconds: number) {
  const samples: { t: number; processed: number }[] = [];
  const report = await runFleet({
    modelPath,
    cameras: 1000,
    shards: hostShards(),
    width: SIZE,
    height: SIZE,
    seconds,
    progressIntervalMs: 250,
    onProgress: (f, t) => {
      samples.push({ t, processed: f.processed });
      ctx.progress(`pipeline fleet.weft: ${f.processed} frames, ${t.toFixed(1)} s`);
    },
  });
  if (report.unaccountedCameras !== 0 || report.figures.orderErrors !== 0) {
    throw new Error(`fleet.weft lost frames: ${report.unaccountedCameras} cameras unaccounted`);
  }
  const steady = samples.filter((s) => s.t >= (ctx.quick ? 1 : WARMUP_S));
  const first = steady[0];
  const last = steady[steady.length - 1];
  const fps =
    first !== undefined && last !== undefined && last.t > first.t
      ? (last.processed - first.processed) / (last.t - first.t)
      : report.fps;
  return { fps, p50: report.figures.latencyMs.p50, p99: report.figures.latencyMs.p99 };
}

/** Suite `pipeline`. */
export const pipelineSuite: Suite = {
  name: 'pipeline',
  description: 'the camera-fleet pipeline as actors vs its per-frame work on one thread',
  ratios: [
    { case: 'fleet.weft', baseline: 'fleet.serial', metric: 'fps', target: 1.6 },
    { case: 'pool.weft', baseline: 'pool.piscina', metric: 'msgs_per_s', target: 2 },
  ],
  async run(ctx) {
    const modelPath = await ensureModel({ inputShape: [3, SIZE, SIZE] });
    const frames = ctx.quick ? 500 : SERIAL_FRAMES;
    let serial = 0;
    let best = { fps: 0, p50: 0, p99: 0 };
    // Alternating the two cases spreads the drift of a shared host over both of them evenly.
    for (let r = 1; r <= ctx.reps; r++) {
      ctx.progress(`pipeline fleet.serial: repetition ${r}/${ctx.reps}`);
      serial = Math.max(serial, (await runFleetSerial({ modelPath, frames, width: SIZE, height: SIZE })).fps);
      const once = await weftOnce(ctx, modelPath, ctx.quick ? 2 : 14);
      if (once.fps > best.fps) best = once;
    }
    ctx.record('fleet.serial', 'fps', serial, 'frames/s');
    ctx.record('fleet.weft', 'fps', best.fps, 'frames/s');
    ctx.record('fleet.weft', 'p50_ms', best.p50, 'ms');
    ctx.record('fleet.weft', 'p99_ms', best.p99, 'ms');
    await poolCases(ctx);
  },
};

async function poolCases(ctx: SuiteContext): Promise<void> {
  const count = ctx.quick ? 5000 : 50_000;
  ctx.progress('pipeline pool.piscina');
  const piscina = await runPiscinaSmallTasks({ count, reps: ctx.reps });
  ctx.record('pool.piscina', 'msgs_per_s', piscina, 'msg/s');
  let weft = 0;
  for (let r = 1; r <= ctx.reps; r++) {
    ctx.progress(`pipeline pool.weft: repetition ${r}/${ctx.reps}`);
    weft = Math.max(
      weft,
      rate(await runWeftChain(count, 1, 'BurnCpuCalculator', { micros: SMALL_TASK_MICROS }, 2)),
    );
  }
  ctx.record('pool.weft', 'msgs_per_s', weft, 'msg/s');
}
