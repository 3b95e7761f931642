/**
 * A typed builder for {@link GraphConfig}: the same config `parseGraphText` gives, written in
 * TypeScript.
 *
 * ```ts
 * const config = graph({ maxQueueSize: 100 })
 *   .input('frames')
 *   .node(FlowLimiter, {
 *     inputs: { '': 'frames', FINISHED: { stream: 'done', backEdge: true } },
 *     outputs: { '': 'throttled' },
 *     options: { maxInFlight: 2 }, // typed from FlowLimiter's option defaults
 *   })
 *   .node('PassThroughCalculator', { name: 'pass', inputs: { '': ['throttled'] }, outputs: { '': 'done' } })
 *   .output('done')
 *   .build();
 * ```
 *
 * Nodes that should share one thread name a graph-level executor (MediaPipe's `executor`):
 *
 * ```ts
 * graph({ executors: [{ name: 'io' }] })
 *   .node('ReaderCalculator', { executor: 'io', outputs: { '': 'raw' } })
 *   .node('WriterCalculator', { executor: 'io', inputs: { '': 'raw' } })
 * ```
 *
 * A failing calculator stops the run unless a restart policy says otherwise (a weft extension):
 * graph-wide, with per-node overrides:
 *
 * ```ts
 * graph({ restart: { policy: 'resume', maxRestarts: 3, periodMs: 1000 } })
 *   .node('DecoderCalculator', { restart: { policy: 'stop' }, outputs: { '': 'frames' } })
 * ```
 *
 * Ports are given by tag (`''` for untagged): a stream name for index 0, or an array where the
 * position is the index. The builder checks argument types only (InvalidArgumentError); wiring is
 * checked by `validateGraph`.
 *
 * Threading: plain objects, any thread. A builder is not meant to be shared between threads.
 */
import type { CalculatorDefinition } from './calculator.js';
import { InvalidArgumentError } from './errors.js';
import type {
  ExecutorConfig,
  GraphConfig,
  InputStreamInfo,
  NodeConfig,
  PortRef,
  RestartDelivery,
  RestartPolicy,
  RestartPolicyName,
} from './graph-config.js';
import type { InputStreamHandlerConfig } from './input-stream-handler-config.js';
import {
  RESTART_DELIVERIES,
  RESTART_DELIVERY_LIST,
  RESTART_FIELDS,
  RESTART_POLICIES,
  RESTART_POLICY_LIST,
} from './restart-config.js';

/** An input stream with per-input settings (MediaPipe's `input_stream_info`). */
export interface InputStreamSpec {
  readonly stream: string;
  /** The input closes a cycle (for example FlowLimiter's `FINISHED`). Default false. */
  readonly backEdge?: boolean;
}

/** Streams (or side packets) of one tag: one name for index 0, or an array indexed by position. */
export type StreamList = string | readonly string[];
/** Input streams of one tag, each a name or an {@link InputStreamSpec}. */
export type InputList = string | InputStreamSpec | readonly (string | InputStreamSpec)[];

/** One node, as given to {@link GraphBuilder.node}. */
export interface NodeSpec<O = Record<string, unknown>> {
  /** Unique node name; defaults to the calculator name (`Name_2`, `Name_3` when repeated). */
  readonly name?: string;
  readonly inputs?: Readonly<Record<string, InputList>>;
  readonly outputs?: Readonly<Record<string, StreamList>>;
  readonly inputSidePackets?: Readonly<Record<string, StreamList>>;
  readonly outputSidePackets?: Readonly<Record<string, StreamList>>;
  /** Merged over the calculator's defaults; must be structured-cloneable (it travels to a worker). */
  readonly options?: Partial<O>;
  /** Overrides the calculator's default input stream handler. */
  readonly inputStreamHandler?: InputStreamHandlerConfig;
  /** Per-node override of the graph's `maxQueueSize`. */
  readonly maxQueueSize?: number;
  /** Per-node override of the graph's `stuckTimeoutMs`. */
  readonly stuckTimeoutMs?: number;
  /** Per-node override of the graph's `heapLimitMb`. */
  readonly heapLimitMb?: number;
  /**
   * Per-node override of the graph's `restart` policy: `{ policy: 'stop' | 'resume' | 'restart',
   * maxRestarts?, periodMs?, delivery? }` (see `RestartPolicy`).
   */
  readonly restart?: RestartPolicy;
  /** Replicas of a stateless calculator (see `NodeConfig.parallelism`). */
  readonly parallelism?: number;
  /**
   * A graph-level executor (`GraphOptions.executors`) to run on: nodes naming the same one share one
   * thread (see `NodeConfig.executor`). `''` is MediaPipe's default executor: a thread of its own,
   * as when unset.
   */
  readonly executor?: string;
}

