import ort from 'onnxruntime-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { liveThreadCount } from '../../src/actors/thread-task.js';
import { CalculatorGraph } from '../../src/api/calculator-graph.js';
import { defaultRegistry } from '../../src/api/graph-preparation.js';
import type { BatchInfo, InferenceResult } from '../../src/calculators/inference.js';
import { renderSyntheticFrame, syntheticFrameTimestamp } from '../../src/calculators/synthetic-video.js';
import { CalculatorRegistry } from '../../src/core/calculator-registry.js';
import { graph } from '../../src/core/graph-builder.js';
import { ensureModel } from '../../src/models/tiny-classifier.js';

// Real actors: each calculator in its own worker thread, loaded from its module by URL.
const registry = new CalculatorRegistry(defaultRegistry());
for (const [name, file] of [
  ['SyntheticVideoCalculator', 'synthetic-video'],
  ['PreprocessCalculator', 'preprocess'],
  ['OnnxInferenceCalculator', 'inference'],
] as const) {
  registry.register(name, new URL(`../../src/calculators/${file}.ts`, import.meta.url));
}

const SIZE = 16;
let modelPath = '';
let session: ort.InferenceSession;
beforeAll(async () => {
  modelPath = await ensureModel({ inputShape: [3, SIZE, SIZE], classes: 5, seed: 2 });
  session = await ort.InferenceSession.create(modelPath, { intraOpNumThreads: 1 });
});
afterAll(async () => {
  await session.release();
});

const open: CalculatorGraph[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((g) => g.close()));
});

// The scores a frame should get: render it, normalize it as PreprocessCalculator does, run it alone.
async function expectedScores(seed: number, index: number): Promise<Float32Array> {
  const rgb = new Uint8Array(SIZE * SIZE * 3);
  renderSyntheticFrame(rgb, { width: SIZE, height: SIZE, format: 'rgb', seed }, index);
  const n = SIZE * SIZE;
  const scale = Math.fround(1 / 255);
  const x = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) x[c * n + i] = rgb[i * 3 + c]! * scale;
  const out = await session.run({ input: new ort.Tensor('float32', x, [1, 3, SIZE, SIZE]) });
  return out.scores!.data as Float32Array;
}

function camera(b: ReturnType<typeof graph>, id: string, seed: number, count: number, first: number) {
  return b
    .node('SyntheticVideoCalculator', {
      name: `video_${id}`,
      outputs: { '': `rgb_${id}` },
      options: { width: SIZE, height: SIZE, count, fps: 30, seed, firstTimestamp: first, cameraId: id },
    })
    .node('PreprocessCalculator', {
      name: `pre_${id}`,
      inputs: { '': `rgb_${id}` },
      outputs: { '': `tensor_${id}` },
      options: { width: SIZE, height: SIZE },
    });
}

describe('SyntheticVideo → Preprocess → Inference in real actors', () => {
  it('gives every frame exactly one result, in order, with the scores of a direct run', async () => {
    const count = 40;
    const config = camera(graph(), 'a', 9, count, 0)
      .node('OnnxInferenceCalculator', {
        inputs: { '': 'tensor_a' },
        outputs: { '': 'scores', BATCH: 'batches' },
        options: { modelPath, batchSize: 8, batchTimeoutMs: 5 },
      })
      .output('scores', 'batches')
      .build();
    const g = new CalculatorGraph(config, { registry });
    open.push(g);
    const results: { ts: number; value: InferenceResult }[] = [];
    const batches: BatchInfo[] = [];
    g.observeOutputStream('scores', (ts, value) => results.push({ ts, value: value as InferenceResult }));
    g.observeOutputStream('batches', (_, value) => batches.push(value as BatchInfo));
    await g.runToCompletion();

    const frames = Array.from({ length: count }, (_, i) =>
      syntheticFrameTimestamp({ fps: 30, firstTimestamp: 0 }, i),
    );
    expect(results.map((r) => r.ts)).toEqual(frames);
    expect(batches.reduce((n, b) => n + b.size, 0)).toBe(count);
    expect(batches.every((b) => b.size >= 1 && b.size <= 8)).toBe(true);
    for (let i = 0; i < count; i += 7) {
      const want = await expectedScores(9, i);
      const got = results[i]!.value.scores;
      expect(got).toBeInstanceOf(Float32Array);
      for (let k = 0; k < want.length; k++) expect(Math.abs(got[k]! - want[k]!)).toBeLessThanOrEqual(1e-6);
    }
    expect(liveThreadCount()).toBe(0);
  });

  it('batches two cameras in one actor and sends each result to its own camera stream', async () => {
    const count = 12;
    let b = camera(graph(), 'a', 1, count, 0);
    b = camera(b, 'b', 2, count, 1000);
    const config = b
      .node('OnnxInferenceCalculator', {
        inputs: { '': ['tensor_a', 'tensor_b'] },
        outputs: { '': ['scores_a', 'scores_b'] },
        options: { modelPath, batchSize: 4, batchTimeoutMs: 5 },
      })
      .output('scores_a', 'scores_b')
      .build();
    const g = new CalculatorGraph(config, { registry });
    open.push(g);
    const got: Record<string, { ts: number; value: InferenceResult }[]> = { a: [], b: [] };
    for (const id of ['a', 'b'] as const) {
      g.observeOutputStream(`scores_${id}`, (ts, value) =>
        got[id]!.push({ ts, value: value as InferenceResult }),
      );
    }
    await g.runToCompletion();
    for (const [id, seed, first] of [
      ['a', 1, 0],
      ['b', 2, 1000],
    ] as const) {
      const frames = Array.from({ length: count }, (_, i) =>
        syntheticFrameTimestamp({ fps: 30, firstTimestamp: first }, i),
      );
      expect(got[id]!.map((r) => r.ts)).toEqual(frames);
      for (let i = 0; i < count; i++) {
        const want = await expectedScores(seed, i);
        const scores = got[id]![i]!.value.scores;
        for (let k = 0; k < want.length; k++)
          expect(Math.abs(scores[k]! - want[k]!)).toBeLessThanOrEqual(1e-6);
      }
    }
  });
});
