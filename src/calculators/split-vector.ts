/**
 * SplitVectorCalculator: splits an array into ranges, one output per range, or single elements, or
 * the ranges combined into one array (MediaPipe's SplitVectorCalculator template, with its
 * contract and SplitVectorCalculatorOptions), and its list-message form (MediaPipe's
 * SplitNormalizedLandmarkListCalculator and kin, split_proto_list_calculator.cc), which does the same
 * to the repeated field of a list message.
 *
 * MediaPipe registers one class per element type; weft values are plain values, so one
 * implementation serves every name whose elements weft carries as values, each name its own
 * definition made by {@link splitVectorCalculator}.
 *
 * Threading: the definitions are plain data plus functions; an instance runs on its actor's thread.
 */
import { type CalculatorDefinition, defineCalculator } from '../core/calculator.js';
import { InvalidArgumentError } from '../core/errors.js';
import { checkItem, type TypedVector, type VectorValue, vectorIn } from './vector-value.js';

/** MediaPipe's `Range`: the elements `[begin, end)`. An unset field is 0, as in proto2. */
export interface SplitVectorRange {
  readonly begin?: number;
  readonly end?: number;
}

/**
 * Options of {@link splitVectorCalculator} (MediaPipe's SplitVectorCalculatorOptions). Plain data,
 * structured-cloneable; any thread.
 */
export interface SplitVectorOptions {
  /** The ranges, one per output (or all into the one output with `combineOutputs`). */
  readonly ranges: readonly SplitVectorRange[];
  /** Emit each range's single element itself rather than an array of one. Default false. */
  readonly elementOnly: boolean;
  /** Concatenate every range into one array on the one output. Default false. */
  readonly combineOutputs: boolean;
}

/** How a split variant reads its input. */
export interface SplitVectorVariant {
  /**
   * The repeated field of a list message (`landmark` for NormalizedLandmarkList): the input is such
   * a message, and range outputs are messages holding only that field, as MediaPipe builds them.
   */
  readonly field?: string;
  /**
   * MediaPipe's movable variants (`SplitVectorCalculator<T, true>`) move elements out, so their
   * ranges may never overlap, combined or not; the check is kept for the same contract.
   */
  readonly moves?: boolean;
}

/**
 * The split definition registered as `name`.
 *
 * - Input: one untagged stream, an array (or typed array), or with `variant.field` a list message.
 *   Outputs: untagged, one per range, or exactly one with `combineOutputs`.
 * - Output values: per range an array of the same kind (a typed array stays typed) or, for a list
 *   message, `{ [field]: elements }`; with `elementOnly` the element itself; with `combineOutputs`
 *   every range's elements in range order, in one value.
 * - Timestamps: each output at the input's timestamp; `timestampOffset: 0`, as MediaPipe sets.
 * - Errors: bad ranges (negative, `begin ≥ end`, not of size 1 with `elementOnly`, overlapping with
 *   `combineOutputs`) are refused with the graph (BadOptionsError). An output count that does not
 *   match fails `open` with InvalidArgumentError (MediaPipe refuses it at graph initialization:
 *   weft's contract checks see either the options or the wiring, not both). An input that is not
 *   the expected shape, or shorter than the largest range end, fails `process` with
 *   InvalidArgumentError.
 * - Allocation: the output values only.
 * - Threading: an instance runs on its actor's thread.
 */
