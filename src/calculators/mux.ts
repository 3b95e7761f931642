/**
 * MuxCalculator: at each timestamp of `SELECT`, forwards the packet of the `INPUT` stream it names
 * (MediaPipe's MuxCalculator, with its contract).
 *
 * Threading: the definition is plain data plus functions; an instance runs on its actor's thread.
 */
import { defineCalculator } from '../core/calculator.js';
import { forwardPacket } from './forward.js';

/** MuxCalculator takes no options. */
export type MuxOptions = Record<string, never>;

/**
 * Forwards `INPUT:i` to `OUTPUT` at each timestamp where `SELECT` carries `i`.
 *
 * - Inputs: `INPUT` (one or more; `INPUT:0`, `INPUT:1`, …) and `SELECT`, an integer index per
 *   timestamp. Output: `OUTPUT`.
 * - Handler: `MuxInputStreamHandler` by default, so only the selected input is waited for, and
 *   packets of the others are dropped once `SELECT` has passed them.
 * - Timestamps: the packet keeps its timestamp; `timestampOffset: 0`, so every select advances the
 *   output bound even when the selected input has nothing at that timestamp.
 * - Errors: a `SELECT` value that names no `INPUT` fails the node, naming the stream.
 * - Frames: the forwarded frame packet gets one extra reference.
 */
export default defineCalculator<MuxOptions>({
  name: 'MuxCalculator',
  description: 'Forwards, at each SELECT timestamp, the packet of the INPUT stream SELECT names.',
  contract: {
    inputs: { INPUT: { min: 1, max: Number.POSITIVE_INFINITY }, SELECT: 'one' },
    outputs: { OUTPUT: 'one' },
    inputStreamHandler: { name: 'MuxInputStreamHandler' },
    timestampOffset: 0,
  },
  create: () => ({
    process(ctx) {
      const select = ctx.input('SELECT');
      if (select.isEmpty) return;
      const p = ctx.input('INPUT', select.value as number);
      if (!p.isEmpty) forwardPacket(ctx, p, ctx.output('OUTPUT'), ctx.inputTimestamp);
    },
  }),
});
