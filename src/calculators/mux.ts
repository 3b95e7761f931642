/**
 * MuxCalculator: at each timestamp of `SELECT`, forwards the packet of the `INPUT` stream it names
 * (MediaPipe's MuxCalculator, with its contract).
 *
 * Threading: the definition is plain data plus functions; an instance runs on its actor's thread.
 */
import { defineCalculator, type NodeWiring } from '../core/calculator.js';
import { InvalidArgumentError } from '../core/errors.js';
import { forwardPacket } from './forward.js';

/** MuxCalculator takes no options. Plain data; any thread. */
export type MuxOptions = Record<string, never>;

/**
 * Forwards `INPUT:i` to `OUTPUT` at each timestamp where `SELECT` carries `i`.
 *
 * - Inputs: `INPUT` (one or more; `INPUT:0`, `INPUT:1`, …) and the selector: a `SELECT` input
 *   stream (an integer index per timestamp) or a `SELECT` input side packet (one index for the run;
 *   give the node the Default handler then, as MediaPipe's graphs do). Output: `OUTPUT`.
 * - Handler: `MuxInputStreamHandler` by default, so only the selected input is waited for, and
 *   packets of the others are dropped once `SELECT` has passed them.
 * - Timestamps: the packet keeps its timestamp; `timestampOffset: 0`, so every select advances the
 *   output bound even when the selected input has nothing at that timestamp.
 * - Errors: a `SELECT` value that names no `INPUT` fails the node, naming the stream.
 * - Frames: the forwarded frame packet gets one extra reference.
 * - Threading: runs on its actor's thread.
 */
export default defineCalculator<MuxOptions>({
  name: 'MuxCalculator',
  description: 'Forwards, at each SELECT timestamp, the packet of the INPUT stream SELECT names.',
  contract: {
    inputs: { INPUT: { min: 1, max: Number.POSITIVE_INFINITY }, SELECT: 'optional' },
    inputSidePackets: { SELECT: 'optional' },
    outputs: { OUTPUT: 'one' },
    validate: (w: NodeWiring) => {
      const stream = (w.inputs.SELECT?.length ?? 0) > 0;
      const side = (w.inputSidePackets.SELECT?.length ?? 0) > 0;
      if (stream && side) return 'MuxCalculator takes SELECT as an input stream or a side packet, not both';
      return stream || side ? undefined : 'MuxCalculator needs SELECT, as an input stream or a side packet';
    },
    inputStreamHandler: { name: 'MuxInputStreamHandler' },
    timestampOffset: 0,
  },
  create: () => {
    // The side packet's index, or -1 when a stream selects.
    let fixed = -1;
    return {
      open(ctx) {
        if (ctx.sidePacketCount('SELECT') === 0) return;
        const v = ctx.sidePacket('SELECT');
        if (!Number.isInteger(v) || (v as number) < 0 || (v as number) >= ctx.inputCount('INPUT')) {
          throw new InvalidArgumentError(
            `SELECT side packet ${JSON.stringify(v)} names no INPUT (0..${ctx.inputCount('INPUT') - 1})`,
          );
        }
        fixed = v as number;
      },
      process(ctx) {
        let index = fixed;
        if (index < 0) {
          const select = ctx.input('SELECT');
          if (select.isEmpty) return;
          index = select.value as number;
        }
        const p = ctx.input('INPUT', index);
        if (!p.isEmpty) forwardPacket(ctx, p, ctx.output('OUTPUT'), ctx.inputTimestamp);
      },
    };
  },
});
