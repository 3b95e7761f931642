/**
 * Checks of one node against its calculator's contract: names, tags, indices, cardinalities, the
 * contract's `validate` hook, options, the input stream handler, `input_stream_info` and the weft
 * limits (queue size, heap, stuck calls, restart policy). Every
 * problem is appended to a list, none thrown: `validateGraph` reports them all at once.
 *
 * Threading: pure functions, any thread.
 */
import {
  type CalculatorDefinition,
  type Cardinality,
  type NodeWiring,
  type PortDecls,
  portDecl,
} from './calculator.js';
import { BadNameError, BadOptionsError, PortIndexError, PortTagError, type WeftError } from './errors.js';
import type { NodeConfig, PortRef, ResolvedPort } from './graph-config.js';
import { INPUT_STREAM_HANDLERS, type InputStreamHandlerConfig } from './input-stream-handler-config.js';
import { restartProblems } from './restart-config.js';

/** Stream and side packet names (MediaPipe's rule). */
export const NAME_PATTERN = /^[a-z_][a-z0-9_]*$/;
/** Port tags (MediaPipe's rule). */
export const TAG_PATTERN = /^[A-Z_][A-Z0-9_]*$/;

/** The four kinds of port, as named in the config, the contract and the wiring. */
export const PORT_KINDS = [
  { config: 'inputStreams', contract: 'inputs', label: 'input stream' },
  { config: 'outputStreams', contract: 'outputs', label: 'output stream' },
  { config: 'inputSidePackets', contract: 'inputSidePackets', label: 'input side packet' },
  { config: 'outputSidePackets', contract: 'outputSidePackets', label: 'output side packet' },
] as const;

/** A node after its own checks: ports sorted, options merged, handler in force. */
export interface CheckedNode {
  readonly inputs: ResolvedPort[];
  readonly outputs: ResolvedPort[];
  readonly inputSidePackets: ResolvedPort[];
  readonly outputSidePackets: ResolvedPort[];
  readonly options: Record<string, unknown>;
  readonly inputStreamHandler: InputStreamHandlerConfig;
}

/** `TAG:index`, `TAG`, `:index` or `''` (MediaPipe's ParseTagIndex); undefined when malformed. */
export function parseTagIndex(s: string): { tag: string; index: number } | undefined {
  const m = /^([A-Z_][A-Z0-9_]*)?(?::(\d+))?$/.exec(s);
  return m === null ? undefined : { tag: m[1] ?? '', index: Number(m[2] ?? 0) };
}

/** The minimum and maximum count a cardinality allows. */
export function cardinalityRange(c: Cardinality): [number, number] {
  if (c === 'one') return [1, 1];
  if (c === 'optional') return [0, 1];
  if (c === 'many') return [0, Number.POSITIVE_INFINITY];
  return [c.min, c.max];
}

/**
 * Checks one node and returns its resolved parts. `def` undefined (unknown calculator): only the
 * wiring that does not need a contract is checked.
 */
