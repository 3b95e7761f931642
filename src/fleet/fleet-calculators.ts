/**
 * The camera fleet's own calculators (shard, postprocess, sink) and a registry that adds them to
 * weft's core calculators. They belong to this application, not to the general calculators: a graph
 * that names them runs with {@link fleetRegistry}, or with a registry the user built from
 * {@link fleetCalculatorModules}.
 *
 * Threading: main thread (registries are per thread); importing the module starts no work.
 */

import { defaultRegistry } from '../api/graph-preparation.js';
import { type CoreCalculatorModule, calculatorModulesBeside } from '../calculators/index.js';
import { CalculatorRegistry } from '../core/calculator-registry.js';
import cameraShard from './camera-shard.js';
import fleetPostprocess from './fleet-postprocess.js';
import fleetSink from './fleet-sink.js';

/**
 * One entry per fleet calculator, for `registry.register(name, module, exportName)`. Plain data;
 * any thread.
 */
export function fleetCalculatorModules(): CoreCalculatorModule[] {
  return calculatorModulesBeside(import.meta.url, [
    [cameraShard, 'camera-shard'],
    [fleetPostprocess, 'fleet-postprocess'],
    [fleetSink, 'fleet-sink'],
  ]);
}

let registry: CalculatorRegistry | undefined;

/**
 * weft's core calculators plus the fleet's; one shared instance (add your own in a child registry).
 * Per thread, as every registry: the main thread's, in practice, which builds the fleet's graphs.
 */
export function fleetRegistry(): CalculatorRegistry {
  if (registry === undefined) {
    registry = new CalculatorRegistry(defaultRegistry());
    for (const c of fleetCalculatorModules()) registry.register(c.name, c.module, c.exportName);
  }
  return registry;
}
