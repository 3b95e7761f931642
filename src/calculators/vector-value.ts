/**
 * What the vector calculators (BeginLoop, EndLoop, SplitVector, ConcatenateVector) take for
 * MediaPipe's `std::vector<T>` and for its list messages (`NormalizedLandmarkList` and kin): weft
 * carries both as plain values, a vector as an array (or a typed array, the codec's form of a numeric
 * vector), a list message as an object whose repeated field is an array.
 *
 * Threading: pure functions, any thread.
 */
import { type CalculatorDefinition, defineCalculator, type InputPacket } from '../core/calculator.js';
import { InvalidArgumentError } from '../core/errors.js';
import { isFrameRef } from '../core/frame-ref.js';

/** Any typed array but a DataView: indexable numbers with `length` and `slice`. */
export type TypedVector =
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

/** A vector as weft carries it. */
export type VectorValue = readonly unknown[] | TypedVector;

/** True for an array or a typed array (not a DataView, which has no elements). */
export function isVectorValue(v: unknown): v is VectorValue {
  return Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
}

/** A short description of a value for error messages: its kind, never its content. */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (isFrameRef(v)) return 'a frame';
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}`;
  return `${typeof v === 'object' ? 'an' : 'a'} ${typeof v}`;
}

/**
 * The vector in `p`, for calculator `name`: its own value, or with `field` the repeated field of a
 * list message (an absent field is an empty list, as protobuf reads it).
 * @throws InvalidArgumentError for a frame packet or a value of another shape; the message names
 *   `what` (the port) so the run's error says which input was malformed.
 */
export function vectorIn(p: InputPacket, what: string, field?: string): VectorValue {
  if (p.frame >= 0) {
    throw new InvalidArgumentError(`${what} must be ${shape(field)}, not a frame packet`);
  }
  const v = p.value;
  if (field === undefined) {
    if (isVectorValue(v)) return v;
    throw new InvalidArgumentError(`${what} must be ${shape(field)}, not ${describeValue(v)}`);
  }
  if (typeof v !== 'object' || v === null || isVectorValue(v) || isFrameRef(v)) {
    throw new InvalidArgumentError(`${what} must be ${shape(field)}, not ${describeValue(v)}`);
  }
  const list = (v as Record<string, unknown>)[field];
  if (list === undefined || list === null) return EMPTY;
  if (Array.isArray(list)) return list;
  throw new InvalidArgumentError(
    `${what} must be ${shape(field)}, but its "${field}" is ${describeValue(list)}`,
  );
}

/** Throws unless `item` may travel as a packet value: a FrameRef inside a value holds no reference. */
export function checkItem(item: unknown, what: string): void {
  if (isFrameRef(item)) {
    throw new InvalidArgumentError(
      `${what}: a frame reference inside an array cannot be emitted as a packet`,
    );
  }
}

const EMPTY: readonly unknown[] = Object.freeze([]);

function shape(field: string | undefined): string {
  return field === undefined ? 'an array (or a typed array)' : `a list message with a "${field}" array`;
}

/**
 * A stateless calculator registered as `name` that maps each `VECTOR` array to one packet on
 * `outputTag` at the input timestamp (MediaPipe's VectorSize / VectorIndices shape).
 *
 * - Timestamps: `timestampOffset: 0` (MediaPipe's api2 default).
 * - Errors: a VECTOR that is no array fails `process` with InvalidArgumentError.
 * - Threading: an instance runs on its actor's thread; the definition may be replicated.
 */
export function vectorMapCalculator<O>(
  name: string,
  description: string,
  outputTag: string,
  map: (vector: VectorValue) => unknown,
): CalculatorDefinition<O> {
  return defineCalculator<O>({
    name,
    description,
    contract: {
      inputs: { VECTOR: 'one' },
      outputs: { [outputTag]: 'one' },
      timestampOffset: 0,
      // Stateless: a node may run it as several replicas.
      parallelism: 1,
    },
    create: () => ({
      process(ctx) {
        const p = ctx.input('VECTOR');
        if (p.isEmpty) return;
        ctx.output(outputTag).add(map(vectorIn(p, `${name} VECTOR`)), ctx.inputTimestamp);
      },
    }),
  });
}
