/**
 * Subgraph expansion, as MediaPipe does it before validation: a node whose calculator names a
 * registered subgraph (a graph config with `type:`) is replaced by the subgraph's nodes.
 *
 * - Every name inside the subgraph (streams, side packets, node names) gets the prefix
 *   `<node name, lower case, '.', ' ' and ':' made '_'>__`, so two uses never collide.
 * - The subgraph's own `input_stream` / `output_stream` / `input_side_packet` /
 *   `output_side_packet` entries (`TAG:index:name`) are then joined to the node's entries with the
 *   same tag and index: the inner name becomes the outer one. A tag the node uses that the subgraph
 *   does not declare, or more indexes than it declares, is a PortTagError. Subgraph inputs the
 *   node leaves unconnected are removed from the inner nodes (they may be optional there).
 * - The expanded nodes go after the graph's other nodes; subgraphs inside subgraphs expand in turn.
 *
 * - Executors: inner nodes keep their own `executor`; those that name none take the subgraph
 *   node's, if it has one (a weft extension: MediaPipe drops a subgraph node's `executor`). The
 *   executors a subgraph declares are added to the graph's, after its own, each name once: a name
 *   the graph (or an earlier subgraph) already declares keeps that declaration. Executor names get
 *   no prefix, so every use of a subgraph shares its executors' threads. (MediaPipe keeps only the
 *   top-level graph's declarations; weft accepts every graph MediaPipe does, with the same
 *   executors, and also a subgraph that declares the executors its nodes use.)
 * - Restart policy: inner nodes keep their own `restart`; those that set none take the subgraph's
 *   graph-level `restart`, else the subgraph node's (the subgraph's definition is the nearer
 *   scope), else none (the graph's applies when it is resolved). Other graph-level settings of a
 *   subgraph (`stuck_timeout_ms`, `heap_limit_mb`, `max_queue_size`) are not carried over.
 * - Options: the subgraph's `graph_options` with the node's own options over them feed the inner
 *   nodes' `option_value` entries (see `subgraph-options.ts`); the graph's own `graph_options` feed
 *   its top-level nodes' entries the same way.
 *
 * Threading: pure functions, any thread.
 */
import { InvalidArgumentError, PortTagError } from './errors.js';
import type { GraphConfig, InputStreamInfo, NodeConfig, PortRef } from './graph-config.js';
import { nodeNames } from './graph-validation.js';
import { applyOptionValues } from './subgraph-options.js';

/** A subgraph's config by its type name, or undefined for a calculator. */
export type SubgraphLookup = (type: string) => GraphConfig | undefined;

// Expansion rounds before a subgraph that contains itself is assumed.
const MAX_DEPTH = 64;

/**
 * Returns `config` with every subgraph node expanded (the same object when there is none).
 * @throws PortTagError when a node's ports do not match its subgraph's declared ports.
 * @throws InvalidArgumentError for a subgraph that (indirectly) contains itself.
 */
export function expandSubgraphs(config: GraphConfig, lookup: SubgraphLookup): GraphConfig {
  let current = config.nodes.some((n) => n.optionValues !== undefined)
    ? { ...config, nodes: applyOptionValues(config.nodes, config.graphOptions ?? {}) }
    : config;
  for (let depth = 0; ; depth++) {
    const names = nodeNames(current);
    const plain: NodeConfig[] = [];
    const expanded: NodeConfig[] = [];
    const executors = [...(current.executors ?? [])];
    current.nodes.forEach((node, i) => {
      const sub = lookup(node.calculator);
      if (sub === undefined) plain.push(node);
      else {
        expanded.push(...expandNode(node, names[i]!, sub));
        for (const e of sub.executors ?? []) {
          if (!executors.some((x) => x.name === e.name)) executors.push(e);
        }
      }
    });
    if (expanded.length === 0 && plain.length === current.nodes.length) return current;
    if (depth === MAX_DEPTH) {
      throw new InvalidArgumentError(`subgraphs nested deeper than ${MAX_DEPTH}: does one contain itself?`, {
        phase: 'config',
      });
    }
    current = {
      ...current,
      nodes: [...plain, ...expanded],
      ...(executors.length === 0 ? {} : { executors }),
    };
  }
}

