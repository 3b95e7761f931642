/**
 * Suite `pipeline`: the camera-fleet demo's pipeline (seed 004) against the same per-frame work on
 * one thread and on a piscina pool.
 *
 * - `fleet.weft`: `runFleet`: 1000 synthetic cameras hash-sharded into one lane per core
 *   (`hostShards()`), each lane shard → preprocess → inference (tiny ONNX classifier taking uint8
 *   pixels, batches of 16 / 5 ms) → postprocess → sink, whole on one executor thread; 96×96 RGBA
 *   camera frames and 3×96×96 uint8 tensors passed as pool handles. `p50_ms` / `p99_ms`: latency
 *   from capture (the shard renders the frame) to the sink, over its windows.
 * - `fleet.serial`: `runFleetSerial`: render, rearrange to planar, batch of 16 through the same
 *   onnxruntime session setup, postprocess, one frame after another on this thread; no runtime.
 * - `fleet.piscina`: the same work (`FleetFrameWork`, what `fleet.serial` runs) on a piscina pool, as
 *   a Node engineer would build it (`tasks/fleet-piscina.ts`): one thread per core, each with its
 *   own onnxruntime session; a task renders, preprocesses and classifies a batch of 16 frames in its
 *   thread, carrying only camera ids and frame numbers there and classes, scores and capture times
 *   back; 2 tasks per thread kept in flight from this thread, which accounts every frame per camera
 *   (order, count) as the fleet's sink does. `p50_ms` / `p99_ms`: latency from capture (the pool
 *   thread starts rendering the frame) to its accounting on this thread, over its windows.
 *
 * All three render and classify the same frames, so the ratios are what running the stages as
 * actors buys. Each case reports `fps` (frames over the milliseconds of its windows) and
 * `cpu_us_per_frame` (the process's CPU time, `process.cpuUsage()`, every thread included, over its
 * windows, per frame processed in them; a serial window also pays for its one onnxruntime session,
 * about 2 ms). They are measured in alternating windows of one fleet run: after `WARMUP_S`, `CYCLES`
 * times a fleet window of `WINDOW_S`, then the fleet is paused (`FleetControl`: cameras stop, the
 * pipeline drains, every actor sleeps) and the serial baseline runs as long on this thread, then the
 * piscina pool as long (its threads idle in between), then the fleet resumes. This host's speed
 * drifts by a third within a minute (its cores are shared); windows seconds apart see the same host,
 * where back-to-back runs of 8 s each did not (serial alone measured 2.0-2.9 k frames/s in
 * successive runs, the ratio 1.2-1.8). Each fleet run is one repetition, with its own pool (started
 * and warmed before the fleet, destroyed after it); every figure pools the windows of all
 * repetitions (frames over milliseconds, CPU over frames), so they always come from the same
 * stretches of time.
 *
 * - `pool.weft`: a stateless calculator of small tasks (~5 µs of CPU a packet) run with
 *   `parallelism: 2`, counter source → dispatch → 2 replicas → gather → count sink, on rings.
 * - `pool.piscina`: the same function through piscina's `run()` on 2 threads from this thread, up to
 *   256 tasks in flight. Both in tasks per second; thread start-up is outside both intervals.
 *
 * Threading: main thread (drives the fleet and the piscina pool; runs the serial baseline itself).
 */
import { DEMO_FRAME_SIZE } from '../../src/cli/cli-values.js';
import { FleetControl } from '../../src/fleet/fleet-control.js';
import { fleetModel, hostShards } from '../../src/fleet/fleet-graph.js';
import { runFleet } from '../../src/fleet/fleet-run.js';
import { runFleetSerial } from '../../src/fleet/fleet-serial.js';
import { latencyPercentile } from '../../src/fleet/fleet-stats.js';
import { ensureModel } from '../../src/models/tiny-classifier.js';
import type { Suite, SuiteContext } from '../lib/suite.js';
import { cpuPerFrame, measured, NO_WINDOWS, plus, rateOf, type Windows } from '../lib/windows.js';
import { FleetPiscina } from '../tasks/fleet-piscina.js';
import { runPiscinaSmallTasks } from '../tasks/pool-piscina.js';
import { SMALL_TASK_MICROS } from '../tasks/pool-small-work.js';
import { rate, runWeftChain } from './graph.js';

