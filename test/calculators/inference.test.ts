import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import OnnxInferenceCalculator, {
  type BatchInfo,
  type InferenceResult,
} from '../../src/calculators/inference.js';
import { BadOptionsError, CalculatorError, PortTagError } from '../../src/core/errors.js';
import { CalculatorRunner, type RunnerOptions } from '../../src/testing/calculator-runner.js';
import {
  CLASSES,
  directRun,
  item,
  itemBytes,
  ManualClock,
  maxDiff,
  pixels,
  testModel,
} from '../fixtures/inference/helpers.js';

let modelPath = '';
beforeAll(async () => {
  modelPath = await testModel();
});

const runners: CalculatorRunner[] = [];
afterEach(async () => {
  // Close what a failing test left open (closing twice is harmless).
  await Promise.all(runners.splice(0).map((r) => r.close().catch(() => {})));
});

function runner(options: Record<string, unknown>, wiring: RunnerOptions = {}) {
  const clock = new ManualClock();
  const r = new CalculatorRunner(OnnxInferenceCalculator, {
    outputs: { '': wiring.inputs?.[''] ?? 1, BATCH: 1 },
    ...wiring,
    options: { modelPath, batchSize: 4, clock, ...options },
  });
  runners.push(r);
  return { r, clock };
}

const results = (r: CalculatorRunner, port = ':0') =>
  r.outputs(port).map((p) => ({ ts: p.timestamp, ...(p.value as InferenceResult) }));
const batches = (r: CalculatorRunner) => r.outputs('BATCH').map((p) => p.value as BatchInfo);

