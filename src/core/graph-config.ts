/**
 * Graph configuration: what a graph is made of, before and after validation.
 *
 * A {@link GraphConfig} comes from MediaPipe's text format (`parseGraphText`) or from the typed
 * builder (`graph()`); {@link validateGraph} checks it against the calculator registry, before any
 * worker starts, and produces a {@link ResolvedGraph}: every stream with its one producer and its
 * consumers, every node with its ports in a fixed order. Actors and the calculator runner work
 * from the resolved form only.
 *
 * Threading: plain data, structured-cloneable (the resolved graph is sent to every actor).
 */
import type { InputStreamHandlerConfig } from './input-stream-handler-config.js';

/**
 * A stream or side-packet reference in a node: `TAG:index:name`, `TAG:name` or `name`. Plain data,
 * structured-cloneable; any thread.
 */
export interface PortRef {
  /** Upper-case tag, or `''` for an untagged port. */
  readonly tag: string;
  /** Index within the tag (0 when not written). */
  readonly index: number;
  /** The stream or side packet name (lower case). */
  readonly name: string;
}

/** Per-input settings from `input_stream_info`. */
export interface InputStreamInfo {
  /** `TAG:index` (or `TAG`, or `:index` for untagged) of the input this applies to. */
  readonly tagIndex: string;
  /** The input closes a cycle: it is not waited for at start and is exempt from cycle checks. */
  readonly backEdge: boolean;
}

/**
 * What the runtime does when a node's calculator fails (weft extension: MediaPipe stops the graph).
 *
 * - `stop` (the default): the run fails with the error.
 * - `resume`: a `process` call that throws (or rejects) drops its input set (its frames released),
 *   is counted, and the node goes on with the same calculator instance from the next input set;
 *   what the call emitted before it threw stays emitted. A `close` that throws is counted and the
 *   node ends as if it had returned. An `open` that throws, and a thread that dies (`process.exit`,
 *   out of memory), still fail the run: there is no instance to go on with.
 * - `restart`: the failing instance is abandoned and its thread ended; a fresh instance on a fresh
 *   thread opens with the same side packets and goes on from the next input set (or the failing one
 *   once more, under `delivery: 'at-least-once'`). Covers a throwing or rejecting `open`/`process`,
 *   a thread that dies (`process.exit`, out of memory) and a stuck call; a `close` that throws is
 *   counted and the node ends, as under `resume`. Its rings are reattached, not rebuilt; the frames
 *   the dead instance held come back to the pool. The node gets a thread of its own (it never
 *   chains, and may not name an executor).
 *
 * More than `maxRestarts` recoveries within `periodMs` escalate: the run fails with
 * RestartLimitError (`ERR_WEFT_RESTART_LIMIT`), the last failure as its cause and the node's
 * history attached.
 *
 * Plain data, structured-cloneable; any thread.
 */
export interface RestartPolicy {
  readonly policy: RestartPolicyName;
  /** Recoveries allowed within `periodMs`; one more fails the run. Integer ≥ 0; default 10. */
  readonly maxRestarts?: number;
  /** The window `maxRestarts` counts in, ms. Integer ≥ 1; default 60000. */
  readonly periodMs?: number;
  /**
   * Under `restart`, what becomes of the input set whose call failed: `'at-most-once'` (default)
   * drops it; `'at-least-once'` gives it once to the fresh instance (dropped if that fails too), also
   * after a thread's death for a node under the Default handler (batch 1, no bound-only calls),
   * which reads one packet per input ahead. A thread of any other node that dies takes the sets it
   * had read and not processed with it: they are counted lost.
   */
  readonly delivery?: RestartDelivery;
}

/** The policies of {@link RestartPolicy}. Plain data; any thread. */
export type RestartPolicyName = 'stop' | 'resume' | 'restart';

/**
 * What `restart` does with the failing input set (see {@link RestartPolicy.delivery}). Plain data;
 * any thread.
 */
export type RestartDelivery = 'at-most-once' | 'at-least-once';

