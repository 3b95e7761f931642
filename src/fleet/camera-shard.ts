/**
 * CameraShardCalculator: one shard of a synthetic camera fleet (seed 004's sharded consumers).
 *
 * Threading: the definition is plain data plus functions; an instance runs on its actor's thread.
 */

import {
  channelsOf,
  renderSyntheticFrame,
  type SyntheticPixelFormat,
} from '../calculators/synthetic-video.js';
import { type CalculatorContext, defineCalculator, STOP } from '../core/calculator.js';
import { PoolExhaustedError } from '../core/errors.js';
import { camerasOfShard, type FrameMeta, fleetTimestamp, wallMs } from './fleet-layout.js';
import { FleetStats, type FleetStatsDescriptor } from './fleet-stats.js';

/**
 * Options of {@link CameraShardCalculator}. Plain data, structured-cloneable (the stats block's
 * SharedArrayBuffer is shared, not copied); any thread.
 */
export interface CameraShardOptions {
  /** Cameras in the whole fleet. Default 1000. */
  readonly cameras: number;
  /** Shards the fleet is split into. Default 32. */
  readonly shards: number;
  /** This node's shard, in [0, shards). Default 0. */
  readonly shard: number;
  /** Frame size in pixels. Default 32 × 32. */
  readonly width: number;
  readonly height: number;
  /** Pixel format: `'rgb'` (3 bytes a pixel, the default) or `'rgba'` (4, alpha 255). */
  readonly format: SyntheticPixelFormat;
  /**
   * Frames per second of each camera. 0 (the default): as fast as the pipeline takes them, waiting
   * on back-pressure and never dropping; above 0: live cameras that do not wait (see `maxLagMs`).
   */
  readonly fps: number;
  /** Frames per camera, then the shard stops; -1 (the default): endless. */
  readonly framesPerCamera: number;
  /** Frames emitted per `process` call at most (seed 004's batched reads). Default 32. */
  readonly readBatch: number;
  /** Live cameras: a frame still unsent this long after its capture time is dropped. Default 200. */
  readonly maxLagMs: number;
  /** The fleet's time zero, on the `wallMs()` scale, shared by every shard. Default 0: open time. */
  readonly epochMs: number;
  /** Shared counters of the fleet, or null. */
  readonly stats: FleetStatsDescriptor | null;
}

// Longest single wait for a pool slot before the shard looks at its stop flag again.
const SLOT_WAIT_MS = 100;

/**
 * Renders frames for the cameras `hash(camera) % shards === shard`, round-robin, a batch per call.
 *
 * - Inputs: none (a source). Outputs: `FRAME` (frame packets of `width × height` pixels, interleaved
 *   RGB or RGBA bytes as `format` says) and
 *   `META` (a {@link FrameMeta} at each frame's timestamp).
 * - Timestamps: `captureMicros × shards + shard` (see `fleet/fleet-layout.ts`), strictly rising and
 *   always ≡ shard (mod shards), so shards never collide; a
 *   live shard waiting for its next frame first raises its outputs' bound to that frame's timestamp,
 *   so a timestamp-ordered merge of all shards never waits on an idle one.
 * - Live cameras (`fps > 0`): camera j of n in the shard captures frame s at `(s + j/n) / fps`
 *   seconds; a frame whose turn comes more than `maxLagMs` late is dropped and counted, so every
 *   frame is either emitted or counted as dropped (per camera, in the fleet's stats).
 * - Frames: allocated from the pool and handed over. When the pool is exhausted the shard first
 *   promises its next timestamp (so a timestamp-ordered join downstream can pass other shards'
 *   frames and free slots), then waits for a slot without blocking its thread (`allocAsync`), woken
 *   the moment a consumer frees one; the next call renders into that slot. Back-pressure, no
 *   deadlock, and no polling (a 1 ms retry timer left the shard's preprocess idle ~20% of the time).
 * - Hot path: per frame, the pool slot and the META object (the value leaves the thread anyway).
 * - Pause: while the fleet's stats say paused (`FleetStats.setPaused`), the shard renders nothing:
 *   it promises its next timestamp and waits for the resume without polling (`waitWhilePaused`).
 *   Live cameras keep their schedule, so frames that fall `maxLagMs` behind meanwhile are dropped.
 * - Threading: runs on its actor's thread. Lifecycle: process until every camera sent its frames,
 *   or the fleet's stats ask for a stop (`FleetStats.requestStop`), then STOP.
 */
