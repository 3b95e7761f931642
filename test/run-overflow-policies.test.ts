// What push does when an input's boundary queue is full, per overflow policy, and that frames of
// samples that never enter the graph go back to the pool.
import { afterEach, describe, expect, it } from 'vitest';
import { liveThreadCount } from '../src/actors/thread-task.js';
import type { Run } from '../src/api/run.js';
import type { InputDropInfo } from '../src/api/run-options.js';
import { FrameRef } from '../src/transport/codec.js';
import { heldNodeSession, Latch, latchSession } from './fixtures/run/setup.js';
import { waitUntil } from './helpers/wait-until.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** A started run of push → Latch → pull whose latch is opened (if not yet) at cleanup. */
async function blockedRun(options: Parameters<ReturnType<typeof latchSession>['build']>[0], frames = false) {
  const latch = new Latch();
  const session = latchSession(
    latch,
    frames ? { frames: { name: 'run-test', classes: [{ slotBytes: 256, slots: 256 }] } } : {},
  );
  const run = session.build(options);
  cleanup.push(async () => {
    latch.open();
    await run.close();
  });
  await run.start();
  return { run, latch };
}

/** Pushes with tryPush until it returns false; returns how many were taken. */
function fill(run: Run, from = 0, frames = false): number {
  for (let i = from; ; i++) {
    const value = frames ? new FrameRef(run.frames.alloc(64)) : i;
    if (run.tryPush({ value, frameId: i })) continue;
    // Refused under "wait": the sample (and its frame) is still ours. Under "drop" the run released it.
    if (value instanceof FrameRef && run.frames.isValid(value.handle)) run.frames.release(value.handle);
    return i - from;
  }
}

async function drain(run: Run): Promise<number[]> {
  const ids: number[] = [];
  for await (const s of run.output('out')) {
    ids.push(s.frameId!);
    run.release(s);
  }
  return ids;
}

describe('overflow policy "wait" (the default)', () => {
  it('push waits while the queue is full, then resolves true once there is room', async () => {
    const { run, latch } = await blockedRun({ queueDepth: 3 });
    const taken = fill(run);
    expect(run.stats().inputs.in!.queued).toBe(3);
    const pushed = run.push({ value: -1, frameId: taken });
    const state = await Promise.race([pushed.then(() => 'settled'), Promise.resolve('pending')]);
    expect(state).toBe('pending');
    latch.open();
    await expect(pushed).resolves.toBe(true);
    run.closeInput();
    expect(await drain(run)).toEqual(Array.from({ length: taken + 1 }, (_, i) => i));
    expect(run.stats().inputs.in).toMatchObject({ pushed: taken + 1, dropped: 0, evicted: 0 });
  });

  it('tryPush returns false and leaves the sample with the caller (no drop reported)', async () => {
    const drops: InputDropInfo[] = [];
    const { run } = await blockedRun({ onInputDrop: (d) => drops.push(d) });
    fill(run);
    expect(run.tryPush({ value: 1 })).toBe(false);
    expect(drops).toEqual([]);
  });

  it('pushTimeoutMs: push resolves false when no room came in time; retry, same timestamp', async () => {
    const { run, latch } = await blockedRun({ pushTimeoutMs: 10 });
    const taken = fill(run);
    await expect(run.push({ value: 1, timestamp: 1e12, frameId: taken })).resolves.toBe(false);
    latch.open();
    // Room comes once the node drains; each retry waits up to 10 ms for it, with the same timestamp.
    while (!(await run.push({ value: 1, timestamp: 1e12, frameId: taken }))) {}
    run.closeInput();
    // The refused push left nothing behind; the retried one went through, last.
    expect(await drain(run)).toEqual(Array.from({ length: taken + 1 }, (_, i) => i));
  });
});

