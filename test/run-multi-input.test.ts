// Several streams and several Push inputs: FIFO per stream, ids carried to the outputs, and the
// documented order across inputs (the run clock stamps samples in push order across all inputs).
import { afterEach, describe, expect, it } from 'vitest';
import type { Run } from '../src/api/run.js';
import type { OutputSample } from '../src/api/run-types.js';
import { pull, push, Session } from '../src/api/session.js';
import { graph } from '../src/core/graph-builder.js';
import { below, prng } from './fixtures/prng.js';
import { passThroughSession, testOptions, twoInputSession } from './fixtures/run/setup.js';

const runs: Run[] = [];
afterEach(async () => {
  for (const r of runs.splice(0)) await r.close().catch(() => {});
});

async function start(session: Session, options = {}): Promise<Run> {
  const run = session.build(options);
  runs.push(run);
  await run.start();
  return run;
}

/** push('a'), push('b') → MergeCalculator → pull('all'). */
function mergeSession(): Session {
  return new Session(testOptions).add(
    push('a'),
    push('b'),
    graph().node('MergeCalculator', { inputs: { '': ['a', 'b'] }, outputs: { '': 'all' } }),
    pull('all'),
  );
}

async function collect(run: Run, output?: string): Promise<OutputSample[]> {
  const out: OutputSample[] = [];
  for await (const s of run.output(output)) out.push(s);
  return out;
}

describe('several streams on one input', () => {
  it('keeps FIFO per stream and carries streamId and frameId to every output', async () => {
    const run = await start(passThroughSession(), { queueDepth: 2 });
    const rand = prng(7);
    const next = [0, 0, 0, 0];
    const consumer = collect(run);
    for (let i = 0; i < 4000; i++) {
      const streamId = below(rand, 4);
      const frameId = next[streamId]!++;
      await run.push({ value: `${streamId}:${frameId}`, streamId, frameId });
    }
    run.closeInput();
    const out = await consumer;
    expect(out.length).toBe(4000);
    for (const s of out) expect(s.value).toBe(`${s.streamId}:${s.frameId}`);
    for (let streamId = 0; streamId < 4; streamId++) {
      const frames = out.filter((s) => s.streamId === streamId).map((s) => s.frameId);
      expect(frames).toEqual(Array.from({ length: next[streamId]! }, (_, k) => k));
    }
  });
});

describe('ids ride with their sample, by input lineage', () => {
  it('two inputs with equal timestamps keep their own ids end to end', async () => {
    const run = await start(twoInputSession());
    const [oa, ob] = await Promise.all([
      collect(run, 'oa'),
      collect(run, 'ob'),
      (async () => {
        for (let ts = 1; ts <= 50; ts++) {
          // Two cameras on one capture clock: the same timestamps on both inputs.
          await run.push({ input: 'a', value: `a${ts}`, timestamp: ts, streamId: 'camA', frameId: ts });
          await run.push({
            input: 'b',
            value: `b${ts}`,
            timestamp: ts,
            streamId: 'camB',
            frameId: 1000 + ts,
          });
        }
        run.closeInput();
      })(),
    ]);
    expect(oa.map((s) => [s.value, s.streamId, s.frameId])).toEqual(
      Array.from({ length: 50 }, (_, i) => [`a${i + 1}`, 'camA', i + 1]),
    );
    expect(ob.map((s) => [s.value, s.streamId, s.frameId])).toEqual(
      Array.from({ length: 50 }, (_, i) => [`b${i + 1}`, 'camB', 1001 + i]),
    );
  });

  it('an output joining several inputs takes the ids of the first input (in the order added) with a sample there', async () => {
    const run = await start(mergeSession());
    const consumer = collect(run);
    await run.push({ input: 'b', value: 'b@5', timestamp: 5, streamId: 'B', frameId: 5 });
    await run.push({ input: 'a', value: 'a@10', timestamp: 10, streamId: 'A', frameId: 10 });
    await run.push({ input: 'b', value: 'b@10', timestamp: 10, streamId: 'B', frameId: 11 });
    run.closeInput();
    const out = await consumer;
    expect(out.map((s) => [s.timestamp, s.streamId, s.frameId])).toEqual([
      [5, 'B', 5],
      [10, 'A', 10],
    ]);
  });
});

