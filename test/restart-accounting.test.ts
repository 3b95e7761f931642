// What a node's failures cost, as `lost` counts it (StageStats.lost, RestartRecord.lost): the
// packets of each input set the node dropped, but a set whose call had sent its output before it
// failed (that output is delivered), and each set once. For a one-in, one-out node, once the run
// ended: delivered + lost = sent, exactly — under `restart` with either delivery, and `resume`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Run } from '../src/api/run.js';
import { pull, push, Session } from '../src/api/session.js';
import type { RestartRecord } from '../src/core/errors.js';
import { graph } from '../src/core/graph-builder.js';
import type { RestartPolicy } from '../src/core/graph-config.js';
import { closedAfterEach } from './fixtures/closed-after-each.js';
import { faultRegistry } from './fixtures/faults/registry.js';
import { feed } from './helpers/flaky-run.js';

const opened = closedAfterEach();
const root = mkdtempSync(join(tmpdir(), 'weft-lost-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = () => mkdtempSync(join(root, `run-${dirs++}-`));

/** push('in') → `calculator` "node" under `restart` → pull('out'); its records go to `records`. */
function run(
  calculator: string,
  options: Record<string, unknown>,
  restart: RestartPolicy,
  records: RestartRecord[],
): Run {
  const r = new Session({ registry: faultRegistry, watchdogMs: 20, onNodeRestart: (x) => records.push(x) })
    .add(
      push('in'),
      graph().node(calculator, {
        name: 'node',
        inputs: { '': 'in' },
        outputs: { '': 'out' },
        options,
        restart,
      }),
      pull('out'),
    )
    .build();
  opened.runs.push(r);
  return r;
}

/** Feeds 0..n-1 at 10, 20, …, waits for the end; what came out, and the node's statistics. */
async function fed(r: Run, n: number) {
  const { values } = await feed(r, n);
  await r.waitUntilDone();
  return { values, stats: r.stageStats()[0]! };
}

describe('a set whose call sent its output before it failed is delivered, not lost', () => {
  it.each(
    (['throw', 'exit'] as const).flatMap((fault) =>
      (['at-most-once', 'at-least-once'] as const).map((delivery) => [fault, delivery] as const),
    ),
  )('restart, %s, %s: 6 sent, 6 delivered, 0 lost', async (fault, delivery) => {
    const records: RestartRecord[] = [];
    // FaultyCalculator emits each packet, then fails at timestamp 30 (every time it is called there).
    const r = run(
      'FaultyCalculator',
      { fault, phase: 'process', at: 30 },
      { policy: 'restart', delivery },
      records,
    );
    const { values, stats } = await fed(r, 6);
    expect(values).toEqual([0, 1, 2, 3, 4, 5]);
    expect(stats.lost).toBe(0);
    expect(stats.restarts).toBe(records.length);
    expect(records.length).toBeGreaterThanOrEqual(1);
    expect(records.map((x) => x.lost)).toEqual(records.map(() => 0));
  });

  it('resume, throw: 6 sent, 6 delivered, 0 lost', async () => {
    const records: RestartRecord[] = [];
    const r = run(
      'FaultyCalculator',
      { fault: 'throw', phase: 'process', at: 30 },
      { policy: 'resume' },
      records,
    );
    const { values, stats } = await fed(r, 6);
    expect(values).toEqual([0, 1, 2, 3, 4, 5]);
    expect(stats).toMatchObject({ restarts: 1, lost: 0 });
    expect(records.map((x) => [x.action, x.lost])).toEqual([['resume', 0]]);
  });
});

describe('each dropped set is counted once', () => {
  it.each(['throw', 'exit'] as const)(
    'an open that fails after a dropped set (%s) does not count that set again',
    async (fault) => {
      const records: RestartRecord[] = [];
      const options = { dir: freshDir(), failOnce: [2], fault, reopenFails: true };
      const r = run('RelapseCalculator', options, { policy: 'restart' }, records);
      const { values, stats } = await fed(r, 5);
      expect(values).toEqual([0, 1, 3, 4]);
      expect(records.map((x) => [x.phase, x.lost])).toEqual([
        ['process', 1],
        ['open', 0],
      ]);
      expect(stats).toMatchObject({ restarts: 2, lost: 1 });
      expect(values.length + stats.lost).toBe(5);
    },
  );
});

describe('at-least-once gives each failing set once more', () => {
  it.each(['throw', 'exit'] as const)(
    '%s: a set failing after another was retried in the same instance is retried too',
    async (fault) => {
      const records: RestartRecord[] = [];
      const options = { dir: freshDir(), failOnce: [2, 5], fault };
      const r = run('RelapseCalculator', options, { policy: 'restart', delivery: 'at-least-once' }, records);
      const { values, stats } = await fed(r, 8);
      expect(values).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      expect(stats).toMatchObject({ restarts: 2, lost: 0 });
      expect(records.map((x) => x.lost)).toEqual([0, 0]);
    },
  );
});

describe('a retried set re-sends what its failed call had sent: delivered once', () => {
  it.each(['throw', 'exit'] as const)(
    '%s after emitting: the retry succeeds with one restart, each value delivered once',
    async (fault) => {
      const records: RestartRecord[] = [];
      const options = { dir: freshDir(), failOnce: [3], fault, emitFirst: true };
      const r = run('RelapseCalculator', options, { policy: 'restart', delivery: 'at-least-once' }, records);
      const { values, stats } = await fed(r, 6);
      expect(values).toEqual([0, 1, 2, 3, 4, 5]);
      expect(stats).toMatchObject({ restarts: 1, lost: 0 });
      expect(records).toHaveLength(1);
    },
  );
});
