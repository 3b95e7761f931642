/**
 * SyntheticVideoCalculator: a deterministic video source rendering frames into the shared frame pool.
 *
 * Threading: the definition is plain data plus functions; an instance runs on its actor's thread.
 */
import { defineCalculator, STOP } from '../core/calculator.js';
import { hash32 } from '../core/hash32.js';
import { isRangeValue } from '../core/timestamp.js';

/** Pixel layouts of synthetic frames: interleaved 8-bit channels, rows packed, no padding. */
export type SyntheticPixelFormat = 'rgb' | 'rgba';

/** Options of {@link SyntheticVideoCalculator}. Plain data, structured-cloneable; any thread. */
export interface SyntheticVideoOptions {
  /** Frame width in pixels. Default 32. */
  readonly width: number;
  /** Frame height in pixels. Default 32. */
  readonly height: number;
  /** `'rgb'` (3 bytes per pixel, the default) or `'rgba'` (4, alpha 255). */
  readonly format: SyntheticPixelFormat;
  /** Frames to emit; -1 = endless (until the graph is stopped). Default 30. */
  readonly count: number;
  /** Frames per second: frame i is at `firstTimestamp + round(i * 1e6 / fps)` µs. Default 30. */
  readonly fps: number;
  /** Timestamp of frame 0 in µs. Default 0. */
  readonly firstTimestamp: number;
  /** Content seed: the same (seed, index) always renders the same bytes. Default 0. */
  readonly seed: number;
  /** Carried on `META` packets, to tell cameras apart downstream. Default ''. */
  readonly cameraId: string;
}

/** The value of a `META` packet: which camera and which frame, at the frame's timestamp. */
export interface SyntheticFrameMeta {
  readonly cameraId: string;
  readonly index: number;
}

/** Bytes per pixel of a format. */
export function channelsOf(format: SyntheticPixelFormat): 3 | 4 {
  return format === 'rgba' ? 4 : 3;
}

/** Timestamp of frame `index` in µs (strictly increasing in `index` for fps ≤ 1e6). Pure; any thread. */
export function syntheticFrameTimestamp(
  o: Pick<SyntheticVideoOptions, 'fps' | 'firstTimestamp'>,
  index: number,
): number {
  return o.firstTimestamp + Math.round((index * 1e6) / o.fps);
}

/**
 * Renders frame `index` into `target` (`width * height * channels` bytes): a gradient that drifts
 * with the index, a square whose position and colour come from (seed, index), and 4 bits of
 * per-pixel hash noise, so consecutive frames differ everywhere and no two seeds look alike.
 * Deterministic and random-access (no state carried between frames). Allocation-free. Any thread:
 * pure, it writes only `target` (a frame's bytes need a reference held while it writes).
 */
export function renderSyntheticFrame(
  target: Uint8Array,
  o: Pick<SyntheticVideoOptions, 'width' | 'height' | 'format' | 'seed'>,
  index: number,
): void {
  const { width: w, height: h } = o;
  const ch = channelsOf(o.format);
  const base = hash32((o.seed | 0) ^ Math.imul(index + 1, 0x9e3779b1));
  const side = Math.max(1, Math.floor(Math.min(w, h) / 4));
  const sx = (index * 3 + (base & 0xff)) % (w - side + 1);
  const sy = (index * 2 + ((base >>> 8) & 0xff)) % (h - side + 1);
  const sr = (base >>> 16) & 0xff;
  const sg = (base >>> 24) & 0xff;
  const sb = (base ^ (base >>> 12)) & 0xff;
  const drift = index * 5;
  let p = 0;
  for (let y = 0; y < h; y++) {
    const inRows = y >= sy && y < sy + side;
    const gy = Math.floor((y * 255) / Math.max(1, h - 1));
    for (let x = 0; x < w; x++) {
      const noise = hash32(base + y * w + x) & 15;
      if (inRows && x >= sx && x < sx + side) {
        target[p] = sr ^ noise;
        target[p + 1] = sg ^ noise;
        target[p + 2] = sb ^ noise;
      } else {
        const gx = Math.floor((x * 255) / Math.max(1, w - 1));
        target[p] = (gx + drift + noise) & 0xff;
        target[p + 1] = (gy + noise) & 0xff;
        target[p + 2] = (gx + gy + (drift >> 1)) & 0xff;
      }
      if (ch === 4) target[p + 3] = 255;
      p += ch;
    }
  }
}