/** A {@link RestartPolicy} with its defaults filled in. Plain data, structured-cloneable; any thread. */
export interface ResolvedRestartPolicy {
  readonly policy: RestartPolicyName;
  readonly maxRestarts: number;
  readonly periodMs: number;
  readonly delivery: RestartDelivery;
}

/** The policy of a node that sets none, in a graph that sets none. Frozen; any thread. */
export const DEFAULT_RESTART: ResolvedRestartPolicy = Object.freeze({
  policy: 'stop',
  maxRestarts: 10,
  periodMs: 60_000,
  delivery: 'at-most-once',
});

/** One node as configured. Plain data, structured-cloneable as long as `options` is; any thread. */
export interface NodeConfig {
  /** Node name; defaults to the calculator name, suffixed `_2`, `_3` when repeated. */
  readonly name?: string;
  /** Registry name of the calculator. */
  readonly calculator: string;
  readonly inputStreams: readonly PortRef[];
  readonly outputStreams: readonly PortRef[];
  readonly inputSidePackets: readonly PortRef[];
  readonly outputSidePackets: readonly PortRef[];
  /** Overrides the calculator's default input stream handler. */
  readonly inputStreamHandler?: InputStreamHandlerConfig;
  readonly inputStreamInfo: readonly InputStreamInfo[];
  /** Options merged over the calculator's defaults (keys in camelCase). */
  readonly options: Readonly<Record<string, unknown>>;
  /** Per-node override of the graph's `maxQueueSize`. */
  readonly maxQueueSize?: number;
  /**
   * Per-node override of the graph's `stuckTimeoutMs` (weft extension): a call of this calculator
   * running longer fails the run with NodeStuckError; -1 for no limit.
   */
  readonly stuckTimeoutMs?: number;
  /**
   * Per-node override of the graph's `heapLimitMb` (weft extension): the JavaScript heap this node's
   * thread may use before it is ended with OutOfMemoryError.
   */
  readonly heapLimitMb?: number;
  /** Per-node override of the graph's `restart` policy (weft extension; see {@link RestartPolicy}). */
  readonly restart?: RestartPolicy;
  /**
   * Replicas of a stateless calculator (weft extension): the node runs as this many actors, each
   * input set goes to one of them in turn, and the outputs are put back in timestamp order. Default:
   * the contract's `parallelism`, else 1.
   */
  readonly parallelism?: number;
  /**
   * MediaPipe's node `executor`: the name of a graph-level {@link ExecutorConfig} (`GraphConfig.executors`)
   * this node runs on. Every node naming the same executor runs in one actor thread, one call at a
   * time, in weft; a node without one (or with `''`, MediaPipe's default executor) has a thread of
   * its own. Validation requires the name to be declared and not reserved (`default`, `gpu`, `__*`).
   * An executor set here turns off the calculator's default `parallelism`; an explicit
   * `parallelism` above 1 together with an executor is a validation error (replicas each need a
   * thread of their own). On a node that uses a subgraph, it applies to the subgraph's inner nodes
   * that name no executor of their own (a weft extension: MediaPipe drops it).
   */
  readonly executor?: string;
  /**
   * Text format only: the options message's type as written (`mediapipe.FlowLimiterCalculatorOptions`)
   * and in which field (`options` extension or `node_options` Any), so `formatGraphText` writes it
   * back the same way; option paths (`mode`, `sub.mode`) whose values were enum identifiers.
   */
  readonly optionsSource?: {
    readonly type: string;
    readonly field: 'options' | 'node_options';
    readonly enums: readonly string[];
  };
  /**
   * MediaPipe's `option_value` entries, `"node_field:graph_field"`: when the subgraph holding this
   * node expands, the subgraph option `graph_field` (from the using node's options over the
   * subgraph's `graphOptions`) is copied into this node's option `node_field`. Paths are snake_case
   * fields separated by `/`, optionally after `options/`.
   */
  readonly optionValues?: readonly string[];
  /** Text format only: MediaPipe fields of this node weft does not use, as written (see README). */
  readonly unused?: readonly string[];
}