export function splitVectorCalculator(
  name: string,
  variant: SplitVectorVariant = {},
): CalculatorDefinition<SplitVectorOptions> {
  const field = variant.field;
  return defineCalculator<SplitVectorOptions>({
    name,
    description:
      field === undefined
        ? 'Splits an array into the ranges its options give: one output per range, elements, or combined.'
        : `Splits the "${field}" list of a message into the ranges its options give.`,
    contract: {
      inputs: { '': 'one' },
      outputs: { '': { min: 1, max: Number.POSITIVE_INFINITY } },
      options: { ranges: [], elementOnly: false, combineOutputs: false },
      validateOptions: (o) => optionsProblem(o, variant.moves === true),
      timestampOffset: 0,
    },
    create: () => {
      // Ranges as flat [begin, end, begin, end, ...] so process allocates nothing of its own.
      let bounds = new Int32Array(0);
      let maxEnd = 0;
      let total = 0;
      let elementOnly = false;
      let combine = false;
      return {
        open(ctx) {
          const o = ctx.options;
          elementOnly = o.elementOnly;
          combine = o.combineOutputs;
          const n = ctx.outputCount('');
          if (combine && n !== 1) {
            throw new InvalidArgumentError(
              `${name} with combineOutputs takes exactly one output stream, not ${n}`,
            );
          }
          if (!combine && n !== o.ranges.length) {
            throw new InvalidArgumentError(
              `${name}: the number of output streams (${n}) should match the number of ranges (${o.ranges.length})`,
            );
          }
          bounds = new Int32Array(o.ranges.length * 2);
          o.ranges.forEach((r, i) => {
            const b = r.begin ?? 0;
            const e = r.end ?? 0;
            bounds[2 * i] = b;
            bounds[2 * i + 1] = e;
            maxEnd = Math.max(maxEnd, e);
            total += e - b;
          });
        },
        process(ctx) {
          const p = ctx.input(0);
          if (p.isEmpty) return;
          const v = vectorIn(p, `${name} input`, field);
          if (v.length < maxEnd) {
            throw new InvalidArgumentError(
              `${name}: the largest range end ${maxEnd} exceeds the input's ${v.length} elements`,
            );
          }
          const ts = ctx.inputTimestamp;
          const nRanges = bounds.length / 2;
          if (combine) {
            ctx.output(0).add(wrap(combined(v, bounds, total), field), ts);
            return;
          }
          for (let i = 0; i < nRanges; i++) {
            const b = bounds[2 * i]!;
            if (elementOnly) {
              const item = v[b];
              checkItem(item, `${name} element ${b}`);
              ctx.output(i).add(item, ts);
            } else {
              ctx.output(i).add(wrap(v.slice(b, bounds[2 * i + 1]!), field), ts);
            }
          }
        },
      };
    },
  });
}

function wrap(elements: VectorValue, field: string | undefined): unknown {
  return field === undefined ? elements : { [field]: elements };
}

function combined(v: VectorValue, bounds: Int32Array, total: number): VectorValue {
  if (Array.isArray(v)) {
    const out = new Array<unknown>(total);
    let k = 0;
    for (let i = 0; i < bounds.length; i += 2) {
      for (let j = bounds[i]!; j < bounds[i + 1]!; j++) out[k++] = v[j];
    }
    return out;
  }
  const typed = v as TypedVector;
  const out = new (typed.constructor as new (n: number) => TypedVector)(total);
  let k = 0;
  for (let i = 0; i < bounds.length; i += 2) {
    // The typed-array constructor and this view share the element type, so `set` is a plain copy.
    (out as Float64Array).set((typed as Float64Array).subarray(bounds[i]!, bounds[i + 1]!), k);
    k += bounds[i + 1]! - bounds[i]!;
  }
  return out;
}

function optionsProblem(o: SplitVectorOptions, moves: boolean): string | undefined {
  if (!Array.isArray(o.ranges)) return 'ranges must be a list of { begin end } ranges';
  if (typeof o.elementOnly !== 'boolean') return 'elementOnly must be a boolean';
  if (typeof o.combineOutputs !== 'boolean') return 'combineOutputs must be a boolean';
  const rs: [number, number][] = [];
  for (const r of o.ranges as unknown[]) {
    if (typeof r !== 'object' || r === null || Array.isArray(r)) {
      return `each range must be a { begin end } message, not ${JSON.stringify(r)}`;
    }
    const { begin = 0, end = 0, ...rest } = r as Record<string, unknown>;
    const extra = Object.keys(rest);
    if (extra.length > 0) return `a range has only begin and end, not ${extra.join(', ')}`;
    if (!Number.isSafeInteger(begin) || !Number.isSafeInteger(end)) {
      return `range begin and end must be integers, not ${String(begin)} and ${String(end)}`;
    }
    rs.push([begin as number, end as number]);
  }
  if (moves || o.combineOutputs) {
    for (let i = 0; i < rs.length; i++) {
      for (let j = i + 1; j < rs.length; j++) {
        const [b0, e0] = rs[i]!;
        const [b1, e1] = rs[j]!;
        if ((b0 >= b1 && b0 < e1) || (b1 >= b0 && b1 < e0)) {
          return `Ranges must be non-overlapping when using combine_outputs option (ranges ${i} and ${j} overlap).`;
        }
      }
    }
  }
  for (const [b, e] of rs) {
    if (o.combineOutputs) {
      // MediaPipe does not check combined ranges; one running backwards would read out of bounds.
      if (b < 0 || e < b) return `range [${b}, ${e}) must have 0 ≤ begin ≤ end`;
    } else {
      if (b < 0 || e < 0 || b >= e) {
        return `Indices should be non-negative and begin index should be less than the end index (range [${b}, ${e})).`;
      }
      if (o.elementOnly && e - b !== 1) {
        return `Since element_only is true, all ranges should be of size 1 (range [${b}, ${e})).`;
      }
    }
  }
  return undefined;
}

