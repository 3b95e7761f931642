/**
 * FlowLimiterCalculator: caps the number of frames in flight through the part of a graph it guards,
 * dropping the frames that would have to wait (MediaPipe's FlowLimiterCalculator, with its contract).
 *
 * Threading: the definition is plain data plus functions; an instance runs on its actor's thread.
 */
import { type CalculatorContext, defineCalculator, type OutputPort } from '../core/calculator.js';
import { InvalidArgumentError } from '../core/errors.js';
import { nextAllowedInStream, Timestamp } from '../core/timestamp.js';
import { AllowLedger, type Queued, releaseQueued } from './flow-limiter-ledger.js';

/** Options of {@link FlowLimiterCalculator} (MediaPipe's FlowLimiterCalculatorOptions). */
export interface FlowLimiterOptions {
  /** Frames let through and not yet FINISHED, at most. Default 1. */
  readonly maxInFlight: number;
  /** Frames held back waiting for a slot, at most; past it the oldest waiting frame is dropped. Default 0. */
  readonly maxInQueue: number;
  /**
   * MediaPipe's `in_flight_timeout`, µs; 0 (default): off. A frame in flight whose timestamp is more
   * than this older than a newer frame input is taken as finished (its FINISHED was lost). Measured
   * in timestamps, not wall time, so runs are deterministic.
   */
  readonly inFlightTimeout: number;
  /** The same as {@link inFlightTimeout} under weft's earlier name; used when that one is 0. */
  readonly inFlightTimeoutUs: number;
}

type Ctx = CalculatorContext<FlowLimiterOptions>;

/**
 * Lets a frame through while fewer than `maxInFlight` are in flight; queues up to `maxInQueue` more
 * and drops the oldest queued frame when the queue is full.
 *
 * - Inputs: the frames, untagged (index 0), and optional auxiliary streams (untagged 1, 2, …), each
 *   passed on its output of the same index only where the main stream's frames were let through;
 *   `FINISHED`, the back edge from the end of the guarded part (a packet or a bound at T marks
 *   every frame in flight at or before T finished); optional `OPTIONS`, option changes merged in
 *   from each packet.
 * - Side packets: optional `OPTIONS` (merged over the node's options at open) and `MAX_IN_FLIGHT`.
 * - Outputs: one untagged output per untagged input; optional `ALLOW`, a boolean at every frame's
 *   timestamp: true when it was let through, false when it was dropped.
 * - Handler: Immediate with `processTimestampBounds`, as MediaPipe's.
 * - Timestamps: frames keep theirs. The main output's bound moves to the oldest queued frame, or to
 *   the input's bound when nothing is queued (so dropped timestamps never stall a join), and the
 *   output closes once the frame input ended and nothing waits. A frame still queued when its input
 *   ends waits for a FINISHED to be let through, as in MediaPipe.
 * - Close: frames still queued (their FINISHED never came) are dropped and reported with ALLOW
 *   false, which MediaPipe leaves unreported.
 * - Frames: a queued frame holds one reference; it is handed to the output when let through and
 *   released when dropped.
 * - Threading: runs on its actor's thread.
 */
const FlowLimiterCalculator = defineCalculator<FlowLimiterOptions>({
  name: 'FlowLimiterCalculator',
  description:
    'Lets at most maxInFlight frames into the section it guards, dropping those that would wait past maxInQueue; FINISHED (a back edge) reports completions.',
  contract: {
    inputs: { '': { min: 1, max: 64 }, FINISHED: 'one', OPTIONS: 'optional' },
    outputs: { '': { min: 1, max: 64 }, ALLOW: 'optional' },
    inputSidePackets: { OPTIONS: 'optional', MAX_IN_FLIGHT: 'optional' },
    options: { maxInFlight: 1, maxInQueue: 0, inFlightTimeout: 0, inFlightTimeoutUs: 0 },
    validateOptions: optionsProblem,
    inputStreamHandler: { name: 'ImmediateInputStreamHandler' },
    processTimestampBounds: true,
    timestampOffset: null,
  },
  create: () => {
    let o: FlowLimiterOptions;
    // Timestamps of the frames let through and not yet finished, oldest first.
    const inFlight: number[] = [];
    // Per untagged input: packets waiting, oldest first.
    let queues: Queued[][] = [];
    const allowed = new AllowLedger();
    return {
      open(ctx) {
        const n = ctx.inputCount('');
        if (ctx.outputCount('') !== n) {
          throw new InvalidArgumentError(
            `FlowLimiterCalculator needs one untagged output per untagged input (${n}), not ${ctx.outputCount('')}`,
          );
        }
        queues = Array.from({ length: n }, () => []);
        o = merged(ctx.options, ctx.sidePacket('OPTIONS'));
        const max = ctx.sidePacket<number | undefined>('MAX_IN_FLIGHT');
        if (max !== undefined) o = checked({ ...o, maxInFlight: max });
      },
      process(ctx) {
        if (ctx.inputCount('OPTIONS') > 0 && !ctx.input('OPTIONS').isEmpty) {
          o = merged(o, ctx.input('OPTIONS').value);
        }
        const out = ctx.output(0);
        const allowOut = ctx.outputCount('ALLOW') > 0 ? ctx.output('ALLOW') : undefined;

        // FINISHED's packet or bound at T: every frame up to T is done. (MediaPipe tests that T is
        // the input timestamp; releasing up to FINISHED's settled timestamp on every call is the
        // same rule, whatever calls the handler groups the inputs into.)
        const finished = ctx.input('FINISHED').timestamp;
        while (inFlight.length > 0 && inFlight[0]! <= finished) inFlight.shift();

        for (let i = 0; i < queues.length; i++) {
          const p = ctx.input(i);
          if (p.isEmpty) continue;
          if (p.frame >= 0) ctx.frames.retain(p.frame);
          queues[i]!.push({ ts: p.timestamp, value: p.value, frame: p.frame });
        }

        // Abandon frames in flight that are too old next to a newer frame input (MediaPipe's rule).
        const latest = ctx.input(0).timestamp;
        const timeout = o.inFlightTimeout || o.inFlightTimeoutUs;
        if (timeout > 0 && latest === ctx.inputTimestamp && latest < Timestamp.Max) {
          while (inFlight.length > 0 && latest - inFlight[0]! > timeout) inFlight.shift();
        }

        const main = queues[0]!;
        while (inFlight.length < o.maxInFlight && main.length > 0) {
          const q = main.shift()!;
          if (q.frame >= 0) out.addFrame(q.frame, q.ts);
          else out.add(q.value, q.ts);
          allowOut?.add(true, q.ts);
          allowed.set(q.ts, true);
          inFlight.push(q.ts);
        }
        while (main.length > o.maxInQueue) {
          const q = main.shift()!;
          if (q.frame >= 0) ctx.frames.release(q.frame);
          allowOut?.add(false, q.ts);
          allowed.set(q.ts, false);
        }

        if (main.length > 0) raise(out, main[0]!.ts);
        else {
          // Nothing waits: the output may promise as much as the input has.
          const bound = nextAllowedInStream(latest);
          raise(out, bound);
          if (allowOut !== undefined) raise(allowOut, bound);
        }
        passAuxiliary(ctx, queues, allowed, out);
        allowed.prune(lowestUnprocessed(ctx, queues));
      },
      close(ctx) {
        // The run is over: frames still waiting never get a slot.
        const allowOut = ctx.outputCount('ALLOW') > 0 ? ctx.output('ALLOW') : undefined;
        for (const q of queues[0]?.splice(0) ?? []) {
          if (q.frame >= 0) ctx.frames.release(q.frame);
          if (allowOut !== undefined && q.ts >= allowOut.nextTimestampBound) allowOut.add(false, q.ts);
        }
        for (let i = 1; i < queues.length; i++) releaseQueued(ctx, queues[i]!.splice(0));
      },
    };
  },
});
export default FlowLimiterCalculator;

