/**
 * {@link GraphConfig} → MediaPipe text format, the inverse of `parseGraphText`:
 * `parseGraphText(formatGraphText(c))` deep-equals `c` for every config `parseGraphText` returns.
 *
 * Options are written back as they were read (`options { [type.ext] { ... } }` or
 * `node_options { [type.googleapis.com/type] { ... } }`, enum identifiers unquoted), so MediaPipe's
 * parser loads the text; options of a config built in code are written as
 * `node_options { [type.googleapis.com/mediapipe.<Calculator>Options] { ... } }`, MediaPipe's naming
 * convention. Keys in snake_case, arrays always as lists (`ids: [3]`) so that a one-element array
 * stays an array. Fields weft read but does not use are written back as they were.
 *
 * Threading: pure functions, any thread.
 */
import { InvalidArgumentError } from './errors.js';
import type {
  ExecutorConfig,
  GraphConfig,
  NodeConfig,
  PortRef,
  RestartPolicy,
  SubgraphPorts,
} from './graph-config.js';
import type { TextField, TextValue } from './graph-text-lexer.js';
import type { InputStreamHandlerConfig } from './input-stream-handler-config.js';

/**
 * Prints a graph config in MediaPipe text format (two-space indent, one field per line). Pure; any
 * thread.
 * @throws InvalidArgumentError for option values text format cannot hold (functions, null, bigint,
 *   nested arrays, keys that are not identifiers).
 */
export function formatGraphText(config: GraphConfig): string {
  const out: string[] = [];
  const sub = config.subgraph;
  if (sub !== undefined) {
    // A subgraph's ports keep their tags.
    out.push(`type: ${quote(sub.type)}`, ...formatPorts(sub));
  } else {
    for (const s of config.inputStreams) out.push(`input_stream: ${quote(s)}`);
    for (const s of config.outputStreams) out.push(`output_stream: ${quote(s)}`);
    for (const s of config.inputSidePackets) out.push(`input_side_packet: ${quote(s)}`);
    for (const s of config.outputSidePackets) out.push(`output_side_packet: ${quote(s)}`);
  }
  if (config.maxQueueSize !== 100) out.push(`max_queue_size: ${config.maxQueueSize}`);
  if (config.reportDeadlock) out.push('report_deadlock: true');
  if (config.stuckTimeoutMs !== undefined) out.push(`stuck_timeout_ms: ${config.stuckTimeoutMs}`);
  if (config.heapLimitMb !== undefined) out.push(`heap_limit_mb: ${config.heapLimitMb}`);
  out.push(...formatRestart(config.restart));
  if (config.graphOptionsType !== undefined) {
    const fields = formatFields(config.graphOptions ?? {}, '', []);
    const ext = `type.googleapis.com/${config.graphOptionsType}`;
    out.push('graph_options {', `  [${ext}] {`, ...fields.map((l) => `    ${l}`), '  }', '}');
  }
  for (const e of config.executors ?? []) out.push(...formatExecutor(e));
  out.push(...(config.unused ?? []));
  for (const node of config.nodes) {
    out.push('', 'node {', ...formatNode(node).map((l) => `  ${l}`), '}');
  }
  return `${out.join('\n')}\n`;
}

/** A node's (or a subgraph's) tagged streams and side packets, one line each. */
function formatPorts(p: Omit<SubgraphPorts, 'type'>): string[] {
  const out: string[] = [];
  const refs = (field: string, list: readonly PortRef[]): void => {
    let untagged = 0;
    for (const r of list) out.push(`${field}: ${quote(formatRef(r, r.tag === '' ? untagged++ : -1))}`);
  };
  refs('input_stream', p.inputStreams);
  refs('output_stream', p.outputStreams);
  refs('input_side_packet', p.inputSidePackets);
  refs('output_side_packet', p.outputSidePackets);
  return out;
}

