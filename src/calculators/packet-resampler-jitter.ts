/**
 * PacketResamplerCalculator's jitter strategies (MediaPipe's LegacyJitterWithReflectionStrategy,
 * ReproducibleJitterWithReflectionStrategy and JitterWithoutReflectionStrategy), step for step, over
 * a random generator seeded by the SEED side packet.
 *
 * Difference from MediaPipe: its open-source build returns no generator from `CreateSecureRandom`,
 * so every jitter strategy fails `open` there; internal builds use a secure generator whose sequence
 * nothing outside reproduces. weft uses xoshiro128** seeded from a hash of SEED: the same seed gives
 * the same samples on every run and machine, and MediaPipe's sampling rules (uniform choice of the
 * first sample in its period, each next one period ± jitter later, reflection into its own period,
 * reservoir sampling of a partial period) hold as written, but no sample sequence matches a MediaPipe
 * build's.
 *
 * Threading: the strategies are per calculator instance, on its actor's thread.
 */
import type { CalculatorContext, InputPacket } from '../core/calculator.js';
import { InvalidArgumentError } from '../core/errors.js';
import { Timestamp } from '../core/timestamp.js';
import type { PacketResamplerOptions } from './packet-resampler.js';
import {
  emitWithinLimits,
  HeldPacket,
  type ResamplerState,
  type ResamplerStrategy,
  raise,
} from './packet-resampler-state.js';

type Ctx = CalculatorContext<PacketResamplerOptions>;

/** The jitter strategy MediaPipe's GetSamplingStrategy picks for `o` (jitter or reproducible sampling set). */
export function jitterStrategy(o: PacketResamplerOptions): ResamplerStrategy {
  if (o.reproducibleSampling) return new ReproducibleJitterWithReflection();
  if (o.jitterWithReflection) return new LegacyJitterWithReflection();
  return new JitterWithoutReflection();
}

const TWO_32 = 2 ** 32;
const TWO_53 = 2 ** 53;

/**
 * xoshiro128** over four 32-bit words seeded from a string (cyrb128). Deterministic on every
 * platform; not a secure generator, which MediaPipe asks for only so that sampling cannot be
 * predicted from outside, a concern a seed the graph supplies does not address anyway.
 */
export class SeededRandom {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: string) {
    let h1 = 1779033703;
    let h2 = 3144134277;
    let h3 = 1013904242;
    let h4 = 2773480762;
    for (let i = 0; i < seed.length; i++) {
      const k = seed.charCodeAt(i);
      h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
      h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
      h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
      h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
    }
    h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
    h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
    h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
    h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
    this.a = (h1 ^ h2 ^ h3 ^ h4) >>> 0;
    this.b = (h2 ^ h1) >>> 0;
    this.c = (h3 ^ h1) >>> 0;
    this.d = (h4 ^ h1) >>> 0;
    // An all-zero state would stay zero.
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** The next 32 random bits, as an unsigned integer. */
  next32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** MediaPipe's RandomBase::UnbiasedUniform64: an integer in [0, n), n an integer in [1, 2^53]. */
  uniform(n: number): number {
    if (n <= TWO_32) {
      const limit = TWO_32 - (TWO_32 % n);
      for (;;) {
        const x = this.next32();
        if (x < limit) return x % n;
      }
    }
    const limit = TWO_53 - (TWO_53 % n);
    for (;;) {
      const x = (this.next32() >>> 11) * TWO_32 + this.next32();
      if (x < limit) return x % n;
    }
  }

