// PoolCalculator: a plain per-frame function on a piscina pool, frames by handle, results in order.
import { afterEach, describe, expect, it } from 'vitest';
import { liveThreadCount } from '../../src/actors/thread-task.js';
import { CalculatorGraph } from '../../src/api/calculator-graph.js';
import { defaultRegistry } from '../../src/api/graph-preparation.js';
import PoolCalculator from '../../src/calculators/pool-calculator.js';
import { livePoolThreadCount, PoolThreads } from '../../src/calculators/pool-threads.js';
import { renderSyntheticFrame, syntheticFrameTimestamp } from '../../src/calculators/synthetic-video.js';
import { graph } from '../../src/core/graph-builder.js';
import { CalculatorRunner } from '../../src/testing/calculator-runner.js';
import { FrameRef } from '../../src/transport/codec.js';
import { FramePool } from '../../src/transport/frame-pool.js';
import { type FrameSum, hashBytes } from '../fixtures/calculators/pool-functions.js';
import { waitUntil } from '../helpers/wait-until.js';

const FUNCTIONS = new URL('../fixtures/calculators/pool-functions.ts', import.meta.url).href;

const runners: CalculatorRunner[] = [];
const graphs: CalculatorGraph[] = [];
const pools: PoolThreads[] = [];
afterEach(async () => {
  for (const r of runners.splice(0)) await r.close().catch(() => {});
  for (const g of graphs.splice(0)) await g.close();
  for (const p of pools.splice(0)) await p.close();
  expect(livePoolThreadCount(), 'pool threads left running after the test').toBe(0);
});

function runner(options: Record<string, unknown>, frames?: FramePool): CalculatorRunner {
  const r = new CalculatorRunner(PoolCalculator, {
    name: 'pool',
    options: { module: FUNCTIONS, ...options },
    ...(frames === undefined ? {} : { frames }),
  });
  runners.push(r);
  return r;
}

// Serves wake calls until `n` results were emitted: each finished task asks for one.
async function drain(r: CalculatorRunner, n: number): Promise<void> {
  while (r.outputs(':0').length < n) {
    await r.whenWoken();
    await r.run();
  }
}

function values(r: CalculatorRunner): unknown[] {
  return r.outputs(':0').map((p) => p.value);
}

function timestamps(r: CalculatorRunner): number[] {
  return r.outputs(':0').map((p) => p.timestamp);
}

// Cells of the `gated` fixture: [0] entered, [1] completion rank, [2 + k] gate k.
function gateCells(gates: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4 * (2 + gates)));
}

function openGate(cells: Int32Array, k: number): void {
  Atomics.store(cells, 2 + k, 1);
  Atomics.notify(cells, 2 + k);
}

