/**
 * PacketThinnerCalculator: keeps at most one packet per period of a stream (MediaPipe's
 * PacketThinnerCalculator, with its contract).
 *
 * Threading: the definition is plain data plus functions; an instance runs on its actor's thread.
 */
import { type CalculatorContext, defineCalculator, type OutputPort } from '../core/calculator.js';
import { InvalidArgumentError } from '../core/errors.js';
import { addClamped, nextAllowedInStream, Timestamp } from '../core/timestamp.js';
import { forwardPacket } from './forward.js';

/**
 * Options of {@link PacketThinnerCalculator} (MediaPipe's PacketThinnerCalculatorOptions). Plain
 * data, structured-cloneable; any thread.
 */
export interface PacketThinnerOptions {
  /**
   * `ASYNC` (default): after a packet is emitted, the next `period` µs of packets are dropped.
   * `SYNC`: of the packets nearest each `startTime + i * period`, the closest one is emitted.
   */
  readonly thinnerType: 'ASYNC' | 'SYNC';
  /** The period, µs, an integer > 0. Default 1. The `PERIOD` side packet overrides it. */
  readonly period: number;
  /** Packets before it are dropped; null (default): `Timestamp.Min` for ASYNC, 0 for SYNC. */
  readonly startTime: number | null;
  /** Packets at or after it are dropped and the output closes; null (default): none. */
  readonly endTime: number | null;
  /** SYNC only: emit at the interval's centre (default true) rather than the packet's own timestamp. */
  readonly syncOutputTimestamps: boolean;
  /**
   * MediaPipe rewrites the frame rate of a VideoHeader stream header. weft streams carry no
   * headers, so it is accepted and has no effect. Default false.
   */
  readonly updateFrameRate: boolean;
}

type Ctx = CalculatorContext<PacketThinnerOptions>;

const TYPES = ['ASYNC', 'SYNC'];
const NUMBER_KEYS = ['period', 'startTime', 'endTime'] as const;
const KEYS: readonly (readonly [keyof PacketThinnerOptions, string])[] = [
  ['thinnerType', 'thinner_type'],
  ['period', 'period'],
  ['startTime', 'start_time'],
  ['endTime', 'end_time'],
  ['syncOutputTimestamps', 'sync_output_timestamps'],
  ['updateFrameRate', 'update_frame_rate'],
];

/**
 * Thins its input, ASYNC or SYNC, between `startTime` (inclusive) and `endTime` (exclusive).
 *
 * - Input: one untagged stream. Output: one untagged stream.
 * - Input side packets: optional `PERIOD` (an integer, overrides `period`); optional `OPTIONS`, an
 *   object of these options (camelCase or MediaPipe's snake_case keys) merged over the node's, as
 *   MediaPipe merges its CalculatorOptions side packet.
 * - ASYNC: emits a packet when its timestamp is at least the previous emitted one + `period`.
 * - SYNC: per interval `[c − period/2, c + period/2)` around each centre `c = startTime + i·period`,
 *   keeps the packet closest to `c` (the later on a tie) and emits it when a packet of a later
 *   interval arrives, or at close; at `c` with `syncOutputTimestamps`, else at its own timestamp.
 * - Timestamps: the output bound starts at the start time. MediaPipe sets offset 0 in Open for ASYNC
 *   only; weft's contract cannot depend on an option, so it declares `timestampOffset: null` with
 *   `processTimestampBounds`, and for ASYNC raises the output bound itself where only an input
 *   bound arrived (MediaPipe's offset-0 propagation). SYNC moves bounds only with packets, as in
 *   MediaPipe.
 * - Difference from MediaPipe: in SYNC a packet at or after `endTime` first emits the packet kept
 *   for the last interval, then closes the output; MediaPipe closes the output and then fails in
 *   Close trying to emit that packet on the closed stream.
 * - Errors: a non-positive period, `startTime ≥ endTime`, an unknown thinner type, or a malformed
 *   `PERIOD`/`OPTIONS` side packet fails `open` with InvalidArgumentError.
 * - Frames: forwarded with one extra reference; a SYNC frame kept for its interval holds one
 *   reference until emitted, replaced or the node closes.
 * - Threading: runs on its actor's thread.
 */
