// Run telemetry: push → pull latency, the boundary flow in the snapshot, sampled stage statistics.
// No timing thresholds: structure, counts equal to what was pushed and pulled, percentile order.
import { afterEach, describe, expect, it } from 'vitest';
import type { Run } from '../src/api/run.js';
import { resolveRunOptions } from '../src/api/run-options.js';
import { pull, push, Session } from '../src/api/session.js';
import { InvalidArgumentError, UsageError } from '../src/core/errors.js';
import { graph } from '../src/core/graph-builder.js';
import { NumberQueue } from '../src/core/sample-queue.js';
import { formatDiagSnapshot } from '../src/telemetry/diag-snapshot.js';
import type { LatencySummary } from '../src/telemetry/latency-profiler.js';
import { MAX_LOGGED, RunLatency } from '../src/telemetry/run-latency.js';
import { faultRegistry } from './fixtures/faults/registry.js';
import {
  closeStartedRuns,
  passThroughSession,
  startRun,
  testOptions,
  twoInputSession,
} from './fixtures/run/setup.js';

afterEach(closeStartedRuns);

/** Pushes `count` numbers from `base` and pulls them all back, one task each. */
async function pushAndPull(run: Run, count: number, base = 0): Promise<number[]> {
  const producer = (async () => {
    for (let i = 0; i < count; i++) {
      const s = { value: base + i };
      if (!run.tryPush(s)) await run.push(s);
    }
  })();
  const got: number[] = [];
  while (got.length < count) {
    const r = await run.pull();
    if (r.status !== 'sample') throw new Error(`pull: ${r.status}`);
    got.push(r.sample.value as number);
    for (let s = run.tryPull(); s !== undefined; s = run.tryPull()) got.push(s.value as number);
  }
  await producer;
  return got;
}

function expectOrdered(l: LatencySummary, count: number): void {
  expect(l.count).toBe(count);
  expect(l.min).toBeGreaterThanOrEqual(0);
  expect(l.min).toBeLessThanOrEqual(l.p50);
  expect(l.p50).toBeLessThanOrEqual(l.p90);
  expect(l.p90).toBeLessThanOrEqual(l.p95);
  expect(l.p95).toBeLessThanOrEqual(l.p99);
  expect(l.p99).toBeLessThanOrEqual(l.max);
  expect(l.mean).toBeGreaterThanOrEqual(l.min);
  expect(l.mean).toBeLessThanOrEqual(l.max);
}

