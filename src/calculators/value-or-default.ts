/**
 * ValueOrDefaultCalculator: at each TICK, the IN packet at that timestamp, or the default side
 * packet where IN has none (MediaPipe's ValueOrDefaultCalculator, with its contract).
 *
 * Threading: the definition is plain data plus functions; an instance runs on its actor's thread.
 */
import { defineCalculator } from '../core/calculator.js';
import { forwardPacket } from './forward.js';

/** ValueOrDefaultCalculator takes no options. Plain data; any thread. */
export type ValueOrDefaultOptions = Record<string, never>;

/**
 * At each timestamp where `TICK` has a packet, emits on `OUT` the `IN` packet of that timestamp,
 * or, where `IN` has none, the untagged input side packet, together with `true` on `FLAG`.
 *
 * - Inputs: `IN` and `TICK`, any values (only a TICK's presence matters). Outputs: `OUT`, and
 *   `FLAG` (`true` each time the default was used; nothing when IN had a value). Side packet: the
 *   default, untagged. All are required, as in MediaPipe.
 * - An IN packet at a timestamp without a TICK is dropped.
 * - Timestamps: at the input timestamp; `timestampOffset: 0`, as MediaPipe sets.
 * - Difference from MediaPipe: weft streams carry no headers, so IN's header is not passed to OUT.
 * - Frames: an IN frame is forwarded with one extra reference.
 * - Allocation: none.
 * - Threading: runs on its actor's thread.
 */
export default defineCalculator<ValueOrDefaultOptions>({
  name: 'ValueOrDefaultCalculator',
  description: 'At each TICK, emits IN if present, else the default side packet (and true on FLAG).',
  contract: {
    inputs: { IN: 'one', TICK: 'one' },
    outputs: { OUT: 'one', FLAG: 'one' },
    inputSidePackets: { '': 'one' },
    timestampOffset: 0,
    // Stateless: a node may run it as several replicas.
    parallelism: 1,
  },
  create: () => {
    let fallback: unknown;
    return {
      open(ctx) {
        fallback = ctx.sidePacket(0);
      },
      process(ctx) {
        if (ctx.input('TICK').isEmpty) return;
        const ts = ctx.inputTimestamp;
        const p = ctx.input('IN');
        if (!p.isEmpty) {
          forwardPacket(ctx, p, ctx.output('OUT'), ts);
          return;
        }
        ctx.output('OUT').add(fallback, ts);
        ctx.output('FLAG').add(true, ts);
      },
    };
  },
});
