// Every documented Run error: misuse (UsageError), timestamps, payloads, and a graph error that
// sticks to every push and pull until close, naming its node and phase.
import { afterEach, describe, expect, it } from 'vitest';
import { liveThreadCount } from '../src/actors/thread-task.js';
import type { Run } from '../src/api/run.js';
import { pull, push, Session } from '../src/api/session.js';
import {
  CalculatorError,
  GraphInvalidError,
  InvalidArgumentError,
  InvalidTimestampError,
  PayloadTooLargeError,
  TimestampOrderError,
  UsageError,
} from '../src/core/errors.js';
import { graph } from '../src/core/graph-builder.js';
import {
  Latch,
  latchSession,
  passThroughSession,
  testOptions,
  twoInputSession,
} from './fixtures/run/setup.js';
import { waitUntil } from './helpers/wait-until.js';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

function track(run: Run, latch?: Latch): Run {
  cleanup.push(async () => {
    latch?.open();
    await run.close().catch(() => {});
  });
  return run;
}

/** push('in') → FailInCalculator ("breaker", throws in process at timestamp 3) → pull('out'). */
function failingSession(): Session {
  return new Session(testOptions).add(
    push('in'),
    graph().node('FailInCalculator', {
      name: 'breaker',
      inputs: { '': 'in' },
      outputs: { '': 'out' },
      options: { phase: 'process', at: 3 },
    }),
    pull('out'),
  );
}

describe('misuse is a UsageError, not corruption', () => {
  it('a second push on an input while the first still waits', async () => {
    const latch = new Latch();
    const run = track(latchSession(latch).build(), latch);
    await run.start();
    let i = 0;
    while (run.tryPush({ value: i })) i++;
    const first = run.push({ value: i });
    await expect(run.push({ value: i + 1 })).rejects.toBeInstanceOf(UsageError);
    expect(() => run.tryPush({ value: i + 1 })).toThrow(UsageError);
    latch.open();
    await expect(first).resolves.toBe(true);
  });

  it('a second pull on an output while the first still waits', async () => {
    const run = track(passThroughSession().build());
    await run.start();
    const first = run.pull();
    await expect(run.pull()).rejects.toBeInstanceOf(UsageError);
    expect(() => run.tryPull()).toThrow(UsageError);
    await run.push({ value: 5 });
    await expect(first).resolves.toMatchObject({ status: 'sample', sample: { value: 5 } });
  });

  it('push, pull and closeInput before start; start twice; push after closeInput', async () => {
    const run = track(passThroughSession().build());
    await expect(run.push({ value: 1 })).rejects.toBeInstanceOf(UsageError);
    expect(() => run.tryPush({ value: 1 })).toThrow(UsageError);
    await expect(run.pull()).rejects.toBeInstanceOf(UsageError);
    expect(() => run.closeInput()).toThrow(UsageError);
    await run.start();
    await expect(run.start()).rejects.toThrow(/start\(\) was already called \(the run is running\)/);
    run.closeInput();
    run.closeInput();
    await expect(run.push({ value: 1 })).rejects.toBeInstanceOf(UsageError);
    await expect(run.pull()).resolves.toEqual({ status: 'closed' });
  });

  it('start after stop, never started: says the run was stopped before it started', async () => {
    const run = track(passThroughSession().build());
    await run.stop();
    await expect(run.start()).rejects.toThrow(/the run was stopped before it started: build a new run/);
  });

  it('a second live run of one session, and adding parts while a run is live', async () => {
    const session = passThroughSession();
    const run = track(session.build());
    expect(() => session.build()).toThrow(UsageError);
    expect(() => session.pull('other')).toThrow(UsageError);
    await run.close();
    track(session.build());
  });

  it('onOutput after start, and pulling an output that has a callback', async () => {
    const run = track(passThroughSession().build());
    run.onOutput('out', () => {});
    await run.start();
    expect(() => run.onOutput('out', () => {})).toThrow(UsageError);
    await expect(run.pull()).rejects.toBeInstanceOf(UsageError);
  });

  it('names: an unknown input or output, and an unnamed push with several inputs', async () => {
    const session = twoInputSession();
    const run = track(session.build());
    await run.start();
    expect(() => run.tryPush({ value: 1 })).toThrow(UsageError);
    expect(() => run.tryPush({ input: 'c', value: 1 })).toThrow(InvalidArgumentError);
    expect(() => run.output('z')).toThrow(InvalidArgumentError);
    await expect(run.pull()).rejects.toBeInstanceOf(UsageError);
  });
});