function formatNode(node: NodeConfig): string[] {
  const out: string[] = [];
  if (node.name !== undefined) out.push(`name: ${quote(node.name)}`);
  out.push(`calculator: ${quote(node.calculator)}`, ...formatPorts(node));
  for (const info of node.inputStreamInfo) {
    out.push(`input_stream_info { tag_index: ${quote(info.tagIndex)} back_edge: ${info.backEdge} }`);
  }
  if (node.inputStreamHandler !== undefined) out.push(...formatHandler(node.inputStreamHandler));
  if (node.maxQueueSize !== undefined) out.push(`max_queue_size: ${node.maxQueueSize}`);
  if (node.stuckTimeoutMs !== undefined) out.push(`stuck_timeout_ms: ${node.stuckTimeoutMs}`);
  if (node.heapLimitMb !== undefined) out.push(`heap_limit_mb: ${node.heapLimitMb}`);
  out.push(...formatRestart(node.restart));
  if (node.parallelism !== undefined) out.push(`parallelism: ${node.parallelism}`);
  if (node.executor !== undefined && node.executor !== '') out.push(`executor: ${quote(node.executor)}`);
  for (const v of node.optionValues ?? []) out.push(`option_value: ${quote(v)}`);
  out.push(...(node.unused ?? []));
  if (Object.keys(node.options).length > 0) {
    const src = node.optionsSource;
    const fields = formatFields(node.options, '', src?.enums ?? []);
    if (src?.type === '') out.push('options {', ...fields.map((l) => `  ${l}`), '}');
    else {
      const type = src?.type ?? `mediapipe.${node.calculator}Options`;
      const [field, ext] =
        src?.field === 'options'
          ? ['options', `${type}.ext`]
          : ['node_options', `type.googleapis.com/${type}`];
      out.push(`${field} {`, `  [${ext}] {`, ...fields.map((l) => `    ${l}`), '  }', '}');
    }
  }
  return out;
}

// weft extension: a restart policy as the flat fields `parseGraphText` reads.
function formatRestart(r: RestartPolicy | undefined): string[] {
  if (r === undefined) return [];
  return [
    `restart_policy: ${quote(String(r.policy))}`,
    ...(r.maxRestarts === undefined ? [] : [`max_restarts: ${r.maxRestarts}`]),
    ...(r.periodMs === undefined ? [] : [`restart_period_ms: ${r.periodMs}`]),
    ...(r.delivery === undefined ? [] : [`restart_delivery: ${quote(String(r.delivery))}`]),
  ];
}

// `executor { ... }`, one line: the ThreadPoolExecutorOptions extension holds num_threads and the
// kept fields that are not extensions; kept extensions follow it inside `options`.
function formatExecutor(e: ExecutorConfig): string[] {
  const fields = [`name: ${quote(e.name)}`];
  if (e.type !== undefined && e.type !== '') fields.push(`type: ${quote(e.type)}`);
  const unused = e.unused ?? [];
  const pool = [
    ...(e.numThreads === undefined ? [] : [`num_threads: ${formatScalar('numThreads', e.numThreads)}`]),
    ...unused.filter((u) => !u.startsWith('[')),
  ];
  const options = [
    ...(pool.length === 0 ? [] : [`[mediapipe.ThreadPoolExecutorOptions.ext] { ${pool.join(' ')} }`]),
    ...unused.filter((u) => u.startsWith('[')),
  ];
  if (options.length > 0) fields.push(`options { ${options.join(' ')} }`);
  return [`executor { ${fields.join(' ')} }`];
}

/** `name` only where parsing gives back the same index: untagged at its position, tagged at 0. */
function formatRef(r: PortRef, position: number): string {
  if (r.tag === '') return r.index === position ? r.name : `:${r.index}:${r.name}`;
  return r.index === 0 ? `${r.tag}:${r.name}` : `${r.tag}:${r.index}:${r.name}`;
}