const CameraShardCalculator = defineCalculator<CameraShardOptions>({
  name: 'CameraShardCalculator',
  description:
    "The camera fleet's source: renders the frames of the cameras hashed to its shard, in batched reads.",
  contract: {
    outputs: { FRAME: 'one', META: 'one' },
    options: {
      cameras: 1000,
      shards: 32,
      shard: 0,
      width: 32,
      height: 32,
      format: 'rgb',
      fps: 0,
      framesPerCamera: -1,
      readBatch: 32,
      maxLagMs: 200,
      epochMs: 0,
      stats: null,
    },
    validateOptions: (o) => {
      const counts: [string, number, number][] = [
        ['cameras', o.cameras, 1],
        ['shards', o.shards, 1],
        ['width', o.width, 1],
        ['height', o.height, 1],
        ['readBatch', o.readBatch, 1],
      ];
      for (const [k, v, min] of counts)
        if (!Number.isSafeInteger(v) || v < min) return `${k} must be an integer ≥ ${min}`;
      if (!Number.isSafeInteger(o.shard) || o.shard < 0 || o.shard >= o.shards)
        return `shard ${o.shard} must be in [0, ${o.shards})`;
      if (o.format !== 'rgb' && o.format !== 'rgba') return `format must be 'rgb' or 'rgba', not ${o.format}`;
      if (!(o.fps >= 0 && o.fps <= 1000)) return `fps must be in [0, 1000], not ${o.fps}`;
      if (!Number.isSafeInteger(o.framesPerCamera) || o.framesPerCamera < -1)
        return 'framesPerCamera must be an integer ≥ 0, or -1 for endless';
      if (!(o.maxLagMs > 0)) return 'maxLagMs must be > 0';
      return undefined;
    },
    timestampOffset: null,
  },
  create: () => {
    let own: Int32Array = new Int32Array(0);
    let stats: FleetStats | null = null;
    let epoch = 0;
    // The shard's frame sequence: frame g is camera own[g % n], its frame floor(g / n).
    let g = 0;
    let last = -1;
    let produced = 0;
    let dropped = 0;
    // A slot the previous call waited for; the next frame is rendered into it. -1: none.
    let pending = -1;
    // What renderSyntheticFrame takes, made once in open; only the seed (the camera) changes.
    const look = { width: 0, height: 0, format: 'rgb' as SyntheticPixelFormat, seed: 0 };

    function releasePending(ctx: Pick<CalculatorContext<CameraShardOptions>, 'frames'>): void {
      if (pending >= 0) ctx.frames.release(pending);
      pending = -1;
    }

    // No frame before `ts` on either output: what a shard says before it waits.
    function promise(ctx: Pick<CalculatorContext<CameraShardOptions>, 'output'>, ts: number): void {
      ctx.output('FRAME').setNextTimestampBound(ts);
      ctx.output('META').setNextTimestampBound(ts);
    }

    function publish(shard: number): void {
      stats?.addShard(shard, produced, dropped);
      produced = dropped = 0;
    }

    return {
      open(ctx) {
        const o = ctx.options;
        own = camerasOfShard(o.cameras, o.shards, o.shard);
        // `last + shards` is the lowest timestamp the next frame may take: it must stay in this
        // shard's residue class (timestamp ≡ shard mod shards), or two lanes could share one.
        last = o.shard - o.shards;
        stats = o.stats === null ? null : new FleetStats(o.stats);
        // Without a shared clock (a shard on its own) time starts now; with one, when it starts.
        epoch = o.epochMs > 0 ? o.epochMs : stats === null ? wallMs() : 0;
        look.width = o.width;
        look.height = o.height;
        look.format = o.format;
      },
      process(ctx) {
        const o = ctx.options;
        const n = own.length;
        const total = o.framesPerCamera < 0 ? Number.POSITIVE_INFINITY : o.framesPerCamera * n;
        if (g >= total || n === 0 || stats?.stopRequested === true) {
          releasePending(ctx);
          publish(o.shard);
          return STOP;
        }
        if (epoch === 0) {
          // The fleet's clock starts once every actor runs: until then nothing is due, and no bound
          // can be promised (timestamps count from the clock's start).
          epoch = stats!.clockMs;
          if (epoch === 0) return stats!.waitForClock(SLOT_WAIT_MS);
        }
        const bytes = o.width * o.height * channelsOf(o.format);
        const period = o.fps > 0 ? 1000 / (o.fps * n) : 0;
        const now = wallMs();
        if (stats?.paused === true) {
          // Paused: promise the next frame's timestamp (as when the pool is exhausted, so a join
          // downstream drains the other lanes) and wait for the resume, bounded to see a stop.
          publish(o.shard);
          promise(ctx, Math.max(last + o.shards, fleetTimestamp((now - epoch) * 1000, o.shards, o.shard)));
          return stats.waitWhilePaused(o.shard, SLOT_WAIT_MS);
        }
        let sent = 0;
        while (sent < o.readBatch && g < total) {
          const camera = own[g % n]!;
          const seq = Math.floor(g / n);
          // Live: the frame's capture time on the schedule; otherwise: now.
          const captured = period > 0 ? epoch + g * period : now;
          if (period > 0 && captured > now) break;
          g++;
          if (stats !== null) stats.perCamera[camera * 3]!++;
          produced++;
          if (period > 0 && now - captured > o.maxLagMs) {
            if (stats !== null) stats.perCamera[camera * 3 + 1]!++;
            dropped++;
            continue;
          }
          const ts = Math.max(last + o.shards, fleetTimestamp((captured - epoch) * 1000, o.shards, o.shard));
          const h = pending >= 0 ? pending : ctx.frames.tryAlloc(bytes);
          pending = -1;
          if (h < 0) {
            // The pool is exhausted: frames downstream hold every slot. Blocking here with our bound
            // standing still could hold a timestamp-ordered join, and so the slots, back forever.
            // Instead promise this frame's timestamp (it only grows while we wait: the capture time
            // is taken when the next call runs) and wait for a slot with the event loop turning;
            // the wait is bounded so a stop request is seen even if no slot ever frees.
            g--;
            produced--;
            if (stats !== null) stats.perCamera[camera * 3]!--;
            publish(o.shard);
            promise(ctx, ts);
            return ctx.frames.allocAsync(bytes, SLOT_WAIT_MS).then(
              (slot) => {
                pending = slot;
              },
              (err: unknown) => {
                if (!(err instanceof PoolExhaustedError)) throw err;
              },
            );
          }
          last = ts;
          look.seed = camera;
          renderSyntheticFrame(ctx.frames.bytes(h), look, seq);
          ctx.output('FRAME').addFrame(h, ts);
          // Allocates the meta object: structured data leaves the thread as msgpack anyway.
          const meta: FrameMeta = { camera, seq, capturedAt: captured };
          ctx.output('META').add(meta, ts);
          sent++;
        }
        publish(o.shard);
        if (period === 0 || sent > 0 || g >= total) return;
        // Live and nothing due: promise the next frame's timestamp, then wait for its capture time.
        const next = epoch + g * period;
        const bound = Math.max(last + o.shards, fleetTimestamp((next - epoch) * 1000, o.shards, o.shard));
        promise(ctx, bound);
        const waitMs = Math.min(5, Math.max(0, next - wallMs()));
        return new Promise<void>((resolve) => setTimeout(resolve, waitMs));
      },
      close(ctx) {
        releasePending(ctx);
        publish(ctx.options.shard);
      },
    };
  },
});
export default CameraShardCalculator;
