/**
 * DefaultSidePacketCalculator: an optional side packet, or a default in its place (MediaPipe's
 * DefaultSidePacketCalculator, with its contract).
 *
 * Threading: the definition is plain data plus functions; an instance runs on its actor's thread.
 */
import { defineCalculator, STOP } from '../core/calculator.js';

/** DefaultSidePacketCalculator takes no options. Plain data; any thread. */
export type DefaultSidePacketOptions = Record<string, never>;

/**
 * Sets the `VALUE` output side packet, in `open`, to `OPTIONAL_VALUE` when that side packet is given,
 * else to `DEFAULT_VALUE`.
 *
 * - Input side packets: `DEFAULT_VALUE` (required: a graph without it is invalid; MediaPipe says
 *   "Default value must be provided", weft names the missing tag), `OPTIONAL_VALUE` (optional; wired
 *   to a graph side packet that the run was not given, it counts as absent). Output side packet:
 *   `VALUE`.
 * - Streams: none; the node ends after `open`.
 * - Threading: runs on its actor's thread.
 */
export default defineCalculator<DefaultSidePacketOptions>({
  name: 'DefaultSidePacketCalculator',
  description: 'Sets VALUE to the OPTIONAL_VALUE side packet when given, else to DEFAULT_VALUE.',
  contract: {
    inputSidePackets: { DEFAULT_VALUE: 'one', OPTIONAL_VALUE: 'optional' },
    outputSidePackets: { VALUE: 'one' },
  },
  create: () => ({
    open(ctx) {
      const optional = ctx.sidePacket('OPTIONAL_VALUE');
      ctx.setSidePacket('VALUE', optional === undefined ? ctx.sidePacket('DEFAULT_VALUE') : optional);
    },
    // No streams: MediaPipe's Process does nothing and is never called; weft's first call ends it.
    process: () => STOP,
  }),
});
