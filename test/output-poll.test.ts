// The main thread's output poll: a pull about to wait first polls the graph outputs briefly (see
// OutputPump.poll), racing the pump's own event-loop wake-up. Whichever delivers, every sample
// arrives once and in order, and an observer failure is the run's typed failure.
import { afterEach, describe, expect, it } from 'vitest';
import { OutputSpin } from '../src/actors/output-spin.js';
import { pull, push, Session } from '../src/api/session.js';
import { ObserverError } from '../src/core/errors.js';
import { graph } from '../src/core/graph-builder.js';
import { closeStartedRuns, passThroughSession, startRun, testOptions } from './fixtures/run/setup.js';

afterEach(closeStartedRuns);

describe('OutputSpin: how long a pull polls', () => {
  const idleGauge = new Int32Array([0, 2]);

  it('polls up to the cap while results come within it', () => {
    const s = new OutputSpin();
    expect(s.budgetUs(idleGauge)).toBe(OutputSpin.MAX_US);
    s.waiting(100);
    s.delivered(100.05);
    expect(s.budgetUs(idleGauge)).toBe(OutputSpin.MAX_US);
  });

  it('only glances once most results take longer than the cap, and polls again once they are quick', () => {
    const s = new OutputSpin();
    const slow = (OutputSpin.MAX_US * 4) / 1000;
    let t = 0;
    let waits = 0;
    while (s.budgetUs(idleGauge) === OutputSpin.MAX_US) {
      s.waiting(t);
      t += slow;
      s.delivered(t);
      waits++;
    }
    expect(s.budgetUs(idleGauge)).toBe(OutputSpin.MIN_US);
    // A single slow result does not end the poll; a run of them does.
    expect(waits).toBeGreaterThan(1);
    while (s.budgetUs(idleGauge) === OutputSpin.MIN_US) {
      s.waiting(t);
      t += 0.01;
      s.delivered(t);
    }
    expect(s.budgetUs(idleGauge)).toBe(OutputSpin.MAX_US);
  });

  it('does not poll while the graph keeps every core busy', () => {
    const s = new OutputSpin();
    expect(s.budgetUs(new Int32Array([2, 2]))).toBe(0);
    expect(s.budgetUs(new Int32Array([1, 2]))).toBe(OutputSpin.MAX_US);
    expect(s.budgetUs(null)).toBe(OutputSpin.MAX_US);
  });

  it('measures a wait from its first pull: a delivery with nobody waiting counts for nothing', () => {
    const s = new OutputSpin();
    const slow = (OutputSpin.MAX_US * 4) / 1000;
    for (let i = 0; i < 100; i++) s.delivered(i * slow);
    expect(s.budgetUs(idleGauge)).toBe(OutputSpin.MAX_US);
    s.waiting(0);
    s.waiting(10);
    s.delivered(0.01);
    expect(s.budgetUs(idleGauge)).toBe(OutputSpin.MAX_US);
  });
});

describe('a pull right after each push', () => {
  it('gets every sample once, in order, whether the poll or the pump delivered it', async () => {
    const run = await startRun(passThroughSession().build());
    for (let i = 0; i < 300; i++) {
      expect(run.tryPush({ value: { i } })).toBe(true);
      const s = await run.pullOrThrow();
      expect(s.value).toEqual({ i });
    }
    expect(run.tryPull()).toBeUndefined();
    run.closeInput();
    await expect(run.pull()).resolves.toEqual({ status: 'closed' });
    await run.waitUntilDone();
  });

  it('a callback that throws on one output fails the run typed, while another output is pulled', async () => {
    // One input feeding two nodes: each push reaches both outputs.
    const run = new Session(testOptions)
      .add(
        push('in'),
        graph()
          .node('PassThroughCalculator', { name: 'to_a', inputs: { '': 'in' }, outputs: { '': 'oa' } })
          .node('PassThroughCalculator', { name: 'to_b', inputs: { '': 'in' }, outputs: { '': 'ob' } }),
        pull('oa'),
        pull('ob'),
      )
      .build();
    run.onOutput('oa', (s) => {
      if (s.value === 3) throw new RangeError('callback gave up');
    });
    await startRun(run);
    const ob = run.output('ob');
    let failure: unknown;
    for (let i = 0; i < 10 && failure === undefined; i++) {
      try {
        await run.push({ value: i });
        await ob.pullOrThrow();
      } catch (err) {
        failure = err;
      }
    }
    const done = await run.waitUntilDone().catch((e: unknown) => e);
    expect(done).toBeInstanceOf(ObserverError);
    expect(done).toMatchObject({ code: 'ERR_WEFT_OBSERVER', stream: 'oa', phase: 'run' });
    expect((done as Error).cause).toBeInstanceOf(RangeError);
    if (failure !== undefined) expect(failure).toBe(done);
  });
});
