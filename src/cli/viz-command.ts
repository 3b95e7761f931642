/**
 * `weft viz <graph>`: prints a graph, validated against the calculators it uses, as Mermaid or
 * Graphviz dot.
 *
 * Threading: main thread of the CLI process.
 */
import { toDot, toMermaid } from '../core/graph-viz.js';
import { calculatorRegistry, loadGraph } from './graph-file.js';

/** Prints the graph in `format`. */
export async function vizCommand(
  file: string,
  o: { readonly format: 'mermaid' | 'dot'; readonly calculators: readonly string[] },
): Promise<void> {
  const resolved = await (await loadGraph(file, await calculatorRegistry(o.calculators))).validate();
  process.stdout.write(o.format === 'dot' ? toDot(resolved) : toMermaid(resolved));
}