export function checkNode(
  name: string,
  node: NodeConfig,
  def: CalculatorDefinition | undefined,
  problems: WeftError[],
): CheckedNode {
  const ctx = { node: name, phase: 'config' as const };
  const before = problems.length;
  const wiring: Record<string, Record<string, number[]>> = {};
  const sorted: Record<string, ResolvedPort[]> = {};
  for (const kind of PORT_KINDS) {
    const refs = node[kind.config];
    const decls = def === undefined ? undefined : (def.contract[kind.contract] ?? {});
    wiring[kind.contract] = checkPorts(kind.label, refs, decls, def?.name, ctx, problems);
    sorted[kind.contract] = [...refs]
      .sort((a, b) => (a.tag === b.tag ? a.index - b.index : a.tag < b.tag ? -1 : 1))
      .map((r) => ({ tag: r.tag, index: r.index, name: r.name, backEdge: false }));
  }
  const inputs = markBackEdges(node, sorted.inputs!, ctx, problems);
  if (def?.contract.validate !== undefined && problems.length === before) {
    const message = callHook(() =>
      def.contract.validate?.({ node: name, ...wiring } as unknown as NodeWiring),
    );
    if (message !== undefined) problems.push(new PortTagError(message, ctx));
  }
  const options = checkOptions(node, def, ctx, problems);
  if (node.inputStreamHandler !== undefined) checkHandler(node.inputStreamHandler, inputs, ctx, problems);
  if (node.maxQueueSize !== undefined && !isQueueSize(node.maxQueueSize)) {
    problems.push(
      new BadOptionsError(
        `maxQueueSize ${node.maxQueueSize} must be an integer from 1 to 2147483647, or -1`,
        ctx,
      ),
    );
  }
  if (node.heapLimitMb !== undefined && !isHeapLimit(node.heapLimitMb)) {
    problems.push(
      new BadOptionsError(
        `heapLimitMb ${node.heapLimitMb} must be an integer number of MiB, 16 to 65536`,
        ctx,
      ),
    );
  }
  if (node.stuckTimeoutMs !== undefined && !isTimeLimit(node.stuckTimeoutMs)) {
    problems.push(
      new BadOptionsError(
        `stuckTimeoutMs ${node.stuckTimeoutMs} must be an integer number of ms ≥ 1, or -1`,
        ctx,
      ),
    );
  }
  if (node.restart !== undefined) {
    for (const message of restartProblems(node.restart, 'restart')) {
      problems.push(new BadOptionsError(message, ctx));
    }
  }
  return {
    inputs,
    outputs: sorted.outputs!,
    inputSidePackets: sorted.inputSidePackets!,
    outputSidePackets: sorted.outputSidePackets!,
    options,
    inputStreamHandler: node.inputStreamHandler ??
      def?.contract.inputStreamHandler ?? { name: 'DefaultInputStreamHandler' },
  };
}

/** Largest batch or queue size a handler option may ask for (weft sizes buffers by it). */
export const MAX_HANDLER_COUNT = 100_000;

/** A heap limit of a thread, MiB: an integer from 16 (less cannot start weft) to 64 GiB. */
export function isHeapLimit(n: number): boolean {
  return Number.isInteger(n) && n >= 16 && n <= 65_536;
}

/** A time limit in ms: a positive integer up to a day (setTimeout's range), or -1 for none. */
export function isTimeLimit(n: number): boolean {
  return Number.isInteger(n) && ((n >= 1 && n <= 86_400_000) || n === -1);
}

/**
 * A queue limit weft accepts: a positive integer, or -1 for none. (MediaPipe also takes 0, for its
 * default of 100: a difference listed in the README.)
 */
export function isQueueSize(n: number): boolean {
  // The limit lives in an Int32 word of shared memory: larger values would wrap.
  return Number.isInteger(n) && ((n >= 1 && n <= 0x7fffffff) || n === -1);
}

type Ctx = { readonly node: string; readonly phase: 'config' };

function tagText(tag: string): string {
  return tag === '' ? 'untagged' : `tag "${tag}"`;
}