function formatHandler(h: InputStreamHandlerConfig): string[] {
  const options: Record<string, unknown> = { ...h };
  delete options.name;
  if (h.name === 'SyncSetInputStreamHandler') {
    delete options.syncSets;
    options.syncSet = h.syncSets.map((set) => ({ tagIndex: [...set] }));
  }
  const lines = [`input_stream_handler: ${quote(h.name)}`];
  if (Object.keys(options).length > 0) {
    lines.push(
      `options {`,
      `  [mediapipe.${h.name}Options.ext] {`,
      ...formatFields(options, '', []).map((l) => `    ${l}`),
      '  }',
      '}',
    );
  }
  return ['input_stream_handler {', ...lines.map((l) => `  ${l}`), '}'];
}

/** camelCase → snake_case (`maxInFlight` → `max_in_flight`). */
export function camelToSnake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

// `enums`: option paths (`key`, `outer.key`) whose string values are written as identifiers.
function formatFields(
  obj: Readonly<Record<string, unknown>>,
  path: string,
  enums: readonly string[],
): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(obj)) {
    if (value === undefined) continue;
    // An extension inside options keeps its bracketed name (see parseGraphText).
    const bracketed = /^\[[A-Za-z0-9_./]+\]$/.test(key);
    const name = bracketed ? key : camelToSnake(key);
    if (!bracketed && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new InvalidArgumentError(`option key "${key}" is not a field name`);
    }
    const at = path === '' ? key : `${path}.${key}`;
    const isEnum = enums.includes(at);
    if (Array.isArray(value)) {
      out.push(`${name}: [${value.map((v) => formatInline(key, v, at, enums, isEnum)).join(', ')}]`);
    } else if (isPlainObject(value)) {
      out.push(`${name} {`, ...formatFields(value, at, enums).map((l) => `  ${l}`), '}');
    } else {
      out.push(`${name}: ${formatScalar(key, value, isEnum)}`);
    }
  }
  return out;
}

function formatInline(
  key: string,
  v: unknown,
  at: string,
  enums: readonly string[],
  isEnum: boolean,
): string {
  if (Array.isArray(v)) throw new InvalidArgumentError(`option "${key}" holds a nested array`);
  if (isPlainObject(v)) return `{ ${formatFields(v, at, enums).join(' ')} }`;
  return formatScalar(key, v, isEnum);
}

function formatScalar(key: string, v: unknown, isEnum = false): string {
  if (typeof v === 'string') return isEnum && /^[A-Za-z_][A-Za-z0-9_]*$/.test(v) ? v : quote(v);
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'nan';
    if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
    return Object.is(v, -0) ? '-0' : String(v);
  }
  throw new InvalidArgumentError(`option "${key}" has a value text format cannot hold (${typeof v})`);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** A parsed text-format field as text MediaPipe's parser reads (one line). */
export function formatTextField(f: TextField): string {
  const name = f.extension ? `[${f.name}]` : f.name;
  const value = (v: TextValue): string =>
    v.kind === 'message'
      ? `{ ${v.fields.map(formatTextField).join(' ')} }`
      : v.kind === 'string'
        ? quote(v.value)
        : v.kind === 'number'
          ? formatScalar(f.name, v.value)
          : v.value;
  if (f.list) return `${name}: [${f.values.map(value).join(', ')}]`;
  return f.values
    .map((v) => (v.kind === 'message' ? `${name} ${value(v)}` : `${name}: ${value(v)}`))
    .join(' ');
}

/** A double-quoted string with C escapes; non-ASCII text is written as is. */
function quote(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it escapes.
  return `"${s.replace(/[\\"\x00-\x1f\x7f]/g, (c) => {
    if (c === '\\' || c === '"') return `\\${c}`;
    if (c === '\n') return '\\n';
    if (c === '\t') return '\\t';
    if (c === '\r') return '\\r';
    return `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`;
  })}"`;
}
