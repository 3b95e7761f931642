/**
 * PacketResamplerCalculator: resamples a stream to a fixed frame rate, dropping packets or repeating
 * the latest one so that one packet falls in each period (MediaPipe's PacketResamplerCalculator,
 * with its contract and PacketResamplerCalculatorOptions). The no-jitter strategy (what graphs use)
 * is here; the jitter strategies are in packet-resampler-jitter.ts.
 *
 * Threading: the definition is plain data plus functions; an instance runs on its actor's thread.
 */
import {
  type CalculatorContext,
  defineCalculator,
  type InputPacket,
  type OutputPort,
} from '../core/calculator.js';
import { InvalidArgumentError } from '../core/errors.js';
import { Timestamp } from '../core/timestamp.js';
import { jitterStrategy } from './packet-resampler-jitter.js';
import {
  emitWithinLimits,
  HeldPacket,
  type ResamplerState,
  type ResamplerStrategy,
  raise,
} from './packet-resampler-state.js';

/**
 * Options of {@link PacketResamplerCalculator} (MediaPipe's PacketResamplerCalculatorOptions).
 * Plain data, structured-cloneable; any thread.
 */
export interface PacketResamplerOptions {
  /** The output frame rate, frames per second; must end up > 0 and ≤ 1e6. Default −1 (unset). */
  readonly frameRate: number;
  /**
   * MediaPipe passes or rewrites the DATA stream's header. weft streams carry no headers, so only
   * `NONE` has an effect anywhere; the others are accepted and do nothing (MediaPipe's behaviour
   * when the input has no header). The VIDEO_HEADER output is not affected. Default `NONE`.
   */
  readonly outputHeader: 'NONE' | 'PASS_HEADER' | 'UPDATE_VIDEO_HEADER';
  /** At close, emit the last packet for its period if it rounds into one not yet sent. Default true. */
  readonly flushLastPacket: boolean;
  /** Random jitter of each period, a fraction in [0, 1]; 0 (default) samples without jitter. */
  readonly jitter: number;
  /** With jitter, reflect each sample into its own period. Default false. */
  readonly jitterWithReflection: boolean;
  /** Jitter with reflection on periods aligned to timestamp 0 (mid-stream reproducible). Default false. */
  readonly reproducibleSampling: boolean;
  /** Align output timestamps to this timestamp rather than to the first packet. Default null (unset). */
  readonly baseTimestamp: number | null;
  /** Outputs before it are dropped. Default null (none). */
  readonly startTime: number | null;
  /** Outputs at or after it are dropped. Default null (none). */
  readonly endTime: number | null;
  /** Widen `startTime`/`endTime` by half a period. Default false. */
  readonly roundLimits: boolean;
  /** Take the frame rate from the VIDEO_HEADER input's header (capped by `maxFrameRate`). Default false. */
  readonly useInputFrameRate: boolean;
  /** Caps the frame rate when > 0. Default −1 (no cap). */
  readonly maxFrameRate: number;
}

/**
 * A VideoHeader as weft carries it on the VIDEO_HEADER streams: MediaPipe's struct as a plain
 * object. Only `frameRate` is read; every other field is passed along as it is.
 */
export interface VideoHeader {
  readonly width?: number;
  readonly height?: number;
  readonly duration?: number;
  readonly format?: string | number;
  readonly frameRate: number;
  readonly [field: string]: unknown;
}

type Ctx = CalculatorContext<PacketResamplerOptions>;

const HEADERS = ['NONE', 'PASS_HEADER', 'UPDATE_VIDEO_HEADER'];
const KEYS: readonly (readonly [keyof PacketResamplerOptions, string])[] = [
  ['frameRate', 'frame_rate'],
  ['outputHeader', 'output_header'],
  ['flushLastPacket', 'flush_last_packet'],
  ['jitter', 'jitter'],
  ['jitterWithReflection', 'jitter_with_reflection'],
  ['reproducibleSampling', 'reproducible_sampling'],
  ['baseTimestamp', 'base_timestamp'],
  ['startTime', 'start_time'],
  ['endTime', 'end_time'],
  ['roundLimits', 'round_limits'],
  ['useInputFrameRate', 'use_input_frame_rate'],
  ['maxFrameRate', 'max_frame_rate'],
];
const BOOLEAN_KEYS = [
  'flushLastPacket',
  'jitterWithReflection',
  'reproducibleSampling',
  'roundLimits',
  'useInputFrameRate',
] as const;
const TIMESTAMP_KEYS = ['baseTimestamp', 'startTime', 'endTime'] as const;
const UNITS_PER_SECOND = 1_000_000;

