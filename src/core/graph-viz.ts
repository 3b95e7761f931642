/**
 * Graph pictures: a validated graph as Mermaid or Graphviz dot, optionally annotated with live
 * figures per node and per stream (from a run's counters).
 *
 * Graph inputs and outputs are drawn as their own boxes; back edges are dashed; every edge is
 * labelled with its stream name (and its packet count when figures are given).
 *
 * Threading: pure functions.
 */
import type { ResolvedGraph } from './graph-config.js';

/**
 * Figures to print on a picture. All optional; keys are node names and stream names. Plain data;
 * any thread.
 */
export interface GraphFigures {
  /** One short line per node, e.g. `busy 82% · 1.2k pkt/s`. */
  readonly nodes?: Readonly<Record<string, string>>;
  /** One short label per stream, e.g. a packet count. */
  readonly streams?: Readonly<Record<string, string>>;
}

interface Edge {
  from: string;
  to: string;
  stream: string;
  backEdge: boolean;
}

function edges(g: ResolvedGraph): Edge[] {
  const out: Edge[] = [];
  for (const s of g.streams) {
    const from = s.producer.kind === 'graph-input' ? `in:${s.name}` : g.nodes[s.producer.node]!.name;
    for (const c of s.consumers) {
      const node = g.nodes[c.node]!;
      out.push({ from, to: node.name, stream: s.name, backEdge: node.inputs[c.input]!.backEdge });
    }
    if (s.isGraphOutput) out.push({ from, to: `out:${s.name}`, stream: s.name, backEdge: false });
  }
  return out;
}

// Mermaid and dot both accept quoted labels; ids must be plain.
function id(name: string): string {
  return name.replace(/[^A-Za-z0-9_]/g, '_');
}

function quote(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

function edgeLabel(e: Edge, f: GraphFigures): string {
  const extra = f.streams?.[e.stream];
  return extra === undefined ? e.stream : `${e.stream} (${extra})`;
}

/** The graph as a Mermaid flowchart (left to right). Pure; any thread. */
export function toMermaid(g: ResolvedGraph, figures: GraphFigures = {}): string {
  const lines = ['flowchart LR'];
  for (const name of g.inputStreams) lines.push(`  ${id(`in:${name}`)}(["${quote(name)}"])`);
  for (const n of g.nodes) {
    const fig = figures.nodes?.[n.name];
    const label = `${n.name}<br/><small>${n.calculator}</small>${fig === undefined ? '' : `<br/>${fig}`}`;
    lines.push(`  ${id(n.name)}["${quote(label)}"]`);
  }
  for (const name of g.outputStreams) lines.push(`  ${id(`out:${name}`)}(["${quote(name)}"])`);
  for (const e of edges(g)) {
    const arrow = e.backEdge ? '-.->' : '-->';
    lines.push(`  ${id(e.from)} ${arrow}|"${quote(edgeLabel(e, figures))}"| ${id(e.to)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The graph as Graphviz dot. Pure; any thread. */
export function toDot(g: ResolvedGraph, figures: GraphFigures = {}): string {
  const lines = ['digraph weft {', '  rankdir=LR;', '  node [shape=box, fontname="Helvetica"];'];
  for (const name of g.inputStreams)
    lines.push(`  "${quote(`in:${name}`)}" [label="${quote(name)}", shape=oval];`);
  for (const n of g.nodes) {
    const fig = figures.nodes?.[n.name];
    const label = `${n.name}\\n${n.calculator}${fig === undefined ? '' : `\\n${quote(fig)}`}`;
    lines.push(`  "${quote(n.name)}" [label="${label}"];`);
  }
  for (const name of g.outputStreams) {
    lines.push(`  "${quote(`out:${name}`)}" [label="${quote(name)}", shape=oval];`);
  }
  for (const e of edges(g)) {
    const style = e.backEdge ? ', style=dashed, constraint=false' : '';
    lines.push(`  "${quote(e.from)}" -> "${quote(e.to)}" [label="${quote(edgeLabel(e, figures))}"${style}];`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
