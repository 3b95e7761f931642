/**
 * PacketInnerJoinCalculator: forwards the packets of a timestamp only where every input has one,
 * as an SQL inner join on timestamps (MediaPipe's PacketInnerJoinCalculator, with its contract).
 *
 * Threading: the definition is plain data plus functions; an instance runs on its actor's thread.
 */
import { defineCalculator, type NodeWiring } from '../core/calculator.js';
import { forwardPacket } from './forward.js';

/** PacketInnerJoinCalculator takes no options. Plain data; any thread. */
export type PacketInnerJoinOptions = Record<string, never>;

/**
 * At each input timestamp where every untagged input has a packet, forwards input i to output i;
 * where any input is empty, forwards nothing.
 *
 * - Inputs: untagged, any number; outputs: untagged, as many as inputs (checked with the graph).
 * - Handler: the node's (Default unless configured); MediaPipe means it for use with the
 *   FixedSizeInputStreamHandler, which drops old packets so the join keeps up with live streams.
 * - Timestamps: packets keep their timestamp; `timestampOffset: 0`, as MediaPipe sets, so every
 *   output's bound moves past timestamps that found no match.
 * - Frames: each forwarded frame gets one extra reference.
 * - Allocation: none.
 * - Threading: runs on its actor's thread.
 */
export default defineCalculator<PacketInnerJoinOptions>({
  name: 'PacketInnerJoinCalculator',
  description: 'Forwards input i to output i at timestamps where every input has a packet.',
  contract: {
    inputs: { '': 'many' },
    outputs: { '': 'many' },
    validate: (w: NodeWiring) => {
      const inputs = w.inputs['']?.length ?? 0;
      const outputs = w.outputs['']?.length ?? 0;
      return inputs === outputs
        ? undefined
        : `The number of input and output streams must match (PacketInnerJoinCalculator has ${inputs} inputs, ${outputs} outputs).`;
    },
    timestampOffset: 0,
    // Stateless: a node may run it as several replicas.
    parallelism: 1,
  },
  create: () => ({
    process(ctx) {
      const n = ctx.inputCount('');
      for (let i = 0; i < n; i++) if (ctx.input(i).isEmpty) return;
      for (let i = 0; i < n; i++) forwardPacket(ctx, ctx.input(i), ctx.output(i), ctx.inputTimestamp);
    },
  }),
});