/**
 * Resamples `DATA` (or the one untagged input) to `frameRate`.
 *
 * - Inputs: the data stream, tagged `DATA` or untagged; optional `VIDEO_HEADER`, a
 *   {@link VideoHeader} at PreStream. Outputs: the data stream, `DATA` or untagged; optional
 *   `VIDEO_HEADER`: the input header (or an empty one) with `frameRate` set to the output rate, at
 *   PreStream, sent with the first data packet.
 * - Side packets: optional `OPTIONS`, an object of these options (camelCase or MediaPipe's
 *   snake_case keys) merged over the node's, as MediaPipe merges its options side packet; `SEED`, a
 *   string, required by the jitter strategies.
 * - Without jitter, exactly as MediaPipe: output timestamps are `first + round(k / frameRate s)`,
 *   `first` being the first packet's timestamp (or, with `baseTimestamp`, the period of the base
 *   grid nearest to it); each period gets the packet nearest its timestamp (the later one on a
 *   tie), a period without packets a copy of the latest packet before it; `flushLastPacket` sends
 *   the last packet at close if it rounds into the next period; outputs outside
 *   `[startTime, endTime)` (widened by half a period with `roundLimits`) are dropped, their
 *   timestamps still used up. After each packet the output bound moves to the next period's
 *   timestamp. `useInputFrameRate` takes the rate from the VIDEO_HEADER (capped by `maxFrameRate`).
 * - Jitter: see packet-resampler-jitter.ts. Difference from MediaPipe: its open-source build has no
 *   random generator for jitter and fails `open` whenever `jitter` (or `reproducibleSampling`) is
 *   set; weft runs the three strategies with a generator seeded by `SEED`, so samples are
 *   reproducible by seed but are not the sequence of any MediaPipe build.
 * - Difference from MediaPipe: a call where DATA has no packet (only possible when VIDEO_HEADER
 *   carries packets after PreStream) is skipped; MediaPipe would resample the empty packet.
 * - Timestamps: `timestampOffset: null`: outputs fall at period timestamps and in `close`.
 * - Errors: an unset or out-of-range frame rate, a jitter outside [0, 1] or a jitter longer than a
 *   period, a missing `SEED`, a malformed `OPTIONS` or VIDEO_HEADER, fail `open` (or `process`,
 *   when the header sets the rate) with InvalidArgumentError; a DATA packet at PreStream fails
 *   `process`. MediaPipe checks the data ports and the jitter range at graph initialization: weft
 *   refuses those with the graph too.
 * - Frames: kept packets (the last one, a reservoir sample) hold one reference each; each emission
 *   hands on one more, so a frame repeated over empty periods is never copied.
 * - Threading: runs on its actor's thread.
 */
