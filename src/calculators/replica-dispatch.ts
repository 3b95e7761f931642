/**
 * ReplicaDispatchCalculator: the front of a replicated node (see `core/graph-replicas.ts`). The
 * runtime inserts it; graphs do not name it.
 *
 * Threading: the definition is plain data plus functions; an instance runs on its actor's thread.
 */
import { defineCalculator } from '../core/calculator.js';
import { forwardPacket } from './forward.js';

/** Options of {@link ReplicaDispatchCalculator}. */
export interface ReplicaDispatchOptions {
  /** Number of replicas; outputs are `replicas × inputs`, replica-major. */
  readonly replicas: number;
}

/**
 * Sends each input set, whole, to the next replica in turn: input `i` of the set goes to output
 * `r × inputs + i` for replica `r`.
 *
 * - Inputs: the replicated node's streams, untagged, in its order; the same input stream handler.
 * - Timestamps: packets keep their timestamps; `timestampOffset: 0` carries every settled bound to
 *   every replica, so replicas that receive nothing at T still see T settled.
 * - Frames: forwarded by reference (one extra reference each), never copied.
 * - Threading: runs on its actor's thread.
 */
const ReplicaDispatchCalculator = defineCalculator<ReplicaDispatchOptions>({
  name: 'ReplicaDispatchCalculator',
  description:
    'Forms input sets as the replicated node would and sends each whole set to one replica in turn (inserted by weft for parallelism > 1).',
  contract: {
    inputs: { '': 'many' },
    outputs: { '': 'many' },
    options: { replicas: 2 },
    validateOptions: (o) =>
      Number.isInteger(o.replicas) && o.replicas >= 2 ? undefined : `replicas ${o.replicas} must be ≥ 2`,
    timestampOffset: 0,
  },
  create: () => {
    let next = 0;
    return {
      process(ctx) {
        const k = ctx.inputCount('');
        const base = next * k;
        next = next + 1 === ctx.options.replicas ? 0 : next + 1;
        for (let i = 0; i < k; i++) {
          const p = ctx.input(i);
          if (!p.isEmpty) forwardPacket(ctx, p, ctx.output(base + i), ctx.inputTimestamp);
        }
      },
    };
  },
});
export default ReplicaDispatchCalculator;
