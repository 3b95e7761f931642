/**
 * CounterSourceCalculator: a source that counts, one packet per `process` call.
 *
 * Threading: the definition is plain data plus functions; an instance runs on its actor's thread.
 */
import { defineCalculator, STOP } from '../core/calculator.js';
import { InvalidArgumentError } from '../core/errors.js';
import { isRangeValue } from '../core/timestamp.js';

/** Options of {@link CounterSourceCalculator}. */
export interface CounterSourceOptions {
  /** Packets to emit (an integer ≥ 0). Default 10; the `COUNT` side packet overrides it. */
  readonly count: number;
  /** Value of the first packet. Default 0. */
  readonly start: number;
  /** Added to the value for each next packet. Default 1. */
  readonly step: number;
  /** Timestamp of the first packet. Default 0. */
  readonly firstTimestamp: number;
  /** µs between packets (an integer ≥ 1). Default 1. */
  readonly intervalUs: number;
}

/**
 * Emits `count` packets with values `start + i * step` at timestamps
 * `firstTimestamp + i * intervalUs`, then stops (weft's own test and demo source).
 *
 * - Inputs: none (a source: `process` is called until it returns STOP). Output: one untagged stream.
 * - Input side packet: optional `COUNT` (an integer ≥ 0), overriding the `count` option.
 * - Options: see {@link CounterSourceOptions}.
 * - Timestamps: its own, as above; `timestampOffset: null` (there is no input to follow). One packet
 *   per call, so the runtime can throttle the source between packets; STOP comes with the last packet
 *   and the runtime then closes the output.
 * - Threading: runs on its actor's thread.
 */
const CounterSourceCalculator = defineCalculator<CounterSourceOptions>({
  name: 'CounterSourceCalculator',
  description:
    'A source that emits count packets (start + i * step) at firstTimestamp + i * intervalUs, then stops.',
  contract: {
    outputs: { '': 'one' },
    inputSidePackets: { COUNT: 'optional' },
    options: { count: 10, start: 0, step: 1, firstTimestamp: 0, intervalUs: 1 },
    validateOptions: (o) => {
      if (!isCount(o.count)) return `count must be an integer ≥ 0, not ${o.count}`;
      if (!Number.isFinite(o.start) || !Number.isFinite(o.step))
        return 'start and step must be finite numbers';
      if (!Number.isSafeInteger(o.intervalUs) || o.intervalUs < 1) {
        return `intervalUs must be an integer ≥ 1, not ${o.intervalUs}`;
      }
      if (!isRangeValue(o.firstTimestamp)) return `firstTimestamp ${o.firstTimestamp} is not in [Min, Max]`;
      return lastTimestampError(o, o.count);
    },
    timestampOffset: null,
  },
  create: () => {
    let count = 0;
    let i = 0;
    return {
      open(ctx) {
        const side = ctx.sidePacket<number | undefined>('COUNT');
        if (side !== undefined && (typeof side !== 'number' || !isCount(side))) {
          throw new InvalidArgumentError(
            `CounterSourceCalculator: COUNT side packet must be an integer ≥ 0, not ${String(side)}`,
          );
        }
        count = side ?? ctx.options.count;
        const error = lastTimestampError(ctx.options, count);
        if (error !== undefined) throw new InvalidArgumentError(`CounterSourceCalculator: ${error}`);
      },
      process(ctx) {
        if (i >= count) return STOP;
        const o = ctx.options;
        ctx.output(0).add(o.start + i * o.step, o.firstTimestamp + i * o.intervalUs);
        i++;
        return i >= count ? STOP : undefined;
      },
    };
  },
});
export default CounterSourceCalculator;

function isCount(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

/** The last timestamp must stay an ordinary timestamp. */
function lastTimestampError(o: CounterSourceOptions, count: number): string | undefined {
  const last = o.firstTimestamp + Math.max(0, count - 1) * o.intervalUs;
  return isRangeValue(last)
    ? undefined
    : `the last timestamp ${last} (of ${count} packets) is past Timestamp.Max`;
}
