/**
 * MediaPipe's `CalculatorGraphConfig` in protobuf text format → {@link GraphConfig}.
 *
 * Mapping rules worth knowing:
 * - Node streams and side packets `TAG:index:name`, `TAG:name` (index 0) and `name` (untagged,
 *   indexed by its position among the untagged entries of that field), as in MediaPipe.
 * - Graph-level `input_stream` (and the other graph lists) may be written `TAG:name`: only the
 *   name is kept, since a graph's own streams have no tags in weft.
 * - `options { [mediapipe.X.ext] { ... } }` and `node_options { [type.googleapis.com/mediapipe.X]
 *   { ... } }` both become `NodeConfig.options`: the inner message's fields with snake_case keys in
 *   camelCase, nested messages as objects. A field written twice becomes an array; a repeated field
 *   written once stays a scalar unless written as a list (`ids: [3]`). Enum values become strings.
 *   Fields written directly inside `options { }` are accepted too (a weft convenience).
 * - A graph-level `input_stream_handler` applies to every node that does not set its own.
 * - Graph-level `executor { name type options { [mediapipe.ThreadPoolExecutorOptions.ext] {
 *   num_threads } } }` become `GraphConfig.executors` (other option fields kept as written in the
 *   executor's `unused`); node `executor: "name"` becomes `NodeConfig.executor` (`""`, the default
 *   executor, is left out).
 * - Fields MediaPipe has but weft does not use (`num_threads`, `profiler_config`,
 *   node `source_layer`, `buffer_size_hint`, ...) are kept as written in `unused` (the
 *   graph's or the node's), written back by formatGraphText and reported when the graph is prepared
 *   (`unused-fields.ts`); any other field is a GraphParseError. `max_queue_size` defaults to 100,
 *   `report_deadlock` to false.
 * - The options' type name and the paths of enum values are kept in `optionsSource`.
 * - weft extensions, graph-wide and per node: `stuck_timeout_ms`, `heap_limit_mb`, and the restart
 *   policy as flat fields `restart_policy: "resume"` (`"stop"`, `"resume"` or `"restart"`),
 *   `max_restarts: 3`, `restart_period_ms: 1000`, `restart_delivery: "at-least-once"` (→ `restart:
 *   { policy, maxRestarts, periodMs, delivery }`); any of the others without `restart_policy` is a
 *   GraphParseError. Their
 *   values are checked by validation. Per node only: `parallelism`.
 *
 * Threading: pure functions, any thread.
 */
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
import { type FieldMessage, FieldReader } from './graph-text-fields.js';
import { formatTextField } from './graph-text-format.js';
import { parseError, readTextMessage, type TextMessage, type TextValue } from './graph-text-lexer.js';
import { extensionFields, type OptionsSource } from './graph-text-options.js';
import type { InputStreamHandlerConfig } from './input-stream-handler-config.js';
import { RESTART_POLICY_LIST } from './restart-config.js';

export { formatGraphText } from './graph-text-format.js';

const IGNORED_GRAPH_FIELDS = [
  'num_threads',
  'profiler_config',
  'package',
  'status_handler',
  'output_stream_handler',
  'options',
  'packet_generator',
  'packet_factory',
  'graph_trace',
];
const IGNORED_NODE_FIELDS = [
  'source_layer',
  'buffer_size_hint',
  'output_stream_handler',
  'profile_config',
  'max_in_flight',
  'external_input',
];

/**
 * Parses MediaPipe text format into a graph config. Names are not checked here (validation does).
 * Pure; any thread.
 * @throws GraphParseError with `line:column` and an excerpt of the offending line.
 * @throws InvalidArgumentError when `text` is not a string.
 */
