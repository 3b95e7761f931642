// Pull timing: pull() waits, pull(0) never waits, pullOrThrow turns a missing sample into an error,
// tryPull drains without promises, onOutput callbacks, and a full output back-pressures the inputs.
import { afterEach, describe, expect, it } from 'vitest';
import type { OutputSample } from '../src/api/run-types.js';
import { CancelledError, StreamClosedError, TimeoutError } from '../src/core/errors.js';
import { closeStartedRuns, Latch, latchSession, passThroughSession, startRun } from './fixtures/run/setup.js';
import { waitUntil } from './helpers/wait-until.js';

afterEach(closeStartedRuns);
const started = startRun;

/** Whatever settles first: `p`, or a macrotask turn (so `p` had to be settled already to win). */
function beforeNextTurn<T>(p: Promise<T>): Promise<T | 'waited'> {
  return Promise.race([p, new Promise<'waited'>((r) => setImmediate(() => r('waited')))]);
}

describe('pull timing', () => {
  it('pull(0) never waits: timeout when nothing is ready, the sample when one is', async () => {
    const latch = new Latch();
    const run = await started(latchSession(latch).build(), latch);
    await run.push({ value: 'x' });
    expect(await beforeNextTurn(run.pull(0))).toEqual({ status: 'timeout' });
    latch.open();
    await waitUntil(() => run.stats().outputs.out!.queued === 1, 'the sample reached the output');
    const r = await beforeNextTurn(run.pull(0));
    expect(r).toMatchObject({ status: 'sample', sample: { output: 'out', value: 'x' } });
  });

  it('pull(ms) reports a timeout; pullOrThrow(ms) throws TimeoutError naming the output', async () => {
    const latch = new Latch();
    const run = await started(latchSession(latch).build(), latch);
    await expect(run.pull(5)).resolves.toEqual({ status: 'timeout' });
    const err = await run.pullOrThrow(5).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err).toMatchObject({ stream: 'out' });
    // The timed-out pull is gone: a new one may wait.
    const next = run.pull();
    await run.push({ value: 1 });
    latch.open();
    await expect(next).resolves.toMatchObject({ status: 'sample' });
  });

  it('pullOrThrow: StreamClosedError once the output ended, CancelledError after stop', async () => {
    const run = await started(passThroughSession().build());
    run.closeInput();
    await expect(run.pullOrThrow()).rejects.toBeInstanceOf(StreamClosedError);
    const other = await started(passThroughSession().build());
    const waiting = expect(other.pullOrThrow()).rejects.toBeInstanceOf(CancelledError);
    await other.stop();
    await waiting;
  });

  it('tryPull drains every ready sample without waiting, and returns undefined when none is', async () => {
    const run = await started(passThroughSession().build());
    expect(run.tryPull()).toBeUndefined();
    // One task pushes everything, then pulls: fine with the default (unlimited) outputDepth.
    for (let i = 0; i < 3000; i++) run.tryPush({ value: i }) || (await run.push({ value: i }));
    const got: number[] = [];
    while (got.length < 3000) {
      const r = await run.pull();
      if (r.status !== 'sample') throw new Error(r.status);
      got.push(r.sample.value as number);
      for (let s = run.tryPull(); s !== undefined; s = run.tryPull()) got.push(s.value as number);
    }
    expect(got).toEqual(Array.from({ length: 3000 }, (_, i) => i));
    expect(run.tryPull()).toBeUndefined();
  });
});

