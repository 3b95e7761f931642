/**
 * ConcatenateVectorCalculator: concatenates the arrays (or single elements) of its inputs at one
 * timestamp into one array, in input order (MediaPipe's ConcatenateVectorCalculator template, with
 * its contract and ConcatenateVectorCalculatorOptions), and its list-message form (MediaPipe's
 * ConcatenateNormalizedLandmarkListCalculator and kin, concatenate_proto_list_calculator.cc), which
 * concatenates the repeated field of list messages.
 *
 * MediaPipe registers one class per element type; weft values are plain values, so one
 * implementation serves every name whose elements weft carries as values, each name its own
 * definition made by {@link concatenateVectorCalculator}.
 *
 * Threading: the definitions are plain data plus functions; an instance runs on its actor's thread.
 */
import { type CalculatorDefinition, defineCalculator } from '../core/calculator.js';
import { InvalidArgumentError } from '../core/errors.js';
import { checkItem, isVectorValue, vectorIn } from './vector-value.js';

/**
 * Options of {@link concatenateVectorCalculator} (MediaPipe's ConcatenateVectorCalculatorOptions).
 * Plain data, structured-cloneable; any thread.
 */
export interface ConcatenateVectorOptions {
  /** Emit only at timestamps where every input has a packet. Default false. */
  readonly onlyEmitIfAllPresent: boolean;
}

/** How a concatenate variant reads its inputs. */
export interface ConcatenateVectorVariant {
  /**
   * The repeated field of a list message (`landmark` for NormalizedLandmarkList): every input is
   * such a message, and the output is a message holding only that field, as MediaPipe builds it.
   */
  readonly field?: string;
}

/**
 * The concatenate definition registered as `name`.
 *
 * - Inputs: one or more untagged streams. Without `variant.field` each packet is an array (or typed
 *   array), whose elements are appended, or any other value, appended as one element (MediaPipe's
 *   `OneOf<T, vector<T>>`: an array is always taken as a vector, so arrays of arrays need each
 *   element wrapped). With `variant.field` each packet is a list message. Output: one untagged
 *   stream, a plain array (or `{ [field]: elements }`).
 * - At each timestamp where any input has a packet, emits the concatenation of the inputs present
 *   (possibly empty); with `onlyEmitIfAllPresent`, nothing unless all are present.
 * - Timestamps: the output carries the input timestamp; `timestampOffset: 0` (api2's default).
 * - Errors: a frame packet, or with `variant.field` a value that is no such list message, fails
 *   `process` with InvalidArgumentError naming the input.
 * - Allocation: the output array only.
 * - Threading: an instance runs on its actor's thread.
 */
export function concatenateVectorCalculator(
  name: string,
  variant: ConcatenateVectorVariant = {},
): CalculatorDefinition<ConcatenateVectorOptions> {
  const field = variant.field;
  return defineCalculator<ConcatenateVectorOptions>({
    name,
    description:
      field === undefined
        ? 'Concatenates the arrays (or elements) of its inputs at each timestamp into one array.'
        : `Concatenates the "${field}" lists of its input messages at each timestamp into one message.`,
    contract: {
      inputs: { '': { min: 1, max: Number.POSITIVE_INFINITY } },
      outputs: { '': 'one' },
      options: { onlyEmitIfAllPresent: false },
      validateOptions: (o) =>
        typeof o.onlyEmitIfAllPresent === 'boolean' ? undefined : 'onlyEmitIfAllPresent must be a boolean',
      timestampOffset: 0,
    },
    create: () => ({
      process(ctx) {
        const n = ctx.inputCount('');
        if (ctx.options.onlyEmitIfAllPresent) {
          for (let i = 0; i < n; i++) if (ctx.input(i).isEmpty) return;
        }
        const out: unknown[] = [];
        for (let i = 0; i < n; i++) {
          const p = ctx.input(i);
          if (p.isEmpty) continue;
          const what = `${name} input ${i}`;
          if (field !== undefined || isVectorValue(p.value)) {
            const v = vectorIn(p, what, field);
            for (let j = 0; j < v.length; j++) out.push(v[j]);
          } else if (p.frame >= 0) {
            throw new InvalidArgumentError(`${what}: a frame packet cannot be gathered into an array value`);
          } else {
            checkItem(p.value, what);
            out.push(p.value);
          }
        }
        ctx.output(0).add(field === undefined ? out : { [field]: out }, ctx.inputTimestamp);
      },
    }),
  });
}

/**
 * weft's generic name, for any plain values. Any thread may import it; an instance runs on its
 * actor's thread.
 */
export default concatenateVectorCalculator('ConcatenateVectorCalculator');

