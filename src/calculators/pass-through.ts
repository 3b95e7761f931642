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

type Ports = Readonly<Record<string, readonly number[]>>;

function total(ports: Ports): number {
  return Object.values(ports).reduce((n, list) => n + list.length, 0);
}

/** `TAG:i` of every port, in MediaPipe's order, for messages and comparison. */
function shape(ports: Ports): string {
  return Object.keys(ports)
    .sort()
    .flatMap((tag) => [...ports[tag]!].sort((a, b) => a - b).map((i) => `${tag}:${i}`))
    .join(' ');
}

function mismatch(what: string, ports: Ports, against: string, reference: Ports): string | undefined {
  const a = shape(ports);
  const b = shape(reference);
  return a === b
    ? undefined
    : `PassThroughCalculator needs its ${what} to use the tags and indexes of its ${against} ` +
        `(${what}: ${a || 'none'}; ${against}: ${b || 'none'})`;
}

/**
 * Copies each input to the output with its tag and index, and each input side packet likewise:
 * `input_stream: "VIDEO:a"` → `output_stream: "VIDEO:b"`, `"in"` → `"out"`.
 *
 * - Inputs / outputs: any tags, the outputs with the inputs' tags and indexes. Side packets: none
 *   out, or the input side packets' tags and indexes (set in `open`), as MediaPipe's contract says.
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
    // MediaPipe's contract: outputs with the same tags and indexes as the inputs; output side
    // packets, when there are any, the same as the input side packets (a node that only reads
    // side packets is fine).
    validate: (wiring: NodeWiring) =>
      mismatch('output streams', wiring.outputs, 'input streams', wiring.inputs) ??
      (total(wiring.outputSidePackets) === 0
        ? undefined
        : mismatch(
            'output side packets',
            wiring.outputSidePackets,
            'input side packets',
            wiring.inputSidePackets,
          )),
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