/** Graph-wide settings for {@link graph}. */
export interface GraphOptions {
  /** Per-input queue limit; default 100 (MediaPipe's); -1 for no limit. */
  readonly maxQueueSize?: number;
  /** On deadlock: true reports an error, false grows the full queue. Default false. */
  readonly reportDeadlock?: boolean;
  /** Longest a calculator call may run, ms; -1 for no limit. Default: the run's (30 s). */
  readonly stuckTimeoutMs?: number;
  /** Heap each node's thread may use, MiB. Default: the run's (1024). */
  readonly heapLimitMb?: number;
  /**
   * What a failing node does, for nodes that set no `restart` of their own: `{ policy: 'stop' |
   * 'resume' | 'restart', maxRestarts?, periodMs?, delivery? }` (see `RestartPolicy`). Default:
   * `stop`.
   */
  readonly restart?: RestartPolicy;
  /**
   * Executors nodes may name in `NodeSpec.executor` (MediaPipe's graph-level `executor`): each
   * `{ name, type?, numThreads? }`, names unique. Checked by `validateGraph`.
   */
  readonly executors?: readonly ExecutorConfig[];
}

/**
 * Starts a graph. See {@link GraphBuilder}. Any thread: the builder is the calling thread's, and
 * what it builds is plain data.
 */
export function graph(options: GraphOptions = {}): GraphBuilder {
  return new GraphBuilder(options);
}

/**
 * Collects graph inputs, outputs and nodes, in call order; `build()` returns the config.
 *
 * Threading: the thread that made it (any thread); not for sharing between threads. A built config
 * is plain data: structured-cloneable as long as the node options are. Lifecycle: nothing to close
 * and no run ties to it: graphs and sessions take the built config, so a builder changed after
 * `build()` changes no graph made from it.
 */
export class GraphBuilder {
  private readonly inputStreams: string[] = [];
  private readonly outputStreams: string[] = [];
  private readonly inputSidePackets: string[] = [];
  private readonly outputSidePackets: string[] = [];
  private readonly nodes: NodeConfig[] = [];
  private readonly maxQueueSize: number;
  private readonly reportDeadlock: boolean;
  private readonly stuckTimeoutMs: number | undefined;
  private readonly heapLimitMb: number | undefined;
  private readonly restart: RestartPolicy | undefined;
  private readonly executors: readonly ExecutorConfig[] | undefined;

  constructor(options: GraphOptions = {}) {
    if (typeof options !== 'object' || options === null) {
      throw new InvalidArgumentError('graph options must be an object');
    }
    this.maxQueueSize = integer(options.maxQueueSize ?? 100, 'maxQueueSize');
    if (options.reportDeadlock !== undefined && typeof options.reportDeadlock !== 'boolean') {
      throw new InvalidArgumentError('reportDeadlock must be a boolean');
    }
    this.reportDeadlock = options.reportDeadlock ?? false;
    this.stuckTimeoutMs =
      options.stuckTimeoutMs === undefined ? undefined : integer(options.stuckTimeoutMs, 'stuckTimeoutMs');
    this.heapLimitMb =
      options.heapLimitMb === undefined ? undefined : integer(options.heapLimitMb, 'heapLimitMb');
    this.restart = options.restart === undefined ? undefined : restart(options.restart, 'graph restart');
    this.executors = options.executors === undefined ? undefined : executors(options.executors);
  }

  /** Adds graph input streams (fed from outside). */
  input(...streams: string[]): this {
    this.inputStreams.push(...streams.map((s) => text(s, 'input stream')));
    return this;
  }