describe('PoolCalculator on the calculator runner', () => {
  it('hands frames by handle: the function reads the producer bytes in shared memory', async () => {
    const pool = FramePool.create({ name: 'pool-test', classes: [{ slotBytes: 4096, slots: 16 }] });
    const r = runner({ threads: 2 }, pool);
    await r.open();
    const sent: { handle: number; bytes: Uint8Array }[] = [];
    for (let i = 0; i < 8; i++) {
      const bytes = Uint8Array.from({ length: 100 + 37 * i }, (_, k) => (k * 7 + i * 13) & 0xff);
      // The producer writes the frame in the pool and hands over the handle (and its reference).
      const handle = pool.alloc(bytes.length, 0);
      pool.bytes(handle).set(bytes);
      sent.push({ handle, bytes });
      r.addPacket(':0', 1000 * (i + 1), new FrameRef(handle));
    }
    await r.run();
    await drain(r, 8);
    await r.close();
    expect(values(r)).toEqual(
      sent.map(({ handle, bytes }) => ({
        handle,
        hash: hashBytes(bytes),
        length: bytes.length,
        shared: true,
      })),
    );
    expect(timestamps(r)).toEqual(sent.map((_, i) => 1000 * (i + 1)));
    expect(pool.inUse()).toBe(0);
  });

  it('emits in input order when a later input finishes first', async () => {
    const cells = gateCells(1);
    const r = runner({ exportName: 'gated', threads: 2 });
    await r.open();
    // Input 0 waits until input 1 has finished: the pool completes them as 1, 0.
    r.addPacket(':0', 10, { cells: cells.buffer, index: 0, waitFor: 0, opens: -1 });
    r.addPacket(':0', 20, { cells: cells.buffer, index: 1, waitFor: -1, opens: 0 });
    await r.run();
    await drain(r, 2);
    expect(values(r)).toEqual([
      { index: 0, rank: 2 },
      { index: 1, rank: 1 },
    ]);
    expect(timestamps(r)).toEqual([10, 20]);
    await r.close();
  });

  it('keeps input order for inputs that take time by value', async () => {
    const r = runner({ exportName: 'spin', threads: 2, maxInFlight: 6 });
    await r.open();
    const n = 12;
    // Earlier inputs spin longer, so completions tend to run against input order.
    for (let i = 0; i < n; i++) r.addPacket(':0', 100 + i, { id: i, rounds: (n - i) * 20_000 });
    await r.run();
    await drain(r, n);
    await r.close();
    expect(values(r).map((v) => (v as { id: number }).id)).toEqual([...Array(n).keys()]);
    expect(values(r).map((v) => (v as { timestamp: number }).timestamp)).toEqual(timestamps(r));
    expect(timestamps(r)).toEqual(Array.from({ length: n }, (_, i) => 100 + i));
  });

  it('emits a frame the function allocated in the shared pool, and leaks none', async () => {
    const pool = FramePool.create({ name: 'pool-test', classes: [{ slotBytes: 1024, slots: 16 }] });
    const r = runner({ exportName: 'invert', threads: 2 }, pool);
    await r.open();
    const sent = [0, 1, 2, 3].map((i) => Uint8Array.from({ length: 64 + i }, (_, k) => (k + i) & 0xff));
    for (const [i, b] of sent.entries()) r.addFrame(':0', i + 1, b);
    await r.run();
    await drain(r, sent.length);
    await r.close();
    const got = r.outputs(':0');
    expect(got.map((p) => p.bytes)).toEqual(sent.map((b) => b.map((x) => 255 - x)));
    expect(pool.inUse()).toBe(0);
  });

  it('copies a returned view of the frame, which would otherwise alias a reused pool slot', async () => {
    const pool = FramePool.create({ name: 'pool-test', classes: [{ slotBytes: 256, slots: 4 }] });
    const r = runner({ exportName: 'identity', threads: 1 }, pool);
    await r.open();
    r.addFrame(':0', 1, Uint8Array.from([1, 2, 3]));
    await r.run();
    await drain(r, 1);
    await r.close();
    const v = values(r)[0] as Uint8Array;
    expect(v).toEqual(Uint8Array.from([1, 2, 3]));
    expect(v.buffer).not.toBeInstanceOf(SharedArrayBuffer);
    expect(pool.inUse()).toBe(0);
  });

  it('applies back-pressure: with maxInFlight tasks pending, process awaits the oldest', async () => {
    const cells = gateCells(3);
    // Three threads for two in flight: without back-pressure the third task would start at once.
    const r = runner({ exportName: 'gated', threads: 3, maxInFlight: 2 });
    await r.open();
    for (let i = 0; i < 3; i++) {
      r.addPacket(':0', 10 * (i + 1), { cells: cells.buffer, index: i, waitFor: i, opens: -1 });
    }
    let settled = false;
    const running = r.run().then((calls) => {
      settled = true;
      return calls;
    });
    await waitUntil(() => Atomics.load(cells, 0) >= 2, 'two tasks entered');
    expect(r.calls.process).toBe(3);
    expect(settled).toBe(false);
    expect(Atomics.load(cells, 0)).toBe(2);
    openGate(cells, 0);
    // The oldest finished: process emits it, then hands over the third packet.
    await waitUntil(() => Atomics.load(cells, 0) >= 3, 'the third task entered');
    expect(r.outputs(':0').map((p) => p.timestamp)).toEqual([10]);
    await running;
    openGate(cells, 1);
    openGate(cells, 2);
    await drain(r, 3);
    expect(timestamps(r)).toEqual([10, 20, 30]);
    await r.close();
  });

  it('close waits for the tasks still in flight and emits their results', async () => {
    const cells = gateCells(3);
    const r = runner({ exportName: 'gated', threads: 2, maxInFlight: 3 });
    await r.open();
    for (let i = 0; i < 3; i++) {
      r.addPacket(':0', i + 1, { cells: cells.buffer, index: i, waitFor: i, opens: -1 });
    }
    await r.run();
    const closing = r.close();
    await waitUntil(() => Atomics.load(cells, 0) >= 2, 'two tasks entered');
    expect(r.outputs(':0')).toHaveLength(0);
    for (let i = 0; i < 3; i++) openGate(cells, i);
    await closing;
    expect(timestamps(r)).toEqual([1, 2, 3]);
    expect(r.closed(':0')).toBe(true);
  });

  it('fails the run with a CalculatorError naming the node, caused by the rebuilt error', async () => {
    const pool = FramePool.create({ name: 'pool-test', classes: [{ slotBytes: 256, slots: 16 }] });
    const r = runner({ exportName: 'failOn', threads: 2 }, pool);
    await r.open();
    for (let i = 0; i < 6; i++) r.addFrame(':0', i + 1, new Uint8Array(16 + i));
    // The failure surfaces in whichever call sees it first: a back-pressured process or a wake call.
    const failed = r.run().then(() => drain(r, 6));
    await expect(failed).rejects.toMatchObject({
      name: 'CalculatorError',
      code: 'ERR_WEFT_CALCULATOR',
      node: 'pool',
      phase: 'process',
    });
    const err = (await failed.catch((e: unknown) => e)) as Error & { cause: Error };
    expect(err.message).toMatch(/the task at timestamp 3 in pool "pool" threw RangeError: boom at 3/);
    expect(err.cause).toBeInstanceOf(Error);
    expect(err.cause).toMatchObject({ remoteName: 'RangeError', remoteCode: 'E_BOOM' });
    expect(err.cause.message).toContain('boom at 3');
    // The pool was closed before the error was reported; closing the node does not report it again.
    expect(livePoolThreadCount()).toBe(0);
    await r.close();
    expect(r.state).toBe('failed');
    // Frames of tasks still running or queued at the failure were released all the same.
    expect(pool.inUse()).toBe(0);
  });

  it('fails the run with a WorkerExitError naming the node and the task when a pool thread dies mid-task', async () => {
    const r = runner({ exportName: 'exitThread', threads: 1 });
    await r.open();
    r.addPacket(':0', 1, 'x');
    const failed = r.run().then(() => drain(r, 1));
    await expect(failed).rejects.toMatchObject({
      name: 'WorkerExitError',
      code: 'ERR_WEFT_WORKER_EXIT',
      node: 'pool',
      phase: 'process',
      message: expect.stringMatching(/exited with code 7 while running the task at timestamp 1/),
    });
    expect(livePoolThreadCount()).toBe(0);
  });

  it('fails open when the module has no such function, leaving no thread', async () => {
    const r = runner({ exportName: 'notAFunction' });
    await expect(r.open()).rejects.toMatchObject({
      name: 'CalculatorError',
      phase: 'open',
      cause: { name: 'InvalidArgumentError', message: expect.stringContaining('notAFunction') },
    });
    expect(livePoolThreadCount()).toBe(0);
  });

  it('rejects bad options at validation', () => {
    expect(() => runner({ threads: 0 })).toThrow(/threads must be an integer/);
    expect(() => runner({ module: '' })).toThrow(/module must be/);
  });
});

