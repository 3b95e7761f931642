/**
 * Suite `cluster`: what spreading the camera fleet over hosts through Redis Streams buys, and what
 * the hop between hosts costs. Needs Debian's `redis-server` (7.x); without it the suite records
 * itself as skipped (`cluster.skipped`) and measures nothing.
 *
 * - `cluster.fleet.1proc`, `cluster.fleet.2proc` (`fps`): the fleet fed from Redis (96×96 RGBA
 *   frames in 8 streams, consumer group), consumed by one or two `weft demo --redis` processes of one
 *   lane each, results written back to Redis and acknowledged, in alternating windows of one run
 *   (see `tasks/cluster-fleet.ts`). On 2 cores the two processes share them with the server (run at
 *   a raised priority where permitted) and this process, which keeps the streams fed.
 * - `cluster.hop.redis`, `cluster.hop.ring` (`us_per_frame`): one camera frame handed from a producer
 *   to a consumer, through Redis (XADD, XREADGROUP, XACK, pipelined 32 at a time, the frame copied
 *   in and out: `tasks/cluster-redis-hop.ts`) and through weft's ring and frame pool between two
 *   threads (the frame copied into a slot, only its handle crossing: `tasks/cluster-ring-hop.ts`).
 *   Time per frame at saturation, the inverse of throughput.
 *
 * Threading: main thread.
 */
import { spawnTask } from '../../src/actors/thread-task.js';
import { FramePool } from '../../src/transport/frame-pool.js';
import { createRing } from '../../src/transport/ring-queue.js';
import type { Suite, SuiteContext } from '../lib/suite.js';
import { clusterFleetRates } from '../tasks/cluster-fleet.js';
import { redisHopMicros } from '../tasks/cluster-redis-hop.js';
import type { RingHopArgs } from '../tasks/cluster-ring-hop.js';
import { redisServerAvailable, startBenchRedis } from '../tasks/cluster-server.js';

const SIZE = 96;
const FRAME_BYTES = SIZE * SIZE * 4;
const RING_TASK = new URL('../tasks/cluster-ring-hop.ts', import.meta.url);

async function ringHopMicros(count: number): Promise<number> {
  const ring = createRing({ capacityBytes: 1 << 16, name: 'cluster hop' });
  const pool = FramePool.create({ name: 'cluster hop', classes: [{ slotBytes: FRAME_BYTES, slots: 64 }] });
  const args: RingHopArgs = { ring, pool: pool.descriptor, count, bytes: FRAME_BYTES };
  const consumer = spawnTask(RING_TASK, 'consume', args);
  const producer = spawnTask(RING_TASK, 'produce', args);
  const t0 = (await producer.result) as number;
  const { end, frames } = (await consumer.result) as { end: number; frames: number };
  if (frames !== count) throw new Error(`the ring consumer saw ${frames} of ${count} frames`);
  return ((end - t0) * 1000) / count;
}

async function run(ctx: SuiteContext): Promise<void> {
  if (!redisServerAvailable()) {
    ctx.progress('cluster: skipped, redis-server is not installed (apt-get install redis-server)');
    ctx.record('cluster.skipped', 'skipped', 1, 'redis-server not installed');
    return;
  }
  const server = await startBenchRedis();
  try {
    const hop = ctx.quick ? 2000 : 20_000;
    for (const [name, measure] of [
      ['cluster.hop.ring', () => ringHopMicros(hop)],
      ['cluster.hop.redis', () => redisHopMicros(server.url, hop, FRAME_BYTES)],
    ] as const) {
      ctx.progress(`cluster ${name}: ${hop} frames of ${FRAME_BYTES} bytes`);
      try {
        ctx.record(name, 'us_per_frame', await measure(), 'µs');
      } catch (err) {
        ctx.fail(name, err);
      }
    }
    try {
      const rates = await clusterFleetRates(
        {
          url: server.url,
          size: SIZE,
          warm: ctx.quick ? 500 : 8000,
          cycles: ctx.quick ? 1 : 4,
          windowMs: ctx.quick ? 1000 : 2000,
          refillMs: 500,
        },
        ctx.progress,
      );
      ctx.record('cluster.fleet.1proc', 'fps', rates.oneProcess, 'frames/s');
      ctx.record('cluster.fleet.2proc', 'fps', rates.twoProcesses, 'frames/s');
    } catch (err) {
      ctx.fail('cluster.fleet', err);
    }
  } finally {
    await server.close();
  }
}

/** Suite `cluster`. */
export const clusterSuite: Suite = {
  name: 'cluster',
  description: 'the fleet over Redis Streams, 1 vs 2 consumer processes, and the Redis hop vs the ring',
  ratios: [
    { case: 'cluster.fleet.2proc', baseline: 'cluster.fleet.1proc', metric: 'fps', target: 1.5 },
    { case: 'cluster.hop.redis', baseline: 'cluster.hop.ring', metric: 'us_per_frame' },
  ],
  run,
};
