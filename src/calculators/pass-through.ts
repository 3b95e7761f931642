/**
 * PassThroughCalculator: forwards every input stream and input side packet, unchanged, to its
 * counterpart (MediaPipe's PassThroughCalculator, with its contract).
 *
 * Threading: the definition is plain data plus functions; an instance runs on its actor's thread.
 */
import type { CalculatorContext, NodeWiring, PortKind } from '../core/calculator.js';
import { defineCalculator } from '../core/calculator.js';
import { forwardPacket } from './forward.js';

/** PassThroughCalculator takes no options. */
export type PassThroughOptions = Record<string, never>;

/** The ports of one kind in MediaPipe's collection order (tags sorted, `''` first; then index). */
function ordered(ctx: CalculatorContext<PassThroughOptions>, kind: PortKind): [string, number][] {
  const count =
    kind === 'inputs'
      ? (t: string) => ctx.inputCount(t)
      : kind === 'outputs'
        ? (t: string) => ctx.outputCount(t)
        : kind === 'inputSidePackets'
          ? (t: string) => ctx.sidePacketCount(t)
          : (t: string) => ctx.outputSidePacketCount(t);
  return ctx
    .tags(kind)
    .flatMap((tag) => Array.from({ length: count(tag) }, (_, i): [string, number] => [tag, i]));
}

function total(ports: Readonly<Record<string, readonly number[]>>): number {
  return Object.values(ports).reduce((n, list) => n + list.length, 0);
}

/**
 * Copies each input to its output, and each input side packet to its output side packet: the k-th
 * input (in MediaPipe's order: by tag, `''` first, then by index) goes to the k-th output, so
 * `input_stream: "VIDEO:a"` → `output_stream: "VIDEO:b"` and `"in"` → `"out"` both pair up.
 *
 * - Inputs / outputs: any tags, as many outputs as inputs. Side packets: any tags, as many output
 *   side packets as input side packets (set in `open`).
 * - Timestamps: packets keep their timestamp; `timestampOffset: 0`, so an output's bound follows its
 *   input's even where no packet passes.
 * - Frames: a frame packet is forwarded by taking one extra reference (the runtime drops the input's
 *   own reference after `process`) and handing it to the output.
 * - Threading: runs on its actor's thread.
 */
export default defineCalculator<PassThroughOptions>({
  name: 'PassThroughCalculator',
  description: 'Forwards every input (and input side packet) unchanged to its counterpart output.',
  contract: {
    inputs: { '*': 'many' },
    outputs: { '*': 'many' },
    inputSidePackets: { '*': 'many' },
    outputSidePackets: { '*': 'many' },
    validate: (wiring: NodeWiring) => {
      const inputs = total(wiring.inputs);
      const outputs = total(wiring.outputs);
      const sideIn = total(wiring.inputSidePackets);
      const sideOut = total(wiring.outputSidePackets);
      if (inputs !== outputs) {
        return `PassThroughCalculator needs as many outputs as inputs (has ${inputs} inputs, ${outputs} outputs)`;
      }
      return sideIn === sideOut
        ? undefined
        : 'PassThroughCalculator needs as many output side packets as input side packets ' +
            `(has ${sideIn} input side packets, ${sideOut} output side packets)`;
    },
    timestampOffset: 0,
    // Stateless: a node may run it as several replicas.
    parallelism: 1,
    outputLineage: 'pairwise',
  },
  create: () => {
    // Input k → output k, resolved once in open: process then does two lookups per stream.
    let pairs: [string, number, string, number][] = [];
    return {
      open(ctx) {
        const sideIn = ordered(ctx, 'inputSidePackets');
        const sideOut = ordered(ctx, 'outputSidePackets');
        sideIn.forEach(([tag, i], k) => {
          const [outTag, j] = sideOut[k]!;
          ctx.setSidePacket(outTag, ctx.sidePacket(tag, i), j);
        });
        const outputs = ordered(ctx, 'outputs');
        pairs = ordered(ctx, 'inputs').map(([tag, i], k) => [tag, i, outputs[k]![0], outputs[k]![1]]);
      },
      process(ctx) {
        for (let k = 0; k < pairs.length; k++) {
          const [tag, i, outTag, j] = pairs[k]!;
          const p = ctx.input(tag, i);
          if (!p.isEmpty) forwardPacket(ctx, p, ctx.output(outTag, j), ctx.inputTimestamp);
        }
      },
    };
  },
});
