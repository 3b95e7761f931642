// The three shutdown intents: closeInput (finish queued work), stop (cancel now, unblock waiters),
// close (release everything; idempotent; also `await using`).
import { afterEach, describe, expect, it } from 'vitest';
import { liveThreadCount } from '../src/actors/thread-task.js';
import { defaultRegistry } from '../src/api/graph-preparation.js';
import { pull, Session } from '../src/api/session.js';
import { CalculatorRegistry } from '../src/core/calculator-registry.js';
import { CancelledError } from '../src/core/errors.js';
import { graph } from '../src/core/graph-builder.js';
import { FrameRef } from '../src/transport/codec.js';
import {
  closeAfterTest,
  closeStartedRuns,
  Latch,
  latchSession,
  passThroughSession,
  startRun,
} from './fixtures/run/setup.js';
import { waitUntil } from './helpers/wait-until.js';

afterEach(closeStartedRuns);
const started = startRun;

/** Settles first: the promise, or the marker (the promise is still pending after this turn). */
function settledFirst(p: Promise<unknown>, other: Promise<unknown>): Promise<string> {
  return Promise.race([
    p.then(
      () => 'first',
      () => 'first',
    ),
    other.then(() => 'other'),
  ]);
}

describe('closeInput: finish queued work', () => {
  it('delivers every pushed sample, in order, then reports closed; the run ends', async () => {
    const run = await started(passThroughSession().build({ queueDepth: 2 }));
    const producer = (async () => {
      for (let i = 0; i < 2000; i++) await run.push({ value: i % 2 === 0 ? i : { i } });
      run.closeInput();
    })();
    const got: unknown[] = [];
    for (;;) {
      const r = await run.pull();
      if (r.status !== 'sample') {
        expect(r.status).toBe('closed');
        break;
      }
      got.push(r.sample.value);
    }
    await producer;
    expect(got).toEqual(Array.from({ length: 2000 }, (_, i) => (i % 2 === 0 ? i : { i })));
    await run.waitUntilDone();
    expect(run.state).toBe('ended');
    await expect(run.pull()).resolves.toEqual({ status: 'closed' });
    await expect(run.pull(0)).resolves.toEqual({ status: 'closed' });
  });

  it('ends `for await` over an output when the output closes', async () => {
    const run = await started(passThroughSession().build());
    for (let i = 0; i < 10; i++) await run.push({ value: i });
    run.closeInput();
    const got: number[] = [];
    for await (const s of run.output('out')) got.push(s.value as number);
    expect(got).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(run.output('out').done).toBe(true);
  });

  it('carries frames through and leaves none in use once pulled samples are released', async () => {
    const run = await started(passThroughSession().build());
    for (let i = 0; i < 50; i++) {
      const h = run.frames.alloc(100);
      run.frames.bytes(h)[0] = i;
      await run.push({ value: new FrameRef(h) });
    }
    run.closeInput();
    let n = 0;
    for await (const s of run.output()) {
      expect(run.frames.bytes((s.value as FrameRef).handle)[0]).toBe(n++);
      run.release(s);
    }
    await run.waitUntilDone();
    expect(run.frames.inUse()).toBe(0);
  });
});

describe('stop: cancel now and unblock waiting work', () => {
  it('settles a pull waiting on a graph that never emits, before the actors are gone', async () => {
    const latch = new Latch();
    const run = await started(latchSession(latch).build(), latch);
    await run.push({ value: 1 });
    const pulled = run.pull();
    const stopping = run.stop();
    expect(await settledFirst(pulled, stopping)).toBe('first');
    await expect(pulled).resolves.toEqual({ status: 'cancelled' });
    latch.open();
    await stopping;
    expect(run.state).toBe('stopped');
    expect(liveThreadCount()).toBe(0);
  });

  it('rejects a push waiting on a graph that never drains with CancelledError, promptly', async () => {
    const latch = new Latch();
    const run = await started(latchSession(latch).build(), latch);
    let i = 0;
    while (run.tryPush({ value: i })) i++;
    const pushed = run.push({ value: i });
    const stopping = run.stop();
    expect(await settledFirst(pushed, stopping)).toBe('first');
    await expect(pushed).rejects.toBeInstanceOf(CancelledError);
    latch.open();
    await stopping;
  });

  it('after stop: push rejects CancelledError, pull reports cancelled, waitUntilDone rejects', async () => {
    const run = await started(passThroughSession().build());
    await run.push({ value: 1 });
    await run.stop();
    await expect(run.push({ value: 2 })).rejects.toBeInstanceOf(CancelledError);
    expect(() => run.tryPush({ value: 2 })).toThrow(CancelledError);
    await expect(run.pull()).resolves.toEqual({ status: 'cancelled' });
    expect(run.tryPull()).toBeUndefined();
    expect(run.output().done).toBe(true);
    await expect(run.waitUntilDone()).rejects.toBeInstanceOf(CancelledError);
    await expect(run.stop()).resolves.toBeUndefined();
  });

  it('a stop during start rejects start with CancelledError and starts nothing', async () => {
    const run = passThroughSession().build();
    closeAfterTest(run);
    const starting = run.start();
    await run.stop();
    await expect(starting).rejects.toBeInstanceOf(CancelledError);
    expect(run.state).toBe('stopped');
    expect(liveThreadCount()).toBe(0);
  });
});

