/**
 * RoundRobinDemuxCalculator: deals its input's packets to its outputs in turn (MediaPipe's
 * RoundRobinDemuxCalculator, with its contract).
 *
 * Threading: the definition is plain data plus functions; an instance runs on its actor's thread.
 */
import { defineCalculator } from '../core/calculator.js';
import { forwardPacket } from './forward.js';

/** RoundRobinDemuxCalculator takes no options. Plain data; any thread. */
export type RoundRobinDemuxOptions = Record<string, never>;

/**
 * Sends the i-th input packet to `OUTPUT:(i mod n)`, and i mod n on `SELECT` at the same timestamp
 * (to mux the results back in order with MuxCalculator). `timestampOffset: 0`: every output's bound
 * follows the input, so a join downstream never waits on an output that was skipped. Runs on its
 * actor's thread.
 */
export default defineCalculator<RoundRobinDemuxOptions>({
  name: 'RoundRobinDemuxCalculator',
  description: 'Deals its input packets to OUTPUT:0..n in turn; SELECT tells which output got each.',
  contract: {
    inputs: { '': 'one' },
    outputs: { OUTPUT: { min: 1, max: 64 }, SELECT: 'optional' },
    timestampOffset: 0,
  },
  create: () => {
    let next = 0;
    return {
      process(ctx) {
        const p = ctx.input(0);
        if (p.isEmpty) return;
        forwardPacket(ctx, p, ctx.output('OUTPUT', next), ctx.inputTimestamp);
        if (ctx.outputCount('SELECT') > 0) ctx.output('SELECT').add(next, ctx.inputTimestamp);
        next = (next + 1) % ctx.outputCount('OUTPUT');
      },
    };
  },
});
