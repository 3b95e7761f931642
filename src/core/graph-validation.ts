/**
 * Graph validation: a {@link GraphConfig} checked against the calculators' contracts, before any
 * worker starts, into a {@link ResolvedGraph}.
 *
 * Every problem is collected (not only the first), each as its own typed error naming the node and
 * the stream or tag, and reported together in one {@link GraphInvalidError} whose `problems` holds
 * them. The checks follow MediaPipe's `ValidatedGraphConfig`: unknown calculators, names, tags,
 * indices and cardinalities, options, handler settings, streams and side packets produced twice or
 * never, and cycles not broken by a declared back edge. Which class reports what:
 *
 * | class | problem |
 * | --- | --- |
 * | UnknownCalculatorError | calculator the lookup does not know (its wiring is still checked) |
 * | BadNameError | stream / side packet not `[a-z_][a-z0-9_]*`, tag not `[A-Z_][A-Z0-9_]*` |
 * | DuplicateNodeError | two nodes with one name (defaults: calculator name, `Name_2`, ...) |
 * | PortTagError | tag the contract lacks, required tag missing, too many streams, `validate` |
 * |  | hook, `input_stream_info` or sync set entry naming no input |
 * | PortIndexError | index gap or repeat within a tag |
 * | BadOptionsError | option key without a default, wrong type, `validateOptions`, handler |
 * |  | numbers out of range, unknown handler, `maxQueueSize` out of range, executor a node names |
 * |  | but the graph does not declare, executor declared twice, `numThreads` not positive, |
 * |  | explicit `parallelism` above 1 with an executor |
 * | BadNameError (executors) | executor name `default`, `gpu` or `__*` (declared or named) |
 * | DuplicateProducerError | stream or side packet produced twice (graph input included) |
 * | NoProducerError | input, graph output or graph output side packet nothing produces |
 * | CycleError | cycle whose inputs are not declared `back_edge` |
 *
 * Threading: pure functions, any thread (the main thread, in practice, before workers start).
 */
import { type CalculatorDefinition, portDecl } from './calculator.js';
import {
  BadNameError,
  BadOptionsError,
  CycleError,
  DuplicateNodeError,
  DuplicateProducerError,
  NoProducerError,
  SidePacketMissingError,
  UnknownCalculatorError,
  type WeftError,
} from './errors.js';
import type {
  GraphConfig,
  ResolvedGraph,
  ResolvedNode,
  ResolvedStream,
  StreamProducer,
} from './graph-config.js';
import { checkGraphConfigShape } from './graph-config-shape.js';
import { graphInvalid } from './graph-problems.js';
import { checkParallelism, expandReplicas, parallelismOf } from './graph-replicas.js';
import { findCycles, topologicalOrder } from './graph-validation-cycles.js';
import { checkExecutors } from './graph-validation-executors.js';
import {
  type CheckedNode,
  cardinalityRange,
  checkNode,
  isHeapLimit,
  isQueueSize,
  isTimeLimit,
  NAME_PATTERN,
} from './graph-validation-ports.js';
import { resolveRestart, restartProblems } from './restart-config.js';

/** Finds a calculator's definition by name (e.g. from `CalculatorRegistry.loadAll`). */
export type CalculatorLookup = (calculator: string) => CalculatorDefinition | undefined;

/**
 * Validates a graph and resolves it: ports in a fixed order (tags sorted, `''` first, then index),
 * options merged over the contract's defaults, the handler in force, `timestampOffset` 0 unless the
 * contract says otherwise (`null`: none), every stream with its producer and consumers, and a
 * topological order that ignores back-edge inputs. Nodes with `parallelism` above 1 come back as
 * dispatch → replicas → gather (`graph-replicas.ts`). Each node's `executor` is the declared
 * executor it names (undefined for none or `''`); replicated nodes have none (see `NodeConfig.executor`).
 * @throws GraphInvalidError listing every problem; `problems` holds them as typed errors.
 */
