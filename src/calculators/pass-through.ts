/**
 * PassThroughCalculator: forwards every untagged input to the untagged output of the same index.
 *
 * Threading: the definition is plain data plus functions; an instance runs on its actor's thread.
 */
import { defineCalculator, type NodeWiring } from '../core/calculator.js';
import { forwardPacket } from './forward.js';

/** PassThroughCalculator takes no options. */
export type PassThroughOptions = Record<string, never>;

/**
 * Copies each non-empty input `i` to output `i` at the input timestamp (MediaPipe's
 * PassThroughCalculator, untagged streams only).
 *
 * - Inputs: any number of untagged streams. Outputs: exactly as many untagged streams.
 * - Options: none.
 * - Timestamps: packets keep their timestamp; `timestampOffset: 0`, so an output's bound follows its
 *   input's even where no packet passes.
 * - Frames: a frame packet is forwarded by taking one extra reference (the runtime drops the input's
 *   own reference after `process`) and handing it to the output.
 * - Threading: runs on its actor's thread.
 */
export default defineCalculator<PassThroughOptions>({
  name: 'PassThroughCalculator',
  description: 'Forwards every input packet unchanged to the output with the same index.',
  contract: {
    inputs: { '': 'many' },
    outputs: { '': 'many' },
    validate: (wiring: NodeWiring) => {
      const inputs = wiring.inputs['']?.length ?? 0;
      const outputs = wiring.outputs['']?.length ?? 0;
      return inputs === outputs
        ? undefined
        : `PassThroughCalculator needs as many outputs as inputs (has ${inputs} inputs, ${outputs} outputs)`;
    },
    timestampOffset: 0,
    // Stateless: a node may run it as several replicas.
    parallelism: 1,
  },
  create: () => ({
    process(ctx) {
      const n = ctx.inputCount('');
      for (let i = 0; i < n; i++) {
        const p = ctx.input(i);
        if (!p.isEmpty) forwardPacket(ctx, p, ctx.output(i), ctx.inputTimestamp);
      }
    },
  }),
});
