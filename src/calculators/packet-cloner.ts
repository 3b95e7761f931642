/**
 * PacketClonerCalculator: at each tick, the latest packet of every other input again, at the tick's
 * timestamp (MediaPipe's PacketClonerCalculator, with its contract).
 *
 * Threading: the definition is plain data plus functions; an instance runs on its actor's thread.
 */
import { defineCalculator, type NodeWiring } from '../core/calculator.js';
import { nextAllowedInStream } from '../core/timestamp.js';

/**
 * Options of {@link PacketClonerCalculator} (MediaPipe's PacketClonerCalculatorOptions). Plain
 * data, structured-cloneable; any thread.
 */
export interface PacketClonerOptions {
  /** Drop ticks until every input to clone has had a packet. Default false. */
  readonly outputOnlyWhenAllInputsReceived: boolean;
  /**
   * The same, but ticks before then still advance the outputs' bounds (MediaPipe: "also transmit
   * empty packets"). Default false.
   */
  readonly outputPacketsOnlyWhenAllInputsReceived: boolean;
}

/**
 * Re-emits, at the timestamp of each tick packet, the latest packet seen on each input to clone.
 *
 * - Inputs: the tick, `TICK` (any position among the inputs); without a `TICK` tag, the last
 *   untagged input is the tick (MediaPipe's legacy form). The untagged inputs (the others, in the
 *   legacy form) are cloned. Outputs: one untagged output per input to clone, in order.
 * - Options: see {@link PacketClonerOptions}.
 * - Handler: the node's (Default unless configured); MediaPipe's tests also run it under the
 *   Immediate handler, where ticks need not wait for the other inputs.
 * - Timestamps: `processTimestampBounds` and no offset, as in MediaPipe: at every settled timestamp
 *   where the tick has a packet or a bound (an empty tick whose bound sits just past the input
 *   timestamp), the outputs' bounds move past it, so a gated tick still settles the outputs, unless
 *   `outputOnlyWhenAllInputsReceived` holds them back before every input had a packet.
 * - Difference from MediaPipe: weft streams carry no headers, so none are passed on.
 * - Frames: the latest frame of each input holds one reference (released when replaced or at
 *   close); each clone takes one more.
 * - Allocation: none per packet; the per-input slots are sized at open.
 * - Threading: runs on its actor's thread.
 */
export default defineCalculator<PacketClonerOptions>({
  name: 'PacketClonerCalculator',
  description:
    'At each TICK (or last untagged input) packet, re-emits the latest packet of every other input.',
  contract: {
    inputs: { '': 'many', TICK: 'optional' },
    outputs: { '': 'many' },
    options: { outputOnlyWhenAllInputsReceived: false, outputPacketsOnlyWhenAllInputsReceived: false },
    validate: (wiring: NodeWiring) => {
      const untagged = wiring.inputs['']?.length ?? 0;
      const tagged = (wiring.inputs.TICK?.length ?? 0) > 0;
      if (!tagged && untagged === 0)
        return 'PacketClonerCalculator needs a TICK input or an untagged tick input';
      const clones = tagged ? untagged : untagged - 1;
      const outputs = wiring.outputs['']?.length ?? 0;
      return outputs === clones
        ? undefined
        : `PacketClonerCalculator needs one untagged output per input to clone (${clones}), not ${outputs}`;
    },
    processTimestampBounds: true,
    timestampOffset: null,
  },
  create: () => {
    let n = 0;
    let tickTag: string | number = 'TICK';
    let onlyWhenAll = false;
    let emptyBeforeAll = false;
    let values: unknown[] = [];
    // Frame handles (−1: none). Float64: a handle carries generation bits above 2^31.
    let frames = new Float64Array(0);
    let has: boolean[] = [];
    let received = 0;
    return {
      open(ctx) {
        const legacy = ctx.inputCount('TICK') === 0;
        n = legacy ? ctx.inputCount('') - 1 : ctx.inputCount('');
        tickTag = legacy ? n : 'TICK';
        onlyWhenAll =
          ctx.options.outputOnlyWhenAllInputsReceived || ctx.options.outputPacketsOnlyWhenAllInputsReceived;
        emptyBeforeAll = ctx.options.outputPacketsOnlyWhenAllInputsReceived;
        values = new Array(n);
        frames = new Float64Array(n).fill(-1);
        has = new Array<boolean>(n).fill(false);
      },
      process(ctx) {
        for (let i = 0; i < n; i++) {
          const p = ctx.input(i);
          if (p.isEmpty) continue;
          if (frames[i]! >= 0) ctx.frames.release(frames[i]!);
          if (p.frame >= 0) ctx.frames.retain(p.frame);
          frames[i] = p.frame;
          values[i] = p.frame >= 0 ? undefined : p.value;
          if (!has[i]) {
            has[i] = true;
            received++;
          }
        }
        const all = received === n;
        const tick = ctx.input(tickTag);
        if (!tick.isEmpty && (all || !onlyWhenAll)) {
          for (let i = 0; i < n; i++) {
            if (!has[i]) continue;
            const out = ctx.output(i);
            if (frames[i]! >= 0) {
              ctx.frames.retain(frames[i]!);
              out.addFrame(frames[i]!, tick.timestamp);
            } else {
              out.add(values[i], tick.timestamp);
            }
          }
        }
        // The tick settled this timestamp (a packet, or a bound just past it): so do the outputs.
        const ts = ctx.inputTimestamp;
        if (tick.timestamp === ts && (all || emptyBeforeAll || !onlyWhenAll)) {
          const bound = nextAllowedInStream(ts);
          for (let i = 0; i < n; i++) {
            const out = ctx.output(i);
            if (bound > out.nextTimestampBound) out.setNextTimestampBound(bound);
          }
        }
      },
      close(ctx) {
        for (let i = 0; i < n; i++) if (frames[i]! >= 0) ctx.frames.release(frames[i]!);
        frames.fill(-1);
      },
    };
  },
});
