/**
 * StringToIntCalculator and its variants: an input side packet string parsed as a base-10 integer
 * into an output side packet (MediaPipe's StringToIntCalculatorTemplate, with its contract and its
 * six registered integer types).
 *
 * Threading: the definitions are plain data plus functions; an instance runs on its actor's thread.
 */
import { type CalculatorDefinition, defineCalculator, STOP } from '../core/calculator.js';
import { InvalidArgumentError } from '../core/errors.js';
import { describeValue } from './vector-value.js';

/** The StringToInt calculators take no options. Plain data; any thread. */
export type StringToIntOptions = Record<string, never>;

/** The integer type a variant parses into, as its inclusive range. */
export interface StringToIntRange {
  readonly min: bigint;
  readonly max: bigint;
}

// absl::SimpleAtoi: ASCII whitespace around, an optional sign, then base-10 digits only.
const INTEGER = /^[ \t\n\v\f\r]*([+-]?)([0-9]+)[ \t\n\v\f\r]*$/;
const SAFE_MIN = BigInt(Number.MIN_SAFE_INTEGER);
const SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * The definition registered as `name`, parsing into `range`.
 *
 * - Side packets: one untagged input side packet, a string; one untagged output side packet, set
 *   in `open` to its integer value (a number). No streams: the node ends at its first `process`.
 * - Parsing, as MediaPipe's `absl::SimpleAtoi`: leading and trailing ASCII whitespace are ignored,
 *   a `+` or `-` sign may lead (no `-` for an unsigned type, not even `-0`), then only decimal
 *   digits; the value must fit the type.
 * - Errors: a side packet that is no string, or a string that does not parse into the type, fails
 *   `open` with InvalidArgumentError ("The string could not be parsed as an integer.").
 * - Difference from MediaPipe: weft numbers hold integers exactly up to 2^53 − 1 (and bigints
 *   cannot travel between threads as values), so the 64-bit variants also refuse a value beyond
 *   ±(2^53 − 1), naming the limit, where MediaPipe would hold it.
 * - Threading: an instance runs on its actor's thread.
 */
export function stringToIntCalculator(
  name: string,
  range: StringToIntRange,
): CalculatorDefinition<StringToIntOptions> {
  return defineCalculator<StringToIntOptions>({
    name,
    description: 'Parses its input side packet string as a base-10 integer into its output side packet.',
    contract: {
      inputSidePackets: { '': 'one' },
      outputSidePackets: { '': 'one' },
    },
    create: () => ({
      open(ctx) {
        ctx.setSidePacket(0, parse(name, range, ctx.sidePacket<unknown>(0)));
      },
      // No streams: nothing to process (MediaPipe's Process does nothing); the first call ends it.
      process: () => STOP,
    }),
  });
}

function parse(name: string, range: StringToIntRange, s: unknown): number {
  if (typeof s !== 'string') {
    throw new InvalidArgumentError(`${name}: the side packet must be a string, not ${describeValue(s)}`);
  }
  const m = INTEGER.exec(s);
  const value = m === null || (m[1] === '-' && range.min === 0n) ? undefined : BigInt(`${m[1]}${m[2]}`);
  if (value === undefined || value < range.min || value > range.max) {
    throw new InvalidArgumentError(
      `${name}: The string could not be parsed as an integer. (${JSON.stringify(s)}, in [${range.min}, ${range.max}])`,
    );
  }
  if (value < SAFE_MIN || value > SAFE_MAX) {
    throw new InvalidArgumentError(
      `${name}: ${JSON.stringify(s)} is beyond ±(2^53 − 1), the integers weft numbers hold exactly`,
    );
  }
  return Number(value);
}

const INT32 = { min: -(2n ** 31n), max: 2n ** 31n - 1n };
const UINT32 = { min: 0n, max: 2n ** 32n - 1n };

/**
 * MediaPipe's `StringToIntCalculator` (C++ `int`, 32 bits). Any thread may import it; an instance
 * runs on its actor's thread.
 */
export default stringToIntCalculator('StringToIntCalculator', INT32);
/** C++ `unsigned int` (32 bits). */
export const StringToUintCalculator = stringToIntCalculator('StringToUintCalculator', UINT32);
/** MediaPipe's `StringToInt32Calculator`: {@link stringToIntCalculator} into a 32-bit signed integer. */
export const StringToInt32Calculator = stringToIntCalculator('StringToInt32Calculator', INT32);
/** MediaPipe's `StringToUint32Calculator`: {@link stringToIntCalculator} into a 32-bit unsigned integer. */
export const StringToUint32Calculator = stringToIntCalculator('StringToUint32Calculator', UINT32);
/**
 * MediaPipe's `StringToInt64Calculator`: {@link stringToIntCalculator} into a 64-bit signed integer
 * (a number: beyond ±(2^53 − 1) it is refused).
 */
export const StringToInt64Calculator = stringToIntCalculator('StringToInt64Calculator', {
  min: -(2n ** 63n),
  max: 2n ** 63n - 1n,
});
/**
 * MediaPipe's `StringToUint64Calculator`: {@link stringToIntCalculator} into a 64-bit unsigned
 * integer (a number: beyond 2^53 − 1 it is refused).
 */
export const StringToUint64Calculator = stringToIntCalculator('StringToUint64Calculator', {
  min: 0n,
  max: 2n ** 64n - 1n,
});
