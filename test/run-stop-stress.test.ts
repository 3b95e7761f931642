// stop() at seeded random moments — while starting, under load, with the producer blocked, from
// inside the consumer, after the end — never hangs, and leaves no worker thread and no frame behind;
// closeInput() at seeded random moments under the Wait policy loses no sample.
// Replay a failure with WEFT_STOP_SEED=<seed>; WEFT_STOPS sets the count of stops (default 500),
// WEFT_CLOSES that of closeInputs (default 100).
import { setImmediate as turn } from 'node:timers/promises';
import { expect, it } from 'vitest';
import { liveThreadCount } from '../src/actors/thread-task.js';
import type { Run } from '../src/api/run.js';
import type { OverflowPolicy } from '../src/api/run-options.js';
import { CancelledError } from '../src/core/errors.js';
import { FrameRef } from '../src/transport/codec.js';
import { NO_FRAME } from '../src/transport/frame-pool.js';
import { below, prng } from './fixtures/prng.js';
import { passThroughSession } from './fixtures/run/setup.js';

const SEED = Number(process.env.WEFT_STOP_SEED ?? 0x5eed);
const STOPS = Number(process.env.WEFT_STOPS ?? 500);
const CLOSES = Number(process.env.WEFT_CLOSES ?? 100);
const POLICIES: OverflowPolicy[] = ['wait', 'drop', 'replace'];
type Moment = 'starting' | 'load' | 'blocked' | 'consumer' | 'ended';
// A stop while starting terminates actors still loading: cheap (no thread boots from source in full),
// so it may come three times as often and keep the file near a minute on 2 cores.
const MOMENTS: Moment[] = ['starting', 'starting', 'starting', 'load', 'blocked', 'consumer', 'ended'];

interface Counts {
  pushed: number;
  pulled: number;
}

function release(run: Run, value: unknown): void {
  if (value instanceof FrameRef && run.frames.isValid(value.handle)) run.frames.release(value.handle);
}

/** Pushes until the run stops taking samples (CancelledError) or `limit` were pushed. */
async function produce(run: Run, policy: OverflowPolicy, frames: boolean, limit: number, c: Counts) {
  for (let i = 0; i < limit; i++) {
    let value: unknown = i;
    if (frames) {
      const h = run.frames.tryAlloc(64);
      if (h !== NO_FRAME) value = new FrameRef(h);
    }
    try {
      // Under "drop" a false tryPush already dropped (and released) the sample: do not retry it.
      const taken = run.tryPush({ value }) || (policy === 'wait' && (await run.push({ value })));
      if (!taken && policy === 'wait') release(run, value);
    } catch (err) {
      release(run, value);
      if (err instanceof CancelledError) return;
      throw err;
    }
    c.pushed++;
    if ((i & 31) === 31) await turn();
  }
  if (run.state === 'running') run.closeInput();
}

/** Pulls until closed or cancelled; `onSample` may stop the run from inside the consumer. */
async function consume(run: Run, c: Counts, onSample: () => void) {
  for (;;) {
    const r = await run.pull();
    if (r.status !== 'sample') return r.status;
    c.pulled++;
    run.release(r.sample);
    onSample();
  }
}

async function waitFor(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 1_000_000 && !cond(); i++) await turn();
}

it(`${STOPS} stops at random moments: no hang, no leaked thread or frame (seed ${SEED})`, async () => {
  const rand = prng(SEED);
  const session = passThroughSession({
    frames: { name: 'stress', classes: [{ slotBytes: 64, slots: 512 }] },
  });
  const seen = new Set<Moment>();
  for (let k = 0; k < STOPS; k++) {
    const moment = MOMENTS[below(rand, MOMENTS.length)]!;
    const policy = POLICIES[below(rand, POLICIES.length)]!;
    const frames = rand() < 0.5;
    const at = below(rand, 3000);
    const depth = 1 + below(rand, 8);
    const run = session.build({ overflowPolicy: policy, queueDepth: depth, outputDepth: 4 });
    const where = `stop #${k} (${moment}, ${policy}, frames ${frames}, at ${at})`;
    try {
      seen.add(moment);
      const starting = run.start();
      if (moment === 'starting') {
        for (let t = at % 200; t > 0; t--) await turn();
        await run.stop();
        await starting.catch((err: unknown) => expect(err, where).toBeInstanceOf(CancelledError));
      } else {
        await starting;
        await underLoad(run, moment, policy, frames, at, depth, where);
      }
    } finally {
      await run.close().catch(() => {});
    }
    expect(liveThreadCount(), where).toBe(0);
    expect(framesInUse(run), where).toBe(0);
  }
  expect(seen.size).toBe(5);
}, 400_000);