export default defineCalculator<PacketResamplerOptions>({
  name: 'PacketResamplerCalculator',
  description: 'Resamples a stream to frame_rate: one packet per period, dropping or repeating packets.',
  contract: {
    inputs: { DATA: 'optional', '': 'optional', VIDEO_HEADER: 'optional' },
    outputs: { DATA: 'optional', '': 'optional', VIDEO_HEADER: 'optional' },
    inputSidePackets: { OPTIONS: 'optional', SEED: 'optional' },
    options: {
      frameRate: -1,
      outputHeader: 'NONE',
      flushLastPacket: true,
      jitter: 0,
      jitterWithReflection: false,
      reproducibleSampling: false,
      baseTimestamp: null,
      startTime: null,
      endTime: null,
      roundLimits: false,
      useInputFrameRate: false,
      maxFrameRate: -1,
    },
    validateOptions: optionsProblem,
    validate: (w) => {
      for (const kind of ['inputs', 'outputs'] as const) {
        const n = (w[kind].DATA?.length ?? 0) + (w[kind][''] ?? []).length;
        if (n !== 1) {
          return `PacketResamplerCalculator needs exactly one data ${kind === 'inputs' ? 'input' : 'output'} (DATA or untagged), not ${n}`;
        }
      }
      return undefined;
    },
    timestampOffset: null,
  },
  create: () => {
    let options: PacketResamplerOptions;
    let dataTag = '';
    let header: VideoHeader | null = null;
    let headerSent = false;
    let strategy: ResamplerStrategy;
    const s: ResamplerState = {
      frameRate: 0,
      frameTimeUsec: 0,
      jitter: 0,
      jitterUsec: 0,
      startTime: Timestamp.Min,
      endTime: Timestamp.Max,
      roundLimits: false,
      flushLastPacket: true,
      firstTimestamp: Timestamp.Unset,
      last: new HeldPacket(),
      out: undefined as unknown as OutputPort,
      seed: '',
    };
    return {
      open(ctx) {
        options = merged(ctx.options, ctx.sidePacket('OPTIONS'));
        dataTag = ctx.inputCount('DATA') > 0 ? 'DATA' : '';
        s.out = ctx.output(ctx.outputCount('DATA') > 0 ? 'DATA' : '', 0);
        s.flushLastPacket = options.flushLastPacket;
        s.jitter = options.jitter;
        updateFrameRate(s, options, options.frameRate);
        const jittered = options.reproducibleSampling || options.jitter !== 0;
        if (jittered) {
          const seed = ctx.sidePacket('SEED');
          if (typeof seed !== 'string') {
            throw new InvalidArgumentError(
              `PacketResamplerCalculator with jitter needs a SEED side packet, a string (has ${seed === undefined ? 'none' : typeof seed})`,
            );
          }
          s.seed = seed;
        }
        strategy = jittered ? jitterStrategy(options) : new NoJitterStrategy(options.baseTimestamp);
      },
      process(ctx) {
        const ts = ctx.inputTimestamp;
        const data = ctx.input(dataTag, 0);
        if (ts === Timestamp.PreStream && ctx.inputCount('VIDEO_HEADER') > 0) {
          const h = ctx.input('VIDEO_HEADER');
          if (!h.isEmpty) {
            header = videoHeader(h);
            if (options.useInputFrameRate) updateFrameRate(s, options, header.frameRate);
            header = { ...header, frameRate: s.frameRate };
          }
        }
        // Only VIDEO_HEADER carries packets where DATA may have none: nothing to resample there.
        if (data.isEmpty) return;
        if (!headerSent && ctx.outputCount('VIDEO_HEADER') > 0) {
          ctx.output('VIDEO_HEADER').add(header ?? emptyHeader(s.frameRate), Timestamp.PreStream);
          headerSent = true;
        }
        if (ts <= Timestamp.PreStream) {
          throw new InvalidArgumentError(
            'PacketResamplerCalculator: a DATA packet must come after PreStream',
          );
        }
        strategy.process(ctx, s, data, ts);
        s.last.hold(ctx, data, ts);
      },
      close(ctx) {
        // MediaPipe skips its Close when the graph failed; weft's close also runs then, harmlessly.
        strategy.close(ctx, s);
        s.last.drop(ctx);
      },
    };
  },
});

/**
 * MediaPipe's no-jitter strategy, to the microsecond: the period arithmetic runs in the same
 * float64 operations, rounded as MediaPipe's `SafeRound` rounds (half away from zero).
 */
class NoJitterStrategy implements ResamplerStrategy {
  // Periods already sent (MediaPipe's period_count_).
  private periods = 0;

  constructor(private readonly base: number | null) {}

  process(ctx: Ctx, s: ResamplerState, current: InputPacket, ts: number): void {
    if (s.firstTimestamp === Timestamp.Unset) {
      s.firstTimestamp =
        this.base === null
          ? ts
          : this.base +
            secondsToUsec(safeRound(((ts - this.base) / UNITS_PER_SECOND) * s.frameRate) / s.frameRate);
    }
    const index = periodIndex(s, ts);
    if (index < this.periods) return;
    // Periods without a packet of their own repeat the latest packet.
    while (index > this.periods) {
      if (!s.last.isEmpty) emitWithinLimits(ctx, s, s.last, periodTimestamp(s, this.periods));
      this.periods++;
    }
    const target = periodTimestamp(s, this.periods);
    if (ts >= target) {
      const sendCurrent = s.last.isEmpty || ts - target <= target - s.last.ts;
      emitWithinLimits(ctx, s, sendCurrent ? current : s.last, target);
      this.periods++;
    }
    raise(s.out, periodTimestamp(s, this.periods));
  }

  close(ctx: Ctx, s: ResamplerState): void {
    if (
      s.firstTimestamp !== Timestamp.Unset &&
      s.flushLastPacket &&
      !s.last.isEmpty &&
      periodIndex(s, s.last.ts) === this.periods
    ) {
      emitWithinLimits(ctx, s, s.last, periodTimestamp(s, this.periods));
    }
  }
}

/** MediaPipe's PeriodIndexToTimestamp. */
function periodTimestamp(s: ResamplerState, index: number): number {
  return s.firstTimestamp + secondsToUsec(index / s.frameRate);
}

