/**
 * Suite `transport`: how fast do packets move from one worker thread to another, through weft's
 * ring queues and frame pool versus Node's postMessage?
 *
 * Every case runs between two worker threads (producer → consumer); the main thread only starts
 * them and releases each repetition through a shared start signal (see `lib/measure.ts`). Message
 * counts aim at 0.5–2 s per repetition on a 2-core machine; `--quick` uses about a twentieth.
 *
 * - `postMessage.small`, `postMessage.object`: `{ ts, value }`, and a small detection-like object,
 *   one per message; `postMessage.batch64`: 64 `{ ts, value }` per message (counted as 64 packets).
 * - `postMessage.clone.8MiB`: an 8 MiB Uint8Array per message, structured-cloned (copied);
 *   `postMessage.transfer.8MiB`: an 8 MiB ArrayBuffer transferred, and transferred back for reuse.
 *   postMessage has no back-pressure, so these baselines are windowed (acknowledgements, or the
 *   returned buffers).
 * - `ring.small`, `ring.object`: a number, and the same object msgpack-encoded, per ring record;
 *   bounded by the ring itself (64 KiB, the default).
 * - `ring.frame.1KiB`, `ring.frame.8MiB`: the producer allocates a frame from a shared pool, writes
 *   its first byte and pushes its handle; the consumer pops it, reads that byte and releases it. The
 *   claim under test: only the handle crosses, so a frame costs the same whatever its size. Both
 *   sizes run on one pair of threads (`tasks/ring-frame-task.ts`), in alternating repetitions after
 *   one warm-up of each (1KiB, 8MiB, then 8MiB 1KiB, 1KiB 8MiB, …), so both see the same machine
 *   and the same JIT-compiled code. The ring (4 KiB: 170 frame records) paces the pair; each size's
 *   pool class has 192 slots, more than the 172 frames that can be alive at once (the ring's
 *   records, the one being written, the one being read), so the producer never waits for a slot
 *   (the pair fails if the pool's exhausted-wait counter moved), and every slot is touched before
 *   the first clock starts (no first-touch page faults measured). Metrics: `ns_per_frame`, the
 *   median over the size's repetitions (at least 7; more with `--reps`) of (consumer end − producer
 *   start) / frames; `ns_per_frame_spread`, (slowest − fastest) / median of those, in %; and
 *   `msgs_per_s`, 1e9 / `ns_per_frame` (a median, where the other cases report their best), for
 *   the comparison with `postMessage.clone.8MiB`.
 *
 * Why the frame pair is built so: with the ring's default 64 KiB and a 16-slot pool (as before),
 * the producer ran out of slots every ~12 frames (fewer slots than the 32 records a writer
 * publishes at once) and parked on the pool, so the rate measured futex wake-ups on a shared VM
 * (0.2–1.4 M frames/s from run to run, the 8MiB/1KiB ratio 0.6–3x), not the hand-over. A pool
 * that never limits a 64 KiB ring (2730 frame records) would need 21 GiB of 8 MiB slots, hence the
 * small ring; with 1–2 KiB, repetitions swing 2x again (~450 or ~900 ns a frame). Size does cost a
 * little once many frames are in flight, likely TLB and cache misses (8 MiB frames' first bytes lie
 * one per page, all at one page offset): 8MiB measured 0–10% over 1KiB at 170 in flight, ~10% at
 * 340 (an 8 KiB ring).
 */
import { MessageChannel } from 'node:worker_threads';
import { spawnTask } from '../../src/actors/thread-task.js';
import { FramePool } from '../../src/transport/frame-pool.js';
import { createRing } from '../../src/transport/ring-queue.js';
import type { ConsumerReport, PairTaskArgs, PairTasks, ProducerReport } from '../lib/measure.js';
import { measurePair } from '../lib/measure.js';
import type { RatioSpec, Suite, SuiteContext } from '../lib/suite.js';
import type { PostArgs, PostKind } from '../tasks/post-message-task.js';
import type { FrameArgs, FrameProducerReport } from '../tasks/ring-frame-task.js';
import type { RingArgs, RingKind } from '../tasks/ring-task.js';

const POST_TASK = new URL('../tasks/post-message-task.ts', import.meta.url);
const RING_TASK = new URL('../tasks/ring-task.ts', import.meta.url);
const FRAME_TASK = new URL('../tasks/ring-frame-task.ts', import.meta.url);
const METRIC = 'msgs_per_s';
const UNIT = 'msg/s';
const MiB = 1024 * 1024;

