/**
 * VectorIndicesCalculator: the indices `[0, 1, ..., n - 1]` of each array of length n (MediaPipe's
 * VectorIndicesCalculator template, with its contract).
 *
 * MediaPipe registers one class per element type; weft values are plain values, so one
 * implementation serves every name, each its own definition made by {@link vectorIndicesCalculator}.
 *
 * Threading: the definitions are plain data plus functions; an instance runs on its actor's thread.
 */
import type { CalculatorDefinition } from '../core/calculator.js';
import { vectorMapCalculator } from './vector-value.js';

/** VectorIndicesCalculator takes no options. Plain data; any thread. */
export type VectorIndicesOptions = Record<string, never>;

/**
 * The definition registered as `name`: input `VECTOR`, an array (or typed array); output `INDICES`,
 * an array of its indices in order (empty for an empty array), at the input timestamp. Allocates
 * the output array only. See {@link vectorMapCalculator} for timestamps and errors. Any thread,
 * usually at a module's top level; an instance runs on its actor's thread.
 */
export function vectorIndicesCalculator(name: string): CalculatorDefinition<VectorIndicesOptions> {
  return vectorMapCalculator<VectorIndicesOptions>(
    name,
    'Emits the indices 0..n-1 of each VECTOR array of length n as INDICES.',
    'INDICES',
    (vector) => Array.from({ length: vector.length }, (_, i) => i),
  );
}

/**
 * weft's generic name, for arrays of any plain values. Any thread may import it; an instance runs
 * on its actor's thread.
 */
export default vectorIndicesCalculator('VectorIndicesCalculator');

// MediaPipe's registered names; their element types are plain values in weft.
/** MediaPipe's `IntVectorIndicesCalculator`: {@link vectorIndicesCalculator} under that name. */
export const IntVectorIndicesCalculator = vectorIndicesCalculator('IntVectorIndicesCalculator');
/** MediaPipe's `Uint64tVectorIndicesCalculator`: {@link vectorIndicesCalculator} under that name. */
export const Uint64tVectorIndicesCalculator = vectorIndicesCalculator('Uint64tVectorIndicesCalculator');
/**
 * MediaPipe's `NormalizedLandmarkListVectorIndicesCalculator`: {@link vectorIndicesCalculator}
 * under that name.
 */
export const NormalizedLandmarkListVectorIndicesCalculator = vectorIndicesCalculator(
  'NormalizedLandmarkListVectorIndicesCalculator',
);