/**
 * Emits `count` synthetic video frames (or endlessly with -1), one per `process` call, as frame
 * packets of interleaved RGB(A) bytes.
 *
 * - Inputs: none (a source). Outputs: the frames (untagged, one); optional `META`, a
 *   {@link SyntheticFrameMeta} at every frame's timestamp (structured data stays out of the frame).
 * - Options: see {@link SyntheticVideoOptions}. The frame is `width * height * channels` bytes; the
 *   pool must have a size class that fits it.
 * - Timestamps: `firstTimestamp + round(i * 1e6 / fps)`; `timestampOffset: null` (no input to
 *   follow). STOP comes with the last frame; the runtime then closes the outputs.
 * - Frames: allocated from the pool with `ctx.frames.alloc` (in a graph this waits while the pool is
 *   exhausted: back-pressure from the consumers), written once, and handed over with `addFrame`.
 * - Hot path: no allocation per frame beyond the pool slot and, with `META` wired, its small object.
 * - Threading: runs on its actor's thread. Lifecycle: process until STOP; no open or close work.
 */
const SyntheticVideoCalculator = defineCalculator<SyntheticVideoOptions>({
  name: 'SyntheticVideoCalculator',
  description:
    'A source of deterministic RGB or RGBA test frames in the frame pool, with an optional META output.',
  contract: {
    outputs: { '': 'one', META: 'optional' },
    options: {
      width: 32,
      height: 32,
      format: 'rgb',
      count: 30,
      fps: 30,
      firstTimestamp: 0,
      seed: 0,
      cameraId: '',
    },
    validateOptions: (o) => {
      for (const key of ['width', 'height'] as const) {
        if (!Number.isSafeInteger(o[key]) || o[key] < 1 || o[key] > 16384) {
          return `${key} must be an integer in [1, 16384], not ${o[key]}`;
        }
      }
      if (o.format !== 'rgb' && o.format !== 'rgba') return `format must be 'rgb' or 'rgba', not ${o.format}`;
      if (!Number.isSafeInteger(o.count) || o.count < -1) {
        return `count must be an integer ≥ 0, or -1 for endless, not ${o.count}`;
      }
      if (!Number.isFinite(o.fps) || o.fps <= 0 || o.fps > 1e6)
        return `fps must be in (0, 1e6], not ${o.fps}`;
      if (!Number.isSafeInteger(o.seed)) return `seed must be a safe integer, not ${o.seed}`;
      if (!isRangeValue(o.firstTimestamp)) return `firstTimestamp ${o.firstTimestamp} is not in [Min, Max]`;
      if (o.count > 0 && !isRangeValue(syntheticFrameTimestamp(o, o.count - 1))) {
        return `the last frame's timestamp (frame ${o.count - 1}) is past Timestamp.Max`;
      }
      return undefined;
    },
    timestampOffset: null,
  },
  create: () => {
    let index = 0;
    return {
      process(ctx) {
        const o = ctx.options;
        if (o.count >= 0 && index >= o.count) return STOP;
        const ts = syntheticFrameTimestamp(o, index);
        const h = ctx.frames.alloc(o.width * o.height * channelsOf(o.format));
        try {
          renderSyntheticFrame(ctx.frames.bytes(h), o, index);
        } catch (err) {
          ctx.frames.release(h);
          throw err;
        }
        ctx.output(0).addFrame(h, ts);
        // Allocates the META object: only when the stream is wired.
        if (ctx.outputCount('META') > 0) ctx.output('META').add({ cameraId: o.cameraId, index }, ts);
        index++;
        return o.count >= 0 && index >= o.count ? STOP : undefined;
      },
    };
  },
});
export default SyntheticVideoCalculator;
