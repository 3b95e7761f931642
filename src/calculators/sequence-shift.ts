/**
 * SequenceShiftCalculator: moves a stream's packets by a number of packets, not of microseconds
 * (MediaPipe's SequenceShiftCalculator, with its contract).
 *
 * Threading: the definition is plain data plus functions; an instance runs on its actor's thread.
 */
import { defineCalculator } from '../core/calculator.js';
import { InvalidArgumentError } from '../core/errors.js';
import { nextAllowedInStream } from '../core/timestamp.js';
import { forwardPacket } from './forward.js';

/**
 * Options of {@link SequenceShiftCalculator} (MediaPipe's SequenceShiftCalculatorOptions). Plain
 * data, structured-cloneable; any thread.
 */
export interface SequenceShiftOptions {
  /**
   * Packet i is emitted at the timestamp of packet i + packetOffset. Default -1. The
   * `PACKET_OFFSET` side packet overrides it.
   */
  readonly packetOffset: number;
  /**
   * MediaPipe declares it, for a positive offset, and aborts ("Not supported yet") once it matters;
   * weft refuses it at `open`. Default false.
   */
  readonly emitEmptyPacketsBeforeFirstPacket: boolean;
}

/**
 * Emits packet i's value at packet (i + offset)'s timestamp.
 *
 * - Input: one untagged stream. Output: one untagged stream. Input side packet: optional
 *   `PACKET_OFFSET`, an integer that overrides the `packetOffset` option.
 * - Offset > 0: the first `offset` packets are held; each later packet releases the oldest held one
 *   at its own timestamp. The last `offset` packets are never emitted.
 * - Offset < 0: the first `|offset|` timestamps are remembered; each later packet is emitted at the
 *   oldest remembered timestamp. The first `|offset|` packets' values are never emitted.
 * - Offset 0: every packet passes unchanged.
 * - Timestamps: MediaPipe declares no offset (arbitrary change) and sets offset 0 in Open when the
 *   shift is 0. weft's contract cannot depend on an option, so it declares `timestampOffset: null`
 *   with `processTimestampBounds`, and with a shift of 0 raises the output bound itself where only
 *   an input bound arrived — the propagation MediaPipe's offset 0 gives. With a shift ≠ 0 bounds
 *   move only with packets, as in MediaPipe.
 * - Errors: a `PACKET_OFFSET` that is not an integer, or `emitEmptyPacketsBeforeFirstPacket` with a
 *   positive offset, fails `open` with InvalidArgumentError.
 * - Frames: a held frame keeps one reference, handed to the output or released at close.
 * - Allocation: none per packet once the holding ring reached `|offset|` slots (it grows by
 *   doubling as packets arrive).
 * - Threading: runs on its actor's thread.
 */
export default defineCalculator<SequenceShiftOptions>({
  name: 'SequenceShiftCalculator',
  description: 'Emits each packet at the timestamp of the packet packetOffset positions later (or earlier).',
  contract: {
    inputs: { '': 'one' },
    outputs: { '': 'one' },
    inputSidePackets: { PACKET_OFFSET: 'optional' },
    options: { packetOffset: -1, emitEmptyPacketsBeforeFirstPacket: false },
    validateOptions: (o) =>
      isOffset(o.packetOffset) ? undefined : `packetOffset must be an integer, not ${o.packetOffset}`,
    timestampOffset: null,
    processTimestampBounds: true,
  },
  create: () => {
    let offset = 0;
    // |offset|: packets (offset > 0) or timestamps (offset < 0) held before the first emission.
    let size = 0;
    // A ring of held values and frames (offset > 0), or timestamps (offset < 0). It grows by doubling
    // up to `size` slots, so a huge offset costs memory only as packets arrive.
    let values: unknown[] = [];
    // Frame handles (−1: none). Float64: a handle carries generation bits above 2^31.
    let frames = new Float64Array(0);
    let times = new Float64Array(0);
    let head = 0;
    let count = 0;

    // Makes room for one more slot; `count` < `size` here. Allocates only while the ring grows.
    const grow = (): void => {
      const cap = Math.min(size, Math.max(16, 2 * frames.length, 2 * times.length));
      const order = (k: number): number => (head + k) % Math.max(frames.length, times.length, 1);
      if (offset > 0) {
        const v = new Array<unknown>(cap);
        const f = new Float64Array(cap).fill(-1);
        for (let k = 0; k < count; k++) {
          v[k] = values[order(k)];
          f[k] = frames[order(k)]!;
        }
        values = v;
        frames = f;
      } else {
        const t = new Float64Array(cap);
        for (let k = 0; k < count; k++) t[k] = times[order(k)]!;
        times = t;
      }
      head = 0;
    };

    return {
      open(ctx) {
        const side = ctx.sidePacket('PACKET_OFFSET');
        if (side !== undefined && !isOffset(side)) {
          throw new InvalidArgumentError(
            `SequenceShiftCalculator: PACKET_OFFSET must be an integer, not ${String(side)}`,
          );
        }
        offset = (side as number | undefined) ?? ctx.options.packetOffset;
        if (offset > 0 && ctx.options.emitEmptyPacketsBeforeFirstPacket) {
          throw new InvalidArgumentError(
            'SequenceShiftCalculator: emitEmptyPacketsBeforeFirstPacket is not supported (nor is it in MediaPipe)',
          );
        }
        size = Math.abs(offset);
      },
      process(ctx) {
        const p = ctx.input(0);
        const out = ctx.output(0);
        const ts = ctx.inputTimestamp;
        if (p.isEmpty) {
          // Only a bound moved: offset 0 carries it on, as MediaPipe's SetOffset(0) would.
          if (offset === 0) {
            const bound = nextAllowedInStream(ts);
            if (bound > out.nextTimestampBound) out.setNextTimestampBound(bound);
          }
          return;
        }
        if (offset === 0) {
          forwardPacket(ctx, p, out, ts);
          return;
        }
        if (offset > 0) {
          if (count === size) {
            // The oldest held packet takes this timestamp; its slot takes this packet.
            const f = frames[head]!;
            if (f >= 0) out.addFrame(f, ts);
            else out.add(values[head], ts);
            count--;
            head = (head + 1) % frames.length;
          } else if (count === frames.length) {
            grow();
          }
          const slot = (head + count) % frames.length;
          if (p.frame >= 0) ctx.frames.retain(p.frame);
          values[slot] = p.frame >= 0 ? undefined : p.value;
          frames[slot] = p.frame;
          count++;
          return;
        }
        if (count === size) {
          forwardPacket(ctx, p, out, times[head]!);
          count--;
          head = (head + 1) % times.length;
        } else if (count === times.length) {
          grow();
        }
        times[(head + count) % times.length] = ts;
        count++;
      },
      close(ctx) {
        // Held frames never found a timestamp: drop our references.
        for (let k = 0; k < count && offset > 0; k++) {
          const f = frames[(head + k) % frames.length]!;
          if (f >= 0) ctx.frames.release(f);
        }
        count = 0;
      },
    };
  },
});

function isOffset(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && Math.abs(v) <= 2 ** 31 - 1;
}
