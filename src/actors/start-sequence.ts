/**
 * How a run brings its nodes up: every node opened once the side packets it reads exist
 * (open-waves.ts), each open through the `restart` machinery (thread-replacement.ts), which gets a
 * node that fails to open a fresh thread; then, every node open, all of them started at once. It
 * keeps the record of how far each node got, which a run that fails before its nodes run needs to
 * close or end each thread (see run-shutdown.ts).
 *
 * Threading: the supervisor's thread. Lifecycle: one per run; `openAll` then `startAll`, once each,
 * from the supervisor's start; `setStarted` as the replacement machinery replaces a node's thread.
 */
import type { ResolvedGraph } from '../core/graph-config.js';
import { openInWaves } from './open-waves.js';
import type { ThreadReplacement } from './thread-replacement.js';

/** See the module comment. */
export class StartSequence {
  /** Nodes whose `start` call completed. */
  readonly started = new Set<number>();
  // The lifecycle so far, for a run that fails before its nodes run (see run-shutdown.ts): opens
  // under way and succeeded, starts asked for.
  /** Nodes whose `open` call is under way. */
  readonly opening = new Set<number>();
  /** Nodes whose `open` call completed. */
  readonly opened = new Set<number>();
  /** Nodes whose `start` call was made (completed or not). */
  readonly starting = new Set<number>();

  constructor(
    private readonly graph: ResolvedGraph,
    private readonly replacement: ThreadReplacement,
  ) {}

  /**
   * Opens every node (a node opens once the side packets it reads are in `sidePackets`, where each
   * open records the ones it sets). Rejects with the first failure (one that the `restart` policy
   * could not get past).
   */
  openAll(sidePackets: ReadonlyMap<string, unknown>): Promise<void> {
    return openInWaves(this.graph, sidePackets, async (id, values) => {
      this.opening.add(id);
      try {
        await this.replacement.open(id, values);
        this.opened.add(id);
      } finally {
        this.opening.delete(id);
      }
    });
  }

  /** Every node is open: starts them all at once (each starts its loop after its reply). */
  async startAll(): Promise<void> {
    await Promise.all(
      this.graph.nodes.map(async (node) => {
        // False: a restartable node's thread died before it answered; its successor starts it.
        this.starting.add(node.id);
        if (await this.replacement.startFirst(node.id)) this.started.add(node.id);
      }),
    );
  }

  /** Node `id` runs (true), or its thread is being replaced (false): see ThreadReplacement. */
  setStarted(id: number, started: boolean): void {
    if (started) this.started.add(id);
    else {
      // A replaced thread: its successor's start is the replacement's, not asked for yet.
      this.started.delete(id);
      this.starting.delete(id);
    }
  }
}
