/**
 * StreamToSidePacketCalculator: the value of the first packet of a stream as an output side packet
 * (MediaPipe's StreamToSidePacketCalculator, with its contract).
 *
 * Threading: the definition is plain data plus functions; an instance runs on its actor's thread.
 */
import { defineCalculator, STOP } from '../core/calculator.js';
import { InvalidArgumentError } from '../core/errors.js';

/** StreamToSidePacketCalculator takes no options. Plain data; any thread. */
export type StreamToSidePacketOptions = Record<string, never>;

/**
 * Sets its untagged output side packet to the value of the first packet of its untagged input.
 *
 * - Input: one untagged stream (optional, as in MediaPipe: unwired, the node sets nothing). Output
 *   side packet: one, untagged.
 * - A stream that ends without a packet leaves the side packet unset: the run succeeds and the side
 *   packet is absent from the run's output side packets (MediaPipe: reading it is `Unavailable`).
 * - Errors: a second packet fails `process` (the side packet was already set; MediaPipe's
 *   `AlreadyExists`).
 * - Frames: a frame packet cannot become a side packet (side packets are structured values, frames
 *   live in the frame pool only while referenced): it fails `process` with InvalidArgumentError.
 * - Difference from MediaPipe: weft opens every node before any packet flows, so the side packet
 *   cannot feed another node's input side packet in the same run (MediaPipe opens that node late);
 *   it is read as a graph output side packet once the node is done.
 * - Threading: runs on its actor's thread.
 */
export default defineCalculator<StreamToSidePacketOptions>({
  name: 'StreamToSidePacketCalculator',
  description: 'Sets its output side packet to the value of the first packet of its input stream.',
  contract: {
    inputs: { '': 'optional' },
    outputSidePackets: { '': 'one' },
    timestampOffset: 0,
  },
  create: () => ({
    process(ctx) {
      // Unwired input: a source with nothing to produce (MediaPipe never calls Process then).
      if (ctx.inputCount('') === 0) return STOP;
      const p = ctx.input(0);
      if (p.isEmpty) return undefined;
      if (p.frame >= 0) {
        throw new InvalidArgumentError(
          `StreamToSidePacketCalculator: the packet at ${p.timestamp} is a frame, which cannot become a side packet`,
        );
      }
      // A second packet makes this throw: the context refuses to set a side packet twice.
      ctx.setSidePacket(0, p.value);
      return undefined;
    },
  }),
});