describe('PoolThreads', () => {
  function poolThreads(options: { onFault?: (err: Error) => void } = {}): PoolThreads {
    const frames = FramePool.create({ name: 'pool-test', classes: [{ slotBytes: 64, slots: 1 }] });
    const p = new PoolThreads(
      { descriptor: frames.descriptor, retain: (h) => frames.retain(h), release: (h) => frames.release(h) },
      { module: FUNCTIONS, exportName: 'faulty', threads: 2, name: 'p', atomics: 'async', ...options },
    );
    pools.push(p);
    return p;
  }

  // piscina's own close waited for every thread to report its tasks done, which a thread that died
  // after the close began never did: it hung until piscina's 30 s close timeout, and longer in an
  // actor (the bug behind a PoolCalculator that hung when two of its threads died).
  it.each([
    ['exit', 'WorkerExitError'],
    ['uncloneable', 'CodecError'],
  ])('closes at once when two tasks fail with %s and the first failure closes it', async (kind, name) => {
    const p = poolThreads();
    await p.probe();
    const tasks = [p.run(-1, kind, 1), p.run(-1, kind, 2)];
    const first = await Promise.race(tasks).catch((e: unknown) => e);
    expect(first).toMatchObject({ name });
    await p.close();
    const settled = await Promise.allSettled(tasks);
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
    expect(p.threadCount).toBe(0);
  });

  it('tells of a fault during a task first, then rejects that task with the same error', async () => {
    const faults: Error[] = [];
    const p = poolThreads({ onFault: (err) => faults.push(err) });
    await p.probe();
    const err = await p.run(-1, 'exit', 5).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'WorkerExitError', message: expect.stringMatching(/timestamp 5/) });
    expect(faults).toEqual([err]);
    // A pool with a dead thread fails what comes after with the first fault.
    await expect(p.run(-1, 'ok', 6)).rejects.toBe(err);
  });

  it('tells of a throw from a timer between tasks, with no task to reject', async () => {
    let fault: (err: Error) => void = () => {};
    const told = new Promise<Error>((resolve) => (fault = resolve));
    const p = poolThreads({ onFault: (err) => fault(err) });
    await p.probe();
    await expect(p.run(-1, 'timer', 1)).resolves.toMatchObject({ value: 1 });
    expect(await told).toMatchObject({
      name: 'CalculatorError',
      message: expect.stringMatching(/threw outside a task, from a timer .*injected timer/),
      cause: { remoteName: 'InjectedFault' },
    });
  });
});

