// Restart policy `resume`: a failing process call drops its input set and the node goes on; a
// failing close ends the node as if it had returned; open failures and dead threads still fail the
// run; past `maxRestarts` within `periodMs` the run fails with RestartLimitError and the history.
import { afterEach, describe, expect, it } from 'vitest';
import type { Run } from '../src/api/run.js';
import { pull, push, Session } from '../src/api/session.js';
import {
  CalculatorError,
  ObserverError,
  OutOfMemoryError,
  RestartLimitError,
  type RestartRecord,
  WorkerExitError,
} from '../src/core/errors.js';
import { graph } from '../src/core/graph-builder.js';
import type { RestartPolicy } from '../src/core/graph-config.js';
import { FrameRef } from '../src/transport/codec.js';
import { faultRegistry } from './fixtures/faults/registry.js';
import { flakyRun as buildFlakyRun, type FlakyRunOptions, feed } from './helpers/flaky-run.js';

const runs: Run[] = [];
afterEach(async () => {
  for (const r of runs.splice(0)) await r.close().catch(() => {});
});

const RESUME: RestartPolicy = { policy: 'resume' };

interface FlakyOptions extends Omit<FlakyRunOptions, 'restart'> {
  readonly restart?: RestartPolicy;
}

/** The flaky pipeline under `resume` unless the test says otherwise. */
function flakyRun(o: FlakyOptions): Run {
  const run = buildFlakyRun({ ...o, restart: o.restart ?? RESUME });
  runs.push(run);
  return run;
}

describe('resume: a failing process call drops its input set, the node goes on', () => {
  it.each(
    (['throw', 'reject'] as const).flatMap((fault) =>
      (['off', 'on'] as const).map((chaining) => [fault, chaining] as const),
    ),
  )(
    '%s, chaining %s: every other packet comes out, in order; each failure counted and reported',
    async (fault, chaining) => {
      const seen: RestartRecord[] = [];
      const run = flakyRun({ failAt: [2, 5], fault, chaining, onNodeRestart: (r) => seen.push(r) });
      const { values, timestamps } = await feed(run, 8);
      expect(values).toEqual([0, 1, 3, 4, 6, 7]);
      expect(timestamps).toEqual([10, 20, 40, 50, 70, 80]);
      await run.waitUntilDone();
      const stats = run.stageStats().find((s) => s.node === 'flaky')!;
      expect(stats.restarts).toBe(2);
      expect(stats.processCalls).toBe(8);
      // Each dropped set is one input packet lost: delivered + lost = sent.
      expect(stats.lost).toBe(2);
      expect(values.length + stats.lost).toBe(8);
      expect(run.stageStats().find((s) => s.node === 'after')!).toMatchObject({ restarts: 0, lost: 0 });
      expect(run.diagnose().elements.find((e) => e.node === 'flaky')!).toMatchObject({
        restarts: 2,
        lost: 2,
      });
      // The records come on the control channel; both were posted before the node ended.
      expect(seen).toHaveLength(2);
      expect(seen.map((r) => [r.node, r.phase, r.action, r.count, r.code, r.lost])).toEqual([
        ['flaky', 'process', 'resume', 1, 'ERR_WEFT_CALCULATOR', 1],
        ['flaky', 'process', 'resume', 2, 'ERR_WEFT_CALCULATOR', 1],
      ]);
      expect(seen[0]!.message).toContain('bad packet 2');
    },
  );

  it('the frame of a dropped set is released; forwarded frames reach the output', async () => {
    const run = flakyRun({ failAt: [1, 3] });
    await run.start();
    for (let i = 0; i < 5; i++) {
      const h = run.frames.alloc(16);
      run.frames.bytes(h)[0] = i;
      await run.push({ value: new FrameRef(h), timestamp: (i + 1) * 10 });
    }
    run.closeInput();
    const firstBytes: number[] = [];
    for (;;) {
      const r = await run.pull();
      if (r.status !== 'sample') break;
      const ref = r.sample.value as FrameRef;
      firstBytes.push(run.frames.bytes(ref.handle)[0]!);
      run.release(r.sample);
    }
    expect(firstBytes).toEqual([0, 2, 4]);
    await run.waitUntilDone();
    expect(run.stageStats()[0]!.lost).toBe(2);
    expect(run.frames.inUse()).toBe(0);
  });

  it('a failing close is counted and the node ends as if close had returned', async () => {
    const seen: RestartRecord[] = [];
    const run = flakyRun({ phase: 'close', onNodeRestart: (r) => seen.push(r) });
    const { values } = await feed(run, 3);
    expect(values).toEqual([0, 1, 2]);
    await run.waitUntilDone();
    expect(seen.map((r) => [r.phase, r.action, r.count, r.lost])).toEqual([['close', 'resume', 1, 0]]);
    expect(run.stageStats()[0]).toMatchObject({ restarts: 1, lost: 0 });
  });
});