interface TransportCase {
  name: string;
  /** Packets per repetition, normal and `--quick`. */
  count: number;
  quickCount: number;
  spawn(base: PairTaskArgs): PairTasks;
}

/** A postMessage case; `window` and `ackEvery` are in messages. */
function postCase(
  name: string,
  kind: PostKind,
  count: number,
  quickCount: number,
  flow: { window: number; ackEvery: number; bytes?: number },
): TransportCase {
  return {
    name,
    count,
    quickCount,
    spawn(base) {
      const { port1, port2 } = new MessageChannel();
      const args = { ...base, kind, window: flow.window, ackEvery: flow.ackEvery, bytes: flow.bytes ?? 0 };
      const producerArgs: PostArgs = { ...args, port: port1 };
      const consumerArgs: PostArgs = { ...args, port: port2 };
      return {
        producer: spawnTask<ProducerReport>(POST_TASK, 'produce', producerArgs, { transferList: [port1] }),
        consumer: spawnTask<ConsumerReport>(POST_TASK, 'consume', consumerArgs, { transferList: [port2] }),
      };
    },
  };
}

/** A ring case (numbers or objects, never frames: those are {@link framePair}'s). */
function ringCase(name: string, kind: RingKind, count: number, quickCount: number): TransportCase {
  return {
    name,
    count,
    quickCount,
    spawn(base) {
      const rings = Array.from({ length: base.reps }, (_, i) => createRing({ name: `${name}#${i + 1}` }));
      const args: RingArgs = { ...base, kind, rings };
      return {
        producer: spawnTask<ProducerReport>(RING_TASK, 'produce', args, { name: `${name} producer` }),
        consumer: spawnTask<ConsumerReport>(RING_TASK, 'consume', args, { name: `${name} consumer` }),
      };
    },
  };
}

// Case names are a contract (README table, JSON consumers): keep them exactly. The windows keep
// 1024 packets in flight for small, batch64 and object alike; the 8 MiB cases bound memory instead.
const cases: readonly TransportCase[] = [
  postCase('postMessage.small', 'small', 400_000, 20_000, { window: 1024, ackEvery: 256 }),
  postCase('postMessage.batch64', 'batch64', 1_600_000, 80_000, { window: 16, ackEvery: 4 }),
  postCase('postMessage.object', 'object', 300_000, 15_000, { window: 1024, ackEvery: 256 }),
  postCase('postMessage.clone.8MiB', 'clone', 200, 20, { window: 4, ackEvery: 1, bytes: 8 * MiB }),
  postCase('postMessage.transfer.8MiB', 'transfer', 50_000, 2_500, {
    window: 8,
    ackEvery: 1,
    bytes: 8 * MiB,
  }),
  ringCase('ring.small', 'small', 20_000_000, 1_000_000),
  ringCase('ring.object', 'object', 1_000_000, 50_000),
];

// The frame pair (see the file comment). Its case names are a contract too.
const FRAME_SIZES: readonly { name: string; bytes: number }[] = [
  { name: 'ring.frame.1KiB', bytes: 1024 },
  { name: 'ring.frame.8MiB', bytes: 8 * MiB },
];
/** Frames per repetition, normal and `--quick` (~0.2 s and ~10 ms at ~450 ns a frame). */
const FRAME_COUNT = 500_000;
const FRAME_QUICK_COUNT = 25_000;
/** Measured repetitions per size, at least (`--reps` raises it); `--quick`: 3. */
const FRAME_REPS = 7;
/** The pair's ring: 4 KiB holds 170 frame records (24 bytes each). */
const FRAME_RING_BYTES = 4096;
/** Slots per size class: more than the 172 frames that can be alive at once (see the file comment). */
const FRAME_SLOTS = 192;
const NS_METRIC = 'ns_per_frame';
const SPREAD_METRIC = 'ns_per_frame_spread';

/**
 * The order of the pair's repetitions: one warm-up of each size, then `perSize` of each, the order
 * within each pair of repetitions alternating (A B, B A, A B, …) so that neither size always runs
 * first. Entries are indexes into {@link FRAME_SIZES}.
 */
function frameOrder(perSize: number): { warmUp: number; order: number[] } {
  const order = [0, 1];
  for (let i = 0; i < perSize; i++) order.push(...(i % 2 === 0 ? [1, 0] : [0, 1]));
  return { warmUp: 2, order };
}