/**
 * A whole graph as configured. Plain data, structured-cloneable as long as its nodes' options are;
 * any thread. Nothing checks it until a graph or session prepares it.
 */
export interface GraphConfig {
  /** Streams fed from outside (graph inputs count as sources). */
  readonly inputStreams: readonly string[];
  /** Streams observed from outside. */
  readonly outputStreams: readonly string[];
  /** Side packets provided from outside at start. */
  readonly inputSidePackets: readonly string[];
  /** Side packets readable after the run. */
  readonly outputSidePackets: readonly string[];
  readonly nodes: readonly NodeConfig[];
  /** Per-input queue limit; MediaPipe's default 100; -1 for no limit. */
  readonly maxQueueSize: number;
  /** On deadlock: true reports an error, false grows the full queue and warns. MediaPipe default false. */
  readonly reportDeadlock: boolean;
  /**
   * Longest a calculator call may run before the run fails with NodeStuckError, in ms; -1 for no
   * limit. Unset: the run's `stuckTimeoutMs` option, else 30 s (weft extension).
   */
  readonly stuckTimeoutMs?: number;
  /**
   * The JavaScript heap (old generation) each node's thread may use, MiB. Unset: the run's
   * `heapLimitMb` option, else 1024 (weft extension).
   */
  readonly heapLimitMb?: number;
  /** What a failing node does, for nodes that set no policy of their own (weft extension). */
  readonly restart?: RestartPolicy;
  /**
   * A subgraph's options with their defaults (MediaPipe's `graph_options`), keys in camelCase: the
   * node that uses the subgraph sets them with its own options; inner nodes read them through
   * `optionValues`. `graphOptionsType` is the message type as written, for `formatGraphText`.
   */
  readonly graphOptions?: Readonly<Record<string, unknown>>;
  readonly graphOptionsType?: string;
  /**
   * MediaPipe's graph-level `executor` declarations, in the order written; nodes name them in
   * `NodeConfig.executor`. Names are unique; `''` declares MediaPipe's default executor (weft gives
   * every node without an executor a thread of its own, so it has no effect). A declared executor no
   * node names is fine. Absent when none is declared.
   */
  readonly executors?: readonly ExecutorConfig[];
  /** Text format only: MediaPipe graph fields weft does not use, as written (see README). */
  readonly unused?: readonly string[];
  /**
   * Set when the config defines a subgraph (`type:` in the text format): its type name and its
   * graph-level ports with their tags, which nodes of other graphs connect to (see
   * `subgraph-expansion.ts`).
   */
  readonly subgraph?: SubgraphPorts;
}

/**
 * One of MediaPipe's graph-level `executor { name type options { [mediapipe.ThreadPoolExecutorOptions.ext]
 * { num_threads } } }` declarations, kept as MediaPipe gives it. In weft, the nodes that name an
 * executor all run in one actor thread, whatever its `type` and `numThreads`.
 *
 * Threading: plain data, structured-cloneable; any thread.
 */
export interface ExecutorConfig {
  /** The name nodes refer to; `''` is MediaPipe's default executor. */
  readonly name: string;
  /** MediaPipe's registered executor type (`ThreadPoolExecutor`, `ApplicationThreadExecutor`); kept, not used. */
  readonly type?: string;
  /**
   * `num_threads` of the `ThreadPoolExecutorOptions` extension; kept, not used (an executor's nodes
   * share one thread in weft). A positive integer for a named executor.
   */
  readonly numThreads?: number;
  /**
   * Text format only: the other fields inside `options`, as written, for `formatGraphText`: fields
   * of the `ThreadPoolExecutorOptions` extension (`stack_size: 131072`), and other extensions
   * (`[my.ExecutorOptions.ext] { ... }`) whole. Not used.
   */
  readonly unused?: readonly string[];
}