describe('resume: a fault outside any call of the process stage', () => {
  it.each(['timer', 'floating'] as const)('a %s throw is counted and the node goes on', async (fault) => {
    let heard!: (r: RestartRecord) => void;
    const recovered = new Promise<RestartRecord>((resolve) => {
      heard = resolve;
    });
    const run = new Session({ registry: faultRegistry, watchdogMs: 20, onNodeRestart: (r) => heard(r) })
      .add(
        push('in'),
        graph().node('FaultyCalculator', {
          name: 'buggy',
          inputs: { '': 'in' },
          outputs: { '': 'out' },
          options: { fault, phase: 'process', at: 20, async: true },
          restart: RESUME,
        }),
        pull('out'),
      )
      .build();
    runs.push(run);
    await run.start();
    await run.push({ value: 1, timestamp: 10 });
    await run.push({ value: 2, timestamp: 20 });
    // The fault fires after the call returned: wait for the node to have survived it.
    const record = await recovered;
    expect(record).toMatchObject({ node: 'buggy', phase: 'process', action: 'resume', count: 1 });
    expect(record.message).toContain('threw outside a call');
    await run.push({ value: 3, timestamp: 30 });
    run.closeInput();
    const values: unknown[] = [];
    for await (const s of run.output()) values.push(s.value);
    expect(values).toEqual([1, 2, 3]);
    await run.waitUntilDone();
    // No input set to drop: nothing lost.
    expect(run.stageStats()[0]).toMatchObject({ restarts: 1, lost: 0 });
    expect(record.lost).toBe(0);
  });
});

describe('resume escalates past its limit', () => {
  it('more than maxRestarts failures within periodMs fail the run with RestartLimitError and the history', async () => {
    const run = flakyRun({
      failAt: [1, 2, 3, 4],
      restart: { policy: 'resume', maxRestarts: 2, periodMs: 3_600_000 },
    });
    await run.start();
    let pushErr: unknown;
    try {
      for (let i = 0; i < 6; i++) await run.push({ value: i, timestamp: (i + 1) * 10 });
    } catch (err) {
      pushErr = err;
    }
    const err = await run.waitUntilDone().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RestartLimitError);
    expect(err).toMatchObject({ code: 'ERR_WEFT_RESTART_LIMIT', node: 'flaky', phase: 'process' });
    expect((err as Error).message).toMatch(/3 failures within 3600000 ms, more than the 2/);
    const cause = (err as Error).cause;
    expect(cause).toBeInstanceOf(CalculatorError);
    expect(String((cause as Error).message)).toContain('bad packet 3');
    const history = (err as RestartLimitError).restarts!;
    expect(history.map((r) => [r.action, r.count, r.message.match(/bad packet \d/)?.[0]])).toEqual([
      ['resume', 1, 'bad packet 1'],
      ['resume', 2, 'bad packet 2'],
      ['escalate', 3, 'bad packet 3'],
    ]);
    if (pushErr !== undefined) expect(pushErr).toBe(err);
  });

  it('maxRestarts 0 escalates at the first failure', async () => {
    const run = flakyRun({ failAt: [0], restart: { policy: 'resume', maxRestarts: 0 } });
    await run.start();
    await run.push({ value: 0 }).catch(() => {});
    await expect(run.waitUntilDone()).rejects.toMatchObject({
      code: 'ERR_WEFT_RESTART_LIMIT',
      node: 'flaky',
    });
  });
});

