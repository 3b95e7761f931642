/**
 * CollectorCalculator: a sink that records every packet it receives, for tests and small tools.
 *
 * Threading: the definition is plain data plus functions; an instance runs on its actor's thread.
 */
import { defineCalculator } from '../core/calculator.js';

/** Options of {@link CollectorCalculator}. */
export interface CollectorOptions {
  /**
   * Packets kept, at most; -1 (default) keeps all. Past the limit the oldest are forgotten, so the
   * record always ends with the newest packets (what a test of a long run usually wants to see).
   */
  readonly maxPackets: number;
}

/** One recorded packet. */
export interface CollectedPacket {
  readonly timestamp: number;
  /** The packet's value; for a frame packet, `{ frame: handle }` (see {@link CollectorCalculator}). */
  readonly value: unknown;
  /** Index of the untagged input it arrived on. */
  readonly input: number;
}

/**
 * Records `{ timestamp, value, input }` for every non-empty packet on any of its inputs, and at
 * `close` sets the `COLLECTED` output side packet to the array, in arrival order (timestamp order,
 * then input index).
 *
 * - Inputs: any number of untagged streams. Outputs: none. Output side packet: optional `COLLECTED`.
 * - Options: `maxPackets` (default -1, unbounded), see {@link CollectorOptions}.
 * - Timestamps: the default handler joins the inputs, so records come in timestamp order.
 * - Frames: the runtime releases an input frame after `process` unless the calculator retains it, and
 *   a record that kept a frame alive would pin pool memory for the whole run. So a frame packet is
 *   recorded as `{ frame: handle }` metadata only: the handle identifies the frame but must not be
 *   read after the packet's `process` call (its slot may be reused).
 * - Threading: runs on its actor's thread; the side packet crosses to the main thread by structured
 *   clone when the node closes.
 */
const CollectorCalculator = defineCalculator<CollectorOptions>({
  name: 'CollectorCalculator',
  description:
    'Records the packets of its inputs into the COLLECTED output side packet (the newest maxPackets when limited).',
  contract: {
    inputs: { '': 'many' },
    outputSidePackets: { COLLECTED: 'optional' },
    options: { maxPackets: -1 },
    validateOptions: (o) =>
      Number.isSafeInteger(o.maxPackets) && o.maxPackets >= -1
        ? undefined
        : `maxPackets must be an integer ≥ 0, or -1 for no limit, not ${o.maxPackets}`,
  },
  create: () => {
    // With a limit, `kept` is a ring: once full, `next` is the oldest record, overwritten next.
    const kept: CollectedPacket[] = [];
    let next = 0;
    return {
      process(ctx) {
        const max = ctx.options.maxPackets;
        const n = ctx.inputCount('');
        for (let i = 0; i < n; i++) {
          const p = ctx.input(i);
          if (p.isEmpty) continue;
          const record = {
            timestamp: p.timestamp,
            value: p.frame >= 0 ? { frame: p.frame } : p.value,
            input: i,
          };
          if (max < 0 || kept.length < max) kept.push(record);
          else if (max > 0) {
            kept[next] = record;
            next = (next + 1) % max;
          }
        }
      },
      close(ctx) {
        // Unwired, the optional side packet is dropped by the runtime.
        ctx.setSidePacket('COLLECTED', [...kept.slice(next), ...kept.slice(0, next)]);
      },
    };
  },
});
export default CollectorCalculator;
