/**
 * ReplicaGatherCalculator: the back of a replicated node (see `core/graph-replicas.ts`). The runtime
 * inserts it; graphs do not name it.
 *
 * Threading: the definition is plain data plus functions; an instance runs on its actor's thread.
 */
import { defineCalculator } from '../core/calculator.js';
import { forwardPacket } from './forward.js';

/** Options of {@link ReplicaGatherCalculator}. */
export interface ReplicaGatherOptions {
  /** Number of replicas; inputs are `replicas × outputs`, replica-major. */
  readonly replicas: number;
}

/**
 * Puts replica outputs back in timestamp order: the Default handler lines every replica's streams
 * up by timestamp, and output `o` forwards the packet whichever replica produced on its output `o`.
 *
 * - Timestamps: packets keep their timestamps; `timestampOffset: 0` passes the replicas' joint bound
 *   on. Replicas see disjoint input sets, so at most one of them emits at a timestamp per output; if
 *   two do (a calculator emitting at timestamps of sets it did not get), the lowest replica wins.
 * - Frames: forwarded by reference, never copied.
 * - Threading: runs on its actor's thread.
 */
const ReplicaGatherCalculator = defineCalculator<ReplicaGatherOptions>({
  name: 'ReplicaGatherCalculator',
  description:
    "Puts the outputs of a node's replicas back in timestamp order (inserted by weft for parallelism > 1).",
  contract: {
    inputs: { '': 'many' },
    outputs: { '': 'many' },
    options: { replicas: 2 },
    validateOptions: (o) =>
      Number.isInteger(o.replicas) && o.replicas >= 2 ? undefined : `replicas ${o.replicas} must be ≥ 2`,
    inputStreamHandler: { name: 'DefaultInputStreamHandler' },
    timestampOffset: 0,
  },
  create: () => ({
    process(ctx) {
      const m = ctx.outputCount('');
      const n = ctx.options.replicas;
      for (let o = 0; o < m; o++) {
        for (let r = 0; r < n; r++) {
          const p = ctx.input(r * m + o);
          if (p.isEmpty) continue;
          forwardPacket(ctx, p, ctx.output(o), ctx.inputTimestamp);
          break;
        }
      }
    },
  }),
});
export default ReplicaGatherCalculator;
