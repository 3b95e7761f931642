// A packet added from outside the graph (Run.push, CalculatorGraph.addPacket) is checked at the
// call, by one rule shared by both: a value no packet may carry is an InvalidTimestampError, one the
// stream no longer accepts a TimestampOrderError; either way the run is unharmed and goes on.
import { describe, expect, it } from 'vitest';
import { CalculatorGraph } from '../src/api/calculator-graph.js';
import type { Run } from '../src/api/run.js';
import { pull, push, Session } from '../src/api/session.js';
import { InvalidTimestampError, TimestampOrderError } from '../src/core/errors.js';
import { FrameRef } from '../src/core/frame-ref.js';
import { graph } from '../src/core/graph-builder.js';
import { checkInputTimestamp, Timestamp } from '../src/core/timestamp.js';
import { closedAfterEach } from './fixtures/closed-after-each.js';

const T = Timestamp;

// [case, previous packet (Unset: none), the timestamp added, the error class or null when accepted]
const CASES = [
  ['NaN', T.Unset, Number.NaN, InvalidTimestampError],
  ['+Infinity', T.Unset, Number.POSITIVE_INFINITY, InvalidTimestampError],
  ['a fraction', T.Unset, 1.5, InvalidTimestampError],
  ['below PreStream', T.Unset, T.Unstarted, InvalidTimestampError],
  ['OneOverPostStream', T.Unset, T.OneOverPostStream, InvalidTimestampError],
  ['Done', T.Unset, T.Done, InvalidTimestampError],
  ['the first packet', T.Unset, 0, null],
  ['Min', T.Unset, T.Min, null],
  ['above the previous', 10, 11, null],
  ['equal to the previous', 10, 10, TimestampOrderError],
  ['below the previous', 10, 9, TimestampOrderError],
  ['Max after a packet', 10, T.Max, null],
  ['anything after Max', T.Max, T.PostStream, TimestampOrderError],
  ['PostStream first', T.Unset, T.PostStream, null],
  ['anything after PostStream', T.PostStream, T.PostStream, TimestampOrderError],
  ['PreStream first', T.Unset, T.PreStream, null],
  ['anything after PreStream', T.PreStream, 0, TimestampOrderError],
] as const;

describe('checkInputTimestamp', () => {
  it.each(CASES)('%s', (_name, last, ts, cls) => {
    const check = () => checkInputTimestamp(ts, last, 'in');
    if (cls === null) expect(check).not.toThrow();
    else expect(check).toThrow(cls);
  });
});

const { graphs, runs } = closedAfterEach();

/** push("in") → PassThrough → pull("out"), closed after the test. */
function passThroughRun(): Run {
  const run = new Session()
    .add(
      push('in'),
      graph().node('PassThroughCalculator', { inputs: { '': 'in' }, outputs: { '': 'out' } }),
      pull('out'),
    )
    .build();
  runs.push(run);
  return run;
}

/** Graph input "in" → PassThrough → graph output "out", closed after the test. */
function passThroughGraph(): CalculatorGraph {
  const g = new CalculatorGraph(
    graph()
      .input('in')
      .node('PassThroughCalculator', { inputs: { '': 'in' }, outputs: { '': 'out' } })
      .output('out')
      .build(),
  );
  graphs.push(g);
  return g;
}

describe('both entry points refuse at the call and the run goes on', () => {
  it('Run.push: a push after Max is refused, the next valid one still goes through', async () => {
    const run = passThroughRun();
    await run.start();
    await expect(run.push({ value: 'x', timestamp: Number.NaN })).rejects.toBeInstanceOf(
      InvalidTimestampError,
    );
    await run.push({ value: 'last', timestamp: T.Max });
    await expect(run.push({ value: 'late', timestamp: T.PostStream })).rejects.toBeInstanceOf(
      TimestampOrderError,
    );
    run.closeInput();
    const got: unknown[] = [];
    for await (const s of run.output('out')) got.push(s.value);
    expect(got).toEqual(['last']);
    await run.waitUntilDone();
  });

  it('CalculatorGraph.addPacket: NaN is an InvalidTimestampError, a repeat a TimestampOrderError', async () => {
    const g = passThroughGraph();
    const got: unknown[] = [];
    g.observeOutputStream('out', (_ts, v) => got.push(v));
    await g.startRun();
    await expect(g.addPacket('in', 'x', Number.NaN)).rejects.toBeInstanceOf(InvalidTimestampError);
    await g.addPacket('in', 'a', 5);
    await expect(g.addPacket('in', 'b', 5)).rejects.toBeInstanceOf(TimestampOrderError);
    await g.addPacket('in', 'c', 6);
    g.closeAllInputStreams();
    await g.waitUntilDone();
    expect(got).toEqual(['a', 'c']);
  });
});

describe('a FrameRef added from outside is checked at the call', () => {
  it('Run.push: a stale or foreign FrameRef is refused by code, naming the input; the run goes on', async () => {
    const run = passThroughRun();
    await run.start();
    const h = run.frames.alloc(16);
    run.frames.release(h);
    await expect(run.push({ value: new FrameRef(h) })).rejects.toMatchObject({
      code: 'ERR_WEFT_FRAME_STALE',
      stream: 'in',
    });
    expect(() => run.tryPush({ value: new FrameRef(12345) })).toThrow(
      expect.objectContaining({ code: 'ERR_WEFT_FRAME_FOREIGN' }),
    );
    const good = run.frames.alloc(16);
    await run.push({ value: new FrameRef(good) });
    const r = await run.pull();
    expect(r.status).toBe('sample');
    if (r.status === 'sample') run.release(r.sample);
    run.closeInput();
    await run.waitUntilDone();
    expect(run.frames.inUse()).toBe(0);
  });

  it('CalculatorGraph.addPacket: a stale FrameRef is refused by code, naming the input', async () => {
    const g = passThroughGraph();
    g.observeOutputStream('out', () => {});
    await g.startRun();
    const h = g.frames.alloc(16);
    g.frames.release(h);
    await expect(g.addPacket('in', new FrameRef(h), 1)).rejects.toMatchObject({
      code: 'ERR_WEFT_FRAME_STALE',
      stream: 'in',
    });
    g.closeAllInputStreams();
    await g.waitUntilDone();
  });
});
