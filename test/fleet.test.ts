// The camera fleet: hash sharding, per-camera order, and every frame accounted for (processed or
// dropped at its camera), through real actors.
import { describe, expect, it } from 'vitest';
import { CalculatorGraph } from '../src/api/calculator-graph.js';
import { renderSyntheticFrame } from '../src/calculators/synthetic-video.js';
import { BadOptionsError, InvalidArgumentError } from '../src/core/errors.js';
import { graph } from '../src/core/graph-builder.js';
import cameraShard from '../src/fleet/camera-shard.js';
import { fleetRegistry } from '../src/fleet/fleet-calculators.js';
import { FleetControl } from '../src/fleet/fleet-control.js';
import { fleetGraph, fleetModel } from '../src/fleet/fleet-graph.js';
import type { FrameMeta } from '../src/fleet/fleet-layout.js';
import { camerasOfShard, shardOf, wallMs } from '../src/fleet/fleet-layout.js';
import fleetPostprocess from '../src/fleet/fleet-postprocess.js';
import { runFleet } from '../src/fleet/fleet-run.js';
import { runFleetSerial } from '../src/fleet/fleet-serial.js';
import { createFleetStats, FleetStats, latencyBucket } from '../src/fleet/fleet-stats.js';
import { ensureModel } from '../src/models/tiny-classifier.js';
import { CalculatorRunner } from '../src/testing/calculator-runner.js';

describe('fleet layout', () => {
  it('puts every camera in exactly one shard, spread evenly enough', () => {
    const shards = 32;
    const lists = Array.from({ length: shards }, (_, s) => camerasOfShard(1000, shards, s));
    const all = lists.flatMap((l) => [...l]).sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 1000 }, (_, c) => c));
    for (const l of lists) expect(l.length).toBeGreaterThan(15);
    expect(shardOf(7, shards)).toBe(lists.findIndex((l) => l.includes(7)));
  });

  it('latency buckets rise with the latency', () => {
    expect(latencyBucket(0)).toBe(0);
    expect(latencyBucket(1)).toBeLessThan(latencyBucket(2));
    expect(latencyBucket(1e9)).toBe(latencyBucket(1e10));
  });
});

describe('CameraShardCalculator', () => {
  it('emits its cameras round robin, in order, at timestamps that never collide with other shards', async () => {
    const stats = createFleetStats(20, 3);
    const r = new CalculatorRunner(cameraShard, {
      options: { cameras: 20, shards: 3, shard: 1, framesPerCamera: 4, readBatch: 5, stats },
    });
    await r.open();
    new FleetStats(stats).startClock(wallMs());
    for (let i = 0; i < 100 && r.state === 'opened'; i++) await r.run();
    await r.close();
    const own = [...camerasOfShard(20, 3, 1)];
    const meta = r.outputs('META').map((p) => p.value as FrameMeta);
    expect(meta).toHaveLength(own.length * 4);
    expect(meta.map((m) => m.camera)).toEqual([0, 1, 2, 3].flatMap(() => own));
    expect(meta.map((m) => m.seq)).toEqual([0, 1, 2, 3].flatMap((s) => own.map(() => s)));
    const ts = r.outputs('FRAME').map((p) => p.timestamp);
    expect(ts).toEqual(r.outputs('META').map((p) => p.timestamp));
    for (let i = 1; i < ts.length; i++) expect(ts[i]!).toBeGreaterThan(ts[i - 1]!);
    for (const t of ts) expect(t % 3).toBe(1);
    const figures = new FleetStats(stats).read();
    expect(figures.produced).toBe(own.length * 4);
    expect(r.frames.inUse()).toBe(0);
  });

  it.each([0, 1, 2])(
    'a live shard %i waits for the fleet clock, then puts its first frame (captured at time zero) in its own residue class',
    async (shard) => {
      const stats = createFleetStats(20, 3);
      const r = new CalculatorRunner(cameraShard, {
        options: { cameras: 20, shards: 3, shard, fps: 50, framesPerCamera: 1, stats },
      });
      await r.open();
      await r.run();
      expect(r.outputs('FRAME')).toHaveLength(0);
      // A clock that started 100 ms ago: every frame of the schedule is due, none is late.
      new FleetStats(stats).startClock(wallMs() - 100);
      for (let i = 0; i < 10 && r.state === 'opened'; i++) await r.run();
      await r.close();
      const ts = r.outputs('FRAME').map((p) => p.timestamp);
      expect(ts.length).toBe(camerasOfShard(20, 3, shard).length);
      expect(ts[0]).toBe(shard);
      for (const t of ts) expect(t % 3).toBe(shard);
    },
  );

  it.each([
    ['rgb', 3],
    ['rgba', 4],
  ] as const)(
    'renders %s frames of %i bytes a pixel, the same camera image either way',
    async (format, bytes) => {
      const r = new CalculatorRunner(cameraShard, {
        options: { cameras: 1, shards: 1, width: 4, height: 2, format, framesPerCamera: 1 },
      });
      await r.open();
      for (let i = 0; i < 10 && r.state === 'opened'; i++) await r.run();
      await r.close();
      const frame = r.outputs('FRAME')[0]!.bytes!;
      expect(frame).toHaveLength(4 * 2 * bytes);
      const want = new Uint8Array(4 * 2 * 3);
      renderSyntheticFrame(want, { width: 4, height: 2, format: 'rgb', seed: 0 }, 0);
      const rgb = frame.filter((_, i) => bytes === 3 || i % 4 !== 3);
      expect([...rgb]).toEqual([...want]);
      if (bytes === 4) expect(frame.filter((_, i) => i % 4 === 3).every((a) => a === 255)).toBe(true);
    },
  );

  it('rejects a pixel format it cannot render', () => {
    expect(() => new CalculatorRunner(cameraShard, { options: { format: 'bgr' } })).toThrow(BadOptionsError);
  });
});