/** The frame size of every fleet case: per-frame work, not per-packet overhead, must dominate. */
const SIZE = DEMO_FRAME_SIZE;
/**
 * Seconds of each fleet run, counted from its first processed frame (actors take 2-4 s to start
 * here), before its first window: every actor's isolate compiles the same hot code again, in the
 * background, on the cores the actors need, while the serial baseline's one isolate is warm after
 * its warm-up pass. Measured on 2 cores (CPU of V8's background threads, per frame, in 4 s steps of
 * one run): 30 µs a frame up to 8 s, 10-16 µs (~3% of a frame) from 8 s to 24 s, 5 µs at 28 s, under
 * 2 µs from 32 s on. A camera fleet runs for hours; its steady state is what the rate should show.
 */
const WARMUP_S = 26;
/**
 * Seconds of the piscina pool's unmeasured first pass, before the fleet starts: its threads load
 * the module and their session, and their isolates compile the hot code while they have the cores.
 */
const PISCINA_WARMUP_S = 5;
/** Alternating windows per fleet run, and the length of each (every case alike). */
const CYCLES = 4;
const WINDOW_S = 2.5;
/** After a resume, the pipeline refills (and its first frames wait for batches) before a window. */
const REFILL_MS = 500;

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Alternated {
  readonly weft: Windows;
  readonly serial: Windows;
  readonly piscina: Windows;
  /** Latency percentiles, ms: the fleet's over its run, the pool's over its windows. */
  readonly weftLatency: readonly [p50: number, p99: number];
  readonly piscinaLatency: readonly [p50: number, p99: number];
}

// One repetition: a piscina pool started and warmed, then one fleet run measured in windows, the
// serial baseline and the pool in the fleet's pauses between them; the pool is always destroyed.
async function alternated(ctx: SuiteContext, modelPath: string): Promise<Alternated> {
  ctx.progress('pipeline fleet.piscina: starting the pool');
  const piscina = await FleetPiscina.start({
    modelPath,
    width: SIZE,
    height: SIZE,
    warmupS: ctx.quick ? 0.5 : PISCINA_WARMUP_S,
  });
  try {
    const fleet = await fleetWindows(ctx, modelPath, piscina);
    if (piscina.unaccountedCameras() !== 0 || piscina.orderErrors !== 0) {
      throw new Error(
        `fleet.piscina lost frames: ${piscina.unaccountedCameras()} cameras unaccounted, ` +
          `${piscina.orderErrors} frames out of order`,
      );
    }
    return { ...fleet, piscinaLatency: [piscina.latencyMs(0.5), piscina.latencyMs(0.99)] };
  } finally {
    await piscina.destroy();
  }
}

async function fleetWindows(
  ctx: SuiteContext,
  modelPath: string,
  piscina: FleetPiscina,
): Promise<Omit<Alternated, 'piscinaLatency'>> {
  const serialRun = (frames: number) => runFleetSerial({ modelPath, frames, width: SIZE, height: SIZE });
  // Warms this isolate's serial code and estimates how many frames fill a serial window.
  let serialRate = (await serialRun(ctx.quick ? 200 : 2000)).fps;
  const window = ctx.quick ? 0.5 : WINDOW_S;
  const control = new FleetControl();
  let finished = false;
  const run = runFleet({
    modelPath,
    cameras: 1000,
    shards: hostShards(),
    width: SIZE,
    height: SIZE,
    control,
    progressIntervalMs: 250,
    onProgress: (f, t) => ctx.progress(`pipeline fleet: ${f.processed} frames, ${t.toFixed(1)} s`),
  }).finally(() => {
    finished = true;
  });
  const processed = () => control.figures()?.processed ?? 0;
  let weft = NO_WINDOWS;
  let hist = new Float64Array(0);
  let serial = NO_WINDOWS;
  let pool = NO_WINDOWS;
  try {
    while (processed() === 0 && !finished) await delay(10);
    await delay((ctx.quick ? 1 : WARMUP_S) * 1000);
    hist = new Float64Array(control.latencyCounts()?.length ?? 0);
    for (let c = 0; c < (ctx.quick ? 1 : CYCLES) && !finished; c++) {
      const w = await measured(async () => {
        const [f0, t0, h0] = [processed(), performance.now(), control.latencyCounts()];
        await delay(window * 1000);
        // Latency over the windows only, as fleet.piscina's: not the warm-up, pauses or refills.
        const h1 = control.latencyCounts();
        if (h0 !== undefined && h1 !== undefined)
          for (let i = 0; i < h1.length; i++) hist[i]! += h1[i]! - h0[i]!;
        return { frames: processed() - f0, ms: performance.now() - t0 };
      });
      weft = plus(weft, w);
      control.pause();
      // Drained and asleep: only then do the other cases have the cores to themselves.
      while (!control.settled && !finished) await delay(10);
      ctx.progress(`pipeline fleet.serial: window ${c + 1}`);
      const frames = Math.max(100, Math.round(serialRate * window));
      const s = await measured(async () => {
        const once = await serialRun(frames);
        return { frames: once.frames, ms: once.seconds * 1000 };
      });
      serial = plus(serial, s);
      serialRate = rateOf(s);
      ctx.progress(`pipeline fleet.piscina: window ${c + 1}`);
      pool = plus(pool, await measured(() => piscina.window(window)));
      control.resume();
      await delay(REFILL_MS);
    }
  } catch (err) {
    // The fleet drains and closes before the error goes on (and the caller destroys the pool).
    control.stop();
    await run.catch(() => {});
    throw err;
  }
  control.stop();
  const report = await run;
  if (report.unaccountedCameras !== 0 || report.figures.orderErrors !== 0) {
    throw new Error(`fleet.weft lost frames: ${report.unaccountedCameras} cameras unaccounted`);
  }
  return {
    weft,
    serial,
    piscina: pool,
    weftLatency: [latencyPercentile(hist, 0.5), latencyPercentile(hist, 0.99)],
  };
}