describe('iterating an output', () => {
  it('yields ready and late samples in order, ends when the output closes, and stays ended', async () => {
    const run = await started(passThroughSession().build({ preset: 'reliable' }));
    for (let i = 0; i < 5; i++) await run.push({ value: i });
    const it = run.output()[Symbol.asyncIterator]();
    // Samples already at the output and ones still on their way come the same way.
    const got: number[] = [];
    for (let i = 0; i < 3; i++) got.push(((await it.next()).value as OutputSample).value as number);
    run.closeInput();
    for (let r = await it.next(); r.done !== true; r = await it.next()) got.push(r.value.value as number);
    expect(got).toEqual([0, 1, 2, 3, 4]);
    expect(await it.next()).toEqual({ value: undefined, done: true });
  });

  it('a loop left early leaves the rest to pull; a stopped run ends the loop', async () => {
    const run = await started(passThroughSession().build({ preset: 'reliable' }));
    for (let i = 0; i < 4; i++) await run.push({ value: i });
    for await (const s of run.output()) if (s.value === 1) break;
    expect(await run.pullOrThrow()).toMatchObject({ value: 2 });
    const loop = (async () => {
      const rest: unknown[] = [];
      for await (const s of run.output()) rest.push(s.value);
      return rest;
    })();
    await waitUntil(() => run.stats().outputs.out!.queued === 0, 'the loop took the last sample');
    await run.stop();
    expect(await loop).toEqual([3]);
  });

  it('behaves as an async generator: next() calls made at once answer in order; it iterates itself; return() ends it', async () => {
    const run = await started(passThroughSession().build({ preset: 'reliable' }));
    const it = run.output()[Symbol.asyncIterator]();
    // Asked before any sample exists, answered in the order asked as samples arrive.
    const asked = [it.next(), it.next(), it.next()];
    for (let i = 0; i < 3; i++) await run.push({ value: i });
    expect((await Promise.all(asked)).map((r) => r.value?.value)).toEqual([0, 1, 2]);
    // Peek with next(), then go on with for-await over the same iterator.
    await run.push({ value: 3 });
    await run.push({ value: 4 });
    expect((await it.next()).value?.value).toBe(3);
    const rest: unknown[] = [];
    for await (const s of { [Symbol.asyncIterator]: () => it }) {
      rest.push(s.value);
      break; // calls return(): the iterator is done from now on
    }
    expect(rest).toEqual([4]);
    await run.push({ value: 5 });
    expect(await it.next()).toEqual({ value: undefined, done: true });
    // The output itself goes on: the sample is there for the next pull.
    expect(await run.pullOrThrow()).toMatchObject({ value: 5 });
  });

  it('a stopped run ends a waiting next(); the iterator stays done', async () => {
    const run = await started(passThroughSession().build({ preset: 'reliable' }));
    const it = run.output()[Symbol.asyncIterator]();
    const waiting = it.next();
    await run.stop();
    expect(await waiting).toEqual({ value: undefined, done: true });
    expect(await it.next()).toEqual({ value: undefined, done: true });
  });

  it('a pullOrThrow timeout out of range rejects (no throw) and leaves the waiting sample for the next pull', async () => {
    const run = await started(passThroughSession().build({ preset: 'reliable' }));
    await run.push({ value: 1 });
    await waitUntil(() => run.stats().outputs.out!.queued === 1, 'the sample reached the output');
    const bad = run.pullOrThrow(-5);
    await expect(bad).rejects.toThrow(/timeout/);
    // The sample is still there for a pull that asks properly.
    expect(await run.pullOrThrow()).toMatchObject({ value: 1 });
  });
});

describe('onOutput callbacks', () => {
  it('receive every sample, in order, on the run thread; the run ends when the inputs do', async () => {
    const run = passThroughSession().build();
    const got: OutputSample[] = [];
    run.onOutput('out', (s) => got.push(s));
    await started(run);
    for (let i = 0; i < 500; i++) await run.push({ value: i, streamId: 'c', frameId: i });
    run.closeInput();
    await run.waitUntilDone();
    expect(got.map((s) => s.value)).toEqual(Array.from({ length: 500 }, (_, i) => i));
    expect(got.every((s) => s.streamId === 'c' && s.frameId === s.value)).toBe(true);
  });
});

describe('a consumer that falls behind back-pressures the producers', () => {
  it('once an output holds outputDepth samples, inputs stop feeding the graph until pulled', async () => {
    // Small rings and queues, so that what the graph itself holds is small too.
    const session = passThroughSession({ ringBytes: 1024, maxQueueSize: 4 });
    const run = await started(session.build({ outputDepth: 8, queueDepth: 2 }));
    let pushed = 0;
    // Nobody pulls: keep pushing (letting the pump deliver when refused) until the output is full.
    while (run.stats().outputs.out!.queued < 8) {
      if (run.tryPush({ value: pushed })) pushed++;
      else await new Promise((r) => setImmediate(r));
    }
    // From now on nothing moves into the graph: the input takes at most its queueSize (at the
    // boundary, or in the ring if the node has not released it yet), then refuses.
    while (run.tryPush({ value: pushed })) pushed++;
    const queued = run.stats().inputs.in!.queued;
    expect(queued).toBeGreaterThanOrEqual(1);
    expect(queued).toBeLessThanOrEqual(2);
    // Once the node has stopped running (it waits for input the boundary holds back, or for room
    // in its output), nothing more can move: the input still refuses.
    await waitUntil(() => run.stageStats().every((s) => s.state !== 'Running'), 'the node settles');
    expect(run.tryPush({ value: pushed })).toBe(false);
    // Bounded: the output's limit plus what the rings, the node and the boundary held when it filled.
    expect(pushed).toBeLessThan(8 + 2 * 42 + 4 + 2 + 10);
    // A consumer that starts pulling lets the waiting push in. (It must be another task than the
    // producer: a task waiting in push while it is the only consumer would wait for itself.)
    const waiting = run.push({ value: pushed });
    const consumer = (async () => {
      const got: number[] = [];
      for await (const s of run.output()) got.push(s.value as number);
      return got;
    })();
    await expect(waiting).resolves.toBe(true);
    run.closeInput();
    expect(await consumer).toEqual(Array.from({ length: pushed + 1 }, (_, i) => i));
  });
});
