/**
 * What a Session hands to each Run it builds, and the validated graph it caches. Internal to
 * `src/actors`: not public API.
 *
 * Threading: the thread that owns the Session and its Runs (plain data and callbacks).
 */

import type { CalculatorModules, SupervisorOptions } from '../actors/supervisor.js';
import type { ResolvedGraph } from '../core/graph-config.js';
import type { CalculatorLookup } from '../core/graph-validation.js';
import type { Run } from './run.js';
import type { InputOptions } from './run-options.js';

/** A validated graph, ready to run (cached by the session). Not public API. */
export interface PreparedGraph {
  readonly graph: ResolvedGraph;
  readonly modules: CalculatorModules;
  readonly lookup: CalculatorLookup;
}

/** What a Session hands to each Run it builds. Not public API. */
export interface RunSpec {
  /** Push inputs in declaration order, with their resolved options. */
  readonly inputs: readonly { readonly name: string; readonly options: Required<InputOptions> }[];
  /** Pull outputs in declaration order. */
  readonly outputs: readonly string[];
  readonly supervisor: SupervisorOptions;
  /** Validates the session's graph (cached across runs). */
  prepare(): Promise<PreparedGraph>;
  /** Called once the run is closed: the session may build another. */
  released(run: Run): void;
}