/** Suite `pipeline`. */
export const pipelineSuite: Suite = {
  name: 'pipeline',
  description: 'the camera-fleet pipeline as actors vs its per-frame work on one thread and on piscina',
  ratios: [
    { case: 'fleet.weft', baseline: 'fleet.serial', metric: 'fps', target: 1.6 },
    { case: 'fleet.weft', baseline: 'fleet.piscina', metric: 'fps', target: 1.1 },
    {
      case: 'fleet.weft',
      baseline: 'fleet.piscina',
      metric: 'cpu_us_per_frame',
      target: 1.05,
      lowerIsBetter: true,
    },
    { case: 'pool.weft', baseline: 'pool.piscina', metric: 'msgs_per_s', target: 2 },
  ],
  async run(ctx) {
    const modelPath = await ensureModel(fleetModel({ width: SIZE, height: SIZE }));
    // Rates pooled over every window of every repetition, not the best repetition of each case:
    // the best fleet and the best serial figures would come from different runs, on a host of
    // different speed, which is what the pairing is there to avoid.
    const cases = { weft: NO_WINDOWS, serial: NO_WINDOWS, piscina: NO_WINDOWS };
    let best: Alternated | undefined;
    for (let r = 1; r <= ctx.reps; r++) {
      ctx.progress(`pipeline fleet: repetition ${r}/${ctx.reps}`);
      const once = await alternated(ctx, modelPath);
      for (const k of ['weft', 'serial', 'piscina'] as const) cases[k] = plus(cases[k], once[k]);
      const [w, s, p] = [rateOf(once.weft), rateOf(once.serial), rateOf(once.piscina)];
      ctx.progress(
        `pipeline fleet: repetition ${r}: ${w.toFixed(0)} vs ${s.toFixed(0)} (serial) and ` +
          `${p.toFixed(0)} (piscina) frames/s`,
      );
      if (best === undefined || w > rateOf(best.weft)) best = once;
    }
    // Latency: of the repetition with the highest fleet rate (percentiles do not pool).
    const figures = [
      ['fleet.serial', cases.serial, undefined],
      ['fleet.piscina', cases.piscina, best!.piscinaLatency],
      ['fleet.weft', cases.weft, best!.weftLatency],
    ] as const;
    for (const [name, w, latency] of figures) {
      ctx.record(name, 'fps', rateOf(w), 'frames/s');
      ctx.record(name, 'cpu_us_per_frame', cpuPerFrame(w), 'µs');
      if (latency === undefined) continue;
      ctx.record(name, 'p50_ms', latency[0], 'ms');
      ctx.record(name, 'p99_ms', latency[1], 'ms');
    }
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