describe('push → pull latency', () => {
  it('records one latency per pulled sample, in percentile order; the warm-up mark starts over', async () => {
    const run = await startRun(passThroughSession().build({ latency: 'all' }));
    await pushAndPull(run, 500);
    expectOrdered(run.latency(), 500);
    expect(run.stats().outputs.out!.pulled).toBe(500);

    run.markWarmup();
    expect(run.latency()).toMatchObject({ count: 0, p50: Number.NaN });
    await pushAndPull(run, 300, 500);
    expectOrdered(run.latency(), 300);
    run.closeInput();
    await run.waitUntilDone();
    await run.close();
    // Still readable after close.
    expect(run.latency().count).toBe(300);
  });

  it('counts waiting pulls, queued samples and pushes that waited for room alike', async () => {
    // queueDepth 1 and a tiny ring: most pushes wait at the boundary, most pulls find a queue.
    const session = passThroughSession({ ringBytes: 1024, maxQueueSize: 1 });
    const run = await startRun(session.build({ latency: 'all', queueDepth: 1 }));
    const waiting = run.pull();
    await run.push({ value: -1 });
    expect(await waiting).toMatchObject({ status: 'sample' });
    for (let i = 0; i < 200; i++) await run.push({ value: i });
    run.closeInput();
    let n = 1;
    for await (const _ of run.output()) n++;
    expect(n).toBe(201);
    expectOrdered(run.latency(), 201);
  });

  it('measures samples handed to onOutput callbacks, and several inputs by timestamp', async () => {
    const session = twoInputSession();
    const run = session.build({ latency: 'all' });
    let got = 0;
    run.onOutput('oa', () => got++);
    run.onOutput('ob', () => got++);
    await startRun(run);
    for (let i = 0; i < 100; i++) {
      await run.push({ input: 'a', value: i });
      await run.push({ input: 'b', value: i });
    }
    run.closeInput();
    await run.waitUntilDone();
    expect(got).toBe(200);
    expectOrdered(run.latency(), 200);
  });

  it('latency: true measures a random subset when pushes come fast, every sample when they come slowly', async () => {
    const run = await startRun(passThroughSession().build({ latency: true }));
    await pushAndPull(run, 5000);
    const fast = run.latency();
    expect(fast.count).toBeGreaterThan(0);
    expect(fast.count).toBeLessThanOrEqual(5000);
    expectOrdered(fast, fast.count);
    run.markWarmup();
    // One sample per macrotask turn: far slower than the sampling gap, so each one is measured.
    for (let i = 0; i < 20; i++) {
      await run.push({ value: i });
      await run.pull();
      await new Promise<void>((r) => setImmediate(r));
    }
    expect(run.latency().count).toBeGreaterThan(0);
  });

  it('is off by default: latency() and markWarmup() are usage errors', async () => {
    const run = await startRun(passThroughSession().build());
    expect(() => run.latency()).toThrow(UsageError);
    expect(() => run.markWarmup()).toThrow(UsageError);
    expect(run.diagnose().latency).toBeUndefined();
  });

  it('rejects bad telemetry options', () => {
    expect(() => resolveRunOptions({ latency: 'yes' as unknown as boolean })).toThrow(InvalidArgumentError);
    expect(resolveRunOptions({ latency: true }).latency).toBe('sampled');
    expect(() => resolveRunOptions({ profileIntervalMs: -1 })).toThrow(InvalidArgumentError);
    expect(resolveRunOptions({}, { profileIntervalMs: 7 })).toMatchObject({
      latency: false,
      profileIntervalMs: 7,
    });
  });
});

