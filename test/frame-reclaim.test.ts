// Frames come back however a run ends. A calculator that holds frames (input frames it kept, frames
// it allocated, the frame it was processing) when it throws, exits, runs out of memory, gets stuck
// and is terminated, or is stopped, leaves nothing in use once the run is over: the pool reclaims
// every reference the application's thread does not hold, and keeps every one it does.
import { describe, expect, it } from 'vitest';
import { CalculatorGraph } from '../src/api/calculator-graph.js';
import { pull, push, Session } from '../src/api/session.js';
import {
  CalculatorError,
  CancelledError,
  NodeStuckError,
  OutOfMemoryError,
  type WeftError,
  WorkerExitError,
} from '../src/core/errors.js';
import { FrameRef, isFrameRef } from '../src/core/frame-ref.js';
import { graph } from '../src/core/graph-builder.js';
import { FramePool } from '../src/transport/frame-pool.js';
import { closedAfterEach } from './fixtures/closed-after-each.js';
import { faultRegistry } from './fixtures/faults/registry.js';

const registry = faultRegistry;

const { graphs, runs } = closedAfterEach();

type Fault = 'throw' | 'exit' | 'oom' | 'loop' | 'none';

/** in → HoarderCalculator "hoarder" → out, with small frames. */
function hoarding(fault: Fault, phase: 'process' | 'close'): CalculatorGraph {
  const g = new CalculatorGraph(
    graph()
      .input('in')
      .node('HoarderCalculator', {
        name: 'hoarder',
        inputs: { '': 'in' },
        outputs: { '': 'out' },
        options: { fault, phase, at: 3 },
        // Only a loop is meant to be stuck: a heap filling up under load may take longer.
        stuckTimeoutMs: fault === 'loop' ? 300 : -1,
        heapLimitMb: 64,
      })
      .output('out')
      .build(),
    { registry, watchdogMs: 20, frames: { name: 'reclaim', classes: [{ slotBytes: 64, slots: 32 }] } },
  );
  graphs.push(g);
  return g;
}

/**
 * Feeds five frames, the last four once the first came out; returns the handle of that first
 * output frame, which the application keeps.
 */
async function feed(g: CalculatorGraph): Promise<number> {
  let kept = -1;
  const first = new Promise<void>((resolve) =>
    g.observeOutputStream('out', (_ts, value) => {
      if (kept < 0 && isFrameRef(value)) {
        g.frames.retain(value.handle);
        kept = value.handle;
        resolve();
      }
    }),
  );
  await g.startRun();
  for (let ts = 1; ts <= 5; ts++) {
    if (ts === 2) await first;
    const h = g.frames.alloc(64);
    g.frames.bytes(h)[0] = ts;
    // A run that already failed refuses the packet: the frame stays the caller's.
    const sent = await g.addPacket('in', new FrameRef(h), ts).catch(() => false);
    if (!sent) g.frames.release(h);
  }
  g.closeAllInputStreams();
  return kept;
}

const ROWS: readonly [Fault, 'process' | 'close', abstract new (...a: never[]) => WeftError][] = [
  ['throw', 'process', CalculatorError],
  ['throw', 'close', CalculatorError],
  ['exit', 'process', WorkerExitError],
  ['exit', 'close', WorkerExitError],
  ['oom', 'process', OutOfMemoryError],
  ['loop', 'process', NodeStuckError],
  ['loop', 'close', NodeStuckError],
];