export function parseGraphText(text: string): GraphConfig {
  if (typeof text !== 'string') throw new InvalidArgumentError('graph text must be a string');
  const g = new FieldReader(text, readTextMessage(text), 'graph');
  const type = g.string('type');
  // A subgraph's ports keep their tags: nodes of other graphs connect to them by tag and index.
  const tagged = (name: string): PortRef[] => {
    let untagged = 0;
    return g.stringValues(name).map((v) => parsePortRef(text, v, () => untagged++));
  };
  const subgraph =
    type === undefined || type === ''
      ? undefined
      : {
          type,
          inputStreams: tagged('input_stream'),
          outputStreams: tagged('output_stream'),
          inputSidePackets: tagged('input_side_packet'),
          outputSidePackets: tagged('output_side_packet'),
        };
  const streams = (name: string): string[] => g.strings(name).map((s) => s.slice(s.lastIndexOf(':') + 1));
  const inputStreams = streams('input_stream');
  const outputStreams = streams('output_stream');
  const inputSidePackets = streams('input_side_packet');
  const outputSidePackets = streams('output_side_packet');
  const maxQueueSize = g.int('max_queue_size') ?? 100;
  const reportDeadlock = g.bool('report_deadlock') ?? false;
  // weft extension: the stuck-call limit, graph-wide and per node.
  const stuckTimeoutMs = g.int('stuck_timeout_ms');
  const heapLimitMb = g.int('heap_limit_mb');
  const restart = readRestart(text, g, 'graph');
  const handlerMsg = g.message('input_stream_handler');
  const graphHandler = handlerMsg === undefined ? undefined : readHandler(text, handlerMsg);
  const nodes = g.messages('node').map((m) => readNode(text, m, graphHandler));
  const executors = g.messages('executor').map((m) => readExecutor(text, m));
  const graphOptions: Record<string, unknown> = {};
  const optionsSource: OptionsSource = { type: undefined, field: 'node_options', enums: [] };
  for (const m of g.messages('graph_options')) {
    Object.assign(graphOptions, extensionFields(text, m, false, optionsSource));
  }
  const unused = g.done(IGNORED_GRAPH_FIELDS).map(formatTextField);
  return {
    inputStreams,
    outputStreams,
    inputSidePackets,
    outputSidePackets,
    nodes,
    maxQueueSize,
    reportDeadlock,
    ...(stuckTimeoutMs === undefined ? {} : { stuckTimeoutMs }),
    ...(heapLimitMb === undefined ? {} : { heapLimitMb }),
    ...(restart === undefined ? {} : { restart }),
    ...(optionsSource.type === undefined ? {} : { graphOptions, graphOptionsType: optionsSource.type }),
    ...(executors.length === 0 ? {} : { executors }),
    ...(unused.length === 0 ? {} : { unused }),
    ...(subgraph === undefined ? {} : { subgraph }),
  };
}

function readNode(
  src: string,
  msg: FieldMessage,
  graphHandler: InputStreamHandlerConfig | undefined,
): NodeConfig {
  const n = new FieldReader(src, msg.fields, 'node');
  const name = n.string('name');
  const calculator = n.string('calculator');
  if (calculator === undefined) throw parseError(src, msg.pos, 'node without "calculator"');
  const refs = (field: string): PortRef[] => {
    let untagged = 0;
    return n.stringValues(field).map((v) => parsePortRef(src, v, () => untagged++));
  };
  const inputStreams = refs('input_stream');
  const outputStreams = refs('output_stream');
  const inputSidePackets = refs('input_side_packet');
  const outputSidePackets = refs('output_side_packet');
  const handlerMsg = n.message('input_stream_handler');
  const handler = handlerMsg === undefined ? graphHandler : readHandler(src, handlerMsg);
  const inputStreamInfo = n.messages('input_stream_info').map((m): InputStreamInfo => {
    const info = new FieldReader(src, m.fields, 'input_stream_info');
    const tagIndex = info.string('tag_index') ?? '';
    const backEdge = info.bool('back_edge') ?? false;
    info.done([]);
    return { tagIndex, backEdge };
  });
  const options: Record<string, unknown> = {};
  const source: OptionsSource = { type: undefined, field: 'options', enums: [] };
  for (const m of n.messages('options')) Object.assign(options, extensionFields(src, m, true, source));
  source.field = source.type === undefined ? 'node_options' : source.field;
  for (const m of n.messages('node_options')) Object.assign(options, extensionFields(src, m, false, source));
  const maxQueueSize = n.int('max_queue_size');
  const stuckTimeoutMs = n.int('stuck_timeout_ms');
  const heapLimitMb = n.int('heap_limit_mb');
  const restart = readRestart(src, n, `node "${name || calculator}"`);
  // weft extension: replicas of a stateless calculator.
  const parallelism = n.int('parallelism');
  const executor = n.string('executor');
  const optionValues = n.strings('option_value');
  const unused = n.done(IGNORED_NODE_FIELDS).map(formatTextField);
  return {
    ...(name === undefined || name === '' ? {} : { name }),
    calculator,
    inputStreams,
    outputStreams,
    inputSidePackets,
    outputSidePackets,
    ...(handler === undefined ? {} : { inputStreamHandler: handler }),
    inputStreamInfo,
    options,
    ...(maxQueueSize === undefined ? {} : { maxQueueSize }),
    ...(stuckTimeoutMs === undefined ? {} : { stuckTimeoutMs }),
    ...(heapLimitMb === undefined ? {} : { heapLimitMb }),
    ...(restart === undefined ? {} : { restart }),
    ...(parallelism === undefined ? {} : { parallelism }),
    ...(executor === undefined || executor === '' ? {} : { executor }),
    ...(source.type === undefined
      ? {}
      : { optionsSource: { type: source.type, field: source.field, enums: source.enums } }),
    ...(optionValues.length === 0 ? {} : { optionValues }),
    ...(unused.length === 0 ? {} : { unused }),
  };
}