describe('CameraShardCalculator in an actor', () => {
  it('waits for pool slots when its read batch outgrows the pool, and still delivers every frame in order', async () => {
    // Two slots, batches of eight: every batch runs the pool dry, so the shard waits for the
    // consumer (the main thread, which releases each frame after observing it) again and again.
    const config = graph()
      .node('CameraShardCalculator', {
        name: 'shard',
        outputs: { FRAME: 'frame', META: 'meta' },
        options: { cameras: 3, shards: 1, width: 4, height: 4, framesPerCamera: 10, readBatch: 8 },
      })
      .output('frame')
      .output('meta')
      .build();
    const g = new CalculatorGraph(config, {
      registry: fleetRegistry(),
      frames: { name: 'two', classes: [{ slotBytes: 64, slots: 2 }] },
    });
    try {
      const frames: number[] = [];
      const metas: FrameMeta[] = [];
      g.observeOutputStream('frame', (ts) => frames.push(ts));
      g.observeOutputStream('meta', (_, value) => metas.push(value as FrameMeta));
      await g.startRun();
      await g.waitUntilDone();
      expect(frames).toHaveLength(30);
      expect(metas.map((m) => m.seq)).toEqual(Array.from({ length: 30 }, (_, i) => Math.floor(i / 3)));
      expect(metas.map((m) => m.camera)).toEqual(Array.from({ length: 30 }, (_, i) => i % 3));
      for (let i = 1; i < frames.length; i++) expect(frames[i]!).toBeGreaterThan(frames[i - 1]!);
      expect(g.frames.stats()[0]!.exhaustedWaits).toBeGreaterThan(0);
      expect(g.frames.inUse()).toBe(0);
    } finally {
      await g.close();
    }
  });
});

describe('FleetPostprocessCalculator', () => {
  const result = (top: number) => ({ scores: Float32Array.of(0.25, 0.75), top, batchSize: 2 });
  const meta = (camera: number, seq: number) => ({ camera, seq, capturedAt: 1 });

  it('joins the result and meta of each lane and emits the lanes in timestamp order', async () => {
    const r = new CalculatorRunner(fleetPostprocess, { inputs: { RESULT: 2, META: 2 } });
    await r.open();
    // Lane 0 owns even timestamps, lane 1 odd ones (as fleetTimestamp lays them out).
    r.addPacket('RESULT', 2, result(1)).addPacket('META', 2, meta(4, 0));
    r.addPacket('RESULT:1', 1, result(0)).addPacket('META:1', 1, meta(5, 0));
    r.addPacket('RESULT:1', 3, result(1)).addPacket('META:1', 3, meta(5, 1));
    for (const id of ['RESULT', 'META', 'RESULT:1', 'META:1']) r.closeInput(id);
    await r.run();
    await r.close();
    const out = r.outputs('DETECTION');
    expect(out.map((p) => p.timestamp)).toEqual([1, 2, 3]);
    expect(out.map((p) => p.value)).toEqual([
      { camera: 5, seq: 0, capturedAt: 1, label: 0, score: 0.25, batchSize: 2 },
      { camera: 4, seq: 0, capturedAt: 1, label: 1, score: 0.75, batchSize: 2 },
      { camera: 5, seq: 1, capturedAt: 1, label: 1, score: 0.75, batchSize: 2 },
    ]);
  });

  it('refuses lanes without a META for every RESULT', async () => {
    const r = new CalculatorRunner(fleetPostprocess, { inputs: { RESULT: 2, META: 1 } });
    await expect(r.open()).rejects.toMatchObject({
      code: 'ERR_WEFT_CALCULATOR',
      cause: { code: 'ERR_WEFT_INVALID_ARGUMENT' },
    });
  });
});