export default defineCalculator<PacketThinnerOptions>({
  name: 'PacketThinnerCalculator',
  description: 'Keeps at most one packet per period: ASYNC after each emitted one, SYNC per interval.',
  contract: {
    inputs: { '': 'one' },
    outputs: { '': 'one' },
    inputSidePackets: { PERIOD: 'optional', OPTIONS: 'optional' },
    options: {
      thinnerType: 'ASYNC',
      period: 1,
      startTime: null,
      endTime: null,
      syncOutputTimestamps: true,
      updateFrameRate: false,
    },
    validateOptions: optionsProblem,
    timestampOffset: null,
    processTimestampBounds: true,
  },
  create: () => {
    let sync = false;
    let syncOutput = true;
    let period = 1;
    let start = 0;
    let end: number = Timestamp.Max;
    // ASYNC: packets are dropped until this timestamp.
    let nextValid = 0;
    // SYNC: the best packet of the current interval, not yet emitted.
    let saved = false;
    let savedTs = 0;
    let savedValue: unknown;
    let savedFrame = -1;

    // The centre of t's interval; t ≥ start, so truncating division is MediaPipe's int64 one.
    const nearestSync = (t: number): number =>
      Math.trunc((t - start + Math.trunc(period / 2)) / period) * period + start;

    // Hands our reference to a saved frame over to the output.
    const emitSaved = (out: OutputPort): void => {
      const at = syncOutput ? nearestSync(savedTs) : savedTs;
      if (savedFrame >= 0) out.addFrame(savedFrame, at);
      else out.add(savedValue, at);
      saved = false;
      savedValue = undefined;
      savedFrame = -1;
    };

    const save = (ctx: Ctx): void => {
      const p = ctx.input(0);
      if (savedFrame >= 0) ctx.frames.release(savedFrame);
      if (p.frame >= 0) ctx.frames.retain(p.frame);
      saved = true;
      savedTs = p.timestamp;
      savedValue = p.frame >= 0 ? undefined : p.value;
      savedFrame = p.frame;
    };

    return {
      open(ctx) {
        const o = merged(ctx.options, ctx.sidePacket('OPTIONS'));
        sync = o.thinnerType === 'SYNC';
        syncOutput = o.syncOutputTimestamps;
        const side = ctx.sidePacket('PERIOD');
        if (side !== undefined && (typeof side !== 'number' || !Number.isSafeInteger(side))) {
          throw new InvalidArgumentError(
            `PacketThinnerCalculator: PERIOD must be an integer, not ${String(side)}`,
          );
        }
        period = (side as number | undefined) ?? o.period;
        if (period <= 0) {
          throw new InvalidArgumentError(
            `PacketThinnerCalculator: the period must be positive, not ${period}`,
          );
        }
        start = o.startTime ?? (sync ? 0 : Timestamp.Min);
        end = o.endTime ?? Timestamp.Max;
        if (start >= end) {
          throw new InvalidArgumentError(
            `PacketThinnerCalculator: startTime (${start}) must be earlier than endTime (${end})`,
          );
        }
        nextValid = start;
        ctx.output(0).setNextTimestampBound(start);
      },
      process(ctx) {
        const ts = ctx.inputTimestamp;
        const out = ctx.output(0);
        if (ctx.input(0).isEmpty) {
          // Only a bound moved: ASYNC carries it on, as MediaPipe's offset 0 does.
          if (!sync) {
            const bound = nextAllowedInStream(ts);
            if (bound > out.nextTimestampBound && bound < Timestamp.Done) out.setNextTimestampBound(bound);
          }
          return;
        }
        if (ts < start) return;
        if (ts >= end) {
          if (out.nextTimestampBound === Timestamp.Done) return;
          if (saved) emitSaved(out);
          out.close();
          return;
        }
        if (!sync) {
          // A dropped packet needs no bound: the bound already sits at nextValid, past it.
          if (ts >= nextValid) {
            forwardPacket(ctx, ctx.input(0), out, ts);
            nextValid = addClamped(ts, period);
            // Clamped at Max, the sum is no bound above the packet just sent.
            if (nextValid > out.nextTimestampBound) out.setNextTimestampBound(nextValid);
          }
          return;
        }
        if (!saved) {
          save(ctx);
          out.setNextTimestampBound(syncOutput ? nearestSync(ts) : ts);
          return;
        }
        const savedSync = nearestSync(savedTs);
        const nowSync = nearestSync(ts);
        if (savedSync === nowSync) {
          // Ties go to the fresher packet.
          if (Math.abs(ts - nowSync) <= Math.abs(savedTs - savedSync)) save(ctx);
          return;
        }
        emitSaved(out);
        out.setNextTimestampBound(syncOutput ? nowSync : ts);
        save(ctx);
      },
      close(ctx) {
        if (!saved) return;
        const out = ctx.output(0);
        if (out.nextTimestampBound === Timestamp.Done) {
          if (savedFrame >= 0) ctx.frames.release(savedFrame);
          saved = false;
          return;
        }
        emitSaved(out);
      },
    };
  },
});

function merged(base: PacketThinnerOptions, change: unknown): PacketThinnerOptions {
  if (change === undefined || change === null) return base;
  if (typeof change !== 'object' || Array.isArray(change)) {
    throw new InvalidArgumentError(
      `PacketThinnerCalculator: OPTIONS must be an object, not ${String(change)}`,
    );
  }
  const c = change as Record<string, unknown>;
  const o: Record<string, unknown> = { ...base };
  for (const [camel, snake] of KEYS) {
    const v = c[camel] ?? c[snake];
    if (v !== undefined) o[camel] = v;
  }
  const why = optionsProblem(o as unknown as PacketThinnerOptions);
  if (why !== undefined) throw new InvalidArgumentError(`PacketThinnerCalculator OPTIONS: ${why}`);
  return o as unknown as PacketThinnerOptions;
}

function optionsProblem(o: PacketThinnerOptions): string | undefined {
  if (!TYPES.includes(o.thinnerType)) {
    return `thinnerType must be one of ${TYPES.join(', ')}, not ${String(o.thinnerType)}`;
  }
  for (const key of NUMBER_KEYS) {
    const v = o[key];
    if (v !== null && (typeof v !== 'number' || !Number.isSafeInteger(v))) {
      return `${key} must be an integer, not ${String(v)}`;
    }
  }
  if (typeof o.syncOutputTimestamps !== 'boolean') return 'syncOutputTimestamps must be a boolean';
  if (typeof o.updateFrameRate !== 'boolean') return 'updateFrameRate must be a boolean';
  return undefined;
}