export function validateGraph(config: GraphConfig, lookup: CalculatorLookup): ResolvedGraph {
  checkGraphConfigShape(config);
  const problems: WeftError[] = [];
  const at = (node?: string, stream?: string) => ({ node, stream, phase: 'config' as const });
  if (!isQueueSize(config.maxQueueSize)) {
    problems.push(
      new BadOptionsError(
        `graph maxQueueSize ${config.maxQueueSize} must be an integer from 1 to 2147483647, or -1`,
        at(),
      ),
    );
  }
  if (config.stuckTimeoutMs !== undefined && !isTimeLimit(config.stuckTimeoutMs)) {
    problems.push(
      new BadOptionsError(
        `graph stuckTimeoutMs ${config.stuckTimeoutMs} must be an integer number of ms ≥ 1, or -1`,
        at(),
      ),
    );
  }
  if (config.heapLimitMb !== undefined && !isHeapLimit(config.heapLimitMb)) {
    problems.push(
      new BadOptionsError(
        `graph heapLimitMb ${config.heapLimitMb} must be an integer number of MiB, 16 to 65536`,
        at(),
      ),
    );
  }
  if (config.restart !== undefined) {
    for (const message of restartProblems(config.restart, 'graph restart')) {
      problems.push(new BadOptionsError(message, at()));
    }
  }
  const lists = [
    ['input stream', config.inputStreams],
    ['output stream', config.outputStreams],
    ['input side packet', config.inputSidePackets],
    ['output side packet', config.outputSidePackets],
  ] as const;
  for (const [label, list] of lists) {
    for (const name of list) {
      if (!NAME_PATTERN.test(name)) {
        problems.push(
          new BadNameError(`graph ${label} "${name}" must match [a-z_][a-z0-9_]*`, at(undefined, name)),
        );
      }
    }
  }

  const names = nodeNames(config);
  const firstWithName = new Map<string, number>();
  const checked: CheckedNode[] = config.nodes.map((node, id) => {
    const name = names[id]!;
    const seen = firstWithName.get(name);
    if (seen !== undefined) {
      problems.push(
        new DuplicateNodeError(
          `node name "${name}" is used by node #${seen + 1} and node #${id + 1}`,
          at(name),
        ),
      );
    } else firstWithName.set(name, id);
    const def = lookup(node.calculator);
    if (def === undefined) {
      problems.push(
        new UnknownCalculatorError(
          `unknown calculator "${node.calculator}": register its module in a CalculatorRegistry ` +
            '(new CalculatorRegistry(defaultRegistry()).register(name, url)) and pass it as { registry }',
          at(name),
        ),
      );
    }
    checkParallelism(name, node, def, problems);
    return checkNode(name, node, def, problems);
  });
  checkExecutors(config, names, problems);

  // Producers first (graph inputs, then nodes in order), so the second producer is the one blamed.
  const producers = new Map<string, StreamProducer>();
  const sidePackets = new Map<string, string>();
  const implicitSidePackets: string[] = [];
  const producerText = (p: StreamProducer): string =>
    p.kind === 'node' ? `node "${names[p.node]}"` : 'the graph input';
  for (const s of config.inputStreams) {
    if (producers.has(s)) {
      problems.push(
        new DuplicateProducerError(`graph input stream "${s}" is listed twice`, at(undefined, s)),
      );
    }
    producers.set(s, { kind: 'graph-input' });
  }
  for (const s of config.inputSidePackets) {
    if (sidePackets.has(s)) {
      problems.push(
        new DuplicateProducerError(`graph input side packet "${s}" is listed twice`, at(undefined, s)),
      );
    }
    sidePackets.set(s, 'the graph input');
  }
  checked.forEach((node, id) => {
    node.outputs.forEach((port, output) => {
      const first = producers.get(port.name);
      if (first === undefined) producers.set(port.name, { kind: 'node', node: id, output });
      else
        problems.push(
          new DuplicateProducerError(
            `stream "${port.name}" is already produced by ${producerText(first)}`,
            at(names[id], port.name),
          ),
        );
    });
    for (const port of node.outputSidePackets) {
      const first = sidePackets.get(port.name);
      if (first === undefined) sidePackets.set(port.name, `node "${names[id]}"`);
      else
        problems.push(
          new DuplicateProducerError(
            `side packet "${port.name}" is already produced by ${first}`,
            at(names[id], port.name),
          ),
        );
    }
  });

  const consumers = new Map<string, { node: number; input: number }[]>();
  checked.forEach((node, id) => {
    node.inputs.forEach((port, input) => {
      if (!producers.has(port.name)) {
        problems.push(
          new NoProducerError(
            `input stream "${port.name}" is neither a graph input nor any node's output`,
            at(names[id], port.name),
          ),
        );
      }
      consumers.set(port.name, [...(consumers.get(port.name) ?? []), { node: id, input }]);
    });
    // As in MediaPipe, a side packet no node produces is one the application gives at start,
    // declared at graph level or not (checkSidePackets requires it then).
    for (const port of node.inputSidePackets) {
      if (!sidePackets.has(port.name)) {
        sidePackets.set(port.name, 'the graph input');
        implicitSidePackets.push(port.name);
      }
    }
  });
  for (const s of config.outputStreams) {
    if (!producers.has(s)) {
      problems.push(
        new NoProducerError(
          `graph output stream "${s}" is produced by no node or graph input`,
          at(undefined, s),
        ),
      );
    }
  }
  for (const s of config.outputSidePackets) {
    if (!sidePackets.has(s)) {
      problems.push(
        new NoProducerError(`graph output side packet "${s}" is produced by no node`, at(undefined, s)),
      );
    }
  }

  const edges = checked.map((node) => {
    const from = new Map<number, string>();
    for (const port of node.inputs) {
      const p = producers.get(port.name);
      if (!port.backEdge && p?.kind === 'node' && !from.has(p.node)) from.set(p.node, port.name);
    }
    return from;
  });
  for (const cycle of findCycles(edges)) {
    const path = cycle.map((id) => `"${names[id]}"`).join(' → ');
    const closing = edges[cycle[0]!]!.get(cycle[cycle.length - 1]!)!;
    const msg = `cycle ${path} → "${names[cycle[0]!]}" has no input declared back_edge (input_stream_info)`;
    problems.push(new CycleError(msg, at(names[cycle[0]!], closing)));
  }

  if (problems.length > 0) throw graphInvalid(problems);
  // Replicated nodes are rewritten into plain ones, checked again: `lookup` must know the
  // replica calculators (REPLICA_DISPATCH, REPLICA_GATHER).
  if (config.nodes.some((n) => parallelismOf(n, lookup(n.calculator)) > 1)) {
    return validateGraph(expandReplicas(config, names, lookup), lookup);
  }

  const nodes: ResolvedNode[] = checked.map((c, id) => {
    const node = config.nodes[id]!;
    const contract = lookup(node.calculator)!.contract;
    return {
      name: names[id]!,
      id,
      calculator: node.calculator,
      ...c,
      maxQueueSize: node.maxQueueSize ?? config.maxQueueSize,
      stuckTimeoutMs: node.stuckTimeoutMs ?? config.stuckTimeoutMs,
      heapLimitMb: node.heapLimitMb ?? config.heapLimitMb,
      restart: resolveRestart(node.restart ?? config.restart),
      executor: node.executor === '' ? undefined : node.executor,
      timestampOffset: contract.timestampOffset === undefined ? 0 : contract.timestampOffset,
      processTimestampBounds: contract.processTimestampBounds ?? false,
      isSource: c.inputs.length === 0 && c.outputs.length > 0,
      ...(contract.initialHeapMb === undefined ? {} : { initialHeapMb: contract.initialHeapMb }),
    };
  });
  const outputs = new Set(config.outputStreams);
  const streams: ResolvedStream[] = [...producers].map(([name, producer]) => ({
    name,
    producer,
    consumers: consumers.get(name) ?? [],
    isGraphOutput: outputs.has(name),
  }));
  return {
    nodes,
    streams,
    inputStreams: [...config.inputStreams],
    outputStreams: [...config.outputStreams],
    inputSidePackets: [...config.inputSidePackets, ...implicitSidePackets],
    outputSidePackets: [...config.outputSidePackets],
    maxQueueSize: config.maxQueueSize,
    reportDeadlock: config.reportDeadlock,
    topologicalOrder: topologicalOrder(edges),
  };
}

