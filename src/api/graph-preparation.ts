/**
 * Graph preparation, shared by CalculatorGraph and Session: the default registry of weft's core
 * calculators, and the step that turns a GraphConfig into a PreparedGraph — subgraphs expanded,
 * calculator modules loaded, the graph validated (every problem reported as a typed error), MediaPipe
 * fields weft ignores reported as warnings — before any worker starts.
 *
 * Threading: the main thread, or any thread that may import the calculator modules. Lifecycle: the
 * default registry is created on first use and lives as long as the process; a PreparedGraph is
 * plain data its caller caches for as many runs as it likes.
 */

import { coreCalculatorModules } from '../calculators/index.js';
import replicaDispatch from '../calculators/replica-dispatch.js';
import replicaGather from '../calculators/replica-gather.js';
import type { CalculatorDefinition } from '../core/calculator.js';
import { CalculatorRegistry } from '../core/calculator-registry.js';
import { UnknownCalculatorError } from '../core/errors.js';
import type { GraphConfig } from '../core/graph-config.js';
import { REPLICA_DISPATCH, REPLICA_GATHER } from '../core/graph-replicas.js';
import { validateGraph } from '../core/graph-validation.js';
import { expandSubgraphs } from '../core/subgraph-expansion.js';
import { unusedFieldsWarning } from '../core/unused-fields.js';
import type { PreparedGraph } from './run-spec.js';

let core: CalculatorRegistry | undefined;

/** A registry holding weft's core calculators; create a child (`new CalculatorRegistry(defaultRegistry())`) to add your own. */
export function defaultRegistry(): CalculatorRegistry {
  if (core === undefined) {
    core = new CalculatorRegistry();
    for (const c of coreCalculatorModules()) core.register(c.name, c.module, c.exportName);
  }
  return core;
}

/**
 * Loads a graph's calculators from `registry` and validates it (replicated nodes expanded). The
 * replica calculators resolve from the core set when `registry` does not know them. Main thread
 * (or any thread that may import the calculator modules). MediaPipe fields the graph has but weft
 * does not use are reported to `warn`, once per preparation.
 * @throws GraphInvalidError listing every problem.
 */
export async function prepareGraph(
  config: GraphConfig,
  registry: CalculatorRegistry,
  warn: (message: string) => void = defaultWarn,
  observed?: ReadonlySet<string>,
): Promise<PreparedGraph> {
  // Subgraph nodes become the subgraphs' nodes first, as in MediaPipe.
  config = expandSubgraphs(config, (name) => registry.subgraph(name));
  if (observed !== undefined) config = withoutUnproducedOutputs(config, observed, warn);
  const defs = await registry.loadAll(new Set(config.nodes.map((n) => n.calculator)));
  const lookup = (name: string) => defs.get(name) ?? REPLICA_CALCULATORS.get(name);
  const graph = validateGraph(config, lookup);
  const unused = unusedFieldsWarning(config);
  if (unused !== undefined) warn(unused);
  const modules = new Map(
    [...new Set(graph.nodes.map((n) => n.calculator))].map((name) => {
      const entry = registry.entry(name) ?? defaultRegistry().entry(name);
      if (entry === undefined)
        throw new UnknownCalculatorError(`unknown calculator "${name}"`, { phase: 'config' });
      return [name, entry] as const;
    }),
  );
  return { graph, modules, lookup };
}

/**
 * MediaPipe reads a top-level graph's `output_stream` / `output_side_packet` only when the graph is
 * used as a subgraph, so it runs graphs that declare outputs nothing produces. CalculatorGraph does
 * the same: such declarations are dropped with a warning (streams the application observes are
 * kept, and refused at validation when nothing produces them).
 */
function withoutUnproducedOutputs(
  config: GraphConfig,
  observed: ReadonlySet<string>,
  warn: (message: string) => void,
): GraphConfig {
  const streams = new Set([
    ...config.inputStreams,
    ...config.nodes.flatMap((n) => n.outputStreams.map((r) => r.name)),
  ]);
  const sides = new Set([
    ...config.inputSidePackets,
    ...config.nodes.flatMap((n) => [...n.outputSidePackets, ...n.inputSidePackets].map((r) => r.name)),
  ]);
  const outputStreams = config.outputStreams.filter((s) => streams.has(s) || observed.has(s));
  const outputSidePackets = config.outputSidePackets.filter((s) => sides.has(s));
  const dropped = [
    ...config.outputStreams.filter((s) => !outputStreams.includes(s)).map((s) => `output_stream "${s}"`),
    ...config.outputSidePackets
      .filter((s) => !outputSidePackets.includes(s))
      .map((s) => `output_side_packet "${s}"`),
  ];
  if (dropped.length === 0) return config;
  warn(
    `the graph declares ${dropped.join(', ')}, which no node produces; as in MediaPipe (where a graph's ` +
      'outputs matter only to a subgraph) the declaration is ignored',
  );
  return { ...config, outputStreams, outputSidePackets };
}

/** Where graph warnings go when no `onWarning` is given: a process warning (`WeftWarning`). Any thread. */
export function defaultWarn(message: string): void {
  process.emitWarning(message, 'WeftWarning');
}

const REPLICA_CALCULATORS = new Map<string, CalculatorDefinition>([
  [REPLICA_DISPATCH, replicaDispatch as unknown as CalculatorDefinition],
  [REPLICA_GATHER, replicaGather as unknown as CalculatorDefinition],
]);