describe('fleet in actors', () => {
  it('crashing inference under restart: every frame processed or lost to a fault, counted, in order', async () => {
    const report = await runFleet({
      cameras: 24,
      shards: 2,
      framesPerCamera: 16,
      width: 32,
      height: 32,
      batchSize: 4,
      // Half the batches crash their thread: restarts are certain (the chance of none is ~1e-15).
      faultRate: 0.5,
      restart: true,
    });
    const f = report.figures;
    expect(f.produced).toBe(24 * 16);
    expect(f.orderErrors).toBe(0);
    expect(report.restarts).toBeGreaterThan(0);
    expect(report.lostToFaults).toBeGreaterThan(0);
    // Exact: the frames missing at the sinks are the packets the runtime counted lost.
    expect(report.unaccountedCameras).toBe(0);
    expect(f.processed + f.dropped + report.lostToFaults).toBe(f.produced);
    expect(report.stages.reduce((n, s) => n + s.lost, 0)).toBe(report.lostToFaults);
    expect(report.frames.tensors.inUse).toBe(0);
    expect(report.frames.cameraFrames.inUse).toBe(0);
  });

  it('crashing inference without a restart policy fails the run naming the inference node', async () => {
    const run = runFleet({ cameras: 8, shards: 1, framesPerCamera: 8, width: 32, height: 32, faultRate: 1 });
    await expect(run).rejects.toMatchObject({ code: 'ERR_WEFT_WORKER_EXIT', node: 'inference_0' });
  });

  it('processes every frame of every camera once, in per-camera order, through replicas', async () => {
    const report = await runFleet({
      cameras: 60,
      shards: 3,
      framesPerCamera: 10,
      inferenceReplicas: 2,
      preprocessReplicas: 2,
      width: 32,
      height: 32,
    });
    expect(report.figures).toMatchObject({ produced: 600, processed: 600, dropped: 0, orderErrors: 0 });
    expect(report.unaccountedCameras).toBe(0);
    expect(report.figures.meanBatch).toBeGreaterThan(1);
    expect(report.stages.map((s) => s.node)).toEqual(
      expect.arrayContaining(['inference_2[1]', 'preprocess_0[1]']),
    );
    // RGBA camera frames and uint8 planar tensors, each kind in its own size class, none left over.
    expect(report.frames.cameraFrames).toMatchObject({ slotBytes: 32 * 32 * 4, inUse: 0 });
    expect(report.frames.tensors).toMatchObject({ slotBytes: 32 * 32 * 3, inUse: 0 });
    expect(report.frames.tensors.allocations).toBe(600);
  });

  it('refuses sizes that would put camera frames and tensors in one pool size class', () => {
    expect(() => fleetGraph('m.onnx', { cameraFormat: 'rgb', tensorType: 'uint8' })).toThrow(
      InvalidArgumentError,
    );
    expect(() => fleetGraph('m.onnx', { cameraFormat: 'rgb', tensorType: 'uint8' })).toThrow(
      /rgb camera frames \(3072 bytes\) and uint8 tensors \(3072 bytes\)/,
    );
    expect(fleetGraph('m.onnx', { cameraFormat: 'rgb', tensorType: 'float32' }).frames.classes).toHaveLength(
      2,
    );
  });

  it('live cameras that fall behind drop frames, and each frame is still processed or counted dropped', async () => {
    const report = await runFleet({
      cameras: 40,
      shards: 2,
      fps: 500,
      framesPerCamera: 20,
      width: 32,
      height: 32,
    });
    const f = report.figures;
    expect(f.produced).toBe(800);
    expect(f.processed + f.dropped).toBe(800);
    expect(f.orderErrors).toBe(0);
    expect(report.unaccountedCameras).toBe(0);
  });

  it('live cameras keep their schedule from the moment every actor runs: starting up drops no frame', async () => {
    // 200 frames a second, well within the pipeline's reach, over half a second. The actors take
    // longer than that to start (threads, modules, the model); counted from the graph's creation,
    // as it once was, every frame would be late by then and dropped.
    const report = await runFleet({
      cameras: 10,
      shards: 2,
      fps: 20,
      framesPerCamera: 10,
      width: 32,
      height: 32,
    });
    expect(report.figures.produced).toBe(100);
    expect(report.figures.dropped).toBe(0);
    expect(report.figures.processed).toBe(100);
  });

  it('a fleet paused before its start renders nothing until resumed, then every frame is accounted for', async () => {
    const control = new FleetControl();
    control.pause();
    let producedWhilePaused = -1;
    const report = await runFleet({
      cameras: 20,
      shards: 2,
      framesPerCamera: 3,
      width: 16,
      height: 16,
      control,
      progressIntervalMs: 5,
      onProgress: (f) => {
        // Settled: every shard waits for the resume and nothing is in flight.
        if (!control.paused || !control.settled) return;
        producedWhilePaused = f.produced;
        control.resume();
      },
    });
    expect(producedWhilePaused).toBe(0);
    expect(report.figures).toMatchObject({ produced: 60, processed: 60, dropped: 0, orderErrors: 0 });
    expect(report.unaccountedCameras).toBe(0);
  });

  it('pausing a running fleet drains it and holds the cameras; resuming and stopping lose no frame', async () => {
    const control = new FleetControl();
    let phase: 'run' | 'pausing' | 'paused' | 'resumed' | 'stopped' = 'run';
    let held = -1;
    let heldAfterTicks = -1;
    let ticks = 0;
    const report = await runFleet({
      cameras: 20,
      shards: 2,
      width: 16,
      height: 16,
      control,
      progressIntervalMs: 5,
      onProgress: (f) => {
        if (phase === 'run' && f.processed > 0) {
          control.pause();
          phase = 'pausing';
        } else if (phase === 'pausing' && control.settled) {
          held = f.produced;
          phase = 'paused';
        } else if (phase === 'paused' && ++ticks === 3) {
          heldAfterTicks = f.produced;
          control.resume();
          phase = 'resumed';
        } else if (phase === 'resumed' && f.produced > held) {
          control.stop();
          phase = 'stopped';
        }
      },
    });
    expect(phase).toBe('stopped');
    expect(heldAfterTicks).toBe(held);
    const f = report.figures;
    expect(f.produced).toBeGreaterThan(held);
    expect(f.processed + f.dropped).toBe(f.produced);
    expect(f.orderErrors).toBe(0);
    expect(report.unaccountedCameras).toBe(0);
  });

  it('a FleetControl steers one run: a second run with it is refused before it starts', () => {
    const control = new FleetControl();
    control.attach(new FleetStats(createFleetStats(4, 2)));
    expect(() => control.attach(new FleetStats(createFleetStats(4, 2)))).toThrow(
      expect.objectContaining({ code: 'ERR_WEFT_INVALID_ARGUMENT' }),
    );
  });

  it('an endless fleet given an already aborted signal stops its cameras and drains', async () => {
    const report = await runFleet({
      cameras: 20,
      shards: 2,
      width: 16,
      height: 16,
      signal: AbortSignal.abort(),
    });
    const f = report.figures;
    expect(f.processed + f.dropped).toBe(f.produced);
    expect(report.unaccountedCameras).toBe(0);
  });
});

describe('fleet serial baseline', () => {
  it('classifies every frame once, a partial last batch included, with the same labels every time', async () => {
    const sizes = { width: 16, height: 16 };
    const modelPath = await ensureModel(fleetModel(sizes));
    const o = { modelPath, frames: 37, cameras: 10, batchSize: 8, ...sizes };
    const [a, b] = [await runFleetSerial(o), await runFleetSerial(o)];
    expect(a.frames).toBe(37);
    expect(b.labelSum).toBe(a.labelSum);
    // The float32 path (scaled by preprocess, float model) labels the same frames the same way.
    const floats = await runFleetSerial({
      ...o,
      tensorType: 'float32',
      modelPath: await ensureModel(fleetModel({ ...sizes, tensorType: 'float32' })),
    });
    expect(floats.labelSum).toBe(a.labelSum);
  });
});
