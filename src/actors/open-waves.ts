/**
 * The order in which a run opens its nodes: in waves, each of every node whose input side packets
 * all exist (given at start, or set by a node already open), as MediaPipe opens a node only once its
 * side packets are ready. A side packet no node sets before it is needed stops the run with
 * SidePacketMissingError naming both ends.
 *
 * Threading: the supervisor's thread.
 */
import type { ResolvedGraph } from '../core/graph-config.js';
import { unopenable } from './run-failures.js';

/**
 * Opens every node of `graph` through `open(id, values)` (which must record the output side packets
 * it gets into `sidePackets`), wave by wave, the nodes of a wave concurrently.
 * @throws SidePacketMissingError when no pending node can open; whatever `open` throws.
 */
export async function openInWaves(
  graph: ResolvedGraph,
  sidePackets: ReadonlyMap<string, unknown>,
  open: (id: number, values: unknown[]) => Promise<void>,
): Promise<void> {
  const producedBy = new Map<string, number>();
  for (const n of graph.nodes) for (const p of n.outputSidePackets) producedBy.set(p.name, n.id);
  const pending = new Set(graph.nodes.map((n) => n.id));
  while (pending.size > 0) {
    // A wave: every node whose side packets are all available (or come from no node at all).
    const wave = [...pending].filter((id) =>
      graph.nodes[id]!.inputSidePackets.every((p) => sidePackets.has(p.name) || !producedBy.has(p.name)),
    );
    if (wave.length === 0) throw unopenable(graph, pending, sidePackets, producedBy);
    await Promise.all(
      wave.map(async (id) => {
        await open(
          id,
          graph.nodes[id]!.inputSidePackets.map((p) => sidePackets.get(p.name)),
        );
        pending.delete(id);
      }),
    );
  }
}