describe('PoolCalculator in real actors', () => {
  // PoolCalculator is a core calculator: the default registry has it.
  const registry = defaultRegistry();

  it('checksums synthetic frames by handle in an actor, in order, leaking no frame or thread', async () => {
    const video = { width: 32, height: 24, format: 'rgba' as const, count: 30, fps: 30, seed: 5 };
    const config = graph()
      .node('SyntheticVideoCalculator', { outputs: { '': 'rgba' }, options: video })
      .node('PoolCalculator', {
        name: 'checksum',
        inputs: { '': 'rgba' },
        outputs: { '': 'sums' },
        options: { module: FUNCTIONS, threads: 2, maxInFlight: 3 },
      })
      .output('sums')
      .build();
    const g = new CalculatorGraph(config, { registry });
    graphs.push(g);
    const got: { ts: number; value: FrameSum }[] = [];
    g.observeOutputStream('sums', (ts, value) => got.push({ ts, value: value as FrameSum }));
    await g.runToCompletion();

    const frame = new Uint8Array(video.width * video.height * 4);
    const want = Array.from({ length: video.count }, (_, i) => {
      renderSyntheticFrame(frame, video, i);
      return {
        ts: syntheticFrameTimestamp({ fps: video.fps, firstTimestamp: 0 }, i),
        value: { handle: expect.any(Number), hash: hashBytes(frame), length: frame.length, shared: true },
      };
    });
    expect(got).toEqual(want);
    expect(g.frames.inUse()).toBe(0);
    expect(liveThreadCount()).toBe(0);
  });

  it('fails the run with the node named and the original message when the function throws', async () => {
    const config = graph()
      .node('CounterSourceCalculator', { outputs: { '': 'n' }, options: { count: 8, intervalUs: 1 } })
      .node('PoolCalculator', {
        name: 'fragile',
        inputs: { '': 'n' },
        outputs: { '': 'out' },
        options: { module: FUNCTIONS, exportName: 'failOn' },
      })
      .output('out')
      .build();
    const g = new CalculatorGraph(config, { registry });
    graphs.push(g);
    g.observeOutputStream('out', () => {});
    const err = (await g.runToCompletion().catch((e: unknown) => e)) as Error & { cause?: Error };
    expect(err).toMatchObject({ name: 'CalculatorError', code: 'ERR_WEFT_CALCULATOR', node: 'fragile' });
    expect(err.cause).toBeInstanceOf(Error);
    expect(err.cause!.message).toContain('boom at 3');
    expect(liveThreadCount()).toBe(0);
  });
});
