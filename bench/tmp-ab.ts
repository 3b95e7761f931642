import { runFleet } from '../src/fleet/fleet-run.js';
import { runFleetSerial } from '../src/fleet/fleet-serial.js';
import { ensureModel } from '../src/models/tiny-classifier.js';

const size = 96;
const modelPath = await ensureModel({ inputShape: [3, size, size] });
const serial = (await runFleetSerial({ modelPath, frames: 4000, width: size, height: size })).fps;
const samples: { t: number; p: number }[] = [];
const r = await runFleet({
  modelPath,
  cameras: 1000,
  width: size,
  height: size,
  seconds: 5,
  shards: 2,
  progressIntervalMs: 250,
  onProgress: (f, t) => samples.push({ t, p: f.processed }),
});
const st = samples.filter((s) => s.t >= 1);
const fps = (st.at(-1)!.p - st[0]!.p) / (st.at(-1)!.t - st[0]!.t);
console.log(
  'FRAMEPUB',
  process.env.FRAMEPUB,
  'serial',
  Math.round(serial),
  'weft',
  Math.round(fps),
  'ratio',
  (fps / serial).toFixed(2),
  'p50',
  r.figures.latencyMs.p50.toFixed(1),
);