describe('timestamps and payloads', () => {
  it('a timestamp not above the previous on an input: TimestampOrderError naming the input', async () => {
    const run = track(passThroughSession().build());
    await run.start();
    await run.push({ value: 1, timestamp: 100 });
    const err = await run.push({ value: 2, timestamp: 100 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimestampOrderError);
    expect(err).toMatchObject({ stream: 'in' });
    expect((err as Error).message).toMatch(
      /timestamp 100 added to input "in" must be at least 101: the input's last packet or timestamp bound \(100\)/,
    );
    expect(() => run.tryPush({ value: 2, timestamp: 50 })).toThrow(TimestampOrderError);
    // The run goes on: a later timestamp is fine, and so is one from the run clock.
    await run.push({ value: 3, timestamp: 101 });
    await run.push({ value: 4 });
    const out = [await run.pullOrThrow(), await run.pullOrThrow(), await run.pullOrThrow()];
    expect(out.map((s) => s.value)).toEqual([1, 3, 4]);
    expect(out[2]!.timestamp).toBeGreaterThan(101);
  });

  it('a timestamp that is not a safe integer is an InvalidTimestampError', async () => {
    const run = track(passThroughSession().build());
    await run.start();
    for (const ts of [Number.NaN, 1.5, Number.POSITIVE_INFINITY]) {
      await expect(run.push({ value: 1, timestamp: ts })).rejects.toBeInstanceOf(InvalidTimestampError);
    }
  });

  it('something that is not a sample is InvalidArgumentError, never pushed as an empty value', async () => {
    const run = track(passThroughSession().build());
    await run.start();
    for (const bad of [5, 'x', undefined, null, {}, { input: 'in' }]) {
      await expect(run.push(bad as never)).rejects.toThrow(InvalidArgumentError);
      expect(() => run.tryPush(bad as never)).toThrow(/push takes a sample, \{ value/);
    }
    // The sample pushed next is the first the graph sees.
    expect(await run.push({ value: 9, timestamp: 1 })).toBe(true);
    expect(await run.pullOrThrow()).toMatchObject({ value: 9, timestamp: 1 });
  });

  it('a pull timeout below 0 other than -1, or no number, is InvalidArgumentError; Infinity waits', async () => {
    const run = track(passThroughSession().build());
    await run.start();
    for (const bad of [-5, -1.5, Number.NaN, 'abc']) {
      await expect(run.pull(bad as never)).rejects.toThrow(/pull timeout must be a number of ms ≥ 0/);
    }
    const waiting = run.pull(Number.POSITIVE_INFINITY);
    expect(await run.push({ value: 3, timestamp: 1 })).toBe(true);
    expect(await waiting).toMatchObject({ status: 'sample', sample: { value: 3 } });
  });

  it('an inline payload over the ring limit: PayloadTooLargeError on the push, queued or not', async () => {
    const latch = new Latch();
    const run = track(latchSession(latch).build(), latch);
    await run.start();
    const big = { blob: 'x'.repeat(4096) };
    expect(() => run.tryPush({ value: big })).toThrow(PayloadTooLargeError);
    let i = 0;
    while (run.tryPush({ value: i })) i++;
    await expect(run.push({ value: big })).rejects.toBeInstanceOf(PayloadTooLargeError);
  });
});

describe('a graph error is sticky until close', () => {
  it('surfaces on the next pull, then every push and pull, with node and phase; close resolves', async () => {
    const run = track(failingSession().build());
    await run.start();
    for (let ts = 1; ts <= 5; ts++) await run.push({ value: ts, timestamp: ts });
    let err: unknown;
    for (;;) {
      try {
        const r = await run.pull();
        expect(r.status).toBe('sample');
      } catch (e) {
        err = e;
        break;
      }
    }
    expect(err).toBeInstanceOf(CalculatorError);
    expect(err).toMatchObject({ node: 'breaker', phase: 'process' });
    expect(run.state).toBe('failed');
    await expect(run.push({ value: 6, timestamp: 6 })).rejects.toBe(err);
    expect(() => run.tryPush({ value: 6, timestamp: 6 })).toThrow(err as Error);
    await expect(run.pull()).rejects.toBe(err);
    expect(() => run.tryPull()).toThrow(err as Error);
    await expect(run.waitUntilDone()).rejects.toBe(err);
    await run.close();
    expect(liveThreadCount()).toBe(0);
    // Sticky until close: afterwards the run only reports that it is over.
    await expect(run.pull(0)).resolves.toEqual({ status: 'cancelled' });
  });

  it('rejects a pull waiting when the graph fails', async () => {
    const run = track(failingSession().build());
    await run.start();
    await run.push({ value: 3, timestamp: 3 });
    await expect(run.pull()).rejects.toBeInstanceOf(CalculatorError);
  });

  it('a failure that rejected a waiting pull counts as reported: close() does not throw it again', async () => {
    const run = track(failingSession().build());
    await run.start();
    const waiting = run.pull(); // waits before anything is pushed
    await run.push({ value: 3, timestamp: 3 });
    await expect(waiting).rejects.toMatchObject({ code: 'ERR_WEFT_CALCULATOR', node: 'breaker' });
    await expect(run.close()).resolves.toBeUndefined();
  });

  it('close rejects with an error no call reported yet, so it is never lost', async () => {
    const run = track(failingSession().build());
    await run.start();
    await run.push({ value: 3, timestamp: 3 });
    await waitUntil(() => run.state === 'failed', 'the run failed');
    const closing = run.close();
    await expect(closing).rejects.toBeInstanceOf(CalculatorError);
    await expect(closing).rejects.toMatchObject({ node: 'breaker', phase: 'process' });
  });

  it('an exception in an onOutput callback fails the run', async () => {
    const run = track(passThroughSession().build());
    run.onOutput('out', (s) => {
      if (s.value === 2) throw new RangeError('consumer gave up');
    });
    await run.start();
    for (let i = 0; i < 3; i++) await run.push({ value: i });
    const err = await run.waitUntilDone().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_WEFT_OBSERVER', stream: 'out' });
    expect((err as Error).message).toContain('consumer gave up');
    expect((err as Error).cause).toBeInstanceOf(RangeError);
  });
});

describe('errors before anything runs', () => {
  it('an invalid graph rejects start with every problem, and starts no thread', async () => {
    const session = new Session(testOptions).add(
      push('in'),
      graph().node('NoSuchCalculator', { inputs: { '': 'in' }, outputs: { '': 'out' } }),
      pull('missing'),
    );
    const run = track(session.build());
    const err = await run.start().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GraphInvalidError);
    const codes = (err as { problems: { code: string }[] }).problems.map((p) => p.code);
    expect(codes).toContain('ERR_WEFT_UNKNOWN_CALCULATOR');
    expect(codes).toContain('ERR_WEFT_NO_PRODUCER');
    expect(run.state).toBe('failed');
    await expect(run.push({ value: 1 })).rejects.toBe(err);
    await run.close();
    expect(liveThreadCount()).toBe(0);
  });

  it('an error in open rejects the synchronous run with the node and phase', async () => {
    const session = new Session(testOptions).add(
      graph()
        .inputSidePacket('n')
        .node('CounterSourceCalculator', { outputs: { '': 'out' }, inputSidePackets: { COUNT: 'n' } }),
    );
    const err = await session.run({ n: 'three' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CalculatorError);
    expect(err).toMatchObject({ node: 'CounterSourceCalculator', phase: 'open' });
    expect(liveThreadCount()).toBe(0);
  });

  it('bad options or parts: InvalidArgumentError; sync run with Push inputs: UsageError', async () => {
    const session = passThroughSession();
    expect(() => session.build({ queueDepth: 0 })).toThrow(InvalidArgumentError);
    expect(() => session.build({ overflowPolicy: 'oldest' as never })).toThrow(InvalidArgumentError);
    expect(() => session.build({ preset: 'fast' as never })).toThrow(InvalidArgumentError);
    expect(() => session.build({ pushTimeoutMs: -5 })).toThrow(InvalidArgumentError);
    expect(() => session.add(42 as never)).toThrow(InvalidArgumentError);
    expect(() => session.push('in')).toThrow(UsageError);
    await expect(session.run()).rejects.toBeInstanceOf(UsageError);
  });
});
