/**
 * VectorSizeCalculator: the length of each array (MediaPipe's VectorSizeCalculator template, with
 * its contract).
 *
 * MediaPipe registers one class per element type; weft values are plain values, so one
 * implementation serves every name, each its own definition made by {@link vectorSizeCalculator}.
 *
 * Threading: the definitions are plain data plus functions; an instance runs on its actor's thread.
 */
import type { CalculatorDefinition } from '../core/calculator.js';
import { vectorMapCalculator } from './vector-value.js';

/** VectorSizeCalculator takes no options. Plain data; any thread. */
export type VectorSizeOptions = Record<string, never>;

/**
 * The definition registered as `name`: input `VECTOR`, an array (or typed array); output `SIZE`,
 * its length, at the input timestamp. See {@link vectorMapCalculator} for timestamps and errors.
 * Any thread, usually at a module's top level; an instance runs on its actor's thread.
 */
export function vectorSizeCalculator(name: string): CalculatorDefinition<VectorSizeOptions> {
  return vectorMapCalculator<VectorSizeOptions>(
    name,
    'Emits the length of each VECTOR array as SIZE.',
    'SIZE',
    (vector) => vector.length,
  );
}

/**
 * weft's generic name, for arrays of any plain values. Any thread may import it; an instance runs
 * on its actor's thread.
 */
export default vectorSizeCalculator('VectorSizeCalculator');

// MediaPipe's registered names; their element types are plain values (messages) in weft.
/** MediaPipe's `LandmarkListVectorSizeCalculator`: {@link vectorSizeCalculator} under that name. */
export const LandmarkListVectorSizeCalculator = vectorSizeCalculator('LandmarkListVectorSizeCalculator');
/** MediaPipe's `ClassificationListVectorSizeCalculator`: {@link vectorSizeCalculator} under that name. */
export const ClassificationListVectorSizeCalculator = vectorSizeCalculator(
  'ClassificationListVectorSizeCalculator',
);