  /** Adds graph output streams (observed from outside). */
  output(...streams: string[]): this {
    this.outputStreams.push(...streams.map((s) => text(s, 'output stream')));
    return this;
  }

  /** Adds graph input side packets (provided at run start). */
  inputSidePacket(...names: string[]): this {
    this.inputSidePackets.push(...names.map((s) => text(s, 'input side packet')));
    return this;
  }

  /** Adds graph output side packets (readable after the run). */
  outputSidePacket(...names: string[]): this {
    this.outputSidePackets.push(...names.map((s) => text(s, 'output side packet')));
    return this;
  }

  /**
   * Adds a node. Pass the calculator's definition (not only its name) to have `options` typed
   * against its defaults; only its name goes into the config.
   */
  node<O = Record<string, unknown>>(
    calculator: string | CalculatorDefinition<O>,
    spec: NodeSpec<O> = {},
  ): this {
    const calc = typeof calculator === 'string' ? calculator : calculator?.name;
    if (typeof calc !== 'string' || calc === '') {
      throw new InvalidArgumentError('calculator must be a name or a calculator definition');
    }
    if (typeof spec !== 'object' || spec === null) {
      throw new InvalidArgumentError(`${calc}: node spec must be an object`);
    }
    const info: InputStreamInfo[] = [];
    const inputStreams = ports(calc, 'inputs', spec.inputs, (ref, backEdge) => {
      if (backEdge) {
        info.push({
          tagIndex: ref.tag === '' || ref.index > 0 ? `${ref.tag}:${ref.index}` : ref.tag,
          backEdge,
        });
      }
    });
    const node: NodeConfig = {
      ...(spec.name === undefined ? {} : { name: text(spec.name, 'node name') }),
      calculator: calc,
      inputStreams,
      outputStreams: ports(calc, 'outputs', spec.outputs),
      inputSidePackets: ports(calc, 'inputSidePackets', spec.inputSidePackets),
      outputSidePackets: ports(calc, 'outputSidePackets', spec.outputSidePackets),
      ...(spec.inputStreamHandler === undefined
        ? {}
        : { inputStreamHandler: handler(calc, spec.inputStreamHandler) }),
      inputStreamInfo: info,
      options: options(calc, spec.options),
      ...(spec.maxQueueSize === undefined
        ? {}
        : { maxQueueSize: integer(spec.maxQueueSize, 'maxQueueSize') }),
      ...(spec.stuckTimeoutMs === undefined
        ? {}
        : { stuckTimeoutMs: integer(spec.stuckTimeoutMs, 'stuckTimeoutMs') }),
      ...(spec.heapLimitMb === undefined ? {} : { heapLimitMb: integer(spec.heapLimitMb, 'heapLimitMb') }),
      ...(spec.restart === undefined
        ? {}
        : { restart: restart(spec.restart, `${spec.name ?? calc}: restart`) }),
      ...(spec.parallelism === undefined ? {} : { parallelism: integer(spec.parallelism, 'parallelism') }),
      ...(spec.executor === undefined || spec.executor === ''
        ? {}
        : { executor: text(spec.executor, `${calc}: executor`) }),
    };
    this.nodes.push(node);
    return this;
  }

  /** The config so far. The builder stays usable; later calls do not change a built config. */
  build(): GraphConfig {
    return {
      inputStreams: [...this.inputStreams],
      outputStreams: [...this.outputStreams],
      inputSidePackets: [...this.inputSidePackets],
      outputSidePackets: [...this.outputSidePackets],
      nodes: [...this.nodes],
      maxQueueSize: this.maxQueueSize,
      reportDeadlock: this.reportDeadlock,
      ...(this.stuckTimeoutMs === undefined ? {} : { stuckTimeoutMs: this.stuckTimeoutMs }),
      ...(this.heapLimitMb === undefined ? {} : { heapLimitMb: this.heapLimitMb }),
      ...(this.restart === undefined ? {} : { restart: { ...this.restart } }),
      ...(this.executors === undefined ? {} : { executors: [...this.executors] }),
    };
  }
}

