/**
 * The options of a CalculatorGraph and of a Session, checked when either is made: a misspelt or
 * mistyped option would otherwise be ignored (a string `stuckTimeoutMs` turned the watchdog off).
 *
 * Threading: pure; any thread.
 */
import { supervisorOptionProblems } from '../actors/supervisor-options.js';
import type { CalculatorRegistry } from '../core/calculator-registry.js';
import { InvalidArgumentError } from '../core/errors.js';
import type { CalculatorGraphOptions } from './calculator-graph.js';

/**
 * Throws InvalidArgumentError listing every problem of a CalculatorGraph's or Session's options
 * (`extraKeys`: the further options a Session takes, checked by the caller). Pure; any thread.
 */
export function checkGraphOptions(
  options: CalculatorGraphOptions,
  where: string,
  extraKeys: readonly string[] = [],
): void {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError(`${where} must be an object`, { phase: 'config' });
  }
  const problems = supervisorOptionProblems(options, where, ['registry', 'profileIntervalMs', ...extraKeys]);
  const { registry, profileIntervalMs: interval } = options;
  // By shape, not instanceof: a registry from another copy of weft (a bundled one) is as good.
  const reg = registry as Partial<CalculatorRegistry> | undefined;
  if (
    reg !== undefined &&
    (typeof reg !== 'object' ||
      !(['load', 'entry', 'entries', 'subgraph', 'has'] as const).every((m) => typeof reg[m] === 'function'))
  )
    problems.push(`${where}: registry must be a CalculatorRegistry`);
  if (interval !== undefined && !(typeof interval === 'number' && Number.isFinite(interval) && interval >= 0))
    problems.push(`${where}: profileIntervalMs must be a number of ms ≥ 0 (0: off), not ${String(interval)}`);
  if (problems.length > 0) throw new InvalidArgumentError(problems.join('; '), { phase: 'config' });
}
