// RelayCalculator: forwards each packet. A user's calculator in JavaScript, importing
// `weft/calculator`, for the latency suite's start-up cases (relay-weft.mjs is the same calculator in
// a module that imports `weft`): what a node's thread pays for the entry its module imports.
import { defineCalculator } from 'weft/calculator';

/** The relay, registered as `name`. */
export function relay(name) {
  return defineCalculator({
    name,
    contract: { inputs: { '': 'one' }, outputs: { '': 'one' } },
    create: () => ({
      process(ctx) {
        const p = ctx.input(0);
        if (!p.isEmpty) ctx.output(0).add(p.value, ctx.inputTimestamp);
      },
    }),
  });
}

export default relay('RelayCalculator');