describe('overflow policy "drop"', () => {
  it('push resolves false, the new sample is dropped and onInputDrop names it', async () => {
    const drops: InputDropInfo[] = [];
    const { run, latch } = await blockedRun({ overflowPolicy: 'drop', onInputDrop: (d) => drops.push(d) });
    const taken = fill(run);
    expect(drops).toEqual([
      expect.objectContaining({ reason: 'queue_full', port: 'in', frameId: taken, streamId: undefined }),
    ]);
    await expect(run.push({ value: 0, streamId: 'cam7', frameId: 1000 })).resolves.toBe(false);
    expect(drops[1]).toMatchObject({ reason: 'queue_full', port: 'in', streamId: 'cam7', frameId: 1000 });
    latch.open();
    run.closeInput();
    expect(await drain(run)).toEqual(Array.from({ length: taken }, (_, i) => i));
    expect(run.stats().inputs.in).toMatchObject({ pushed: taken, dropped: 2 });
  });

  it('releases the frame of a dropped sample', async () => {
    const { run, latch } = await blockedRun({ overflowPolicy: 'drop' }, true);
    const taken = fill(run, 0, true);
    // Every frame taken is in the graph or queued; the refused one went back to the pool.
    expect(run.frames.inUse()).toBe(taken);
    latch.open();
    run.closeInput();
    expect((await drain(run)).length).toBe(taken);
    await run.waitUntilDone();
    expect(run.frames.inUse()).toBe(0);
  });
});

describe('overflow policy "replace"', () => {
  it('evicts the oldest pending sample, reports it, and delivers the rest in order', async () => {
    const drops: InputDropInfo[] = [];
    const { run, latch } = await blockedRun({
      overflowPolicy: 'replace',
      queueDepth: 2,
      onInputDrop: (d) => drops.push(d),
    });
    let i = 0;
    while (drops.length < 5) expect(run.tryPush({ value: i, frameId: i++ })).toBe(true);
    // The node holds the one it processes and the next in line; of the queueSize 2 the boundary
    // holds the newest, so evictions are consecutive, oldest first.
    const evicted = drops.map((d) => d.frameId);
    expect(drops.every((d) => d.reason === 'evicted' && d.port === 'in')).toBe(true);
    expect(evicted).toEqual(Array.from({ length: 5 }, (_, k) => evicted[0]! + k));
    expect(run.stats().inputs.in!.queued).toBe(2);
    latch.open();
    run.closeInput();
    const delivered = await drain(run);
    expect(delivered).toEqual(Array.from({ length: i }, (_, k) => k).filter((k) => !evicted.includes(k)));
    expect(delivered.at(-1)).toBe(i - 1);
    expect(delivered.length).toBeLessThanOrEqual(2 + 2);
  });

  it('releases the frames of evicted samples', async () => {
    let evictions = 0;
    const { run, latch } = await blockedRun(
      { preset: 'realtime', onInputDrop: () => void evictions++ },
      true,
    );
    let i = 0;
    while (evictions < 10) run.tryPush({ value: new FrameRef(run.frames.alloc(64)), frameId: i++ });
    expect(run.frames.inUse()).toBe(i - 10);
    latch.open();
    run.closeInput();
    expect((await drain(run)).length).toBe(i - 10);
    await run.waitUntilDone();
    expect(run.frames.inUse()).toBe(0);
  });
});

describe('stop with samples queued at the boundary', () => {
  it('reports them as cancelled and releases their frames; nothing is left running', async () => {
    const drops: InputDropInfo[] = [];
    const { run, latch } = await blockedRun({ onInputDrop: (d) => drops.push(d) }, true);
    fill(run, 0, true);
    const stopping = run.stop();
    // Under "wait" the boundary holds one sample; the others of queueSize wait in the ring, whose
    // frames come back with the run's.
    expect(drops.length).toBe(1);
    expect(drops.every((d) => d.reason === 'cancelled')).toBe(true);
    latch.open();
    await stopping;
    expect(run.frames.inUse()).toBe(0);
    expect(liveThreadCount()).toBe(0);
  });
});