/** Middle value (mean of the two middle ones for an even count). */
function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Measures both frame sizes on one pair of threads and records each size's three metrics. */
async function framePair(ctx: SuiteContext, label: string): Promise<void> {
  const count = ctx.quick ? FRAME_QUICK_COUNT : FRAME_COUNT;
  const { warmUp, order } = frameOrder(Math.max(ctx.reps, ctx.quick ? 3 : FRAME_REPS));
  const sizes = order.map((i) => FRAME_SIZES[i]!.bytes);
  let slotWaits: number[] = [];
  ctx.progress(`${label}: starting threads`);
  try {
    const { rates } = await measurePair({
      count,
      reps: order.length,
      timeoutMs: ctx.quick ? 60_000 : 180_000,
      spawn(base) {
        const rings = order.map((i, rep) =>
          createRing({ name: `${FRAME_SIZES[i]!.name}#${rep + 1}`, capacityBytes: FRAME_RING_BYTES }),
        );
        const classes = FRAME_SIZES.map((s) => ({ slotBytes: s.bytes, slots: FRAME_SLOTS }));
        const pool = FramePool.create({ name: 'ring.frame', classes }).descriptor;
        const args: FrameArgs = { ...base, rings, pool, sizes };
        const producer = spawnTask<FrameProducerReport>(FRAME_TASK, 'produce', args, {
          name: 'frame producer',
        });
        producer.result.then((r) => (slotWaits = r.slotWaits)).catch(() => {});
        return {
          producer,
          consumer: spawnTask<ConsumerReport>(FRAME_TASK, 'consume', args, { name: 'frame consumer' }),
        };
      },
      onRep: (rep) => {
        const what = rep <= warmUp ? 'warm-up' : `repetition ${rep - warmUp}/${order.length - warmUp}`;
        ctx.progress(`${label}: ${what}, ${FRAME_SIZES[order[rep - 1]!]!.name} (${count} frames)`);
      },
    });
    const waited = slotWaits.reduce((a, b) => a + b, 0);
    if (waited > 0) {
      throw new Error(`the pool limited the producer (${waited} waits for a slot): raise FRAME_SLOTS`);
    }
    for (const [i, size] of FRAME_SIZES.entries()) {
      const ns = rates.flatMap((rate, rep) => (rep >= warmUp && order[rep] === i ? [1e9 / rate] : []));
      const mid = median(ns);
      ctx.record(size.name, NS_METRIC, mid, 'ns');
      ctx.record(size.name, SPREAD_METRIC, ((Math.max(...ns) - Math.min(...ns)) / mid) * 100, '%');
      ctx.record(size.name, METRIC, 1e9 / mid, UNIT);
    }
  } catch (err) {
    for (const size of FRAME_SIZES) ctx.fail(size.name, err);
  }
}

const ratio = (c: string, baseline: string, target?: number): RatioSpec =>
  target === undefined
    ? { case: c, baseline, metric: METRIC }
    : { case: c, baseline, metric: METRIC, target };

async function run(ctx: SuiteContext): Promise<void> {
  const total = cases.length + 1;
  for (const [i, c] of cases.entries()) {
    const count = ctx.quick ? c.quickCount : c.count;
    const label = `transport ${i + 1}/${total} ${c.name}`;
    ctx.progress(`${label}: starting threads`);
    try {
      const { best } = await measurePair({
        count,
        reps: ctx.reps,
        timeoutMs: ctx.quick ? 60_000 : 180_000,
        spawn: c.spawn,
        onRep: (rep) => ctx.progress(`${label}: repetition ${rep}/${ctx.reps} (${count} packets)`),
      });
      ctx.record(c.name, METRIC, best, UNIT);
    } catch (err) {
      ctx.fail(c.name, err);
    }
  }
  await framePair(ctx, `transport ${total}/${total} ring.frame.1KiB+8MiB`);
}

/** The `transport` suite. */
export const transportSuite: Suite = {
  name: 'transport',
  description: 'packets between two worker threads: weft rings and frame pool vs postMessage',
  ratios: [
    ratio('ring.small', 'postMessage.small', 10),
    ratio('ring.object', 'postMessage.object', 2),
    // A frame's cost whatever its size: 8 MiB within 1.25x of 1 KiB (the cost is a handle's).
    {
      case: 'ring.frame.8MiB',
      baseline: 'ring.frame.1KiB',
      metric: NS_METRIC,
      target: 1.25,
      lowerIsBetter: true,
    },
    ratio('ring.frame.8MiB', 'postMessage.clone.8MiB', 100),
    ratio('postMessage.batch64', 'postMessage.small'),
    ratio('postMessage.transfer.8MiB', 'postMessage.clone.8MiB'),
  ],
  run,
};