function checkPorts(
  label: string,
  refs: readonly PortRef[],
  decls: PortDecls | undefined,
  calculator: string | undefined,
  ctx: Ctx,
  problems: WeftError[],
): Record<string, number[]> {
  const byTag = new Map<string, PortRef[]>();
  for (const r of refs) {
    const at = { ...ctx, stream: r.name };
    if (!NAME_PATTERN.test(r.name)) {
      problems.push(new BadNameError(`${label} name "${r.name}" must match [a-z_][a-z0-9_]*`, at));
    }
    if (r.tag !== '' && !TAG_PATTERN.test(r.tag)) {
      problems.push(new BadNameError(`${label} tag "${r.tag}" must match [A-Z_][A-Z0-9_]*`, at));
    }
    if (!Number.isInteger(r.index) || r.index < 0) {
      problems.push(
        new PortIndexError(`${label} ${tagText(r.tag)} has index ${r.index}, not an integer ≥ 0`, at),
      );
      continue;
    }
    byTag.set(r.tag, [...(byTag.get(r.tag) ?? []), r]);
  }
  const wiring: Record<string, number[]> = {};
  for (const [tag, list] of byTag) {
    const seen = new Map<number, PortRef>();
    for (const r of list) {
      if (seen.has(r.index)) {
        const first = seen.get(r.index)!.name;
        const msg = `${label}s of ${tagText(tag)} use index ${r.index} twice ("${first}", "${r.name}")`;
        problems.push(new PortIndexError(msg, { ...ctx, stream: r.name }));
      } else seen.set(r.index, r);
    }
    const indices = [...seen.keys()].sort((a, b) => a - b);
    const gap = indices.findIndex((index, i) => index !== i);
    if (gap !== -1) {
      const next = seen.get(indices[gap]!)!;
      const msg = `${label}s of ${tagText(tag)} skip index ${gap} (indices must run 0, 1, 2, ...)`;
      problems.push(new PortIndexError(msg, { ...ctx, stream: next.name }));
    }
    wiring[tag] = indices;
  }
  if (decls === undefined) return wiring;
  for (const [tag, list] of byTag) {
    if (portDecl(decls, tag) !== undefined) continue;
    const tags = Object.keys(decls).map((t) => (t === '' ? 'untagged' : `"${t}"`));
    if (tags.length === 0) tags.push('none');
    const msg = `${label} ${tagText(tag)} is not declared by ${calculator} (declared: ${tags.join(', ')})`;
    problems.push(new PortTagError(msg, { ...ctx, stream: list[0]!.name }));
  }
  // Named tags, then every wired tag the wildcard covers.
  const checks = Object.entries(decls).filter(([tag]) => tag !== '*');
  const wildcard = decls['*'];
  if (wildcard !== undefined) {
    for (const tag of byTag.keys()) if (decls[tag] === undefined) checks.push([tag, wildcard]);
  }
  for (const [tag, cardinality] of checks) {
    const count = wiring[tag]?.length ?? 0;
    const [min, max] = cardinalityRange(cardinality);
    if (count < min) {
      const msg =
        count === 0
          ? `${label} ${tagText(tag)} is required by ${calculator} but not wired`
          : `${label} ${tagText(tag)} needs at least ${min} streams for ${calculator}, has ${count}`;
      problems.push(new PortTagError(msg, ctx));
    } else if (count > max) {
      const msg = `${label} ${tagText(tag)} takes at most ${max} for ${calculator}, has ${count}`;
      problems.push(new PortTagError(msg, { ...ctx, stream: byTag.get(tag)![max]?.name ?? '' }));
    }
  }
  return wiring;
}

function markBackEdges(
  node: NodeConfig,
  inputs: ResolvedPort[],
  ctx: Ctx,
  problems: WeftError[],
): ResolvedPort[] {
  const back = new Set<string>();
  for (const info of node.inputStreamInfo) {
    const ti = parseTagIndex(info.tagIndex);
    if (ti === undefined || !inputs.some((p) => p.tag === ti.tag && p.index === ti.index)) {
      problems.push(
        new PortTagError(`input_stream_info tag_index "${info.tagIndex}" names no input of this node`, ctx),
      );
    } else if (info.backEdge) back.add(`${ti.tag}:${ti.index}`);
  }
  return inputs.map((p) => (back.has(`${p.tag}:${p.index}`) ? { ...p, backEdge: true } : p));
}

function checkOptions(
  node: NodeConfig,
  def: CalculatorDefinition | undefined,
  ctx: Ctx,
  problems: WeftError[],
): Record<string, unknown> {
  const defaults = def?.contract.options as Record<string, unknown> | undefined;
  // A repeated field written once in the text format reads as one value: where the default is a
  // list, one value is a list of one (protobuf's reading of the same text).
  const given = Object.fromEntries(
    Object.entries(node.options).map(([key, value]) => [
      key,
      Array.isArray(defaults?.[key]) && value !== undefined && !Array.isArray(value) ? [value] : value,
    ]),
  );
  const merged = { ...defaults, ...given };
  if (def === undefined) return merged;
  const before = problems.length;
  for (const [key, value] of Object.entries(given)) {
    if (defaults === undefined || !Object.hasOwn(defaults, key)) {
      const known =
        defaults === undefined
          ? 'it takes no options'
          : `known: ${Object.keys(defaults).join(', ') || 'none'}`;
      problems.push(new BadOptionsError(`option "${key}" is not an option of ${def.name} (${known})`, ctx));
      continue;
    }
    const expected = typeOf(defaults[key]);
    if (expected !== undefined && value !== undefined && typeOf(value) !== expected) {
      problems.push(new BadOptionsError(`option "${key}" must be ${expected}, not ${typeOf(value)}`, ctx));
    }
  }
  if (problems.length === before && def.contract.validateOptions !== undefined) {
    const message = callHook(() => def.contract.validateOptions?.(merged));
    if (message !== undefined) problems.push(new BadOptionsError(message, ctx));
  }
  return merged;
}

