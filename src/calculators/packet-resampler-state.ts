/**
 * What PacketResamplerCalculator (packet-resampler.ts) and its jitter strategies
 * (packet-resampler-jitter.ts) share: the calculator's state, the packets it keeps, and MediaPipe's
 * OutputWithinLimits. MediaPipe's strategies are friends of the calculator and read its fields; here
 * they get the same fields as one object.
 *
 * Threading: per calculator instance, on its actor's thread.
 */
import type { CalculatorContext, InputPacket, OutputPort } from '../core/calculator.js';
import { Timestamp } from '../core/timestamp.js';
import type { PacketResamplerOptions } from './packet-resampler.js';

/** What a resampler emits from: the packet being processed, or one it holds. */
export interface PacketSource {
  readonly value: unknown;
  readonly frame: number;
}

type Ctx = CalculatorContext<PacketResamplerOptions>;

/**
 * A packet the resampler keeps past `process` (the last one, a reservoir sample): its value, or one
 * reference of its own to its frame. Reused, so holding a packet allocates nothing.
 */
export class HeldPacket implements PacketSource {
  /** Timestamp.Unset while empty, as MediaPipe's empty Packet reads. */
  ts: number = Timestamp.Unset;
  value: unknown;
  frame = -1;

  get isEmpty(): boolean {
    return this.ts === Timestamp.Unset;
  }

  /** Keeps `p` at `ts` instead of what was held. */
  hold(ctx: Ctx, p: PacketSource, ts: number): void {
    if (p.frame >= 0) ctx.frames.retain(p.frame);
    this.drop(ctx);
    this.ts = ts;
    this.value = p.frame >= 0 ? undefined : p.value;
    this.frame = p.frame;
  }

  /** Empties it, dropping its frame reference. */
  drop(ctx: Ctx): void {
    if (this.frame >= 0) ctx.frames.release(this.frame);
    this.ts = Timestamp.Unset;
    this.value = undefined;
    this.frame = -1;
  }
}

/** The calculator's state the strategies share (MediaPipe's strategies are friends of it). */
export interface ResamplerState {
  frameRate: number;
  /** One period, µs, truncated as MediaPipe's int64 cast does. */
  frameTimeUsec: number;
  jitter: number;
  jitterUsec: number;
  startTime: number;
  endTime: number;
  roundLimits: boolean;
  flushLastPacket: boolean;
  /** The first timestamp the output aligns to; Timestamp.Unset before the first packet. */
  firstTimestamp: number;
  /** The packet of the previous `process` call. */
  readonly last: HeldPacket;
  /** The DATA output. */
  out: OutputPort;
  /** The SEED side packet. */
  seed: string;
}

/** A sampling strategy (MediaPipe's PacketResamplerStrategy). */
export interface ResamplerStrategy {
  /** One DATA packet, `current`, at `ts` (> PreStream). */
  process(ctx: Ctx, s: ResamplerState, current: InputPacket, ts: number): void;
  close(ctx: Ctx, s: ResamplerState): void;
}

/**
 * MediaPipe's OutputWithinLimits: emits `p` at `at` when `at` lies in [startTime, endTime), widened
 * by half a period with roundLimits. A frame gets one more reference for the output.
 */
export function emitWithinLimits(ctx: Ctx, s: ResamplerState, p: PacketSource, at: number): void {
  const margin = s.roundLimits ? Math.trunc(s.frameTimeUsec / 2) : 0;
  if (at < s.startTime - margin || at >= s.endTime + margin) return;
  if (p.frame >= 0) {
    ctx.frames.retain(p.frame);
    s.out.addFrame(p.frame, at);
  } else {
    s.out.add(p.value, at);
  }
}

/** Raises an output's bound; a bound never goes down, and MediaPipe's lower ones are no-ops. */
export function raise(out: OutputPort, bound: number): void {
  if (bound > out.nextTimestampBound && bound <= Timestamp.Max) out.setNextTimestampBound(bound);
}
