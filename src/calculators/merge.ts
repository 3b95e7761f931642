/**
 * MergeCalculator: merges several streams into one, taking the first present input at each timestamp.
 *
 * Threading: the definition is plain data plus functions; an instance runs on its actor's thread.
 */
import { defineCalculator } from '../core/calculator.js';
import { forwardPacket } from './forward.js';

/** MergeCalculator takes no options. */
export type MergeOptions = Record<string, never>;

/**
 * At each input timestamp, forwards the non-empty input with the lowest index and ignores the others
 * (MediaPipe's MergeCalculator).
 *
 * - Inputs: one or more untagged streams (MediaPipe's rule). Output: one untagged stream.
 * - Options: none.
 * - Timestamps: the default input stream handler lines the inputs up by timestamp, so the choice is
 *   deterministic; the packet keeps its timestamp. `timestampOffset: 0` carries the joined bound to the
 *   output when no input has a packet.
 * - Frames: the chosen frame packet is forwarded with one extra reference; the others are released by
 *   the runtime after `process`.
 * - Threading: runs on its actor's thread.
 */
export default defineCalculator<MergeOptions>({
  name: 'MergeCalculator',
  description:
    'Merges its inputs into one output: at each timestamp, the packet of the lowest-indexed input that has one.',
  contract: {
    inputs: { '': { min: 1, max: Number.POSITIVE_INFINITY } },
    outputs: { '': 'one' },
    inputStreamHandler: { name: 'DefaultInputStreamHandler' },
    timestampOffset: 0,
  },
  create: () => ({
    process(ctx) {
      const n = ctx.inputCount('');
      for (let i = 0; i < n; i++) {
        const p = ctx.input(i);
        if (p.isEmpty) continue;
        forwardPacket(ctx, p, ctx.output(0), ctx.inputTimestamp);
        return;
      }
    },
  }),
});