describe('the run snapshot', () => {
  it('reports the boundary flow equal to the samples pushed and pulled, and prints it', async () => {
    const run = passThroughSession().build({ latency: 'all' });
    expect(() => run.diagnose()).toThrow(UsageError);
    await startRun(run);
    await pushAndPull(run, 400);
    run.closeInput();
    await run.waitUntilDone();
    const snap = run.diagnose();
    expect(snap.boundary!.seconds).toBeGreaterThan(0);
    expect(snap.boundary!.inputs).toEqual([
      expect.objectContaining({ input: 'in', pushed: 400, dropped: 0, evicted: 0, cancelled: 0, queued: 0 }),
    ]);
    expect(snap.boundary!.outputs).toEqual([
      expect.objectContaining({ output: 'out', pulled: 400, delivered: 400, queued: 0 }),
    ]);
    expect(snap.boundary!.inputs[0]!.perSecond).toBeGreaterThan(0);
    expect(snap.latency!.count).toBe(400);
    expect(snap.pads).toEqual([{ stream: 'in', from: 'graph', to: expect.any(String), packets: 400 }]);
    const text = formatDiagSnapshot(snap);
    expect(text).toMatch(/push "in"\s+400 samples/);
    expect(text).toMatch(/pull "out"\s+400 samples/);
    expect(text).toContain('latency push -> pull (ms, 400 samples)');
  });

  it.each(['stop', 'close', 'failure'] as const)(
    'stats() and diagnose() still answer after the run ended by %s',
    async (end) => {
      const session =
        end === 'failure'
          ? new Session({ ...testOptions, registry: faultRegistry }).add(
              push('in'),
              graph().node('FaultyCalculator', {
                name: 'bad',
                inputs: { '': 'in' },
                outputs: { '': 'out' },
                options: { fault: 'throw', phase: 'process', at: 2 },
              }),
              pull('out'),
            )
          : passThroughSession();
      const run = await startRun(session.build());
      expect(await run.push({ value: 1, timestamp: 1 })).toBe(true);
      expect((await run.pullOrThrow()).value).toBe(1);
      if (end === 'stop') await run.stop();
      else if (end === 'close') await run.close();
      else {
        await run.push({ value: 2, timestamp: 2 });
        await expect(run.waitUntilDone()).rejects.toMatchObject({ code: 'ERR_WEFT_CALCULATOR', node: 'bad' });
      }
      // After a failure the failing sample still counts as held: the node never finished it.
      const held = end === 'failure' ? 1 : 0;
      expect(run.stats().inputs.in).toMatchObject({ pushed: held + 1, queued: held });
      expect(run.diagnose().boundary!.inputs[0]).toMatchObject({ input: 'in', queued: held });
    },
  );

  it('samples stage statistics every profileIntervalMs into a Chrome trace with a track per actor', async () => {
    const session = new Session({ ...testOptions, profileIntervalMs: 5 }).add(
      push('in'),
      graph()
        .node('PassThroughCalculator', { name: 'first', inputs: { '': 'in' }, outputs: { '': 'mid' } })
        .node('PassThroughCalculator', { name: 'second', inputs: { '': 'mid' }, outputs: { '': 'out' } }),
      pull('out'),
    );
    const run = await startRun(session.build());
    await pushAndPull(run, 100);
    run.closeInput();
    await run.waitUntilDone();
    // One sample when the actors started and one when the run ended, whatever the timer did.
    expect(run.timeline().length).toBeGreaterThanOrEqual(2);
    expect(
      run
        .timeline()
        .at(-1)!
        .stats.map((s) => s.packetsIn),
    ).toEqual([100, 100]);
    const trace = JSON.parse(JSON.stringify(run.chromeTrace())) as { traceEvents: Record<string, unknown>[] };
    const tracks = trace.traceEvents.filter((e) => e.name === 'thread_name');
    expect(tracks.map((e) => (e.args as { name: string }).name)).toEqual([
      'first (PassThroughCalculator)',
      'second (PassThroughCalculator)',
    ]);
  });
});

describe('latency bookkeeping without threads', () => {
  it('matches outputs to pushes by timestamp, skips timestamps never pushed, takes the latest push', () => {
    const lat = new RunLatency();
    const out = lat.addOutput();
    const a = lat.addInput()!;
    const b = lat.addInput()!;
    a.add(10, 1);
    a.add(20, 2);
    b.add(20, 5);
    a.add(30, 3);
    expect(out.pushTimeOf(5)).toBeNaN();
    expect(out.pushTimeOf(20)).toBe(5);
    out.settle(31);
    a.add(40, 4);
    expect(out.pushTimeOf(40)).toBe(4);
  });

  it('keeps memory bounded when an output never settles', () => {
    const lat = new RunLatency();
    const out = lat.addOutput();
    const log = lat.addInput()!;
    for (let t = 0; t < 3 * MAX_LOGGED; t++) log.add(t, t);
    expect(log.ts.length).toBe(MAX_LOGGED);
    expect(out.pushTimeOf(3 * MAX_LOGGED - 1)).toBe(3 * MAX_LOGGED - 1);
    expect(out.pushTimeOf(0)).toBeNaN();
  });

  it('a number queue keeps FIFO order across wrap-around and growth', () => {
    const q = new NumberQueue();
    const want: number[] = [];
    const got: number[] = [];
    for (let i = 0; i < 1000; i++) {
      q.push(i);
      want.push(i);
      if (i % 3 === 0) got.push(q.shift());
    }
    while (q.length > 0) got.push(q.shift());
    expect(got).toEqual(want);
    expect(q.shift()).toBeNaN();
  });
});
