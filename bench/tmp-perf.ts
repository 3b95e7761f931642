import { runFleet } from '../src/fleet/fleet-run.js';
import { runFleetSerial } from '../src/fleet/fleet-serial.js';
import { ensureModel } from '../src/models/tiny-classifier.js';

const modelPath = await ensureModel({ inputShape: [3, 96, 96] });
if (process.env.MODE === 'serial') {
  await runFleetSerial({ modelPath, frames: 2000, width: 96, height: 96 });
  console.log('GO', Date.now());
  const r = await runFleetSerial({ modelPath, frames: 20000, width: 96, height: 96 });
  console.log('serial fps', Math.round(r.fps));
} else {
  const samples: { t: number; p: number }[] = [];
  await runFleet({
    modelPath,
    cameras: 1000,
    width: 96,
    height: 96,
    seconds: 12,
    shards: 2,
    progressIntervalMs: 250,
    onProgress: (f, t) => {
      samples.push({ t, p: f.processed });
      if (t >= 4 && t < 4.25) console.log('GO');
    },
  });
  const a = samples.find((s) => s.t >= 4)!;
  const b = samples.find((s) => s.t >= 8)!;
  console.log('weft fps 4-8s', Math.round((b.p - a.p) / (b.t - a.t)));
}
