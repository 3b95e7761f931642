/**
 * ImmediateMuxCalculator: merges streams by arrival, dropping packets that come too late for the
 * output (MediaPipe's ImmediateMuxCalculator, with its contract).
 *
 * Threading: the definition is plain data plus functions; an instance runs on its actor's thread.
 */
import { type CalculatorContext, defineCalculator } from '../core/calculator.js';
import { nextAllowedInStream, Timestamp } from '../core/timestamp.js';
import { forwardPacket } from './forward.js';

/**
 * Options of {@link ImmediateMuxCalculator} (MediaPipe's ImmediateMuxCalculatorOptions). Plain
 * data, structured-cloneable; any thread.
 */
export interface ImmediateMuxOptions {
  /**
   * Carry input bounds to the outputs, and count them as passed: a later packet at or below a
   * bound already passed on is dropped. Default false (MediaPipe's legacy behaviour: a bound on one
   * input never makes another input's packet late).
   */
  readonly processTimestampBounds: boolean;
}

type Ctx = CalculatorContext<ImmediateMuxOptions>;

/**
 * Forwards every packet of its untagged inputs as soon as it arrives, unless its timestamp is below
 * the next one the output allows (a packet on another input already went past it): that one is
 * dropped.
 *
 * - Inputs: untagged streams, any number ≥ 1. Outputs: untagged; output 0 takes the packets, an
 *   optional output 1 gets `true` for every packet that arrived, forwarded or dropped (the FINISHED
 *   signal of a FlowLimiterCalculator loop), at the input timestamp or its own bound if higher.
 * - Handler: ImmediateInputStreamHandler by default. MediaPipe's calculator declares none (its
 *   graphs configure the Immediate handler on the node); weft makes it the calculator's default,
 *   since under a synchronising handler nothing is ever late. A node may still configure another.
 * - Timestamps: `processTimestampBounds` is a contract flag in weft, not an option-dependent call as
 *   in MediaPipe's GetContract, so weft always declares it, with `timestampOffset: null`, and the
 *   calculator does by hand what MediaPipe's configuration would: with the option, an input bound
 *   at or past the last one passed on moves both outputs' bounds there (an input settling at Max
 *   closes them); without it, every call raises the outputs' bounds to the lowest bound of the
 *   inputs, MediaPipe's offset 0.
 * - Difference from MediaPipe: with the option, MediaPipe also closes the outputs as soon as any one
 *   input ends (its handler makes one more call at Max for that input); weft's handler makes no
 *   call for an input that ends, so the outputs close when the node does, once every input ended.
 * - Frames: forwarded with one extra reference.
 * - Threading: runs on its actor's thread.
 */
export default defineCalculator<ImmediateMuxOptions>({
  name: 'ImmediateMuxCalculator',
  description: 'Forwards packets of any input as they arrive, dropping those below the output bound.',
  contract: {
    inputs: { '': { min: 1, max: Number.POSITIVE_INFINITY } },
    outputs: { '': { min: 1, max: 2 } },
    options: { processTimestampBounds: false },
    inputStreamHandler: { name: 'ImmediateInputStreamHandler' },
    processTimestampBounds: true,
    timestampOffset: null,
  },
  create: () => {
    // The lowest timestamp a packet may have to be forwarded.
    let bound: number = Timestamp.PreStream;
    return {
      process(ctx) {
        const n = ctx.inputCount('');
        const signal = ctx.outputCount('') >= 2;
        let onlyBounds = true;
        for (let i = 0; i < n; i++) {
          const p = ctx.input(i);
          if (p.isEmpty) continue;
          onlyBounds = false;
          if (p.timestamp >= bound) {
            forwardPacket(ctx, p, ctx.output(0), p.timestamp);
            bound = nextAllowedInStream(p.timestamp);
          }
          if (signal) {
            const out = ctx.output(1);
            if (out.nextTimestampBound !== Timestamp.Done) {
              out.add(true, Math.max(ctx.inputTimestamp, out.nextTimestampBound));
            }
          }
        }
        if (!ctx.options.processTimestampBounds) {
          raiseAll(ctx, lowestInputBound(ctx, n));
          return;
        }
        const ts = ctx.inputTimestamp;
        if (!onlyBounds || ts < bound) return;
        if (nextAllowedInStream(ts) === Timestamp.OneOverPostStream) {
          for (let o = 0; o < ctx.outputCount(''); o++) ctx.output(o).close();
          return;
        }
        bound = nextAllowedInStream(ts);
        raiseAll(ctx, bound);
      },
    };
  },
});

/**
 * The lowest bound over the inputs: what MediaPipe's offset 0 gives. An input's packet or empty
 * slot carries its timestamp (an empty one's is its bound − 1), so the next allowed one is its bound.
 * An input that has settled nothing yet may still send a PreStream packet: no bound then.
 */
function lowestInputBound(ctx: Ctx, n: number): number {
  let min: number = Timestamp.Done;
  for (let i = 0; i < n; i++) {
    const t = ctx.input(i).timestamp;
    if (t < Timestamp.Min) return Timestamp.PreStream;
    const b = nextAllowedInStream(t);
    if (b < min) min = b;
  }
  return min;
}

function raiseAll(ctx: Ctx, b: number): void {
  if (b >= Timestamp.OneOverPostStream) return;
  for (let o = 0; o < ctx.outputCount(''); o++) {
    const out = ctx.output(o);
    if (b > out.nextTimestampBound) out.setNextTimestampBound(b);
  }
}