describe('frames held by a calculator that fails come back to the pool', () => {
  it.each(ROWS)('%s in %s', async (fault, phase, cls) => {
    const g = hoarding(fault, phase);
    const kept = await feed(g);
    const err = await g.waitUntilDone().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(cls);
    expect(err).toMatchObject({ node: 'hoarder', phase });
    await g.close();
    // The frame the application kept is still its own, intact; everything else came back.
    expect(g.frames.isValid(kept)).toBe(true);
    expect(g.frames.bytes(kept)[0]).toBe(1);
    expect(g.frames.inUse()).toBe(1);
    g.frames.release(kept);
    expect(g.frames.inUse()).toBe(0);
  });

  it('a run stopped while its calculator holds frames', async () => {
    const g = hoarding('none', 'process');
    const kept = await feed(g);
    await g.cancel();
    expect(await g.waitUntilDone().catch((e: unknown) => e)).toBeInstanceOf(CancelledError);
    await g.close();
    expect(g.frames.inUse()).toBe(1);
    g.frames.release(kept);
    expect(g.frames.inUse()).toBe(0);
  });

  it('a run that ends cleanly while its calculator still holds frames', async () => {
    const g = hoarding('none', 'process');
    const kept = await feed(g);
    await g.waitUntilDone();
    await g.close();
    expect(g.frames.inUse()).toBe(1);
    g.frames.release(kept);
    expect(g.frames.inUse()).toBe(0);
  });
});

describe('a Run stopped while its calculator hoards frames and the application holds a pulled one', () => {
  it('keeps the pulled frame, reclaims the rest, and releases what was queued', async () => {
    const run = new Session({ registry, watchdogMs: 20, frames: { classes: [{ slotBytes: 64, slots: 32 }] } })
      .add(
        push('in'),
        graph().node('HoarderCalculator', {
          name: 'hoarder',
          inputs: { '': 'in' },
          outputs: { '': 'out' },
          options: { fault: 'throw', phase: 'process', at: -1 },
        }),
        pull('out'),
      )
      .build();
    runs.push(run);
    await run.start();
    const frame = () => new FrameRef(run.frames.alloc(64));
    await run.push({ value: frame() });
    const first = await run.pull();
    if (first.status !== 'sample') throw new Error(`expected a sample, got ${first.status}`);
    // Hoarded and queued at the output meanwhile, then the calculator fails at the stop.
    for (let i = 0; i < 3; i++) await run.push({ value: frame() });
    await run.stop();
    await run.close().catch(() => {});
    expect(run.frames.inUse()).toBe(1);
    run.release(first.sample);
    expect(run.frames.inUse()).toBe(0);
  });
});

describe('FramePool.reclaimOthers', () => {
  it('keeps the references its thread holds and releases the rest', () => {
    const pool = FramePool.create({ classes: [{ slotBytes: 64, slots: 8 }], ownerLedger: true });
    const other = FramePool.attach(pool.descriptor);
    const mine = pool.alloc(8);
    const shared = pool.alloc(8);
    other.retain(shared, 2); // another thread's references to a frame this one also holds
    const theirs = other.alloc(8); // a frame only another thread holds
    const sent = pool.alloc(8);
    pool.handOff(sent); // written into a ring nobody will read
    const received = other.alloc(8);
    pool.adopt(received); // popped from a ring: now this thread's
    expect(pool.reclaimOthers()).toBe(4);
    expect([mine, shared, theirs, sent, received].map((h) => pool.isValid(h))).toEqual([
      true,
      true,
      false,
      false,
      true,
    ]);
    expect(pool.inUse()).toBe(3);
    for (const h of [mine, shared, received]) pool.release(h);
    expect(pool.inUse()).toBe(0);
    expect(pool.reclaimOthers()).toBe(0);
  });

  it('forgets references another thread released for it, so a later frame in the slot is not kept', () => {
    const pool = FramePool.create({ classes: [{ slotBytes: 64, slots: 1 }], ownerLedger: true });
    const other = FramePool.attach(pool.descriptor);
    other.release(pool.alloc(8)); // this thread's reference, released elsewhere (a misuse)
    expect(pool.reclaimOthers()).toBe(0);
    const next = other.alloc(8);
    expect(pool.reclaimOthers()).toBe(1);
    expect(pool.isValid(next)).toBe(false);
    expect(pool.inUse()).toBe(0);
  });

  it('without a ledger it changes nothing', () => {
    const pool = FramePool.create({ classes: [{ slotBytes: 64, slots: 2 }] });
    const h = FramePool.attach(pool.descriptor).alloc(8);
    expect(pool.reclaimOthers()).toBe(0);
    expect(pool.isValid(h)).toBe(true);
    pool.release(h);
  });
});