/** Coarse type of an option value, for comparing against its default; undefined: anything goes. */
function typeOf(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) return 'an array';
  return `a ${typeof v}`;
}

/** Runs a contract hook; a throw becomes its message (the hook is the calculator author's code). */
function callHook(hook: () => string | undefined): string | undefined {
  try {
    return hook();
  } catch (err) {
    return `contract check threw: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/**
 * Handler sanity. Names that match no input (SyncSet) are PortTagError, like other wiring
 * mistakes; numbers out of range and unknown handlers are BadOptionsError.
 */
function checkHandler(
  h: InputStreamHandlerConfig,
  inputs: readonly ResolvedPort[],
  ctx: Ctx,
  problems: WeftError[],
): void {
  const bad = (msg: string): void => void problems.push(new BadOptionsError(`${h.name}: ${msg}`, ctx));
  // Counts weft allocates buffers for on the calculator's behalf: bounded, so a typo (1e9, 1e300)
  // is refused here rather than failing or stalling the node's start.
  const positive = (key: string, v: number | undefined): boolean => {
    if (v === undefined || (Number.isInteger(v) && v >= 1 && v <= MAX_HANDLER_COUNT)) return true;
    bad(`${key} ${v} must be an integer from 1 to ${MAX_HANDLER_COUNT}`);
    return false;
  };
  if (!(INPUT_STREAM_HANDLERS as readonly string[]).includes(h.name)) {
    problems.push(
      new BadOptionsError(
        `unknown input stream handler "${h.name}" (known: ${INPUT_STREAM_HANDLERS.join(', ')})`,
        ctx,
      ),
    );
  } else if (h.name === 'DefaultInputStreamHandler') {
    positive('batchSize', h.batchSize);
  } else if (h.name === 'TimestampAlignInputStreamHandler') {
    const id = h.timestampBaseTagIndex;
    const ti = id === undefined || id === '' ? undefined : parseTagIndex(id);
    if (
      id !== undefined &&
      id !== '' &&
      (ti === undefined || !inputs.some((p) => p.tag === ti.tag && p.index === ti.index))
    ) {
      problems.push(
        new PortTagError(`${h.name}: timestampBaseTagIndex "${id}" names no input of this node`, ctx),
      );
    }
  } else if (h.name === 'MuxInputStreamHandler' && inputs.length < 2) {
    bad('needs a control input (SELECT, else the last) and at least one data input');
  } else if (h.name === 'FixedSizeInputStreamHandler') {
    const trigger = h.triggerQueueSize ?? 2;
    const target = h.targetQueueSize ?? 1;
    if (positive('triggerQueueSize', trigger) && positive('targetQueueSize', target) && target > trigger) {
      bad(`targetQueueSize ${target} exceeds triggerQueueSize ${trigger}`);
    }
  } else if (h.name === 'SyncSetInputStreamHandler') {
    const used = new Set<string>();
    for (const set of h.syncSets) {
      for (const id of set) {
        const ti = parseTagIndex(id);
        const port = ti && inputs.find((p) => p.tag === ti.tag && p.index === ti.index);
        if (ti === undefined || port === undefined) {
          problems.push(
            new PortTagError(`${h.name}: sync set entry "${id}" names no input of this node`, ctx),
          );
        } else if (used.has(`${ti.tag}:${ti.index}`)) {
          problems.push(
            new PortTagError(`${h.name}: input "${id}" is in two sync sets`, { ...ctx, stream: port.name }),
          );
        } else used.add(`${ti.tag}:${ti.index}`);
      }
    }
  }
}
