/**
 * BypassCalculator: stands in for a calculator it replaces, taking any inputs and producing any
 * outputs, passing only the streams its options pair up and keeping every other output's bound in
 * step (MediaPipe's BypassCalculator, with its contract and BypassCalculatorOptions).
 *
 * Threading: the definition is plain data plus functions; an instance runs on its actor's thread.
 */
import { type CalculatorContext, defineCalculator } from '../core/calculator.js';
import { InvalidArgumentError } from '../core/errors.js';
import { parseTagIndex } from '../core/graph-validation-ports.js';
import { nextAllowedInStream } from '../core/timestamp.js';
import { forwardPacket } from './forward.js';

/**
 * Options of {@link BypassCalculator} (MediaPipe's BypassCalculatorOptions). Plain data,
 * structured-cloneable; any thread.
 */
export interface BypassOptions {
  /** Inputs to pass through, as `"TAG:index"` (`"TAG"` is index 0; `""` the untagged stream 0). */
  readonly passInputStream: readonly string[];
  /** The output each of `passInputStream` goes to, in the same order and form. */
  readonly passOutputStream: readonly string[];
}

type Ctx = CalculatorContext<BypassOptions>;

/**
 * Forwards each input named in `passInputStream` to the output at the same position of
 * `passOutputStream`; every other output gets no packets, only its bound moved past each input
 * timestamp, so downstream nodes joining on it never wait.
 *
 * - Inputs, outputs, input side packets: any tags, any number (side packets are accepted and
 *   ignored, as MediaPipe's contract does).
 * - Options: see {@link BypassOptions}. Lists of different lengths, or an entry that is no
 *   `TAG:index`, are refused with the graph (BadOptionsError), as MediaPipe refuses them in its
 *   contract. A pair naming a stream the node does not have fails `open` with InvalidArgumentError
 *   (weft's option checks cannot see the wiring; MediaPipe fails at graph initialization).
 * - Timestamps: forwarded packets keep their timestamp. `timestampOffset: 0`, MediaPipe's api2
 *   default this calculator keeps, so every output's bound follows the inputs even where no packet
 *   passes; the non-passed outputs are also raised past each input timestamp, as MediaPipe does.
 * - Frames: a forwarded frame gets one extra reference.
 * - Allocation: none per packet; the pairs are resolved in `open`.
 * - Threading: runs on its actor's thread.
 */
export default defineCalculator<BypassOptions>({
  name: 'BypassCalculator',
  description: 'Passes the inputs its options name to their outputs; every other output gets only bounds.',
  contract: {
    inputs: { '*': 'many' },
    outputs: { '*': 'many' },
    inputSidePackets: { '*': 'many' },
    options: { passInputStream: [], passOutputStream: [] },
    validateOptions: (o) => {
      if (o.passInputStream.length !== o.passOutputStream.length) {
        return `pass_input_stream has ${o.passInputStream.length} entries but pass_output_stream has ${o.passOutputStream.length}: they pair up one to one`;
      }
      for (const s of [...o.passInputStream, ...o.passOutputStream]) {
        if (typeof s !== 'string' || parseTagIndex(s) === undefined) {
          return `TAG:index is invalid, ${JSON.stringify(s)} (examples: "TAG" "VIDEO:2")`;
        }
      }
      return undefined;
    },
    timestampOffset: 0,
  },
  create: () => {
    // Flat [inTag, inIndex, outTag, outIndex] per pair, and the outputs no pair feeds.
    let pairs: [string, number, string, number][] = [];
    let others: [string, number][] = [];
    return {
      open(ctx) {
        const o = ctx.options;
        // MediaPipe keys the pairs by input, so an input named twice goes to its last output.
        const byInput = new Map<string, [string, number, string, number]>();
        for (let k = 0; k < o.passInputStream.length; k++) {
          const from = port(ctx, 'input', o.passInputStream[k]!);
          const to = port(ctx, 'output', o.passOutputStream[k]!);
          byInput.set(`${from[0]}:${from[1]}`, [from[0], from[1], to[0], to[1]]);
        }
        pairs = [...byInput.values()];
        const fed = new Set(pairs.map(([, , tag, i]) => `${tag}:${i}`));
        others = [];
        for (const tag of ctx.tags('outputs')) {
          for (let i = 0; i < ctx.outputCount(tag); i++) if (!fed.has(`${tag}:${i}`)) others.push([tag, i]);
        }
      },
      process(ctx) {
        const ts = ctx.inputTimestamp;
        for (let k = 0; k < pairs.length; k++) {
          const [tag, i, outTag, j] = pairs[k]!;
          const p = ctx.input(tag, i);
          if (!p.isEmpty) forwardPacket(ctx, p, ctx.output(outTag, j), ts);
        }
        const bound = nextAllowedInStream(ts);
        for (let k = 0; k < others.length; k++) {
          const out = ctx.output(others[k]![0], others[k]![1]);
          if (bound > out.nextTimestampBound) out.setNextTimestampBound(bound);
        }
      },
    };
  },
});

/** The stream a `TAG:index` option entry names; it must be wired. */
function port(ctx: Ctx, kind: 'input' | 'output', tagIndex: string): [string, number] {
  const ti = parseTagIndex(tagIndex)!;
  const count = kind === 'input' ? ctx.inputCount(ti.tag) : ctx.outputCount(ti.tag);
  if (ti.index >= count) {
    throw new InvalidArgumentError(
      `BypassCalculator: pass_${kind}_stream "${tagIndex}" names no ${kind} stream of this node`,
    );
  }
  return [ti.tag, ti.index];
}