describe('OnnxInferenceCalculator', () => {
  it('gives the same scores as a direct onnxruntime-node run on the same batch', async () => {
    const { r } = runner({});
    await r.open();
    for (let k = 0; k < 4; k++) r.addFrame(':0', 100 * k, itemBytes(k));
    await r.run();
    const got = results(r);
    const want = await directRun(modelPath, [0, 1, 2, 3].map(item));
    expect(got.map((g) => g.ts)).toEqual([0, 100, 200, 300]);
    got.forEach((g, i) => {
      expect(g.scores).toHaveLength(CLASSES);
      expect(maxDiff(g.scores, want[i]!)).toBeLessThanOrEqual(1e-6);
      expect(g.top).toBe(want[i]!.indexOf(Math.max(...want[i]!)));
      expect(g.batchSize).toBe(4);
    });
    // Distinct items give distinct rows: a mix-up between items could not pass the check above.
    expect(maxDiff(got[0]!.scores, got[1]!.scores)).toBeGreaterThan(1e-4);
    await r.close();
  });

  it('runs a full batch once, in the process call that filled it, and cancels its timer', async () => {
    const { r, clock } = runner({ batchSize: 3 });
    await r.open();
    r.addFrame(':0', 1, itemBytes(1)).addFrame(':0', 2, itemBytes(2));
    await r.run();
    expect(r.outputs(':0')).toHaveLength(0);
    expect(clock.pending).toBe(1);
    r.addFrame(':0', 3, itemBytes(3));
    await r.run();
    expect(results(r).map((g) => [g.ts, g.batchSize])).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
    expect(batches(r)).toMatchObject([{ size: 3, trigger: 'full', firstTimestamp: 1, lastTimestamp: 3 }]);
    expect(clock.pending).toBe(0);
    await r.close();
    expect(batches(r)).toHaveLength(1);
  });

  it('runs a partial batch when the timeout passes from its first item, and emits it at once', async () => {
    const { r, clock } = runner({ batchSize: 8, batchTimeoutMs: 5 });
    await r.open();
    r.addFrame(':0', 10, itemBytes(10));
    await r.run();
    clock.advance(3);
    r.addFrame(':0', 20, itemBytes(20));
    await r.run();
    // The second item did not restart the timer: one timer, started with the first item.
    expect(clock.scheduledAt).toEqual([0]);
    clock.advance(2);
    expect(clock.pending).toBe(0);
    // The timer asked for a wake call: no packet needs to arrive for the results to go out.
    await r.whenWoken();
    expect(await r.run()).toBe(1);
    expect(results(r).map((g) => [g.ts, g.batchSize])).toEqual([
      [10, 2],
      [20, 2],
    ]);
    expect(batches(r)).toMatchObject([
      { size: 2, trigger: 'timeout', firstTimestamp: 10, lastTimestamp: 20 },
    ]);
    expect(r.bound(':0')).toBe(21);
    r.addFrame(':0', 30, itemBytes(30));
    await r.run();
    // The item at 30 started the next batch and its own timer.
    expect(clock.scheduledAt).toEqual([0, 5]);
    await r.close();
    expect(results(r).map((g) => [g.ts, g.batchSize])).toEqual([
      [10, 2],
      [20, 2],
      [30, 1],
    ]);
    expect(batches(r).map((b) => b.trigger)).toEqual(['timeout', 'close']);
    const want = await directRun(modelPath, [item(30)]);
    expect(maxDiff(results(r)[2]!.scores, want[0]!)).toBeLessThanOrEqual(1e-6);
  });

  it('a wake call after the batch filled up runs nothing', async () => {
    const { r, clock } = runner({ batchSize: 2 });
    await r.open();
    r.addFrame(':0', 10, itemBytes(1));
    await r.run();
    r.addFrame(':0', 11, itemBytes(2));
    await r.run();
    expect(clock.pending).toBe(0);
    expect(batches(r).map((b) => b.trigger)).toEqual(['full']);
    await r.close();
    expect(batches(r).map((b) => b.trigger)).toEqual(['full']);
  });

  it('flushes the partial batch at close, with every frame released', async () => {
    const { r, clock } = runner({ batchSize: 16 });
    await r.open();
    for (let k = 0; k < 5; k++) r.addFrame(':0', k, itemBytes(k));
    await r.run();
    // Items were copied into the batch buffer on arrival: no frame is held while the batch fills.
    expect(r.frames.inUse()).toBe(0);
    expect(r.outputs(':0')).toHaveLength(0);
    await r.close();
    expect(clock.pending).toBe(0);
    expect(results(r).map((g) => g.ts)).toEqual([0, 1, 2, 3, 4]);
    expect(batches(r)).toMatchObject([{ size: 5, trigger: 'close' }]);
    expect(r.frames.inUse()).toBe(0);
    expect(r.closed(':0')).toBe(true);
  });

  it('matches results to their own stream and timestamp when streams interleave', async () => {
    const { r, clock } = runner({ batchSize: 4 }, { inputs: { '': 3 }, outputs: { '': 3, BATCH: 1 } });
    await r.open();
    const sent: [number, number, number][] = [
      [0, 1, 101],
      [1, 2, 202],
      [0, 3, 103],
      [2, 3, 303],
      [1, 4, 204],
      [0, 5, 105],
      [2, 6, 306],
    ];
    for (const [s, ts, key] of sent) r.addFrame(`:${s}`, ts, itemBytes(key));
    await r.run();
    clock.advance(5);
    await r.close();
    const want = await directRun(
      modelPath,
      sent.map(([, , key]) => item(key)),
    );
    for (let s = 0; s < 3; s++) {
      const mine = sent.map((x, i) => [x, i] as const).filter(([x]) => x[0] === s);
      const got = results(r, `:${s}`);
      expect(got.map((g) => g.ts)).toEqual(mine.map(([x]) => x[1]));
      got.forEach((g, j) => {
        expect(maxDiff(g.scores, want[mine[j]![1]]!)).toBeLessThanOrEqual(1e-6);
      });
    }
    expect(batches(r).reduce((n, b) => n + b.size, 0)).toBe(sent.length);
    expect(r.frames.inUse()).toBe(0);
  });

  it('keeps each output bound at its oldest pending item, and past its input when none is pending', async () => {
    const { r } = runner({ batchSize: 2 });
    await r.open();
    r.addFrame(':0', 10, itemBytes(1));
    await r.run();
    expect(r.bound(':0')).toBe(10);
    r.addFrame(':0', 20, itemBytes(2));
    await r.run();
    expect(r.bound(':0')).toBe(21);
    r.setBound(':0', 40);
    await r.run();
    expect(r.bound(':0')).toBe(40);
    expect(r.bound('BATCH')).toBe(40);
    await r.close();
  });

  it('takes Float32Array values, the model path from MODEL_PATH, and pads a fixed-batch model', async () => {
    const fixedPath = await testModel(4);
    const { r } = runner({ modelPath: '' }, { sidePackets: { MODEL_PATH: fixedPath } });
    await r.open();
    r.addPacket(':0', 1, item(5)).addPacket(':0', 2, item(6));
    await r.run();
    await r.close();
    const want = await directRun(fixedPath, [item(5), item(6)], 4);
    const got = results(r);
    expect(got.map((g) => g.batchSize)).toEqual([2, 2]);
    got.forEach((g, i) => {
      expect(maxDiff(g.scores, want[i]!)).toBeLessThanOrEqual(1e-6);
    });
  });

  it('feeds a uint8 model raw pixels from frames and Uint8Array values, as a direct run does', async () => {
    const bytesPath = await testModel(undefined, 'uint8');
    const { r } = runner({ modelPath: bytesPath });
    await r.open();
    r.addFrame(':0', 1, pixels(0)).addPacket(':0', 2, pixels(1));
    r.addFrame(':0', 3, pixels(2)).addPacket(':0', 4, pixels(3));
    await r.run();
    await r.close();
    const want = await directRun(bytesPath, [0, 1, 2, 3].map(pixels));
    const got = results(r);
    expect(got.map((g) => g.ts)).toEqual([1, 2, 3, 4]);
    got.forEach((g, i) => {
      expect(maxDiff(g.scores, want[i]!)).toBeLessThanOrEqual(1e-6);
    });
    expect(maxDiff(got[0]!.scores, got[1]!.scores)).toBeGreaterThan(1e-4);
    expect(r.frames.inUse()).toBe(0);
  });

  it.each([
    ['a float32 value to a uint8 model', 'uint8', 'auto', /Uint8Array values \(the model input is uint8\)/],
    [
      'a uint8 value to a float32 model',
      'float32',
      'auto',
      /Float32Array values \(the model input is float32\)/,
    ],
    [
      'inputType float32 for a uint8 model',
      'uint8',
      'float32',
      /inputType is float32, but model input "input" is uint8/,
    ],
  ] as const)('refuses %s, naming both types', async (_, modelType, inputType, message) => {
    const { r } = runner({ modelPath: await testModel(undefined, modelType), inputType });
    if (inputType !== 'auto') {
      await expect(r.open()).rejects.toThrow(message);
      return;
    }
    await r.open();
    r.addPacket(':0', 1, modelType === 'uint8' ? item(0) : pixels(0));
    await expect(r.run()).rejects.toThrow(message);
    await r.close();
  });

  it('fails clearly on a wrong item size, a fixed batch that does not fit, and a missing model path', async () => {
    const wrong = runner({});
    await wrong.r.open();
    wrong.r.addFrame(':0', 1, new Uint8Array(12));
    await expect(wrong.r.run()).rejects.toThrow(/12 bytes.*float32 \[3, 8, 8\] = 768 bytes/);
    expect(wrong.r.frames.inUse()).toBe(0);

    const fixed = runner({ modelPath: await testModel(4), batchSize: 3 });
    await expect(fixed.r.open()).rejects.toThrow(/fixed batch of 4: set batchSize to 4/);

    const none = runner({ modelPath: '' });
    await expect(none.r.open()).rejects.toThrow(CalculatorError);

    const shape = runner({ inputShape: [3, 8, 9] });
    await expect(shape.r.open()).rejects.toThrow(/does not match model input/);
  });

  it('rejects bad options and wiring before anything runs', () => {
    const make = (options: Record<string, unknown>, wiring: RunnerOptions = {}) =>
      new CalculatorRunner(OnnxInferenceCalculator, {
        ...wiring,
        options: { modelPath: 'm.onnx', ...options },
      });
    for (const o of [
      { batchSize: 0 },
      { batchTimeoutMs: -1 },
      { inputType: 'int8' },
      { inputShape: [3, 0] },
    ]) {
      expect(() => make(o)).toThrow(BadOptionsError);
    }
    expect(() => make({}, { inputs: { '': 2 }, outputs: { '': 1 } })).toThrow(PortTagError);
  });
});
