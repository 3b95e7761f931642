/**
 * Lays a graph out left to right with ELK's layered algorithm (elkjs, run here in Node), from the
 * nodes and streams of a diagnostic snapshot: one box per node, one `graph` box for the graph's
 * input streams, one polyline per stream and consumer. The page only draws what it gets.
 *
 * The topology of a run never changes, so the server lays it out once, on the first request for it.
 * elkjs is loaded on that first use: a process that never serves the view never loads it.
 *
 * Threading: main thread. The layout runs on it (a few ms for tens of nodes), never on the data
 * path's threads.
 */
import type { ELK, ELKConstructorArguments, ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api.js';
import type { RunDiagSnapshot } from '../telemetry/diag-snapshot.js';
import type { GraphLayout, LayoutEdge, LayoutNode } from './dashboard-protocol.js';

/** The box of a node: room for its name, calculator, rate, queues and share bar. */
export const NODE_WIDTH = 190;
/** The height of a node's box (see {@link NODE_WIDTH}). */
export const NODE_HEIGHT = 74;
/** The id of the box standing for the graph's inputs. */
export const GRAPH_INPUT = 'graph';

/** The id of the edge of stream `stream` into `to` (unique per snapshot pad). */
export function edgeId(from: string, to: string, stream: string): string {
  return `${from}->${to}:${stream}`;
}

type ElkClass = new (args?: ELKConstructorArguments) => ELK;

// elkjs is CommonJS whose typings declare an ES default: Node's import gives module.exports (the
// constructor) as `default`, which TypeScript's NodeNext view does not model.
async function elkConstructor(): Promise<ElkClass> {
  const m = (await import('elkjs/lib/elk.bundled.js')) as unknown as { default: ElkClass };
  return m.default;
}

/** Lays out the nodes and streams of `snapshot`. */
export async function layoutGraph(snapshot: RunDiagSnapshot): Promise<GraphLayout> {
  const elk = new (await elkConstructor())();
  const calculators = new Map(snapshot.elements.map((e) => [e.node, e.calculator]));
  if (snapshot.pads.some((p) => p.from === GRAPH_INPUT)) calculators.set(GRAPH_INPUT, 'graph inputs');
  const ids = [...calculators.keys()];
  const edges = new Map<string, ElkExtendedEdge>();
  // A node that takes one stream on two inputs has two pads of one id: ELK wants ids unique.
  for (const p of snapshot.pads) {
    const id = edgeId(p.from, p.to, p.stream);
    if (calculators.has(p.from) && calculators.has(p.to))
      edges.set(id, { id, sources: [p.from], targets: [p.to] });
  }
  const root: ElkNode = {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.edgeRouting': 'POLYLINE',
      'elk.spacing.nodeNode': '28',
      'elk.layered.spacing.nodeNodeBetweenLayers': '90',
      'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
    },
    children: ids.map((id) => ({ id, width: NODE_WIDTH, height: NODE_HEIGHT })),
    edges: [...edges.values()],
  };
  const out = await elk.layout(root);
  const nodes: LayoutNode[] = (out.children ?? []).map((c) => ({
    id: c.id,
    calculator: calculators.get(c.id) ?? '',
    x: c.x ?? 0,
    y: c.y ?? 0,
    width: c.width ?? NODE_WIDTH,
    height: c.height ?? NODE_HEIGHT,
  }));
  const byEdge = new Map(snapshot.pads.map((p) => [edgeId(p.from, p.to, p.stream), p]));
  const laid: LayoutEdge[] = [];
  for (const e of out.edges ?? []) {
    const pad = byEdge.get(e.id);
    const section = e.sections?.[0];
    if (pad === undefined || section === undefined) continue;
    const points = [section.startPoint, ...(section.bendPoints ?? []), section.endPoint].map(
      (p) => [p.x, p.y] as const,
    );
    laid.push({ id: e.id, stream: pad.stream, from: pad.from, to: pad.to, points });
  }
  return { width: out.width ?? 0, height: out.height ?? 0, nodes, edges: laid };
}
