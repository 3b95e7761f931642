/**
 * Replicas: a node of a stateless calculator with `parallelism: N` runs as N actors.
 *
 * The graph is rewritten before it is resolved, so every later stage (planning, actors, stats,
 * pictures) sees plain nodes. A node `X` with inputs `a, b`, outputs `y`, parallelism 2 becomes:
 *
 * ```
 * a, b → X.dispatch ─┬→ X[0] ─┐
 *                    └→ X[1] ─┴→ X.gather → y
 * ```
 *
 * - `X.dispatch` (ReplicaDispatchCalculator) forms input sets exactly as `X` would (same input
 *   stream handler and back edges, without `batchSize`), and sends each whole set to one replica in
 *   turn. Its timestamp offset 0 carries the bound of every set to every replica, so a replica that
 *   got no packet at T still learns that T is settled.
 * - `X[i]` is an ordinary node of X's calculator, options and side packets, fed by the dispatch.
 * - `X.gather` (ReplicaGatherCalculator) synchronises all replicas' outputs by timestamp (Default
 *   handler) and forwards, per output, the one packet a replica produced: per stream, the output is
 *   in timestamp order, as if one actor had run it.
 *
 * Executors: a replicated node names none (an explicit `parallelism` above 1 with an `executor` is
 * refused by {@link checkParallelism}; an executor turns off the contract's default parallelism),
 * and the dispatch and gather nodes get none, so each replica has a thread of its own.
 *
 * Restart policy: each replica keeps the node's `restart` (else the graph's, as the node would);
 * the dispatch and gather nodes always `stop`: a failure there is a bug in weft, not a calculator
 * fault to go on after.
 *
 * Internal streams are named `_weft_<node index>_r<replica>_<in|out><port>`; nodes keep the user's
 * name with a suffix, so stats and errors still point at `X`.
 *
 * Threading: pure functions over plain data; any thread.
 */
import type { CalculatorDefinition } from './calculator.js';
import { BadOptionsError, type WeftError } from './errors.js';
import type { GraphConfig, NodeConfig, PortRef, RestartPolicy } from './graph-config.js';
import type { InputStreamHandlerConfig } from './input-stream-handler-config.js';

/** Registry name of the calculator that spreads input sets over replicas. */
export const REPLICA_DISPATCH = 'ReplicaDispatchCalculator';
/** Registry name of the calculator that puts replica outputs back in timestamp order. */
export const REPLICA_GATHER = 'ReplicaGatherCalculator';
// The dispatch's and the gather's policy, whatever the graph's or the node's.
const STOP: RestartPolicy = Object.freeze({ policy: 'stop' });

/** Upper limit of `parallelism`: far beyond any useful count of cores, low enough to catch typos. */
export const MAX_PARALLELISM = 256;

/**
 * The replicas a node asks for: its own `parallelism`, else 1 when it names an executor (the
 * executor's one thread is what it asked for), else the contract's, else 1.
 */
export function parallelismOf(node: NodeConfig, def: CalculatorDefinition | undefined): number {
  if (node.parallelism !== undefined) return node.parallelism;
  if (node.executor !== undefined && node.executor !== '') return 1;
  return def?.contract.parallelism ?? 1;
}

/**
 * Adds a BadOptionsError to `problems` for every reason `node` cannot run with its parallelism,
 * among them an explicit `parallelism` above 1 together with an `executor`: replicas each run on
 * a thread of their own, an executor is one thread shared with its other nodes.
 */
export function checkParallelism(
  name: string,
  node: NodeConfig,
  def: CalculatorDefinition | undefined,
  problems: WeftError[],
): void {
  const n = parallelismOf(node, def);
  const at = { node: name, phase: 'config' as const };
  if (!Number.isInteger(n) || n < 1 || n > MAX_PARALLELISM) {
    problems.push(new BadOptionsError(`parallelism ${n} must be an integer in [1, ${MAX_PARALLELISM}]`, at));
    return;
  }
  if (n > 1 && node.executor !== undefined && node.executor !== '') {
    problems.push(
      new BadOptionsError(
        `parallelism ${n} and executor "${node.executor}" cannot go together: replicas each run on ` +
          'a thread of their own, while the nodes of an executor share one; drop one of them',
        at,
      ),
    );
    return;
  }
  if (n === 1 || def === undefined) return;
  const why =
    def.contract.parallelism === undefined
      ? `calculator ${def.name} does not declare itself stateless (contract \`parallelism\`)`
      : node.inputStreams.length === 0
        ? 'a source has no input sets to share out'
        : node.outputSidePackets.length > 0
          ? 'each replica would set its output side packets'
          : undefined;
  if (why !== undefined) problems.push(new BadOptionsError(`parallelism ${n} is not possible: ${why}`, at));
}

