// Restart policy `restart`: a failing calculator gets a fresh instance on a fresh thread, opened
// with the same side packets, going on from the next input set (or the failing one once more under
// at-least-once). Each phase × fault kind; the delivery guarantees and the accounting (delivered +
// lost = sent); escalation past the limit; downstream order and bounds; frames the dead instance
// held; replicas restarting alone.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Run } from '../src/api/run.js';
import { pull, push, Session } from '../src/api/session.js';
import { type RestartLimitError, type RestartRecord, WeftError } from '../src/core/errors.js';
import { graph } from '../src/core/graph-builder.js';
import type { RestartDelivery } from '../src/core/graph-config.js';
import { FrameRef } from '../src/transport/codec.js';
import { faultRegistry } from './fixtures/faults/registry.js';
import { flakyRun as buildFlakyRun, feed as feedRun } from './helpers/flaky-run.js';

const runs: Run[] = [];
afterEach(async () => {
  for (const r of runs.splice(0)) await r.close().catch(() => {});
});
const dir = mkdtempSync(join(tmpdir(), 'weft-restart-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const onceFile = () => join(dir, `once-${files++}`);

interface Opts {
  readonly failAt?: readonly number[];
  readonly fault?: string;
  readonly phase?: string;
  readonly once?: boolean;
  readonly delivery?: RestartDelivery;
  readonly maxRestarts?: number;
  readonly tagThread?: boolean;
  readonly parallelism?: number;
}

/** The flaky pipeline under `restart`, reporting its restarts to `records`. */
function flakyRun(o: Opts, records: RestartRecord[]): Run {
  const run = buildFlakyRun({
    ...o,
    onceFile: o.once === true ? onceFile() : '',
    restart: {
      policy: 'restart',
      delivery: o.delivery ?? 'at-most-once',
      ...(o.maxRestarts === undefined ? {} : { maxRestarts: o.maxRestarts }),
    },
    heapLimitMb: 32,
    stuckTimeoutMs: 200,
    onNodeRestart: (r) => records.push(r),
  });
  runs.push(run);
  return run;
}

/** `feed` (helpers/flaky-run.ts), then the run's end. */
async function feed(run: Run, n: number): Promise<{ values: unknown[]; timestamps: number[] }> {
  const out = await feedRun(run, n);
  await run.waitUntilDone();
  return out;
}

const flaky = (run: Run) => run.stageStats().find((s) => s.node === 'flaky')!;
const increasing = (ts: readonly number[]) => ts.every((t, i) => i === 0 || t > ts[i - 1]!);

// Each fault kind, as the record's code names it.
const KINDS = [
  ['throw', 'ERR_WEFT_CALCULATOR'],
  ['reject', 'ERR_WEFT_CALCULATOR'],
  ['exit', 'ERR_WEFT_WORKER_EXIT'],
  ['oom', 'ERR_WEFT_OUT_OF_MEMORY'],
  ['loop', 'ERR_WEFT_NODE_STUCK'],
] as const;

describe('restart: process', () => {
  describe.each(KINDS)('%s', (fault, code) => {
    it('at-most-once: the failing sets are lost and counted, the rest delivered in order', async () => {
      const records: RestartRecord[] = [];
      const run = flakyRun({ failAt: [2, 5], fault }, records);
      const { values, timestamps } = await feed(run, 8);
      const s = flaky(run);
      expect(increasing(timestamps)).toBe(true);
      // A one-input node reads one packet ahead: a thread that dies loses only the set in its call.
      expect(values).toEqual([0, 1, 3, 4, 6, 7]);
      expect(s.lost).toBe(2);
      expect(s.restarts).toBe(2);
      expect(records.map((r) => [r.node, r.phase, r.action, r.count, r.code])).toEqual([
        ['flaky', 'process', 'restart', 1, code],
        ['flaky', 'process', 'restart', 2, code],
      ]);
      expect(records.reduce((n, r) => n + (r.lost ?? 0), 0)).toBe(s.lost);
      expect(run.frames.inUse()).toBe(0);
    });

    it('at-least-once: after a transient fault the fresh instance processes the failing set', async () => {
      const records: RestartRecord[] = [];
      const run = flakyRun({ failAt: [2], fault, once: true, delivery: 'at-least-once' }, records);
      const { values, timestamps } = await feed(run, 8);
      expect(increasing(timestamps)).toBe(true);
      // A failing call hands its set over; a dead thread's is still on its ring, read again.
      expect(values).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      expect(flaky(run)).toMatchObject({ restarts: 1, lost: 0 });
      expect(records[0]!.lost).toBe(0);
    });
  });

  it.each(['throw', 'exit'])(
    'at-least-once retries a set once (%s): failing again, it is dropped',
    async (fault) => {
      const records: RestartRecord[] = [];
      const run = flakyRun({ failAt: [3], fault, delivery: 'at-least-once' }, records);
      const { values } = await feed(run, 6);
      expect(values).toEqual([0, 1, 2, 4, 5]);
      expect(records.map((r) => [r.count, r.lost])).toEqual([
        [1, 0],
        [2, 1],
      ]);
      expect(flaky(run)).toMatchObject({ restarts: 2, lost: 1 });
    },
  );

  it('at-least-once after a death: the frame in the dead call is read again, valid, and released once', async () => {
    const run = flakyRun({ failAt: [2], fault: 'exit', once: true, delivery: 'at-least-once' }, []);
    await run.start();
    for (let i = 0; i < 5; i++) {
      const h = await run.frames.allocAsync(16);
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
    await run.waitUntilDone();
    expect(firstBytes).toEqual([0, 1, 2, 3, 4]);
    expect(flaky(run)).toMatchObject({ restarts: 1, lost: 0 });
    await run.close();
    expect(run.frames.inUse()).toBe(0);
  });

  it.each(['at-most-once', 'at-least-once'] as const)(
    'two inputs, %s: a dead thread loses at most the set in its call',
    async (delivery) => {
      const records: RestartRecord[] = [];
      const run = new Session({ registry: faultRegistry, onNodeRestart: (r) => records.push(r) })
        .add(
          push('a'),
          push('b'),
          graph().node('FlakyJoinCalculator', {
            name: 'join',
            inputs: { A: 'a', B: 'b' },
            outputs: { '': 'out' },
            options: { failAt: [3], fault: 'exit', onceFile: onceFile() },
            restart: { policy: 'restart', delivery },
          }),
          pull('out'),
        )
        .build();
      runs.push(run);
      await run.start();
      for (let i = 0; i < 6; i++) {
        await run.push({ input: 'a', value: i, timestamp: (i + 1) * 10 });
        await run.push({ input: 'b', value: 100 * i, timestamp: (i + 1) * 10 });
      }
      run.closeInput();
      const sums: unknown[] = [];
      for await (const s of run.output('out')) sums.push(s.value);
      await run.waitUntilDone();
      const join = run.stageStats().find((s) => s.node === 'join')!;
      expect(records).toHaveLength(1);
      if (delivery === 'at-least-once') {
        expect(sums).toEqual([0, 101, 202, 303, 404, 505]);
        expect(join.lost).toBe(0);
      } else {
        // The set at the dead call's timestamp: its packet on each input.
        expect(sums).toEqual([0, 101, 202, 404, 505]);
        expect(join.lost).toBe(2);
      }
      expect(records[0]!.lost).toBe(join.lost);
    },
  );

  it('each restart is a fresh instance on a fresh thread', async () => {
    const run = flakyRun({ failAt: [2], tagThread: true }, []);
    const { values } = await feed(run, 5);
    const threads = (values as { value: number; thread: number }[]).map((v) => [v.value, v.thread]);
    expect(threads.map(([v]) => v)).toEqual([0, 1, 3, 4]);
    const [before, after] = [threads[0]![1], threads[2]![1]];
    expect(threads[1]![1]).toBe(before);
    expect(threads[3]![1]).toBe(after);
    expect(after).not.toBe(before);
  });

  it('downstream bounds keep moving past a lost set: a node joining the streams goes on', async () => {
    const records: RestartRecord[] = [];
    const run = new Session({ registry: faultRegistry, onNodeRestart: (r) => records.push(r) })
      .add(
        push('in'),
        graph()
          .node('FlakyCalculator', {
            name: 'flaky',
            inputs: { '': 'in' },
            outputs: { '': 'mid' },
            options: { failAt: [2], fault: 'exit' },
            restart: { policy: 'restart' },
          })
          .node('AdderCalculator', { name: 'sum', inputs: { '': ['mid', 'in'] }, outputs: { '': 'out' } }),
        pull('out'),
      )
      .build();
    runs.push(run);
    const { values, timestamps } = await feed(run, 6);
    expect(timestamps).toEqual([10, 20, 30, 40, 50, 60]);
    // Where flaky lost its packet the sum has only the direct one.
    const lost = run.stageStats().find((s) => s.node === 'flaky')!.lost;
    expect(values.filter((v, i) => i > 0 && v === i).length).toBe(lost);
    expect(values[2]).toBe(2);
    expect(records).toHaveLength(1);
  });
});

describe('restart: a fault outside any call of the process stage', () => {
  it.each(['timer', 'floating'] as const)('a %s throw restarts the node; it goes on', async (fault) => {
    let heard!: (r: RestartRecord) => void;
    const restarted = new Promise<RestartRecord>((resolve) => {
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
          restart: { policy: 'restart' },
        }),
        pull('out'),
      )
      .build();
    runs.push(run);
    await run.start();
    await run.push({ value: 1, timestamp: 10 });
    await run.push({ value: 2, timestamp: 20 });
    // The fault fires after the call returned: wait for the node's restart.
    const record = await restarted;
    expect(record).toMatchObject({ node: 'buggy', phase: 'process', action: 'restart', count: 1 });
    expect(record.message).toContain('threw outside a call');
    await run.push({ value: 3, timestamp: 30 });
    run.closeInput();
    const values: unknown[] = [];
    for await (const s of run.output()) values.push(s.value);
    expect(values).toEqual([1, 2, 3]);
    await run.waitUntilDone();
    expect(run.stageStats()[0]).toMatchObject({ restarts: 1, lost: 0 });
  });
});

describe('restart: open and close', () => {
  it.each(['throw', 'exit', 'oom'])(
    'open fails once (%s): a fresh thread opens, nothing is lost',
    async (fault) => {
      const records: RestartRecord[] = [];
      const run = flakyRun({ phase: 'open', fault, once: true }, records);
      const { values } = await feed(run, 4);
      expect(values).toEqual([0, 1, 2, 3]);
      expect(records.map((r) => [r.phase, r.action])).toEqual([['open', 'restart']]);
      expect(flaky(run)).toMatchObject({ restarts: 1, lost: 0 });
    },
  );

  it('a thread that dies after its open, before it is started, is replaced: the run goes on, nothing lost', async () => {
    // The death races the supervisor's start call (the call finds the thread gone): that is a death
    // to replace, not the run's failure.
    const records: RestartRecord[] = [];
    const run = flakyRun({ phase: 'after-open', once: true }, records);
    const { values } = await feed(run, 4);
    expect(values).toEqual([0, 1, 2, 3]);
    expect(records.map((r) => [r.code, r.action])).toEqual([['ERR_WEFT_WORKER_EXIT', 'restart']]);
    expect(flaky(run)).toMatchObject({ restarts: 1, lost: 0 });
  });

  it('open fails every time: past maxRestarts the run fails with RestartLimitError', async () => {
    const run = flakyRun({ phase: 'open', fault: 'throw', maxRestarts: 2 }, []);
    const err = (await run.start().catch((e: unknown) => e)) as RestartLimitError;
    expect(err).toBeInstanceOf(WeftError);
    expect(err.code).toBe('ERR_WEFT_RESTART_LIMIT');
    expect(err.node).toBe('flaky');
    expect(err.phase).toBe('open');
    expect((err.cause as WeftError).code).toBe('ERR_WEFT_CALCULATOR');
    expect(err.restarts?.map((r) => r.action)).toEqual(['restart', 'restart', 'escalate']);
  });

  it('close throws: counted, and the node ends as if close had returned', async () => {
    const records: RestartRecord[] = [];
    const run = flakyRun({ phase: 'close', fault: 'throw' }, records);
    const { values } = await feed(run, 3);
    expect(values).toEqual([0, 1, 2]);
    expect(records.map((r) => [r.phase, r.action])).toEqual([['close', 'resume']]);
  });

  it.each(['exit', 'oom'])(
    'the thread dies in close once (%s): a fresh instance opens and closes',
    async (fault) => {
      const records: RestartRecord[] = [];
      const run = flakyRun({ phase: 'close', fault, once: true }, records);
      const { values } = await feed(run, 3);
      expect(values).toEqual([0, 1, 2]);
      expect(records.map((r) => [r.phase, r.action])).toEqual([['close', 'restart']]);
    },
  );

  it('the thread dies in every close: the run fails with RestartLimitError', async () => {
    const run = flakyRun({ phase: 'close', fault: 'exit', maxRestarts: 1 }, []);
    const err = (await feed(run, 2).catch((e: unknown) => e)) as RestartLimitError;
    expect(err.code).toBe('ERR_WEFT_RESTART_LIMIT');
    expect(err.phase).toBe('close');
    expect((err.cause as WeftError).code).toBe('ERR_WEFT_WORKER_EXIT');
    expect(err.restarts).toHaveLength(2);
  });
});

describe('restart: escalation, frames, replicas', () => {
  it('more failures than maxRestarts within periodMs fail the run with the history', async () => {
    const run = flakyRun({ failAt: [1, 2, 3, 4], fault: 'exit', maxRestarts: 2 }, []);
    const err = (await feed(run, 6).catch((e: unknown) => e)) as RestartLimitError;
    expect(err.code).toBe('ERR_WEFT_RESTART_LIMIT');
    expect(err.node).toBe('flaky');
    expect((err.cause as WeftError).code).toBe('ERR_WEFT_WORKER_EXIT');
    expect(err.restarts?.map((r) => [r.action, r.count])).toEqual([
      ['restart', 1],
      ['restart', 2],
      ['escalate', 3],
    ]);
  });

  it('the frames a dead instance held come back at its restart, while the run goes on', async () => {
    const records: RestartRecord[] = [];
    const run = new Session({ registry: faultRegistry, onNodeRestart: (r) => records.push(r) })
      .add(
        push('in'),
        graph().node('HoarderCalculator', {
          name: 'hoarder',
          inputs: { '': 'in' },
          outputs: { '': 'out' },
          options: { fault: 'exit', at: 3 },
          restart: { policy: 'restart' },
        }),
        pull('out'),
      )
      .build();
    runs.push(run);
    await run.start();
    for (let ts = 1; ts <= 5; ts++) {
      await run.push({ value: new FrameRef(await run.frames.allocAsync(64)), timestamp: ts });
      const r = await run.pull();
      if (r.status !== 'sample') throw new Error(`no sample for ${ts}: ${r.status}`);
      run.release(r.sample);
    }
    expect(records).toHaveLength(1);
    // The live instance hoards the frames of 4 and 5 and one of its own for each: 4 in use. The dead
    // one's 3 hoarded and 3 allocated are back in the pool.
    expect(run.frames.inUse()).toBe(4);
    run.closeInput();
    await run.waitUntilDone();
    await run.close();
    expect(run.frames.inUse()).toBe(0);
  });

  it('a restarted replica restarts alone; its siblings keep serving', async () => {
    const records: RestartRecord[] = [];
    const run = flakyRun({ failAt: [4], fault: 'exit', parallelism: 3 }, records);
    const { values, timestamps } = await feed(run, 12);
    expect(increasing(timestamps)).toBe(true);
    const replicas = run.stageStats().filter((s) => s.node.startsWith('flaky['));
    expect(replicas).toHaveLength(3);
    expect(replicas.map((s) => s.restarts).sort()).toEqual([0, 0, 1]);
    const lost = replicas.reduce((n, s) => n + s.lost, 0);
    expect(values.length + lost).toBe(12);
    expect(values).not.toContain(4);
    expect(records.map((r) => r.node)).toHaveLength(1);
    expect(records[0]!.node).toMatch(/^flaky\[\d\]$/);
  });
});