// Auxiliary inputs follow the main stream's decisions: a packet below the main output's bound is
// passed if the ALLOW in force at its timestamp was true, else dropped.
function passAuxiliary(ctx: Ctx, queues: Queued[][], allowed: AllowLedger, main: OutputPort): void {
  const settled = main.nextTimestampBound;
  for (let i = 1; i < queues.length; i++) {
    const queue = queues[i]!;
    const out = ctx.output(i);
    while (queue.length > 0 && queue[0]!.ts < settled) {
      const q = queue.shift()!;
      if (!allowed.at(q.ts)) releaseQueued(ctx, [q]);
      else if (q.frame >= 0) out.addFrame(q.frame, q.ts);
      else out.add(q.value, q.ts);
    }
    raise(out, queue.length > 0 ? queue[0]!.ts : nextAllowedInStream(ctx.input(i).timestamp));
  }
}

// The lowest timestamp not yet processed on any untagged input: decisions below it are settled.
function lowestUnprocessed(ctx: Ctx, queues: Queued[][]): number {
  let min = Timestamp.Done;
  for (let i = 0; i < queues.length; i++) {
    const q = queues[i]!;
    const t = q.length > 0 ? q[0]!.ts : nextAllowedInStream(ctx.input(i).timestamp);
    if (t < min) min = t;
  }
  return min;
}

/** Raises an output's bound (never lowers it), closing the output past Max. */
function raise(out: OutputPort, bound: number): void {
  if (bound > Timestamp.Max) out.close();
  else if (bound > out.nextTimestampBound) out.setNextTimestampBound(bound);
}

// Options changed by an OPTIONS side packet or packet: fields present override, in camelCase or
// MediaPipe's snake_case.
function merged(base: FlowLimiterOptions, change: unknown): FlowLimiterOptions {
  if (change === undefined || change === null) return base;
  if (typeof change !== 'object') {
    throw new InvalidArgumentError(`FlowLimiterCalculator OPTIONS must be an object, not ${String(change)}`);
  }
  const c = change as Record<string, unknown>;
  const pick = (camel: keyof FlowLimiterOptions, snake: string): number =>
    (c[camel] ?? c[snake] ?? base[camel]) as number;
  return checked({
    maxInFlight: pick('maxInFlight', 'max_in_flight'),
    maxInQueue: pick('maxInQueue', 'max_in_queue'),
    inFlightTimeout: pick('inFlightTimeout', 'in_flight_timeout'),
    inFlightTimeoutUs: base.inFlightTimeoutUs,
  });
}

function checked(o: FlowLimiterOptions): FlowLimiterOptions {
  const why = optionsProblem(o);
  if (why !== undefined) throw new InvalidArgumentError(`FlowLimiterCalculator: ${why}`);
  return o;
}

function optionsProblem(o: FlowLimiterOptions): string | undefined {
  if (!Number.isSafeInteger(o.maxInFlight) || o.maxInFlight < 1) {
    return `maxInFlight must be an integer ≥ 1, not ${o.maxInFlight}`;
  }
  if (!Number.isSafeInteger(o.maxInQueue) || o.maxInQueue < 0) {
    return `maxInQueue must be an integer ≥ 0, not ${o.maxInQueue}`;
  }
  for (const key of ['inFlightTimeout', 'inFlightTimeoutUs'] as const) {
    if (!Number.isSafeInteger(o[key]) || o[key] < 0)
      return `${key} must be an integer ≥ 0 (0 = off), not ${o[key]}`;
  }
  return undefined;
}
