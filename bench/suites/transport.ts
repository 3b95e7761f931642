/**
 * Suite `transport`: how fast do packets move from one worker thread to another, through weft's
 * ring queues and frame pool versus Node's postMessage?
 *
 * Every case runs between two worker threads (producer → consumer); the main thread only starts
 * them and releases each repetition through a shared start signal (see `lib/measure.ts`). The
 * postMessage baselines are windowed, since postMessage has no back-pressure; the ring cases are
 * bounded by the ring and the frame pool themselves. Message counts aim at 0.5–2 s per repetition
 * on a 2-core machine; `--quick` uses about a twentieth.
 */
import { MessageChannel } from 'node:worker_threads';
import { spawnTask } from '../../src/actors/thread-task.js';
import { FramePool } from '../../src/transport/frame-pool.js';
import { createRing } from '../../src/transport/ring-queue.js';
import type { ConsumerReport, PairTaskArgs, PairTasks, ProducerReport } from '../lib/measure.js';
import { measurePair } from '../lib/measure.js';
import type { RatioSpec, Suite, SuiteContext } from '../lib/suite.js';
import type { PostArgs, PostKind } from '../tasks/post-message-task.js';
import type { RingArgs, RingKind } from '../tasks/ring-task.js';

const POST_TASK = new URL('../tasks/post-message-task.ts', import.meta.url);
const RING_TASK = new URL('../tasks/ring-task.ts', import.meta.url);
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

/** A ring case; frame cases get a pool of `slots` slots of `bytes`. */
function ringCase(
  name: string,
  kind: RingKind,
  count: number,
  quickCount: number,
  frames?: { bytes: number; slots: number },
): TransportCase {
  return {
    name,
    count,
    quickCount,
    spawn(base) {
      const rings = Array.from({ length: base.reps }, (_, i) => createRing({ name: `${name}#${i + 1}` }));
      const pool =
        frames === undefined
          ? undefined
          : FramePool.create({ name, classes: [{ slotBytes: frames.bytes, slots: frames.slots }] })
              .descriptor;
      const args: RingArgs = { ...base, kind, rings, pool, bytes: frames?.bytes ?? 0 };
      return {
        producer: spawnTask<ProducerReport>(RING_TASK, 'produce', args, { name: `${name} producer` }),
        consumer: spawnTask<ConsumerReport>(RING_TASK, 'consume', args, { name: `${name} consumer` }),
      };
    },
  };
}

// Case names are a contract (README table, JSON consumers): keep them exactly. The windows keep
// 1024 packets in flight for small, batch64 and object alike; the 8 MiB cases bound memory instead.
// Frame cases share one pool shape so that only the frame size differs between them.
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
  ringCase('ring.frame.1KiB', 'frame', 1_000_000, 50_000, { bytes: 1024, slots: 16 }),
  ringCase('ring.frame.8MiB', 'frame', 1_000_000, 50_000, { bytes: 8 * MiB, slots: 16 }),
];

const ratio = (c: string, baseline: string, target?: number): RatioSpec =>
  target === undefined
    ? { case: c, baseline, metric: METRIC }
    : { case: c, baseline, metric: METRIC, target };

async function run(ctx: SuiteContext): Promise<void> {
  for (const [i, c] of cases.entries()) {
    const count = ctx.quick ? c.quickCount : c.count;
    const label = `transport ${i + 1}/${cases.length} ${c.name}`;
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
}

/** The `transport` suite. */
export const transportSuite: Suite = {
  name: 'transport',
  description: 'packets between two worker threads: weft rings and frame pool vs postMessage',
  ratios: [
    ratio('ring.small', 'postMessage.small', 10),
    ratio('ring.object', 'postMessage.object', 2),
    ratio('ring.frame.8MiB', 'ring.frame.1KiB', 0.8),
    ratio('ring.frame.8MiB', 'postMessage.clone.8MiB', 100),
    ratio('postMessage.batch64', 'postMessage.small'),
    ratio('postMessage.transfer.8MiB', 'postMessage.clone.8MiB'),
  ],
  run,
};