describe('ids through calculators that shift timestamps', () => {
  it('follow the shift each calculator declares, past the pruning of old ids', async () => {
    const session = new Session(testOptions).add(
      push('in'),
      graph()
        .node('TimeShiftCalculator', {
          inputs: { '': 'in' },
          outputs: { '': 'late' },
          options: { shiftUs: 1000 },
        })
        .node('TimeShiftCalculator', {
          inputs: { '': 'late' },
          outputs: { '': 'later' },
          options: { shiftUs: 500 },
        })
        .node('PassThroughCalculator', { inputs: { '': 'in' }, outputs: { '': 'same' } }),
      pull('later'),
      pull('same'),
    );
    const run = await start(session);
    const count = 600;
    const [later, same] = await Promise.all([
      collect(run, 'later'),
      collect(run, 'same'),
      (async () => {
        // Timestamps 10 apart: an unshifted lookup at an output's timestamp would find another
        // sample (1500 µs later), with another frameId.
        for (let i = 0; i < count; i++)
          await run.push({ value: i, timestamp: i * 10, streamId: 'cam', frameId: i });
        run.closeInput();
      })(),
    ]);
    expect(later.map((s) => [s.timestamp, s.frameId, s.streamId])).toEqual(
      Array.from({ length: count }, (_, i) => [i * 10 + 1500, i, 'cam']),
    );
    expect(same.map((s) => s.frameId)).toEqual(Array.from({ length: count }, (_, i) => i));
  });
});

describe('several Push inputs', () => {
  it('one output per input, one producer and one consumer each, all concurrent: FIFO per input', async () => {
    const session = twoInputSession();
    const run = await start(session);
    const produce = async (input: string, n: number) => {
      for (let i = 0; i < n; i++) if (!run.tryPush({ input, value: i })) await run.push({ input, value: i });
      run.closeInput(input);
    };
    const [oa, ob] = await Promise.all([
      collect(run, 'oa'),
      collect(run, 'ob'),
      produce('a', 3000),
      produce('b', 2000),
    ]);
    expect(oa.map((s) => s.value)).toEqual(Array.from({ length: 3000 }, (_, i) => i));
    expect(ob.map((s) => s.value)).toEqual(Array.from({ length: 2000 }, (_, i) => i));
    await run.waitUntilDone();
    expect(run.state).toBe('ended');
  });

  it('merged into one output, run-clock samples come out in push order across inputs', async () => {
    const session = new Session(testOptions).add(
      push('cam0'),
      push('cam1'),
      push('cam2'),
      graph().node('MergeCalculator', { inputs: { '': ['cam0', 'cam1', 'cam2'] }, outputs: { '': 'all' } }),
      pull('all'),
    );
    const run = await start(session);
    const rand = prng(11);
    const consumer = collect(run);
    const pushed: string[] = [];
    for (let i = 0; i < 600; i++) {
      const cam = below(rand, 3);
      const value = `cam${cam}#${i}`;
      await run.push({ input: `cam${cam}`, value, streamId: cam, frameId: i });
      pushed.push(value);
    }
    run.closeInput();
    const out = await consumer;
    expect(out.map((s) => s.value)).toEqual(pushed);
    const ts = out.map((s) => s.timestamp);
    expect(ts).toEqual([...ts].sort((x, y) => x - y));
    expect(new Set(ts).size).toBe(ts.length);
    for (const s of out) expect(s.value).toBe(`cam${s.streamId}#${s.frameId}`);
  });

  it('with their own timestamps, the merged output follows timestamps, not push order', async () => {
    const run = await start(mergeSession());
    const consumer = collect(run);
    await run.push({ input: 'b', value: 'b@20', timestamp: 20 });
    await run.push({ input: 'a', value: 'a@10', timestamp: 10 });
    await run.push({ input: 'a', value: 'a@30', timestamp: 30 });
    await run.push({ input: 'b', value: 'b@25', timestamp: 25 });
    run.closeInput();
    expect((await consumer).map((s) => s.value)).toEqual(['a@10', 'b@20', 'b@25', 'a@30']);
  });
});
