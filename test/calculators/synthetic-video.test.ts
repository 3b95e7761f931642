import { describe, expect, it } from 'vitest';
import SyntheticVideoCalculator, {
  renderSyntheticFrame,
  syntheticFrameTimestamp,
} from '../../src/calculators/synthetic-video.js';
import { BadOptionsError } from '../../src/core/errors.js';
import { Timestamp } from '../../src/core/timestamp.js';
import { CalculatorRunner, runCalculator } from '../../src/testing/calculator-runner.js';
import { FramePool } from '../../src/transport/frame-pool.js';

function pool(): FramePool {
  return FramePool.create({ name: 'video-test', classes: [{ slotBytes: 16384, slots: 4 }] });
}

describe('SyntheticVideoCalculator', () => {
  it('emits count frames at fps-based µs timestamps, then closes, releasing every frame', async () => {
    const frames = pool();
    const r = await runCalculator(SyntheticVideoCalculator, {
      options: { count: 5, fps: 30, width: 8, height: 6, firstTimestamp: 1000 },
      frames,
    });
    const out = r.outputs[':0']!;
    expect(out.map((p) => p.timestamp)).toEqual([1000, 34333, 67667, 101000, 134333]);
    expect(out.every((p) => p.bytes?.byteLength === 8 * 6 * 3)).toBe(true);
    expect(r.bounds[':0']).toBe(Timestamp.Done);
    expect(r.calls).toEqual({ open: 1, process: 5, close: 1 });
    expect(frames.inUse()).toBe(0);
  });

  it('renders the same bytes for the same (seed, index), and other bytes for other seeds or frames', async () => {
    const options = { count: 3, width: 16, height: 12, seed: 42 };
    const a = (await runCalculator(SyntheticVideoCalculator, { options })).outputs[':0']!;
    const b = (await runCalculator(SyntheticVideoCalculator, { options })).outputs[':0']!;
    const c = (await runCalculator(SyntheticVideoCalculator, { options: { ...options, seed: 43 } })).outputs[
      ':0'
    ]!;
    for (let i = 0; i < 3; i++) {
      expect(b[i]!.bytes).toEqual(a[i]!.bytes);
      expect(c[i]!.bytes).not.toEqual(a[i]!.bytes);
      const expected = new Uint8Array(16 * 12 * 3);
      renderSyntheticFrame(expected, { width: 16, height: 12, format: 'rgb', seed: 42 }, i);
      expect(a[i]!.bytes).toEqual(expected);
    }
    expect(a[1]!.bytes).not.toEqual(a[0]!.bytes);
  });

  it('writes RGBA with opaque alpha, and META packets with camera and index', async () => {
    const r = await runCalculator(SyntheticVideoCalculator, {
      options: { count: 2, format: 'rgba', width: 4, height: 4, cameraId: 'cam-7', fps: 10 },
      outputs: { '': 1, META: 1 },
    });
    const bytes = r.outputs[':0']![0]!.bytes!;
    expect(bytes.byteLength).toBe(64);
    expect(bytes.filter((_, i) => i % 4 === 3).every((v) => v === 255)).toBe(true);
    expect(r.outputs.META).toEqual([
      { timestamp: 0, value: { cameraId: 'cam-7', index: 0 } },
      { timestamp: 100_000, value: { cameraId: 'cam-7', index: 1 } },
    ]);
  });

  it('runs endlessly with count -1 until the runner stops calling it', async () => {
    const r = new CalculatorRunner(SyntheticVideoCalculator, {
      options: { count: -1, width: 4, height: 4 },
      frames: pool(),
    });
    await r.open();
    for (let i = 0; i < 50; i++) await r.run();
    expect(r.state).toBe('opened');
    await r.close();
    expect(r.outputs(':0')).toHaveLength(50);
    expect(r.frames.inUse()).toBe(0);
  });

  it('keeps timestamps strictly increasing at odd frame rates', () => {
    for (const fps of [29.97, 59.94, 1e6, 0.5]) {
      let last = -1;
      for (let i = 0; i < 2000; i++) {
        const t = syntheticFrameTimestamp({ fps, firstTimestamp: 0 }, i);
        expect(t).toBeGreaterThan(last);
        last = t;
      }
    }
  });

  it('rejects bad options with BadOptionsError', () => {
    for (const options of [{ width: 0 }, { format: 'bgr' }, { count: -2 }, { fps: 0 }, { seed: 0.5 }]) {
      expect(() => new CalculatorRunner(SyntheticVideoCalculator, { options })).toThrow(BadOptionsError);
    }
  });
});