function expandNode(node: NodeConfig, nodeName: string, sub: GraphConfig): NodeConfig[] {
  const ports = sub.subgraph!;
  const prefix = `${nodeName.toLowerCase().replace(/[. :]/g, '_')}__`;
  const streams = new Map<string, string>();
  const sides = new Map<string, string>();
  connect(streams, ports.inputStreams, node.inputStreams, node, 'input streams');
  connect(streams, ports.outputStreams, node.outputStreams, node, 'output streams');
  connect(sides, ports.inputSidePackets, node.inputSidePackets, node, 'input side packets');
  connect(sides, ports.outputSidePackets, node.outputSidePackets, node, 'output side packets');
  // Subgraph inputs the node leaves unconnected: inner nodes lose them.
  const droppedStreams = unconnected(ports.inputStreams, streams);
  const droppedSides = unconnected(ports.inputSidePackets, sides);
  const rename = (map: Map<string, string>) => (r: PortRef) => ({
    ...r,
    name: map.get(r.name) ?? prefix + r.name,
  });
  const innerNames = nodeNames(sub);
  const options = mergeOptions(sub.graphOptions ?? {}, node.options);
  const executor = node.executor === '' ? undefined : node.executor;
  const restart = sub.restart ?? node.restart;
  return applyOptionValues(sub.nodes, options).map((inner, i) => {
    const inputs = inner.inputStreams.filter((r) => !droppedStreams.has(r.name));
    const kept = new Set(inputs.map((r) => `${r.tag}:${r.index}`));
    return {
      ...inner,
      name: prefix + innerNames[i]!,
      inputStreams: inputs.map(rename(streams)),
      outputStreams: inner.outputStreams.map(rename(streams)),
      inputSidePackets: inner.inputSidePackets.filter((r) => !droppedSides.has(r.name)).map(rename(sides)),
      outputSidePackets: inner.outputSidePackets.map(rename(sides)),
      inputStreamInfo: inner.inputStreamInfo.filter((x: InputStreamInfo) => kept.has(canonical(x.tagIndex))),
      ...(executor === undefined || (inner.executor ?? '') !== '' ? {} : { executor }),
      ...(inner.restart !== undefined || restart === undefined ? {} : { restart }),
    };
  });
}

// Inner name → outer name for each (tag, index) the node connects.
function connect(
  map: Map<string, string>,
  declared: readonly PortRef[],
  used: readonly PortRef[],
  node: NodeConfig,
  what: string,
): void {
  for (const u of used) {
    const d = declared.find((p) => p.tag === u.tag && p.index === u.index);
    if (d === undefined) {
      const tag = u.tag === '' ? '(untagged)' : u.tag;
      const known = declared.some((p) => p.tag === u.tag);
      throw new PortTagError(
        known
          ? `while processing the ${what} of subgraph node ${node.calculator}: tag "${tag}" has index ${u.index} in the node but the subgraph declares fewer`
          : `while processing the ${what} of subgraph node ${node.calculator}: tag "${tag}" does not exist in the subgraph config`,
        { ...(node.name === undefined ? {} : { node: node.name }), stream: u.name, phase: 'config' },
      );
    }
    map.set(d.name, u.name);
  }
}

function unconnected(declared: readonly PortRef[], map: Map<string, string>): Set<string> {
  return new Set(declared.filter((p) => !map.has(p.name)).map((p) => p.name));
}

// `TAG`, `TAG:i` or `:i` as `TAG:i`.
function canonical(tagIndex: string): string {
  const colon = tagIndex.indexOf(':');
  return colon < 0 ? `${tagIndex}:0` : tagIndex;
}

// Protobuf's merge of two option messages: fields of `over` win, nested messages merge.
function mergeOptions(
  base: Readonly<Record<string, unknown>>,
  over: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isMessage(b) && isMessage(v) ? mergeOptions(b, v) : v;
  }
  return out;
}

function isMessage(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