/**
 * weft's generic name, for arrays of any plain values. Any thread may import it; an instance runs
 * on its actor's thread.
 */
export default splitVectorCalculator('SplitVectorCalculator');

// MediaPipe's registered names whose elements weft carries as plain values (not its image, frame
// and GPU buffer types: a frame cannot sit inside an array value), plus the test-registered int one.
/** MediaPipe's test-registered `SplitIntVectorCalculator`: {@link splitVectorCalculator} under that name. */
export const SplitIntVectorCalculator = splitVectorCalculator('SplitIntVectorCalculator');
/** MediaPipe's `SplitUint64tVectorCalculator`: {@link splitVectorCalculator} under that name. */
export const SplitUint64tVectorCalculator = splitVectorCalculator('SplitUint64tVectorCalculator');
/** MediaPipe's `SplitFloatVectorCalculator`: {@link splitVectorCalculator} under that name. */
export const SplitFloatVectorCalculator = splitVectorCalculator('SplitFloatVectorCalculator');
/** MediaPipe's `SplitLandmarkVectorCalculator`: {@link splitVectorCalculator} under that name. */
export const SplitLandmarkVectorCalculator = splitVectorCalculator('SplitLandmarkVectorCalculator');
/**
 * MediaPipe's `SplitNormalizedLandmarkListVectorCalculator`: {@link splitVectorCalculator} under
 * that name.
 */
export const SplitNormalizedLandmarkListVectorCalculator = splitVectorCalculator(
  'SplitNormalizedLandmarkListVectorCalculator',
);
/** MediaPipe's `SplitNormalizedRectVectorCalculator`: {@link splitVectorCalculator} under that name. */
export const SplitNormalizedRectVectorCalculator = splitVectorCalculator(
  'SplitNormalizedRectVectorCalculator',
);
/** MediaPipe's `SplitDetectionVectorCalculator`: {@link splitVectorCalculator} under that name. */
export const SplitDetectionVectorCalculator = splitVectorCalculator('SplitDetectionVectorCalculator');
/** MediaPipe's `SplitClassificationListVectorCalculator`: {@link splitVectorCalculator} under that name. */
export const SplitClassificationListVectorCalculator = splitVectorCalculator(
  'SplitClassificationListVectorCalculator',
);
/** MediaPipe's `SplitMatrixVectorCalculator`: {@link splitVectorCalculator} under that name. */
export const SplitMatrixVectorCalculator = splitVectorCalculator('SplitMatrixVectorCalculator');
/** MediaPipe's `SplitAffineMatrixVectorCalculator`: {@link splitVectorCalculator} under that name. */
export const SplitAffineMatrixVectorCalculator = splitVectorCalculator('SplitAffineMatrixVectorCalculator');
/** MediaPipe's `SplitTfLiteTensorVectorCalculator`: {@link splitVectorCalculator} under that name. */
export const SplitTfLiteTensorVectorCalculator = splitVectorCalculator('SplitTfLiteTensorVectorCalculator');
/**
 * MediaPipe's `SplitTensorVectorCalculator`: {@link splitVectorCalculator} with its movable
 * variant's no-overlap rule.
 */
export const SplitTensorVectorCalculator = splitVectorCalculator('SplitTensorVectorCalculator', {
  moves: true,
});

// The list-message forms: the same split over the message's repeated field.
/**
 * MediaPipe's `SplitNormalizedLandmarkListCalculator`: {@link splitVectorCalculator} over list
 * messages' `landmark` field.
 */
export const SplitNormalizedLandmarkListCalculator = splitVectorCalculator(
  'SplitNormalizedLandmarkListCalculator',
  { field: 'landmark' },
);
/**
 * MediaPipe's `SplitLandmarkListCalculator`: {@link splitVectorCalculator} over list messages'
 * `landmark` field.
 */
export const SplitLandmarkListCalculator = splitVectorCalculator('SplitLandmarkListCalculator', {
  field: 'landmark',
});
/**
 * MediaPipe's `SplitJointListCalculator`: {@link splitVectorCalculator} over list messages' `joint`
 * field.
 */
export const SplitJointListCalculator = splitVectorCalculator('SplitJointListCalculator', { field: 'joint' });
