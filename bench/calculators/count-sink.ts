/**
 * CountSinkCalculator: counts packets and, at close, reports the count and the wall-clock times of
 * the first and last packet (epoch ms) as the `STATS` side packet. Timing inside the sink keeps
 * thread start-up out of the measured interval.
 */
import { defineCalculator } from '../../src/core/calculator.js';

/** The `STATS` side packet. */
export interface SinkStats {
  count: number;
  firstAt: number;
  lastAt: number;
  checksum: number;
}

export default defineCalculator({
  name: 'CountSinkCalculator',
  contract: { inputs: { '': 'one' }, outputSidePackets: { STATS: 'one' }, timestampOffset: null },
  create: () => {
    const s: SinkStats = { count: 0, firstAt: 0, lastAt: 0, checksum: 0 };
    return {
      process(ctx) {
        const p = ctx.input(0);
        if (p.isEmpty) return;
        const now = performance.timeOrigin + performance.now();
        if (s.count === 0) s.firstAt = now;
        s.lastAt = now;
        s.count++;
        s.checksum = (s.checksum + (typeof p.value === 'number' ? p.value : 1)) % 1e9;
      },
      close(ctx) {
        ctx.setSidePacket('STATS', s);
      },
    };
  },
});
