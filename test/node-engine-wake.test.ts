// Wake calls: a calculator asks for a `process` call with no input ready (timers, finished tasks).
import { afterEach, describe, expect, it } from 'vitest';
import { pull, push, Session } from '../src/api/session.js';
import { defineCalculator, STOP } from '../src/core/calculator.js';
import { graph } from '../src/core/graph-builder.js';
import { Timestamp } from '../src/core/timestamp.js';
import { CalculatorRunner } from '../src/testing/calculator-runner.js';
import { createDoorbell } from '../src/transport/doorbell.js';
import { InputSet } from '../src/transport/input-set.js';
import { createRing, RingReader } from '../src/transport/ring-queue.js';
import { closeStartedRuns, registry, startRun, testOptions } from './fixtures/run/setup.js';

afterEach(closeStartedRuns);

interface Seen {
  woken: boolean;
  ts: number;
  inputEmpty: boolean;
}

// Records every process call; `wake` is handed out so the test plays the timer.
function probe(onWake?: (ctx: { woken: boolean }, wake: () => void) => unknown) {
  const seen: Seen[] = [];
  let wake: () => void = () => {};
  const definition = defineCalculator({
    name: 'WakeProbe',
    contract: { inputs: { IN: 'one' }, outputs: { OUT: 'one' }, timestampOffset: null },
    create: () => ({
      open(ctx) {
        wake = ctx.waker();
      },
      process(ctx) {
        seen.push({ woken: ctx.woken, ts: ctx.inputTimestamp, inputEmpty: ctx.input('IN').isEmpty });
        if (ctx.woken) {
          ctx.output('OUT').add('woke', 100 + seen.length);
          return onWake?.(ctx, wake) as undefined;
        }
      },
    }),
  });
  return { definition, seen, wake: () => wake() };
}

describe('wake calls in the engine', () => {
  it('a requested wake call runs once, with every input empty and woken set', async () => {
    const p = probe();
    const r = new CalculatorRunner(p.definition);
    await r.open();
    r.addPacket('IN', 5, 'a');
    expect(await r.run()).toBe(1);
    const woken = r.whenWoken();
    p.wake();
    p.wake(); // coalesces with the first
    await woken;
    expect(await r.run()).toBe(1);
    expect(await r.run()).toBe(0);
    expect(p.seen).toEqual([
      { woken: false, ts: 5, inputEmpty: false },
      { woken: true, ts: Timestamp.Unstarted, inputEmpty: true },
    ]);
    expect(r.outputs('OUT')).toEqual([{ timestamp: 102, value: 'woke' }]);
    await r.close();
  });

  it('a wake requested during a wake call is served on the next run, not in a loop', async () => {
    const p = probe((_ctx, wake) => wake());
    const r = new CalculatorRunner(p.definition);
    await r.open();
    p.wake();
    expect(await r.run()).toBe(1);
    expect(await r.run()).toBe(1);
    expect(p.seen.filter((s) => s.woken)).toHaveLength(2);
    await r.close();
  });

  it('STOP from a wake call asks for the sources to stop; requests after close are ignored', async () => {
    const p = probe(() => STOP);
    const r = new CalculatorRunner(p.definition);
    await r.open();
    p.wake();
    await r.run();
    expect(r.state).toBe('opened');
    expect(r.sourcesStopRequested).toBe(true);
    await r.close();
    p.wake();
    expect(await r.run()).toBe(0);
    expect(r.closed('OUT')).toBe(true);
  });
});

describe('InputSet.interrupt', () => {
  it('ends a wait with no data, from a callback that runs while the set waits', async () => {
    const doorbell = createDoorbell();
    const set = new InputSet([new RingReader(createRing({ doorbell }))], doorbell);
    setImmediate(() => set.interrupt());
    // Without the interrupt this wait would never end: no record ever arrives.
    await expect(set.waitAsync()).resolves.toBe(true);
    set.interrupt();
    expect(set.wait()).toBe(true);
  });
});

describe('wake calls in an actor', () => {
  it('interrupt the idle actor: a packet answered from a timer arrives while the input stays open', async () => {
    const reg = registry.register(
      'DeferredEchoCalculator',
      new URL('./fixtures/graph/deferred-echo.ts', import.meta.url),
    );
    const session = new Session({ ...testOptions, registry: reg }).add(
      push('in'),
      graph().node('DeferredEchoCalculator', { inputs: { '': 'in' }, outputs: { '': 'out' } }),
      pull('out'),
    );
    const run = await startRun(session.build());
    for (const value of ['a', 'b', 'c']) {
      await run.push({ value });
      // Pulled before the input closes: only the wake call could have emitted it.
      await expect(run.pullOrThrow()).resolves.toMatchObject({ value });
    }
    run.closeInput();
    await run.waitUntilDone();
  });
});
