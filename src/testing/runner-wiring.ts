/**
 * How the CalculatorRunner wires a calculator: port ids (`TAG`, `TAG:i`, `:i`) and the node built
 * from the contract and the runner's options, validated as a graph would validate it.
 *
 * Threading: pure functions, any thread.
 */
import { type Cardinality, type PortDecls, portDecl } from '../core/calculator.js';
import type { PortIndex } from '../core/calculator-context.js';
import { GraphInvalidError, InvalidArgumentError, UnknownPortError, type WeftError } from '../core/errors.js';
import { DEFAULT_RESTART, type NodeConfig, type PortRef, type ResolvedNode } from '../core/graph-config.js';
import { checkNode } from '../core/graph-validation-ports.js';
import type { AnyDefinition, RunnerOptions } from './calculator-runner.js';

/** `'TAG'` for index 0 of a tag, `'TAG:i'` above, `':i'` for untagged ports. */
export function canonicalId(tag: string, index: number): string {
  return tag !== '' && index === 0 ? tag : `${tag}:${index}`;
}

function parseId(id: string, node: string): { tag: string; index: number } {
  const colon = id.indexOf(':');
  if (colon < 0) return { tag: id, index: 0 };
  const index = Number(id.slice(colon + 1));
  if (!Number.isInteger(index) || index < 0 || id.slice(colon + 1) === '') {
    throw new InvalidArgumentError(`port id "${id}" is not 'TAG', 'TAG:i' or ':i'`, { node });
  }
  return { tag: id.slice(0, colon), index };
}

/**
 * The index of port `id` (`TAG:index`, `TAG` or an index) among `ports`.
 * @throws UnknownPortError naming the node when it has no such port.
 */
export function lookup(ports: PortIndex, id: string, what: string, node: string): number {
  const { tag, index } = parseId(id, node);
  const i = ports.find(tag, index);
  if (i < 0) {
    throw new UnknownPortError(`${what} "${id}" is not wired on this node (wired: ${ports.describe()})`, {
      node,
    });
  }
  return i;
}

function defaultCount(c: Cardinality, outputSidePacket: boolean): number {
  if (c === 'one' || c === 'many') return 1;
  if (c === 'optional') return outputSidePacket ? 1 : 0;
  return outputSidePacket ? Math.min(Math.max(c.min, 1), c.max) : c.min;
}

function streamName(tag: string, index: number, kind: string): string {
  return `${(tag === '' ? kind : tag).toLowerCase()}${index > 0 ? `_${index}` : ''}`;
}

// Ports for each tag declared or counted: `counts[tag]` streams, else the default count.
function refs(
  decls: PortDecls | undefined,
  counts: Record<string, number> | undefined,
  kind: string,
): PortRef[] {
  const out: PortRef[] = [];
  // A wildcard ('*', any tag) is wired as untagged streams unless the counts name tags (no output
  // side packets: they would need input side packets to match).
  const wildcard = counts === undefined && decls?.[''] === undefined && kind !== 'side_out';
  const declared = Object.keys(decls ?? {}).flatMap((t) => (t !== '*' ? [t] : wildcard ? [''] : []));
  for (const tag of new Set([...declared, ...Object.keys(counts ?? {})])) {
    const decl = portDecl(decls, tag);
    const n = counts?.[tag] ?? (decl === undefined ? 0 : defaultCount(decl, kind === 'side_out'));
    if (!Number.isInteger(n) || n < 0) {
      throw new InvalidArgumentError(`${kind} count for tag "${tag}" must be an integer ≥ 0, got ${n}`);
    }
    for (let i = 0; i < n; i++) out.push({ tag, index: i, name: streamName(tag, i, kind) });
  }
  return out;
}

/** The resolved node the runner gives its calculator: one node wired as `o` says. Any thread. */
export function buildNode(
  def: AnyDefinition,
  o: RunnerOptions,
): { node: ResolvedNode; sideValues: unknown[] } {
  const name = o.name ?? def.name;
  const c = def.contract;
  const sides = Object.keys(o.sidePackets ?? {}).map((key) => ({ key, ...parseId(key, name) }));
  const config: NodeConfig = {
    name,
    calculator: def.name,
    inputStreams: refs(c.inputs, o.inputs, 'input'),
    outputStreams: refs(c.outputs, o.outputs, 'output'),
    inputSidePackets: sides.map((s) => ({
      tag: s.tag,
      index: s.index,
      name: streamName(s.tag, s.index, 'side'),
    })),
    outputSidePackets: refs(c.outputSidePackets, undefined, 'side_out'),
    inputStreamInfo: (o.backEdges ?? []).map((tagIndex) => ({ tagIndex, backEdge: true })),
    options: o.options ?? {},
    ...(o.inputStreamHandler === undefined ? {} : { inputStreamHandler: o.inputStreamHandler }),
  };
  const problems: WeftError[] = [];
  const checked = checkNode(name, config, def, problems);
  if (problems.length === 1) throw problems[0]!;
  if (problems.length > 1) {
    const list = problems.map((p) => `  - ${p.name}: ${p.message}`).join('\n');
    const err = new GraphInvalidError(`node is invalid (${problems.length} problems):\n${list}`, {
      node: name,
    });
    throw Object.assign(err, { problems });
  }
  const node: ResolvedNode = {
    name,
    id: 0,
    calculator: def.name,
    ...checked,
    maxQueueSize: -1,
    stuckTimeoutMs: undefined,
    heapLimitMb: undefined,
    // A calculator alone on the calling thread: its failures are the test's to see.
    restart: DEFAULT_RESTART,
    executor: undefined,
    timestampOffset: c.timestampOffset === undefined ? 0 : c.timestampOffset,
    processTimestampBounds: c.processTimestampBounds ?? false,
    isSource: checked.inputs.length === 0 && checked.outputs.length > 0,
  };
  const byPort = new Map(sides.map((s) => [`${s.tag}:${s.index}`, o.sidePackets![s.key]]));
  return { node, sideValues: node.inputSidePackets.map((p) => byPort.get(`${p.tag}:${p.index}`)) };
}
