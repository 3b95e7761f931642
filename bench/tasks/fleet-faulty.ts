/**
 * `fleet.faulty` against `fleet.clean` (suite `faults`): the camera fleet with its inference under
 * the `restart` policy, once crashing about once a second and once never, measured in alternating
 * windows of two concurrent fleet runs, so that both see the same host.
 *
 * Both fleets are the demo's (1000 cameras, one lane per core, 96×96 frames), with inference on
 * threads of its own under `restart`. The clean one starts first and warms up; its rate and mean
 * batch size in a first window set the faulty one's crash rate per batch (one crash a second); then the faulty one starts, paused, and warms up in turn. Then `CYCLES` times: the clean
 * fleet runs a window while the faulty one sleeps (paused, drained), then the other way round.
 * Each fleet's accounting must stay exact: every frame processed, dropped, or lost to a fault that
 * the runtime counted. Both run the compiled package, as users run the fleet (`weft demo`).
 *
 * Threading: main thread.
 */
import { DEMO_FRAME_SIZE } from '../../src/cli/cli-values.js';
import type { FleetReport } from '../../src/fleet/fleet-run.js';
import { compiledModels, compiledWeft, type Weft } from '../lib/compiled-package.js';
import type { SuiteContext } from '../lib/suite.js';
import { measured, NO_WINDOWS, plus, rateOf, type Windows } from '../lib/windows.js';

const SIZE = DEMO_FRAME_SIZE;
const WARMUP_S = 10;
const CYCLES = 4;
const WINDOW_S = 3;
/** After a resume, the pipeline refills before a window starts. */
const REFILL_MS = 500;

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** One fleet run steered in windows. */
class SteeredFleet {
  readonly control: InstanceType<Weft['FleetControl']>;
  readonly report: Promise<FleetReport>;
  windows: Windows = NO_WINDOWS;
  /** Restarts within the measured stretches of the windows (not their refills and drains). */
  restarts = 0;

  constructor(w: Weft, modelPath: string, faultRate: number, paused: boolean) {
    this.control = new w.FleetControl();
    if (paused) this.control.pause();
    this.report = w.runFleet({
      modelPath,
      cameras: 1000,
      shards: w.hostShards(),
      width: SIZE,
      height: SIZE,
      control: this.control,
      restart: true,
      faultRate,
    });
    // A failure surfaces where the report is awaited.
    this.report.catch(() => {});
  }

  processed(): number {
    return this.control.figures()?.processed ?? 0;
  }

  /** Runs until `ms` passed with frames flowing. */
  async warm(ms: number): Promise<void> {
    this.control.resume();
    while (this.processed() === 0) await delay(10);
    await delay(ms);
  }

  /** One measured window, then paused and drained. */
  async window(seconds: number): Promise<Windows> {
    this.control.resume();
    await delay(REFILL_MS);
    const w = await measured(async () => {
      const [f0, t0, r0] = [this.processed(), performance.now(), this.control.restarts()];
      await delay(seconds * 1000);
      this.restarts += this.control.restarts() - r0;
      return { frames: this.processed() - f0, ms: performance.now() - t0 };
    });
    this.windows = plus(this.windows, w);
    await this.settle();
    return w;
  }

  async settle(): Promise<void> {
    this.control.pause();
    while (!this.control.settled) await delay(10);
  }

  /** Stops the cameras, drains, and checks the accounting. */
  async finish(name: string): Promise<FleetReport> {
    this.control.stop();
    const r = await this.report;
    if (r.unaccountedCameras !== 0 || r.figures.orderErrors !== 0) {
      throw new Error(
        `${name}: ${r.unaccountedCameras} cameras unaccounted, ${r.figures.orderErrors} frames out of order`,
      );
    }
    return r;
  }
}

/** Records `fleet.clean` and `fleet.faulty` (fps), and the faulty fleet's restarts and losses. */
export async function fleetFaultCases(ctx: SuiteContext): Promise<void> {
  // As users run it (see compiled-package.ts): a restart's standby thread boots what they boot.
  const w = await compiledWeft();
  const modelPath = await (await compiledModels()).ensureModel(w.fleetModel({ width: SIZE, height: SIZE }));
  const window = ctx.quick ? 0.5 : WINDOW_S;
  const clean = new SteeredFleet(w, modelPath, 0, false);
  let faulty: SteeredFleet | undefined;
  try {
    ctx.progress('faults fleet.clean: warming up');
    await clean.warm((ctx.quick ? 1 : WARMUP_S) * 1000);
    const first = await clean.window(window);
    // One crash a second at the clean rate, a crash being decided once per batch (of the size the
    // clean fleet's batches reach: partial ones run on their timeout).
    const meanBatch = clean.control.figures()?.meanBatch ?? w.FLEET_DEFAULTS.batchSize;
    const batchesPerS = rateOf(first) / Math.max(1, meanBatch);
    const faultRate = Math.min(1, 1 / Math.max(1, batchesPerS));
    clean.windows = NO_WINDOWS;
    faulty = new SteeredFleet(w, modelPath, faultRate, true);
    ctx.progress(`faults fleet.faulty: warming up (crash rate ${faultRate.toFixed(4)} per batch)`);
    await faulty.warm((ctx.quick ? 1 : WARMUP_S) * 1000);
    await faulty.settle();
    for (let c = 0; c < (ctx.quick ? 1 : CYCLES); c++) {
      ctx.progress(`faults fleet.clean: window ${c + 1}`);
      await clean.window(window);
      ctx.progress(`faults fleet.faulty: window ${c + 1}`);
      await faulty.window(window);
    }
    const [cleanReport, faultyReport] = [
      await clean.finish('fleet.clean'),
      await faulty.finish('fleet.faulty'),
    ];
    ctx.record('fleet.clean', 'fps', rateOf(clean.windows), 'frames/s');
    ctx.record('fleet.faulty', 'fps', rateOf(faulty.windows), 'frames/s');
    ctx.record('fleet.faulty', 'restarts_per_s', (faulty.restarts * 1000) / faulty.windows.ms, '1/s');
    ctx.record('fleet.faulty', 'lost_frames', faultyReport.lostToFaults, 'frames');
    if (cleanReport.restarts !== 0) throw new Error(`fleet.clean restarted ${cleanReport.restarts} times`);
  } finally {
    clean.control.stop();
    faulty?.control.stop();
    await Promise.allSettled([clean.report, faulty?.report]);
  }
}