// weft extension: `restart_policy`, `max_restarts`, `restart_period_ms`, `restart_delivery` of a
// graph or a node. Values are kept as written (validation checks them); the others need the policy.
function readRestart(src: string, r: FieldReader, owner: string): RestartPolicy | undefined {
  const policy = r.string('restart_policy');
  const maxRestarts = r.int('max_restarts');
  const periodMs = r.int('restart_period_ms');
  const delivery = r.string('restart_delivery');
  if (policy === undefined) {
    const stray = ['max_restarts', 'restart_period_ms', 'restart_delivery'].find(
      (f) => r.single(f) !== undefined,
    );
    if (stray !== undefined) {
      const at = r.single(stray)!;
      throw parseError(src, at.pos, `${owner}: "${stray}" needs "restart_policy" (${RESTART_POLICY_LIST})`);
    }
    return undefined;
  }
  return {
    policy: policy as RestartPolicyName,
    ...(maxRestarts === undefined ? {} : { maxRestarts }),
    ...(periodMs === undefined ? {} : { periodMs }),
    ...(delivery === undefined ? {} : { delivery: delivery as RestartDelivery }),
  };
}

// The ThreadPoolExecutorOptions extension, the one whose num_threads is read.
const THREAD_POOL_OPTIONS = 'mediapipe.ThreadPoolExecutorOptions.ext';

// `executor { name type options { [mediapipe.ThreadPoolExecutorOptions.ext] { num_threads } } }`.
function readExecutor(src: string, msg: FieldMessage): ExecutorConfig {
  const e = new FieldReader(src, msg.fields, 'executor');
  const name = e.string('name') ?? '';
  const type = e.string('type') || undefined;
  let numThreads: number | undefined;
  // The extension's other fields first, then other extensions: the order formatGraphText writes.
  const unused: string[] = [];
  const others: string[] = [];
  const optionsMsg = e.message('options');
  e.done([]);
  // Fields written straight inside `options { }` count as the extension's (a weft convenience,
  // as for node options); other extensions are kept whole.
  const readPool = (fields: TextMessage): void => {
    const pool = new FieldReader(src, fields, THREAD_POOL_OPTIONS);
    const n = pool.int('num_threads');
    if (n !== undefined) {
      if (numThreads !== undefined) throw parseError(src, msg.pos, '"num_threads" given more than once');
      numThreads = n;
    }
    for (const f of pool.rest()) (f.extension ? others : unused).push(formatTextField(f));
  };
  if (optionsMsg !== undefined) {
    readPool(optionsMsg.fields.filter((f) => !f.extension));
    for (const f of optionsMsg.fields) {
      if (!f.extension) continue;
      if (f.name !== THREAD_POOL_OPTIONS) {
        others.push(formatTextField(f));
        continue;
      }
      for (const v of f.values) {
        if (v.kind !== 'message') throw parseError(src, v.pos, `extension [${f.name}] must be a message`);
        readPool(v.fields);
      }
    }
  }
  unused.push(...others);
  return {
    name,
    ...(type === undefined ? {} : { type }),
    ...(numThreads === undefined ? {} : { numThreads }),
    ...(unused.length === 0 ? {} : { unused }),
  };
}

