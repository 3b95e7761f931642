import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CalculatorGraph } from '../src/api/calculator-graph.js';
import type { Run } from '../src/api/run.js';
import { type TimelineSample, toChromeTrace } from '../src/telemetry/chrome-trace.js';
import type { StageStats } from '../src/telemetry/stage-stats.js';
import { closedAfterEach } from './fixtures/closed-after-each.js';
import { slowChain, slowRegistry } from './fixtures/graph/slow-chain.js';
import { feed, flakyRun } from './helpers/flaky-run.js';

const opened = closedAfterEach();
const dir = mkdtempSync(join(tmpdir(), 'weft-trace-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type TraceEvent = Record<string, unknown>;
const restartsOf = (events: readonly TraceEvent[]) => events.filter((e) => e.name === 'restart');

describe('Chrome trace export', () => {
  it('parses as trace JSON with one track per actor and stage events on those tracks', async () => {
    const g = new CalculatorGraph(slowChain(100, 2000, false).build(), {
      registry: slowRegistry,
      profileIntervalMs: 20,
    });
    opened.graphs.push(g);
    await g.runToCompletion();
    const trace = JSON.parse(JSON.stringify(g.chromeTrace())) as { traceEvents: Record<string, unknown>[] };
    const tracks = trace.traceEvents.filter((e) => e.name === 'thread_name');
    expect(tracks.map((e) => (e.args as { name: string }).name)).toEqual([
      'source (CounterSourceCalculator)',
      'slow (BurnCpuCalculator)',
      'after (PassThroughCalculator)',
    ]);
    expect(new Set(tracks.map((e) => e.tid)).size).toBe(3);
    const spans = trace.traceEvents.filter((e) => e.ph === 'X');
    expect(spans.length).toBeGreaterThan(0);
    for (const e of spans) expect([1, 2, 3]).toContain(e.tid);
    expect(spans.some((e) => e.tid === 2 && e.name === 'work')).toBe(true);
    expect(restartsOf(trace.traceEvents)).toEqual([]);
  });
});

/** A node's figures: all zero but those given. */
function stats(node: string, o: Partial<StageStats> = {}): StageStats {
  return {
    node,
    calculator: 'PassThroughCalculator',
    state: 'Running',
    processCalls: 0,
    packetsIn: 0,
    packetsOut: 0,
    busyMs: 0,
    idleMs: 0,
    blockedMs: 0,
    queueDepths: [0],
    queueLimits: [8],
    inputPackets: [0],
    restarts: 0,
    lost: 0,
    ...o,
  };
}

describe('restart events: one per restart the node counted', () => {
  it('whatever the samples: before the first, in an interval without work, several in one interval', () => {
    // Node b restarted in open before the first sample, twice in an interval where its
    // replacement did no work (its clocks stood still), and once in an interval where it worked.
    const timeline: TimelineSample[] = [
      { atMs: 1000, stats: [stats('a'), stats('b', { restarts: 1 })] },
      { atMs: 1010, stats: [stats('a', { idleMs: 10 }), stats('b', { restarts: 3 })] },
      { atMs: 1020, stats: [stats('a', { idleMs: 20 }), stats('b', { restarts: 4, busyMs: 5, idleMs: 5 })] },
      {
        atMs: 1030,
        stats: [stats('a', { idleMs: 30 }), stats('b', { restarts: 4, busyMs: 10, idleMs: 10 })],
      },
    ];
    const marks = restartsOf(toChromeTrace(timeline).traceEvents);
    expect(marks.map((e) => [e.tid, e.ts, (e.args as { count: number }).count])).toEqual([
      [2, 0, 1],
      [2, 10_000, 2],
      [2, 10_000, 3],
      [2, 20_000, 4],
    ]);
    for (const e of marks) expect(e).toMatchObject({ cat: 'supervision', ph: 'i', s: 't', pid: 1 });
  });

  it('a run with several restarts has exactly that many, on the node track, numbered in order', async () => {
    const records: number[] = [];
    const run: Run = flakyRun({
      failAt: [1, 3, 5, 7],
      restart: { policy: 'restart' },
      profileIntervalMs: 1,
      onNodeRestart: (r) => records.push(r.count),
    });
    opened.runs.push(run);
    const { values } = await feed(run, 9);
    await run.waitUntilDone();
    expect(values).toEqual([0, 2, 4, 6, 8]);
    const flaky = run.stageStats().findIndex((s) => s.node === 'flaky');
    expect(run.stageStats()[flaky]!.restarts).toBe(4);
    const marks = restartsOf(run.chromeTrace().traceEvents);
    expect(marks.map((e) => [e.tid, (e.args as { count: number }).count])).toEqual([
      [flaky + 1, 1],
      [flaky + 1, 2],
      [flaky + 1, 3],
      [flaky + 1, 4],
    ]);
    expect(records).toEqual([1, 2, 3, 4]);
  });

  it('a restart of an open while the run started is at the start of the trace', async () => {
    const run = flakyRun({
      phase: 'open',
      onceFile: join(dir, 'open-once'),
      restart: { policy: 'restart' },
      profileIntervalMs: 1,
    });
    opened.runs.push(run);
    const { values } = await feed(run, 3);
    await run.waitUntilDone();
    expect(values).toEqual([0, 1, 2]);
    const marks = restartsOf(run.chromeTrace().traceEvents);
    expect(marks.map((e) => [e.ts, (e.args as { count: number }).count])).toEqual([[0, 1]]);
  });
});
