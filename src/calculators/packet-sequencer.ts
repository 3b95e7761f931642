/**
 * PacketSequencerCalculator: gives each INPUT packet a timestamp just after the latest TICK, so
 * packets that arrive on their own clock (a control selection, say) join the ticking streams'
 * timeline (MediaPipe's PacketSequencerCalculator, with its contract).
 *
 * Threading: the definition is plain data plus functions; an instance runs on its actor's thread.
 */
import { defineCalculator, type NodeWiring } from '../core/calculator.js';
import { nextAllowedInStream, Timestamp } from '../core/timestamp.js';
import { forwardPacket } from './forward.js';

/** PacketSequencerCalculator takes no options. Plain data; any thread. */
export type PacketSequencerOptions = Record<string, never>;

/**
 * Forwards `INPUT:i` to `OUTPUT:i` at the output's next unsettled timestamp, and settles every
 * output up to each TICK timestamp as the ticks arrive.
 *
 * - Inputs: `INPUT` (any number) and `TICK` (any number), any values. Outputs: `OUTPUT`, one per
 *   `INPUT` (checked with the graph).
 * - Handler: ImmediateInputStreamHandler, as MediaPipe declares: each packet is handled as it
 *   arrives, without waiting for the other streams.
 * - Timestamps, as MediaPipe: an INPUT packet goes out at its output's bound (at least
 *   `Timestamp.Min`), one greater than the latest tick, or one greater than the previous packet.
 *   A tick at T then raises every output's bound to T + 1 (never lowers it), so ticks are settled at
 *   once. An INPUT and a TICK at the same timestamp: the packet takes the previous tick's slot, then
 *   the bound moves past the new tick. `timestampOffset: null` (MediaPipe's arbitrary change).
 * - Errors: a tick at or past `Timestamp.Max` settles the outputs for good; an INPUT packet after
 *   that has no timestamp left and fails `process`, as MediaPipe's Send would.
 * - Frames: a forwarded frame gets one extra reference.
 * - Allocation: none.
 * - Threading: runs on its actor's thread.
 */
export default defineCalculator<PacketSequencerOptions>({
  name: 'PacketSequencerCalculator',
  description:
    'Re-times INPUT packets to just after the latest TICK timestamp, settling OUTPUT at each tick.',
  contract: {
    inputs: { INPUT: 'many', TICK: 'many' },
    outputs: { OUTPUT: 'many' },
    validate: (w: NodeWiring) => {
      const inputs = w.inputs.INPUT?.length ?? 0;
      const outputs = w.outputs.OUTPUT?.length ?? 0;
      return inputs === outputs
        ? undefined
        : `PacketSequencerCalculator needs one OUTPUT per INPUT (has ${inputs} INPUT, ${outputs} OUTPUT)`;
    },
    inputStreamHandler: { name: 'ImmediateInputStreamHandler' },
    timestampOffset: null,
  },
  create: () => ({
    process(ctx) {
      const n = ctx.inputCount('INPUT');
      for (let i = 0; i < n; i++) {
        const p = ctx.input('INPUT', i);
        if (p.isEmpty) continue;
        const out = ctx.output('OUTPUT', i);
        forwardPacket(ctx, p, out, Math.max(Timestamp.Min, out.nextTimestampBound));
      }
      // The tick being handled carries the input timestamp; a tick not ready now shows its bound − 1.
      const ts = ctx.inputTimestamp;
      let tick = false;
      for (let i = 0; i < ctx.inputCount('TICK'); i++) {
        if (ctx.input('TICK', i).timestamp === ts) {
          tick = true;
          break;
        }
      }
      if (!tick) return;
      const bound = nextAllowedInStream(ts);
      for (let i = 0; i < n; i++) {
        const out = ctx.output('OUTPUT', i);
        if (ts >= out.nextTimestampBound) out.setNextTimestampBound(bound);
      }
    },
  }),
});
