// RelayCalculator: forwards each packet. A user's calculator in JavaScript, importing `weft/calculator`, for the
// latency suite's start-up cases: what a node's thread pays to load a user module that imports it.
import { defineCalculator } from 'weft/calculator';

export default defineCalculator({
  name: 'RelayCalculator',
  contract: { inputs: { '': 'one' }, outputs: { '': 'one' } },
  create: () => ({
    process(ctx) {
      const p = ctx.input(0);
      if (!p.isEmpty) ctx.output(0).add(p.value, ctx.inputTimestamp);
    },
  }),
});