function parsePortRef(src: string, v: TextValue & { kind: 'string' }, nextUntagged: () => number): PortRef {
  const parts = v.value.split(':');
  if (parts.length === 1) return { tag: '', index: nextUntagged(), name: v.value };
  if (parts.length === 2) return { tag: parts[0]!, index: 0, name: parts[1]! };
  if (parts.length === 3 && /^\d+$/.test(parts[1]!)) {
    return { tag: parts[0]!, index: Number(parts[1]), name: parts[2]! };
  }
  throw parseError(src, v.pos, `"${v.value}" is not TAG:index:name, TAG:name or name`);
}

function readHandler(src: string, msg: FieldMessage): InputStreamHandlerConfig {
  const h = new FieldReader(src, msg.fields, 'input_stream_handler');
  const name = h.string('input_stream_handler') ?? 'DefaultInputStreamHandler';
  const options: Record<string, unknown> = {};
  for (const m of h.messages('options')) Object.assign(options, extensionFields(src, m, true));
  h.done([]);
  const take = (key: string, type: 'number' | 'boolean'): number | boolean | undefined => {
    const value = options[key];
    delete options[key];
    if (value !== undefined && typeof value !== type) {
      throw parseError(src, msg.pos, `${name} option ${key} must be a ${type}`);
    }
    return value as number | boolean | undefined;
  };
  let config: InputStreamHandlerConfig;
  if (name === 'DefaultInputStreamHandler') {
    const batchSize = take('batchSize', 'number') as number | undefined;
    config = { name, ...(batchSize === undefined ? {} : { batchSize }) };
  } else if (
    name === 'ImmediateInputStreamHandler' ||
    name === 'EarlyCloseInputStreamHandler' ||
    name === 'MuxInputStreamHandler' ||
    name === 'BarrierInputStreamHandler'
  ) {
    config = { name };
  } else if (name === 'SyncSetInputStreamHandler') {
    const sets = asArray(options.syncSet).map((s) =>
      asArray((s as { tagIndex?: unknown }).tagIndex).map(String),
    );
    delete options.syncSet;
    config = { name, syncSets: sets };
  } else if (name === 'TimestampAlignInputStreamHandler') {
    const base = options.timestampBaseTagIndex;
    delete options.timestampBaseTagIndex;
    if (base !== undefined && typeof base !== 'string') {
      throw parseError(src, msg.pos, `${name} option timestampBaseTagIndex must be a string`);
    }
    config = { name, ...(base === undefined ? {} : { timestampBaseTagIndex: base }) };
  } else if (name === 'FixedSizeInputStreamHandler') {
    const trigger = take('triggerQueueSize', 'number') as number | undefined;
    const target = take('targetQueueSize', 'number') as number | undefined;
    const fixedMinSize = take('fixedMinSize', 'boolean') as boolean | undefined;
    config = {
      name,
      ...(trigger === undefined ? {} : { triggerQueueSize: trigger }),
      ...(target === undefined ? {} : { targetQueueSize: target }),
      ...(fixedMinSize === undefined ? {} : { fixedMinSize }),
    };
  } else {
    throw parseError(src, msg.pos, `unsupported input stream handler "${name}"`);
  }
  const extra = Object.keys(options);
  if (extra.length > 0) throw parseError(src, msg.pos, `unknown ${name} option "${extra[0]}"`);
  return config;
}

function asArray(v: unknown): unknown[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}