/** MediaPipe's TimestampToPeriodIndex: the nearest period. */
function periodIndex(s: ResamplerState, ts: number): number {
  return safeRound(((ts - s.firstTimestamp) / UNITS_PER_SECOND) * s.frameRate);
}

function secondsToUsec(seconds: number): number {
  return safeRound(seconds * UNITS_PER_SECOND);
}

/** MediaPipe's MathUtil::SafeRound to int64: half away from zero, NaN → 0. */
export function safeRound(x: number): number {
  if (Number.isNaN(x)) return 0;
  return Math.trunc(x < 0 ? x - 0.5 : x + 0.5);
}

/** MediaPipe's UpdateFrameRate: the rate (capped), the period, the jitter and the limits. */
function updateFrameRate(s: ResamplerState, o: PacketResamplerOptions, frameRate: number): void {
  let rate = frameRate;
  if (o.maxFrameRate > 0) rate = Math.min(rate, o.maxFrameRate);
  s.frameRate = rate;
  s.startTime = o.startTime ?? Timestamp.Min;
  s.endTime = o.endTime ?? Timestamp.Max;
  s.roundLimits = o.roundLimits;
  if (!(rate > 0)) {
    throw new InvalidArgumentError(
      `PacketResamplerCalculator: the output frame rate must be greater than zero, not ${rate}`,
    );
  }
  if (rate > UNITS_PER_SECOND) {
    throw new InvalidArgumentError(
      `PacketResamplerCalculator: the output frame rate must be at most ${UNITS_PER_SECOND}, not ${rate}`,
    );
  }
  s.frameTimeUsec = Math.trunc(UNITS_PER_SECOND / rate);
  s.jitterUsec = Math.trunc((UNITS_PER_SECOND * s.jitter) / rate);
  if (s.jitterUsec > s.frameTimeUsec) {
    throw new InvalidArgumentError(
      `PacketResamplerCalculator: the jitter (${s.jitterUsec} µs) must not exceed a period (${s.frameTimeUsec} µs)`,
    );
  }
}

function videoHeader(p: InputPacket): VideoHeader {
  const v = p.value;
  if (p.frame >= 0 || typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new InvalidArgumentError('PacketResamplerCalculator: VIDEO_HEADER must be a VideoHeader object');
  }
  const h = v as VideoHeader;
  if (typeof h.frameRate !== 'number') {
    throw new InvalidArgumentError('PacketResamplerCalculator: VIDEO_HEADER needs a numeric frameRate');
  }
  return h;
}

/** MediaPipe's default-constructed VideoHeader with the output rate. */
function emptyHeader(frameRate: number): VideoHeader {
  return { format: 'UNKNOWN', width: 0, height: 0, duration: 0, frameRate };
}

function merged(base: PacketResamplerOptions, change: unknown): PacketResamplerOptions {
  if (change === undefined || change === null) return base;
  if (typeof change !== 'object' || Array.isArray(change)) {
    throw new InvalidArgumentError(
      `PacketResamplerCalculator: OPTIONS must be an object, not ${String(change)}`,
    );
  }
  const c = change as Record<string, unknown>;
  const o: Record<string, unknown> = { ...base };
  for (const [camel, snake] of KEYS) {
    const v = c[camel] ?? c[snake];
    if (v !== undefined) o[camel] = v;
  }
  const why = optionsProblem(o as unknown as PacketResamplerOptions);
  if (why !== undefined) throw new InvalidArgumentError(`PacketResamplerCalculator OPTIONS: ${why}`);
  return o as unknown as PacketResamplerOptions;
}

function optionsProblem(o: PacketResamplerOptions): string | undefined {
  for (const key of ['frameRate', 'jitter', 'maxFrameRate'] as const) {
    if (typeof o[key] !== 'number' || Number.isNaN(o[key])) return `${key} must be a number`;
  }
  if (!HEADERS.includes(o.outputHeader)) {
    return `outputHeader must be one of ${HEADERS.join(', ')}, not ${String(o.outputHeader)}`;
  }
  for (const key of BOOLEAN_KEYS) {
    if (typeof o[key] !== 'boolean') return `${key} must be a boolean`;
  }
  for (const key of TIMESTAMP_KEYS) {
    const v = o[key];
    if (v !== null && (typeof v !== 'number' || !Number.isSafeInteger(v))) {
      return `${key} must be an integer timestamp, not ${String(v)}`;
    }
  }
  if (o.jitter !== 0 && !(o.jitter > 0 && o.jitter <= 1)) return `jitter must be in [0, 1], not ${o.jitter}`;
  return undefined;
}