// Copies `{ name, type?, numThreads? }` of each executor, checking their types.
function executors(list: unknown): ExecutorConfig[] {
  if (!Array.isArray(list)) throw new InvalidArgumentError('executors must be an array');
  return list.map((e: unknown) => {
    if (typeof e !== 'object' || e === null || typeof (e as ExecutorConfig).name !== 'string') {
      throw new InvalidArgumentError('each executor must be an object with a string name');
    }
    const { name, type, numThreads } = e as ExecutorConfig;
    if (type !== undefined && typeof type !== 'string') {
      throw new InvalidArgumentError(`executor "${name}": type must be a string`);
    }
    return {
      name,
      ...(type === undefined || type === '' ? {} : { type }),
      ...(numThreads === undefined
        ? {}
        : { numThreads: integer(numThreads, `executor "${name}": numThreads`) }),
    };
  });
}

// Copies `{ policy, maxRestarts?, periodMs?, delivery? }`, checking its types; ranges and the
// delivery's fit with the policy are validateGraph's.
function restart(value: unknown, what: string): RestartPolicy {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError(
      `${what} must be an object { policy, maxRestarts?, periodMs?, delivery? }`,
    );
  }
  const { policy, maxRestarts, periodMs, delivery, ...rest } = value as Record<string, unknown>;
  const extra = Object.keys(rest);
  if (extra.length > 0) {
    throw new InvalidArgumentError(`${what} has an unknown field "${extra[0]}" (it takes ${RESTART_FIELDS})`);
  }
  if (!RESTART_POLICIES.includes(policy as RestartPolicyName)) {
    throw new InvalidArgumentError(`${what}.policy must be ${RESTART_POLICY_LIST}`);
  }
  if (delivery !== undefined && !RESTART_DELIVERIES.includes(delivery as RestartDelivery)) {
    throw new InvalidArgumentError(`${what}.delivery must be ${RESTART_DELIVERY_LIST}`);
  }
  return {
    policy: policy as RestartPolicyName,
    ...(maxRestarts === undefined ? {} : { maxRestarts: integer(maxRestarts, `${what}.maxRestarts`) }),
    ...(periodMs === undefined ? {} : { periodMs: integer(periodMs, `${what}.periodMs`) }),
    ...(delivery === undefined ? {} : { delivery: delivery as RestartDelivery }),
  };
}

function ports(
  calc: string,
  what: string,
  byTag: Readonly<Record<string, InputList>> | undefined,
  onInput?: (ref: PortRef, backEdge: boolean) => void,
): PortRef[] {
  if (byTag === undefined) return [];
  if (typeof byTag !== 'object' || byTag === null || Array.isArray(byTag)) {
    throw new InvalidArgumentError(`${calc}: ${what} must be an object of tag → streams`);
  }
  const out: PortRef[] = [];
  for (const [tag, list] of Object.entries(byTag)) {
    const items = Array.isArray(list)
      ? (list as readonly (string | InputStreamSpec)[])
      : [list as string | InputStreamSpec];
    items.forEach((item, index) => {
      const spec = typeof item === 'string' ? { stream: item } : item;
      if (onInput === undefined && typeof item !== 'string') {
        throw new InvalidArgumentError(`${calc}: ${what} "${tag}" must list stream names`);
      }
      const ref: PortRef = { tag, index, name: text(spec?.stream, `${what} "${tag}" stream`) };
      out.push(ref);
      onInput?.(ref, spec.backEdge === true);
    });
  }
  return out;
}

function options(calc: string, value: unknown): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError(`${calc}: options must be an object`);
  }
  const defined = Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
  try {
    return structuredClone(defined);
  } catch (cause) {
    throw new InvalidArgumentError(
      `${calc}: options must be structured-cloneable (they travel to a worker)`,
      {
        cause,
      },
    );
  }
}

function handler(calc: string, h: InputStreamHandlerConfig): InputStreamHandlerConfig {
  if (typeof h !== 'object' || h === null || typeof h.name !== 'string') {
    throw new InvalidArgumentError(`${calc}: inputStreamHandler must be an object with a name`);
  }
  return structuredClone(h);
}

function text(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new InvalidArgumentError(`${what} must be a non-empty string`);
  }
  return value;
}

function integer(value: unknown, what: string): number {
  if (!Number.isInteger(value)) throw new InvalidArgumentError(`${what} must be an integer`);
  return value as number;
}