// MediaPipe's registered names whose elements weft carries as plain values (not its image and GPU
// buffer types: a frame cannot sit inside an array value).
/** MediaPipe's `ConcatenateFloatVectorCalculator`: {@link concatenateVectorCalculator} under that name. */
export const ConcatenateFloatVectorCalculator = concatenateVectorCalculator(
  'ConcatenateFloatVectorCalculator',
);
/** MediaPipe's `ConcatenateInt32VectorCalculator`: {@link concatenateVectorCalculator} under that name. */
export const ConcatenateInt32VectorCalculator = concatenateVectorCalculator(
  'ConcatenateInt32VectorCalculator',
);
/** MediaPipe's `ConcatenateUInt64VectorCalculator`: {@link concatenateVectorCalculator} under that name. */
export const ConcatenateUInt64VectorCalculator = concatenateVectorCalculator(
  'ConcatenateUInt64VectorCalculator',
);
/** MediaPipe's `ConcatenateBoolVectorCalculator`: {@link concatenateVectorCalculator} under that name. */
export const ConcatenateBoolVectorCalculator = concatenateVectorCalculator('ConcatenateBoolVectorCalculator');
/** MediaPipe's `ConcatenateStringVectorCalculator`: {@link concatenateVectorCalculator} under that name. */
export const ConcatenateStringVectorCalculator = concatenateVectorCalculator(
  'ConcatenateStringVectorCalculator',
);
/**
 * MediaPipe's `ConcatenateTfLiteTensorVectorCalculator`: {@link concatenateVectorCalculator} under
 * that name.
 */
export const ConcatenateTfLiteTensorVectorCalculator = concatenateVectorCalculator(
  'ConcatenateTfLiteTensorVectorCalculator',
);
/** MediaPipe's `ConcatenateTensorVectorCalculator`: {@link concatenateVectorCalculator} under that name. */
export const ConcatenateTensorVectorCalculator = concatenateVectorCalculator(
  'ConcatenateTensorVectorCalculator',
);
/** MediaPipe's `ConcatenateLandmarkVectorCalculator`: {@link concatenateVectorCalculator} under that name. */
export const ConcatenateLandmarkVectorCalculator = concatenateVectorCalculator(
  'ConcatenateLandmarkVectorCalculator',
);
/**
 * MediaPipe's `ConcatenateLandmarkListVectorCalculator`: {@link concatenateVectorCalculator} under
 * that name.
 */
export const ConcatenateLandmarkListVectorCalculator = concatenateVectorCalculator(
  'ConcatenateLandmarkListVectorCalculator',
);
/**
 * MediaPipe's `ConcatenateNormalizedLandmarkListVectorCalculator`: {@link
 * concatenateVectorCalculator} under that name.
 */
export const ConcatenateNormalizedLandmarkListVectorCalculator = concatenateVectorCalculator(
  'ConcatenateNormalizedLandmarkListVectorCalculator',
);
/** MediaPipe keeps this misspelt name for compatibility; so does weft. */
export const ConcatenateLandmarListVectorCalculator = concatenateVectorCalculator(
  'ConcatenateLandmarListVectorCalculator',
);
/**
 * MediaPipe's `ConcatenateClassificationListVectorCalculator`: {@link concatenateVectorCalculator}
 * under that name.
 */
export const ConcatenateClassificationListVectorCalculator = concatenateVectorCalculator(
  'ConcatenateClassificationListVectorCalculator',
);
/**
 * MediaPipe's `ConcatenateRenderDataVectorCalculator`: {@link concatenateVectorCalculator} under
 * that name.
 */
export const ConcatenateRenderDataVectorCalculator = concatenateVectorCalculator(
  'ConcatenateRenderDataVectorCalculator',
);
/**
 * MediaPipe's `ConcatenateDetectionVectorCalculator`: {@link concatenateVectorCalculator} under
 * that name.
 */
export const ConcatenateDetectionVectorCalculator = concatenateVectorCalculator(
  'ConcatenateDetectionVectorCalculator',
);

// The list-message forms: the same concatenation over the messages' repeated field.
/**
 * MediaPipe's `ConcatenateNormalizedLandmarkListCalculator`: {@link concatenateVectorCalculator}
 * over list messages' `landmark` field.
 */
export const ConcatenateNormalizedLandmarkListCalculator = concatenateVectorCalculator(
  'ConcatenateNormalizedLandmarkListCalculator',
  { field: 'landmark' },
);
/**
 * MediaPipe's `ConcatenateLandmarkListCalculator`: {@link concatenateVectorCalculator} over list
 * messages' `landmark` field.
 */
export const ConcatenateLandmarkListCalculator = concatenateVectorCalculator(
  'ConcatenateLandmarkListCalculator',
  {
    field: 'landmark',
  },
);
/**
 * MediaPipe's `ConcatenateClassificationListCalculator`: {@link concatenateVectorCalculator} over
 * list messages' `classification` field.
 */
export const ConcatenateClassificationListCalculator = concatenateVectorCalculator(
  'ConcatenateClassificationListCalculator',
  { field: 'classification' },
);
/**
 * MediaPipe's `ConcatenateJointListCalculator`: {@link concatenateVectorCalculator} over list
 * messages' `joint` field.
 */
export const ConcatenateJointListCalculator = concatenateVectorCalculator('ConcatenateJointListCalculator', {
  field: 'joint',
});
