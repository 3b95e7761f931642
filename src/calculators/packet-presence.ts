/**
 * PacketPresenceCalculator: whether a stream has a packet at each timestamp (MediaPipe's
 * PacketPresenceCalculator, with its contract).
 *
 * Threading: the definition is plain data plus functions; an instance runs on its actor's thread.
 */
import { defineCalculator } from '../core/calculator.js';

/** PacketPresenceCalculator takes no options. Plain data; any thread. */
export type PacketPresenceOptions = Record<string, never>;

/**
 * Emits on `PRESENCE`, at every timestamp `PACKET` settles (by a packet or a bound), true when a
 * packet is there and false when only the bound moved.
 *
 * Timestamps: `processTimestampBounds` and `timestampOffset: 0`, as MediaPipe's GetContract and
 * Open set them; a packet and a later bound that arrive together get one call each. Runs on its
 * actor's thread.
 */
export default defineCalculator<PacketPresenceOptions>({
  name: 'PacketPresenceCalculator',
  description: 'Emits true on PRESENCE where PACKET has a packet, false where only its bound moved.',
  contract: {
    inputs: { PACKET: 'one' },
    outputs: { PRESENCE: 'one' },
    processTimestampBounds: true,
    timestampOffset: 0,
  },
  create: () => ({
    process(ctx) {
      ctx.output('PRESENCE').add(!ctx.input('PACKET').isEmpty, ctx.inputTimestamp);
    },
  }),
});