/** A subgraph's name and tagged ports. */
export interface SubgraphPorts {
  readonly type: string;
  readonly inputStreams: readonly PortRef[];
  readonly outputStreams: readonly PortRef[];
  readonly inputSidePackets: readonly PortRef[];
  readonly outputSidePackets: readonly PortRef[];
}

/**
 * A node's port after validation: its position, its stream, and which tag/index it was wired as.
 * Plain data, structured-cloneable; any thread.
 */
export interface ResolvedPort {
  readonly tag: string;
  readonly index: number;
  /** Stream (or side packet) name. */
  readonly name: string;
  /** For inputs: the input closes a cycle (declared back edge). */
  readonly backEdge: boolean;
}

/**
 * A node after validation. Port arrays are in a fixed order: tags sorted, then index. Plain data,
 * structured-cloneable; any thread.
 */
export interface ResolvedNode {
  /** Unique node name. */
  readonly name: string;
  /** Position in `ResolvedGraph.nodes`. */
  readonly id: number;
  readonly calculator: string;
  readonly inputs: readonly ResolvedPort[];
  readonly outputs: readonly ResolvedPort[];
  readonly inputSidePackets: readonly ResolvedPort[];
  readonly outputSidePackets: readonly ResolvedPort[];
  /** The handler in force (node override, else the calculator's default, else Default). */
  readonly inputStreamHandler: InputStreamHandlerConfig;
  /** Options merged over the calculator's defaults. */
  readonly options: Readonly<Record<string, unknown>>;
  /** Queue limit for each input (node override, else graph). */
  readonly maxQueueSize: number;
  /** Stuck-call limit in ms (node override, else graph; -1: none); undefined: the run's default. */
  readonly stuckTimeoutMs: number | undefined;
  /** Heap limit of the node's thread, MiB (node override, else graph); undefined: the run's default. */
  readonly heapLimitMb: number | undefined;
  /** What the node does when its calculator fails (node override, else graph, else DEFAULT_RESTART). */
  readonly restart: ResolvedRestartPolicy;
  /**
   * The declared executor this node runs on (`NodeConfig.executor`): the runtime runs every node
   * with the same executor in one actor thread. Undefined: a thread of its own (no executor, or
   * `''`, MediaPipe's default executor). Replica nodes (`parallelism`) never have one.
   */
  readonly executor: string | undefined;
  /** The calculator's `timestampOffset` (null: none). */
  readonly timestampOffset: number | null;
  readonly processTimestampBounds: boolean;
  /** True when the node has no input streams and some output stream (it runs until it returns STOP); a node with neither is opened and closed, never processed, as in MediaPipe. */
  readonly isSource: boolean;
  /** The calculator's `initialHeapMb`, if it declares one. */
  readonly initialHeapMb?: number;
}

/** Where a stream comes from. */
export type StreamProducer =
  | { readonly kind: 'graph-input' }
  | { readonly kind: 'node'; readonly node: number; readonly output: number };

/**
 * A stream after validation: its producer and every consumer. Plain data, structured-cloneable; any
 * thread.
 */
export interface ResolvedStream {
  readonly name: string;
  readonly producer: StreamProducer;
  /** Each consumer: node id and the input position on that node. */
  readonly consumers: readonly { readonly node: number; readonly input: number }[];
  /** Observed from outside the graph. */
  readonly isGraphOutput: boolean;
}

/**
 * A validated graph: safe to start. Plain data, structured-cloneable (a run sends it to every
 * actor); any thread.
 */
export interface ResolvedGraph {
  readonly nodes: readonly ResolvedNode[];
  readonly streams: readonly ResolvedStream[];
  readonly inputStreams: readonly string[];
  readonly outputStreams: readonly string[];
  readonly inputSidePackets: readonly string[];
  readonly outputSidePackets: readonly string[];
  readonly maxQueueSize: number;
  readonly reportDeadlock: boolean;
  /** Node ids in an order where every producer precedes its consumers (back edges ignored). */
  readonly topologicalOrder: readonly number[];
}