describe('close: release everything', () => {
  it('after stop: resolves, pulls stay cancelled; close is idempotent', async () => {
    const latch = new Latch();
    const run = await started(latchSession(latch).build(), latch);
    const pulled = run.pull();
    const stopping = run.stop();
    latch.open();
    await stopping;
    const closing = run.close();
    expect(run.close()).toBe(closing);
    await closing;
    expect(run.state).toBe('closed');
    await expect(pulled).resolves.toEqual({ status: 'cancelled' });
    await expect(run.pull(0)).resolves.toEqual({ status: 'cancelled' });
    await expect(run.push({ value: 1 })).rejects.toBeInstanceOf(CancelledError);
  });

  it('ends `for await` over an output and releases frames still queued', async () => {
    const session = passThroughSession();
    const run = await started(session.build());
    for (let i = 0; i < 5; i++) await run.push({ value: new FrameRef(run.frames.alloc(10)) });
    const out = run.output();
    const first = await out.pullOrThrow();
    run.release(first);
    const consumer = (async () => {
      let n = 0;
      for await (const s of out) {
        run.release(s);
        if (++n === 2) break;
      }
      for await (const s of out) run.release(s);
      return 'ended';
    })();
    // Pushes still reach the graph while the consumer waits; close cancels all of it.
    await run.close();
    await expect(consumer).resolves.toBe('ended');
    expect(run.frames.inUse()).toBe(0);
    expect(liveThreadCount()).toBe(0);
  });

  it('`await using` closes the run, and the session builds a new one', async () => {
    const session = passThroughSession();
    {
      await using run = session.build();
      await run.start();
      await run.push({ value: 7 });
      expect((await run.pullOrThrow()).value).toBe(7);
    }
    expect(liveThreadCount()).toBe(0);
    await using again = session.build();
    await again.start();
    await again.push({ value: 8 });
    expect((await again.pullOrThrow()).value).toBe(8);
  });

  it('closes a run that never started', async () => {
    const session = passThroughSession();
    const run = session.build();
    await run.close();
    expect(run.state).toBe('closed');
    session.build();
    await session.close();
  });
});

describe('stop while a source waits for a frame slot', () => {
  it('the frames left unread in a graph output come back: the source goes on, stop ends without the grace', async () => {
    const registry = new CalculatorRegistry(defaultRegistry()).register(
      'FrameSourceCalculator',
      new URL('./fixtures/graph/frame-source.ts', import.meta.url),
    );
    // A grace far past the test's timeout: a stop that waited it out would fail the test.
    const session = new Session({
      registry,
      frames: { classes: [{ slotBytes: 1024, slots: 4 }] },
      shutdownTimeoutMs: 600_000,
    }).add(
      graph().node('FrameSourceCalculator', {
        name: 'src',
        outputs: { '': 'f' },
        options: { count: 1_000_000, bytes: 1024 },
      }),
      pull('f'),
    );
    const run = await started(session.build({ outputDepth: 1 }));
    // Nobody pulls: the output holds one frame, the ring the rest, and the source waits for a slot.
    await waitUntil(
      () => run.stageStats().find((s) => s.node === 'src')!.state === 'WaitingFrame',
      'the source waits for a frame slot',
    );
    await run.stop();
    expect(liveThreadCount()).toBe(0);
    await expect(run.waitUntilDone()).rejects.toBeInstanceOf(CancelledError);
    expect(run.frames.inUse()).toBe(0);
  });
});
