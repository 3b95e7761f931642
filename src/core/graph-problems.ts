/**
 * The one error a graph with problems is refused with: GraphInvalidError, its message listing
 * every problem and `problems` holding each as its own typed error.
 *
 * Threading: pure; any thread.
 */
import { GraphInvalidError, type WeftError } from './errors.js';

/** GraphInvalidError for `problems` (one or more). */
export function graphInvalid(problems: WeftError[]): GraphInvalidError {
  const list = problems.map((p) => `  - ${p.name}: ${p.message}`).join('\n');
  const err = new GraphInvalidError(
    `graph is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${list}`,
  );
  // No context on the summary: each problem carries its own, and a suffix would trail the list.
  return Object.assign(err, { problems });
}