describe('the queue the user sizes is the one a sample waits in (seed 000)', () => {
  it.each(['wait', 'drop'] as const)(
    '%s: each sample the node finishes makes room for exactly one more',
    async (overflowPolicy) => {
      const cell = new Int32Array(new SharedArrayBuffer(12));
      const step = (n: number) => {
        Atomics.add(cell, 0, n);
        Atomics.notify(cell, 0);
      };
      const run = heldNodeSession('StepCalculator', { cell: cell.buffer }).build({
        overflowPolicy,
        queueSize: 4,
      });
      cleanup.push(async () => {
        step(1000);
        await run.close();
      });
      await run.start();
      let pushed = fill(run);
      expect(pushed).toBe(4);
      await waitUntil(() => Atomics.load(cell, 1) === 1, 'the node begins sample 0');
      for (let k = 1; k <= 6; k++) {
        step(1);
        // Sample k - 1 is finished and the node is in sample k's call: 3 of the 4 are not finished,
        // so one more is taken (under wait, once the boundary's sample has moved on), and no second.
        await waitUntil(() => Atomics.load(cell, 1) === k + 1, `the node begins sample ${k}`);
        const sample = { value: pushed, frameId: pushed };
        const taken = overflowPolicy === 'wait' ? await run.push(sample) : run.tryPush(sample);
        expect(taken, `after ${k} finished`).toBe(true);
        pushed++;
        expect(run.tryPush({ value: pushed, frameId: pushed }), `a second after ${k} finished`).toBe(false);
        expect(run.stats().inputs.in!.queued).toBe(4);
      }
    },
  );

  it.each(['wait', 'drop'] as const)(
    '%s: queueSize 8 holds 8 samples, the one the node is processing included',
    async (overflowPolicy) => {
      const { run, latch } = await blockedRun({ overflowPolicy, queueSize: 8 });
      expect(run.tryPush({ value: 0, frameId: 0 })).toBe(true);
      // The node took sample 0 and is in its call (held there by the latch): nothing else moves.
      await waitUntil(() => run.stageStats()[0]!.packetsIn === 1, 'the node takes sample 0');
      expect(fill(run, 1)).toBe(7);
      expect(run.stats().inputs.in).toMatchObject({ pushed: 8, queued: 8 });
      latch.open();
      run.closeInput();
      expect(await drain(run)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    },
  );

  it.each([
    ['realtime preset (replace)', { preset: 'realtime' as const }, 2],
    ['drop, queueSize 2', { overflowPolicy: 'drop' as const, queueSize: 2 }, 2],
    ['replace, queueSize 4', { overflowPolicy: 'replace' as const, queueSize: 4 }, 4],
  ])(
    '%s: a burst of 200 into a busy stage delivers at most queueSize stale samples',
    async (_, options, size) => {
      const drops: InputDropInfo[] = [];
      const { run, latch } = await blockedRun({ ...options, onInputDrop: (d) => drops.push(d) });
      expect(run.options.queueSize).toBe(size);
      // Sample 0 reaches the stage, which holds it: the other 199 arrive while it is busy.
      for (let i = 0; i < 200; i++) run.tryPush({ value: i, frameId: i });
      expect(run.stats().inputs.in!.queued).toBeLessThanOrEqual(size);
      latch.open();
      run.closeInput();
      const delivered = await drain(run);
      const stale = delivered.length - 1;
      expect(stale).toBeLessThanOrEqual(size);
      const s = run.stats().inputs.in!;
      // Every sample is accounted for: delivered, refused (drop) or replaced (evicted), and reported.
      expect(delivered.length + s.dropped + s.evicted).toBe(200);
      expect(drops.length).toBe(s.dropped + s.evicted);
      // The newest sample always gets through under replace; under drop, the oldest ones do.
      if ((options as { overflowPolicy?: string }).overflowPolicy === 'drop')
        expect(delivered.at(-1)).toBeLessThan(199);
      else expect(delivered.at(-1)).toBe(199);
    },
  );
});
