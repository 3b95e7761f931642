import { describe, expect, it } from 'vitest';
import PreprocessCalculator from '../../src/calculators/preprocess.js';
import SyntheticVideoCalculator from '../../src/calculators/synthetic-video.js';
import { BadOptionsError, CalculatorError } from '../../src/core/errors.js';
import { CalculatorRunner, runCalculator } from '../../src/testing/calculator-runner.js';
import { FrameRef } from '../../src/transport/codec.js';

const floats = (bytes: Uint8Array | undefined) => new Float32Array(bytes!.slice().buffer);

describe('PreprocessCalculator', () => {
  // A 2x1 RGB frame: pixel 0 = (0, 51, 255), pixel 1 = (102, 153, 204).
  const frame = Uint8Array.of(0, 51, 255, 102, 153, 204);

  it('writes planar (CHW) float32 frames scaled to [0, 1], at the input timestamps', async () => {
    const runner = new CalculatorRunner(PreprocessCalculator, { options: { width: 2, height: 1 } });
    await runner.open();
    runner.addFrame(':0', 7, frame);
    await runner.close();
    const [out] = runner.outputs(':0');
    expect(out!.timestamp).toBe(7);
    expect(out!.value).toBeInstanceOf(FrameRef);
    const want = [0, 102, 51, 153, 255, 204].map((b) => b / 255);
    floats(out!.bytes).forEach((v, i) => {
      expect(v).toBeCloseTo(want[i]!, 6);
    });
    expect(runner.frames.inUse()).toBe(0);
  });

  it('applies mean and std per channel, interleaved (HWC) on request, dropping alpha', async () => {
    const runner = new CalculatorRunner(PreprocessCalculator, {
      options: {
        width: 2,
        height: 1,
        format: 'rgba',
        layout: 'hwc',
        mean: [0.5, 0.5, 0],
        std: [0.5, 0.25, 2],
      },
    });
    await runner.open();
    runner.addFrame(':0', 1, Uint8Array.of(0, 51, 255, 9, 102, 153, 204, 9));
    await runner.close();
    const want = [
      [0, 51, 255],
      [102, 153, 204],
    ].flatMap(([r, g, b]) => [(r! / 255 - 0.5) / 0.5, (g! / 255 - 0.5) / 0.25, b! / 255 / 2]);
    floats(runner.outputs(':0')[0]!.bytes).forEach((v, i) => {
      expect(v).toBeCloseTo(want[i]!, 5);
    });
  });

  it.each([
    ['rgb', 'chw', [0, 102, 51, 153, 255, 204]],
    ['rgb', 'hwc', [0, 51, 255, 102, 153, 204]],
    ['rgba', 'chw', [0, 102, 51, 153, 255, 204]],
    ['rgba', 'hwc', [0, 51, 255, 102, 153, 204]],
  ] as const)(
    'dtype uint8 writes %s pixels unscaled as %s bytes, alpha dropped',
    async (format, layout, want) => {
      const runner = new CalculatorRunner(PreprocessCalculator, {
        options: { width: 2, height: 1, format, layout, dtype: 'uint8' },
      });
      await runner.open();
      runner.addFrame(':0', 3, format === 'rgb' ? frame : Uint8Array.of(0, 51, 255, 9, 102, 153, 204, 9));
      await runner.close();
      const [out] = runner.outputs(':0');
      expect(out!.timestamp).toBe(3);
      expect([...out!.bytes!]).toEqual(want);
      expect(runner.frames.inUse()).toBe(0);
    },
  );

  it('turns SyntheticVideo frames into tensors of 3 * width * height floats', async () => {
    const video = await runCalculator(SyntheticVideoCalculator, {
      options: { count: 2, width: 8, height: 4 },
    });
    const runner = new CalculatorRunner(PreprocessCalculator, { options: { width: 8, height: 4 } });
    await runner.open();
    for (const p of video.outputs[':0']!) runner.addFrame(':0', p.timestamp, p.bytes!);
    await runner.close();
    const out = runner.outputs(':0');
    expect(out.map((p) => p.timestamp)).toEqual(video.outputs[':0']!.map((p) => p.timestamp));
    const first = floats(out[0]!.bytes);
    expect(first).toHaveLength(3 * 8 * 4);
    const src = video.outputs[':0']![0]!.bytes!;
    // Red of pixel 5 is plane 0, index 5; green of pixel 5 is plane 1.
    expect(first[5]).toBeCloseTo(src[15]! / 255, 6);
    expect(first[32 + 5]).toBeCloseTo(src[16]! / 255, 6);
  });

  it('fails on a frame of the wrong size, releasing it', async () => {
    const runner = new CalculatorRunner(PreprocessCalculator, { options: { width: 4, height: 4 } });
    await runner.open();
    runner.addFrame(':0', 1, frame);
    await expect(runner.run()).rejects.toThrow(CalculatorError);
    await runner.close();
    expect(runner.frames.inUse()).toBe(0);
  });

  it('rejects bad options', () => {
    for (const options of [
      { width: 0 },
      { std: [1, 0, 1] },
      { mean: [0] },
      { layout: 'nhwc' },
      { dtype: 'int8' },
      { dtype: 'uint8', mean: [0.5, 0.5, 0.5] },
      { dtype: 'uint8', std: [2, 2, 2] },
    ]) {
      expect(() => new CalculatorRunner(PreprocessCalculator, { options })).toThrow(BadOptionsError);
    }
  });
});