/**
 * Rewrites every node whose parallelism is above 1 into dispatch → replicas → gather (see the file
 * header); other nodes are kept as they are. `names` are the nodes' resolved names. Call only on a
 * config that validated.
 */
export function expandReplicas(
  config: GraphConfig,
  names: readonly string[],
  lookup: (calculator: string) => CalculatorDefinition | undefined,
): GraphConfig {
  const nodes: NodeConfig[] = [];
  config.nodes.forEach((node, id) => {
    const def = lookup(node.calculator);
    const n = parallelismOf(node, def);
    if (n <= 1) {
      nodes.push(node);
      return;
    }
    const name = names[id]!;
    const handler = node.inputStreamHandler ?? def?.contract.inputStreamHandler;
    const inName = (r: number, i: number) => `_weft_${id}_r${r}_in${i}`;
    const outName = (r: number, o: number) => `_weft_${id}_r${r}_out${o}`;
    const k = node.inputStreams.length;
    const m = node.outputStreams.length;
    const backEdges = new Set(node.inputStreamInfo.filter((x) => x.backEdge).map((x) => x.tagIndex));
    nodes.push({
      name: `${name}.dispatch`,
      calculator: REPLICA_DISPATCH,
      inputStreams: node.inputStreams.map((p, i) => untagged(i, p.name)),
      outputStreams: range(n * k).map((j) => untagged(j, inName(Math.floor(j / k), j % k))),
      inputSidePackets: [],
      outputSidePackets: [],
      ...(handler === undefined ? {} : { inputStreamHandler: withoutBatch(handler) }),
      inputStreamInfo: node.inputStreams.flatMap((p, i) =>
        isBackEdge(p, backEdges) ? [{ tagIndex: `:${i}`, backEdge: true }] : [],
      ),
      options: { replicas: n },
      ...(node.maxQueueSize === undefined ? {} : { maxQueueSize: node.maxQueueSize }),
      ...(node.stuckTimeoutMs === undefined ? {} : { stuckTimeoutMs: node.stuckTimeoutMs }),
      ...(node.heapLimitMb === undefined ? {} : { heapLimitMb: node.heapLimitMb }),
      restart: STOP,
    });
    for (let r = 0; r < n; r++) {
      nodes.push({
        ...node,
        name: `${name}[${r}]`,
        inputStreams: node.inputStreams.map((p, i) => ({ ...p, name: inName(r, i) })),
        outputStreams: node.outputStreams.map((p, o) => ({ ...p, name: outName(r, o) })),
        inputStreamInfo: [],
        parallelism: 1,
      });
    }
    nodes.push({
      name: `${name}.gather`,
      calculator: REPLICA_GATHER,
      inputStreams: range(n * m).map((j) => untagged(j, outName(Math.floor(j / m), j % m))),
      outputStreams: node.outputStreams.map((p, o) => untagged(o, p.name)),
      inputSidePackets: [],
      outputSidePackets: [],
      inputStreamInfo: [],
      options: { replicas: n },
      restart: STOP,
    });
  });
  return { ...config, nodes };
}

function untagged(index: number, name: string): PortRef {
  return { tag: '', index, name };
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

// Matches an input_stream_info tag_index ("TAG", "TAG:1", ":0") against a port.
function isBackEdge(p: PortRef, backEdges: ReadonlySet<string>): boolean {
  return backEdges.has(`${p.tag}:${p.index}`) || (p.index === 0 && backEdges.has(p.tag) && p.tag !== '');
}

// The dispatch forms sets one at a time; batching is the replicas' business.
function withoutBatch(h: InputStreamHandlerConfig): InputStreamHandlerConfig {
  return h.name === 'DefaultInputStreamHandler' ? { name: h.name } : h;
}
