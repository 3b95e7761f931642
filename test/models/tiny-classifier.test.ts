import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/core/errors.js';
import { DataType } from '../../src/models/onnx-graph.js';
import { buildTinyClassifier, ensureModel } from '../../src/models/tiny-classifier.js';
import { summarizeModel } from '../fixtures/models/onnx-decode.js';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function scratchDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'weft-model-test-'));
  dirs.push(d);
  return d;
}

const LAYERS = ['Conv', 'Relu', 'GlobalAveragePool', 'Flatten', 'Gemm', 'Softmax'];

describe('tiny classifier model', () => {
  it('is deterministic per options and differs by seed', () => {
    const a = buildTinyClassifier({ seed: 7 });
    expect(Buffer.compare(a.bytes, buildTinyClassifier({ seed: 7 }).bytes)).toBe(0);
    expect(Buffer.compare(a.bytes, buildTinyClassifier({ seed: 8 }).bytes)).not.toBe(0);
  });

  it('declares opset 13, IR 8, a dynamic batch and the six layers', () => {
    const m = summarizeModel(buildTinyClassifier({ inputShape: [3, 8, 12], classes: 5 }).bytes);
    expect(m.irVersion).toBe(8);
    expect(m.opsets).toEqual([['', 13]]);
    expect(m.opTypes).toEqual(LAYERS);
    expect(m.inputDims).toEqual(['N', 3, 8, 12]);
    expect(m.inputElemType).toBe(DataType.FLOAT);
  });

  it('rejects sizes that are not positive integers, and input types it does not build', () => {
    expect(() => buildTinyClassifier({ classes: 0 })).toThrow(InvalidArgumentError);
    expect(() => buildTinyClassifier({ inputShape: [3, 2.5, 4] })).toThrow(/height/);
    expect(() => buildTinyClassifier({ inputType: 'int8' as never })).toThrow(/inputType/);
  });

  it('a uint8 model casts raw pixels first and scores them as the float32 model scores pixels / 255', async () => {
    const dir = await scratchDir();
    const shape = [3, 8, 8] as const;
    const bytesModel = buildTinyClassifier({ inputShape: shape, classes: 5, seed: 4, inputType: 'uint8' });
    const g = summarizeModel(bytesModel.bytes);
    expect(g.opTypes).toEqual(['Cast', ...LAYERS]);
    expect(g.inputElemType).toBe(DataType.UINT8);
    expect(bytesModel.inputType).toBe('uint8');

    const [floatPath, bytesPath] = await Promise.all([
      ensureModel({ inputShape: shape, classes: 5, seed: 4, path: join(dir, 'f.onnx') }),
      ensureModel({ inputShape: shape, classes: 5, seed: 4, inputType: 'uint8', path: join(dir, 'u.onnx') }),
    ]);
    const n = 2 * 3 * 8 * 8;
    const raw = Uint8Array.from({ length: n }, (_, i) => (i * 97 + 13) % 256);
    const scaled = Float32Array.from(raw, (b) => b / 255);
    const scores = async (path: string, input: InstanceType<typeof ort.Tensor>) => {
      const session = await ort.InferenceSession.create(path, { intraOpNumThreads: 1 });
      try {
        return (await session.run({ input })).scores!.data as Float32Array;
      } finally {
        await session.release();
      }
    };
    const fromFloat = await scores(floatPath, new ort.Tensor('float32', scaled, [2, ...shape]));
    const fromBytes = await scores(bytesPath, new ort.Tensor('uint8', raw, [2, ...shape]));
    expect(fromBytes).toHaveLength(10);
    fromBytes.forEach((v, i) => {
      expect(v).toBeCloseTo(fromFloat[i]!, 5);
    });
  });

  it('loads in onnxruntime-node and returns softmax rows of the right shape', async () => {
    const path = await ensureModel({
      inputShape: [3, 16, 16],
      classes: 6,
      seed: 3,
      path: join(await scratchDir(), 'm.onnx'),
    });
    const session = await ort.InferenceSession.create(path, { intraOpNumThreads: 1 });
    try {
      expect(session.inputNames).toEqual(['input']);
      expect(session.outputNames).toEqual(['scores']);
      for (const n of [1, 5]) {
        const data = Float32Array.from({ length: n * 3 * 16 * 16 }, (_, i) => ((i * 37) % 101) / 101);
        const out = (await session.run({ input: new ort.Tensor('float32', data, [n, 3, 16, 16]) })).scores!;
        expect(out.dims).toEqual([n, 6]);
        const scores = out.data as Float32Array;
        for (let r = 0; r < n; r++) {
          const row = scores.subarray(r * 6, r * 6 + 6);
          expect(row.every((v) => v > 0 && v < 1)).toBe(true);
          expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
        }
      }
    } finally {
      await session.release();
    }
  });

  it('writes the file once and reuses it; the default path is keyed by a hash of the bytes', async () => {
    const path = join(await scratchDir(), 'sub', 'model.onnx');
    expect(await ensureModel({ seed: 5, path })).toBe(path);
    const first = await stat(path);
    expect(await ensureModel({ seed: 5, path })).toBe(path);
    expect((await stat(path)).mtimeMs).toBe(first.mtimeMs);
    // A file with other bytes is replaced.
    await writeFile(path, 'not a model');
    await ensureModel({ seed: 5, path });
    expect(Buffer.compare(await readFile(path), buildTinyClassifier({ seed: 5 }).bytes)).toBe(0);

    const a = await ensureModel({ seed: 5 });
    const b = await ensureModel({ seed: 6 });
    expect(a).toMatch(/weft-models[/\\]tiny-classifier-[0-9a-f]{16}\.onnx$/);
    expect(b).not.toBe(a);
    expect(await ensureModel({ seed: 5 })).toBe(a);
    // Concurrent writers of one new file each use their own temporary file.
    const fresh = join(await scratchDir(), 'race.onnx');
    expect(await Promise.all([1, 2, 3].map(() => ensureModel({ seed: 5, path: fresh })))).toEqual([
      fresh,
      fresh,
      fresh,
    ]);
  });
});