/** Node names: the configured name, else the calculator name, `Name_2`, `Name_3` for repeats. */
export function nodeNames(config: GraphConfig): string[] {
  const counts = new Map<string, number>();
  return config.nodes.map((n) => {
    if (n.name !== undefined && n.name !== '') return n.name;
    const k = (counts.get(n.calculator) ?? 0) + 1;
    counts.set(n.calculator, k);
    return k === 1 ? n.calculator : `${n.calculator}_${k}`;
  });
}

/**
 * Checks, at run start, that every graph input side packet some node requires (its tag's
 * cardinality is `'one'` or has `min ≥ 1`) is in `provided` (an `undefined` value counts as absent).
 * Side packets produced by a node's output side packet are not checked here.
 * @throws SidePacketMissingError naming the first node and side packet missing; the message lists
 *   any others.
 */
export function checkSidePackets(
  graph: ResolvedGraph,
  provided: Readonly<Record<string, unknown>>,
  lookup: CalculatorLookup,
): void {
  const fromGraph = new Set(graph.inputSidePackets);
  const missing: { node: string; name: string }[] = [];
  for (const node of graph.nodes) {
    const decls = lookup(node.calculator)?.contract.inputSidePackets ?? {};
    for (const port of node.inputSidePackets) {
      const cardinality = portDecl(decls, port.tag);
      const required = cardinality !== undefined && cardinalityRange(cardinality)[0] >= 1;
      if (required && fromGraph.has(port.name) && provided[port.name] === undefined) {
        missing.push({ node: node.name, name: port.name });
      }
    }
  }
  const first = missing[0];
  if (first === undefined) return;
  const others = missing.slice(1).map((m) => `"${m.name}" (node "${m.node}")`);
  const also = others.length === 0 ? '' : `; also missing: ${others.join(', ')}`;
  throw new SidePacketMissingError(`required side packet "${first.name}" was not provided${also}`, {
    node: first.node,
    stream: first.name,
    phase: 'run',
  });
}