it(`${CLOSES} closeInputs at random moments under Wait: every accepted sample comes out, in order (seed ${SEED})`, async () => {
  const rand = prng(SEED ^ 0xc105e);
  const session = passThroughSession({
    frames: { name: 'closes', classes: [{ slotBytes: 64, slots: 64 }] },
  });
  let total = 0;
  for (let k = 0; k < CLOSES; k++) {
    const depth = 1 + below(rand, 8);
    const at = 1 + below(rand, 3000);
    const frames = rand() < 0.5;
    // From the producer after its last push, or from the consumer while a push may be waiting.
    const fromConsumer = rand() < 0.5;
    const run = session.build({ overflowPolicy: 'wait', queueDepth: depth, outputDepth: 1 + below(rand, 4) });
    const where = `closeInput #${k} (at ${at}, depth ${depth}, frames ${frames}, from consumer ${fromConsumer})`;
    try {
      await run.start();
      const accepted: number[] = [];
      const pulled: number[] = [];
      let closed = false;
      const producer = (async () => {
        for (let i = 0; !closed; i++) {
          if (!fromConsumer && i === at) {
            run.closeInput();
            return;
          }
          const h = frames ? run.frames.tryAlloc(64) : NO_FRAME;
          if (h !== NO_FRAME) run.frames.bytes(h)[0] = i & 0xff;
          const value = h === NO_FRAME ? i : new FrameRef(h);
          try {
            if (await run.push({ value })) accepted.push(i);
          } catch (err) {
            release(run, value);
            // A push after the consumer's closeInput is refused: it was never accepted.
            if (closed) return;
            throw err;
          }
          if ((i & 31) === 31) await turn();
        }
      })();
      for (;;) {
        const r = await run.pull();
        if (r.status !== 'sample') {
          expect(r.status, where).toBe('closed');
          break;
        }
        const v = r.sample.value;
        pulled.push(v instanceof FrameRef ? run.frames.bytes(v.handle)[0]! : (v as number) & 0xff);
        run.release(r.sample);
        if (fromConsumer && pulled.length === at) {
          closed = true;
          run.closeInput();
        }
      }
      closed = true;
      await producer;
      expect(pulled, where).toEqual(accepted.map((i) => i & 0xff));
      total += accepted.length;
    } finally {
      await run.close();
    }
    expect(liveThreadCount(), where).toBe(0);
    expect(run.frames.inUse(), where).toBe(0);
  }
  expect(total).toBeGreaterThan(CLOSES);
}, 300_000);

function framesInUse(run: Run): number {
  try {
    return run.frames.inUse();
  } catch {
    return 0; // stopped before the run had a frame pool
  }
}

async function underLoad(
  run: Run,
  moment: Moment,
  policy: OverflowPolicy,
  frames: boolean,
  at: number,
  depth: number,
  where: string,
): Promise<void> {
  const c: Counts = { pushed: 0, pulled: 0 };
  const limit = moment === 'ended' ? at : Number.POSITIVE_INFINITY;
  const producer = produce(run, policy, frames, limit, c);
  // "blocked": nobody pulls, so the full output throttles the producer until the stop.
  const consumer =
    moment === 'blocked'
      ? Promise.resolve('none')
      : consume(run, c, () => {
          if (moment === 'consumer' && c.pulled === at) void run.stop();
        });
  if (moment === 'load') {
    await waitFor(() => c.pushed >= at || run.state !== 'running');
    await run.stop();
  } else if (moment === 'blocked') {
    await waitFor(() => c.pushed >= at || run.stats().inputs.in!.queued === depth);
    await run.stop();
  } else if (moment === 'ended') {
    await consumer;
    await run.stop();
  }
  await producer;
  const status = await consumer;
  expect(['closed', 'cancelled', 'none'], where).toContain(status);
}