  /** MediaPipe's RandomBase::RandFloat: a float in [0, 1), with a float's 24 bits. */
  randFloat(): number {
    return (this.next32() >>> 8) / 2 ** 24;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** MediaPipe's ReflectBetween: folds `ts` back into [min, max). */
function reflectBetween(ts: number, min: number, max: number): number {
  if (ts < min) return 2 * min - ts - 1;
  if (ts >= max) return 2 * max - ts - 1;
  return ts;
}

/** MediaPipe's PacketReservoir: a uniform choice among the packets of a partial period. */
class PacketReservoir {
  private count = 0;
  private enabled = true;
  readonly sample = new HeldPacket();

  constructor(private readonly random: SeededRandom) {}

  get isEnabled(): boolean {
    return this.enabled;
  }

  get isEmpty(): boolean {
    return this.count === 0;
  }

  /** Keeps `p` in place of the sample with probability 1/count. */
  add(ctx: Ctx, p: InputPacket, ts: number): void {
    this.count++;
    if (this.random.uniform(this.count) === 0) this.sample.hold(ctx, p, ts);
  }

  /** Forgets the period's packets; the next one added is kept for sure, so the old one goes now. */
  clear(ctx: Ctx): void {
    this.count = 0;
    this.sample.drop(ctx);
  }

  disable(): void {
    this.enabled = false;
  }
}

function checkAfterLast(s: ResamplerState, next: number): void {
  if (next - s.last.ts <= 0) {
    throw new InvalidArgumentError(
      `PacketResamplerCalculator: the next sample (${next}) must come after the last packet (${s.last.ts})`,
    );
  }
}

/**
 * What the two reservoir strategies share: a random source and a reservoir seeded alike, the rule
 * that emits every sample due by `ts` (the nearer of the last and the current packet), and the close
 * that emits what the reservoir holds. Each strategy says how it picks the first sample and moves on.
 */
abstract class ReservoirJitter implements ResamplerStrategy {
  protected random: SeededRandom | null = null;
  protected reservoir: PacketReservoir | null = null;
  protected next = 0;
  protected nextMin: number = Timestamp.Unset;

  abstract process(ctx: Ctx, s: ResamplerState, current: InputPacket, ts: number): void;

  /** Moves to the next sample time, after one was emitted or skipped. */
  protected abstract advance(ctx: Ctx, s: ResamplerState): void;

  /** The output bound once the next sample time is known. */
  protected abstract boundAfterAdvance(): number;

  /** Creates the random sources on the first packet; returns the reservoir. */
  protected start(s: ResamplerState): PacketReservoir {
    if (this.random === null) {
      this.random = new SeededRandom(s.seed);
      this.reservoir = new PacketReservoir(new SeededRandom(s.seed));
    }
    return this.reservoir!;
  }

  /** Emits the first sample when it falls on the first packet. */
  protected emitFirst(ctx: Ctx, s: ResamplerState, current: InputPacket, first: number): void {
    if (first !== this.next) return;
    emitWithinLimits(ctx, s, current, this.next);
    this.advance(ctx, s);
  }

  /** Emits every sample due by `ts`: each the nearer of the last and the current packet. */
  protected emitDue(ctx: Ctx, s: ResamplerState, current: InputPacket, ts: number): void {
    for (;;) {
      checkAfterLast(s, this.next);
      const lastDiff = this.next - s.last.ts;
      const currDiff = this.next - ts;
      if (currDiff > 0) break;
      emitWithinLimits(ctx, s, Math.abs(currDiff) > lastDiff ? s.last : current, this.next);
      this.advance(ctx, s);
      raise(s.out, this.boundAfterAdvance());
    }
  }

  close(ctx: Ctx, s: ResamplerState): void {
    const sample = this.reservoir?.sample;
    if (sample !== undefined && !this.reservoir!.isEmpty) emitWithinLimits(ctx, s, sample, sample.ts);
    this.reservoir?.clear(ctx);
  }
}

/**
 * Jitter with reflection against periods starting at the first packet (MediaPipe's legacy
 * strategy, kept for compatibility). `flushLastPacket` is ignored, as in MediaPipe.
 */
class LegacyJitterWithReflection extends ReservoirJitter {
  private first: number = Timestamp.Unset;

  process(ctx: Ctx, s: ResamplerState, current: InputPacket, ts: number): void {
    const reservoir = this.start(s);
    if (reservoir.isEnabled && (this.first === Timestamp.Unset || ts - this.nextMin >= 0)) {
      reservoir.add(ctx, current, ts);
    }
    if (this.first === Timestamp.Unset) {
      this.first = ts;
      this.nextMin = ts;
      this.next = ts + this.random!.uniform(s.frameTimeUsec);
      this.emitFirst(ctx, s, current, this.first);
      return;
    }
    this.emitDue(ctx, s, current, ts);
  }

  // The next sample is known from here on, but only its period's start bounds it.
  protected boundAfterAdvance(): number {
    return this.nextMin;
  }

  protected advance(ctx: Ctx, s: ResamplerState): void {
    this.reservoir!.clear(ctx);
    this.nextMin += s.frameTimeUsec;
    const max = this.nextMin + s.frameTimeUsec;
    this.next += s.frameTimeUsec + this.random!.uniform(2 * s.jitterUsec + 1) - s.jitterUsec;
    this.next = reflectBetween(this.next, this.nextMin, max);
  }
}

/**
 * Jitter with reflection on periods aligned to timestamp 0, so that a stream cut into pieces samples
 * as the whole stream would (MediaPipe's reproducible sampling). `flushLastPacket` is ignored.
 */
class ReproducibleJitterWithReflection implements ResamplerStrategy {
  private random: SeededRandom | null = null;
  private next = 0;
  private nextMin: number = Timestamp.Unset;
  private emittedThisPeriod = false;

  process(ctx: Ctx, s: ResamplerState, current: InputPacket, ts: number): void {
    if (this.random === null) this.random = new SeededRandom(s.seed);
    if (s.last.isEmpty) {
      this.initialize(s, ts);
      // Only one packet may go out at the start of the stream.
      if (this.next < ts) {
        emitWithinLimits(ctx, s, current, this.next);
        this.emittedThisPeriod = true;
      }
      return;
    }
    this.advance(s, ts);
    while (!this.emittedThisPeriod && this.next <= ts) {
      emitWithinLimits(ctx, s, ts - this.next < this.next - s.last.ts ? current : s.last, this.next);
      this.emittedThisPeriod = true;
      // When upsampling, the next period may already be due, and the loop goes round again.
      this.advance(s, ts);
    }
    raise(s.out, this.next);
  }

  close(ctx: Ctx, s: ResamplerState): void {
    if (!s.last.isEmpty && !this.emittedThisPeriod) emitWithinLimits(ctx, s, s.last, this.next);
  }

  private initialize(s: ResamplerState, ts: number): void {
    if (this.nextMin !== Timestamp.Unset) return;
    this.nextMin = 0;
    this.next = this.random!.uniform(s.frameTimeUsec);
    // Fast-forward to the period `ts` falls in.
    while (ts >= this.nextMin + s.frameTimeUsec) {
      this.emittedThisPeriod = true;
      this.advance(s, ts);
    }
  }

  private advance(s: ResamplerState, ts: number): void {
    if (!this.emittedThisPeriod || ts < this.nextMin + s.frameTimeUsec) return;
    this.nextMin += s.frameTimeUsec;
    const max = this.nextMin + s.frameTimeUsec;
    this.next += s.frameTimeUsec + this.random!.uniform(2 * s.jitterUsec + 1) - s.jitterUsec;
    this.next = reflectBetween(this.next, this.nextMin, max);
    this.emittedThisPeriod = false;
  }
}

/** Jitter without reflection: each sample one period ± jitter after the previous one. */
class JitterWithoutReflection extends ReservoirJitter {
  process(ctx: Ctx, s: ResamplerState, current: InputPacket, ts: number): void {
    const reservoir = this.start(s);
    if (reservoir.isEnabled && (s.firstTimestamp === Timestamp.Unset || ts - this.nextMin >= 0)) {
      reservoir.add(ctx, current, ts);
    }
    if (s.firstTimestamp === Timestamp.Unset) {
      s.firstTimestamp = ts;
      this.nextMin = ts;
      // MediaPipe adds a double to a Timestamp, which truncates it to whole microseconds.
      this.next = ts + Math.trunc(s.frameTimeUsec * this.random!.randFloat());
      this.emitFirst(ctx, s, current, s.firstTimestamp);
      return;
    }
    this.emitDue(ctx, s, current, ts);
  }

  protected boundAfterAdvance(): number {
    return this.next;
  }

  protected advance(ctx: Ctx, s: ResamplerState): void {
    this.reservoir!.clear(ctx);
    this.reservoir!.disable();
    this.next += Math.trunc(s.frameTimeUsec * (1 - s.jitter + 2 * s.jitter * this.random!.randFloat()));
  }
}