describe('resume cannot save every failure', () => {
  it('a failing open fails the run: there is no instance to go on with', async () => {
    const run = flakyRun({ phase: 'open' });
    const err = await run.start().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CalculatorError);
    expect(err).toMatchObject({ node: 'flaky', phase: 'open' });
  });

  it('a thread that exits fails the run', async () => {
    const run = flakyRun({ failAt: [1], fault: 'exit' });
    await run.start();
    for (let i = 0; i < 3; i++) await run.push({ value: i }).catch(() => {});
    await expect(run.waitUntilDone()).rejects.toBeInstanceOf(WorkerExitError);
  });

  it('a thread out of memory fails the run', async () => {
    const run = flakyRun({ failAt: [1], fault: 'oom', heapLimitMb: 64 });
    await run.start();
    for (let i = 0; i < 3; i++) await run.push({ value: i }).catch(() => {});
    const err = await run.waitUntilDone().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutOfMemoryError);
    expect(err).toMatchObject({ node: 'flaky' });
  });

  it('an onNodeRestart callback that throws fails the run with ObserverError naming the node', async () => {
    const run = flakyRun({
      failAt: [1],
      onNodeRestart: () => {
        throw new RangeError('no restarts here');
      },
    });
    await run.start();
    for (let i = 0; i < 3; i++) await run.push({ value: i }).catch(() => {});
    run.closeInput();
    const err = await run.waitUntilDone().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ObserverError);
    expect(err).toMatchObject({ node: 'flaky', phase: 'run' });
    expect((err as Error).cause).toBeInstanceOf(RangeError);
  });
});

describe('stop, the default', () => {
  it('a failing process call fails the run, as without a policy', async () => {
    const run = flakyRun({ failAt: [1], restart: { policy: 'stop' } });
    await run.start();
    for (let i = 0; i < 3; i++) await run.push({ value: i }).catch(() => {});
    const err = await run.waitUntilDone().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CalculatorError);
    expect(err).toMatchObject({ node: 'flaky', phase: 'process' });
  });
});

describe('replicas', () => {
  it('a replica resumes alone: its siblings keep serving, the gather keeps order', async () => {
    const seen: RestartRecord[] = [];
    const run = new Session({ registry: faultRegistry, watchdogMs: 20, onNodeRestart: (r) => seen.push(r) })
      .add(
        push('in'),
        graph({ restart: RESUME }).node('FlakyCalculator', {
          name: 'flaky',
          inputs: { '': 'in' },
          outputs: { '': 'out' },
          options: { failAt: [3, 4, 9] },
          parallelism: 2,
        }),
        pull('out'),
      )
      .build();
    runs.push(run);
    const { values, timestamps } = await feed(run, 12);
    expect(values).toEqual([0, 1, 2, 5, 6, 7, 8, 10, 11]);
    expect(timestamps).toEqual([10, 20, 30, 60, 70, 80, 90, 110, 120]);
    await run.waitUntilDone();
    // Each failure was survived by the replica that met it; dispatch and gather never failed.
    expect(seen).toHaveLength(3);
    expect(new Set(seen.map((r) => r.node)).size).toBeGreaterThanOrEqual(1);
    for (const r of seen) expect(r.node).toMatch(/^flaky/);
    const stats = run.stageStats();
    expect(stats.reduce((n, s) => n + s.restarts, 0)).toBe(3);
    expect(values.length + stats.reduce((n, s) => n + s.lost, 0)).toBe(12);
    for (const s of stats.filter((x) => !x.node.startsWith('flaky') || /dispatch|gather/.test(x.node))) {
      expect(s.restarts).toBe(0);
    }
  });
});
