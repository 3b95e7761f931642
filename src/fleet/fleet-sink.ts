/**
 * FleetSinkCalculator: the end of the camera-fleet pipeline; accounts for every frame.
 *
 * Threading: the definition is plain data plus functions; an instance runs on its actor's thread.
 */
import { defineCalculator } from '../core/calculator.js';
import { type Detection, wallMs } from './fleet-layout.js';
import { FleetStats, type FleetStatsDescriptor, latencyBucket, latencyHistogram } from './fleet-stats.js';

/** Options of {@link FleetSinkCalculator}. */
export interface FleetSinkOptions {
  /** Shared counters of the fleet (required). */
  readonly stats: FleetStatsDescriptor | null;
  /** Frames between publications to the shared counters (also published at least every 100 ms). */
  readonly publishEvery: number;
  /** This sink's block in the counters (one per sink actor: one per lane in the lanes layout). */
  readonly sink: number;
}

/**
 * Counts every detection into the fleet's shared stats: frames processed per camera, order errors
 * (a camera's frame at or below one already seen: per-camera order was lost), latency from capture
 * (a log histogram, for p50/p99) and the achieved batch size.
 *
 * - Inputs: `DETECTION`. No outputs.
 * - Metrics are aggregated locally and published every `publishEvery` frames, every 100 ms, and at
 *   close (seed 004's metric aggregation): per frame the hot path does local arithmetic only, plus
 *   one plain store in the per-camera table.
 * - Threading: runs on its actor's thread; the stats block is shared with the main thread.
 */
const FleetSinkCalculator = defineCalculator<FleetSinkOptions>({
  name: 'FleetSinkCalculator',
  description:
    "The camera fleet's sink: accounts every detection per camera (order, latency) in shared counters.",
  contract: {
    inputs: { DETECTION: 'one' },
    options: { stats: null, publishEvery: 64, sink: 0 },
    validateOptions: (o) =>
      o.stats === null
        ? 'stats (a FleetStatsDescriptor) is required'
        : !(o.publishEvery >= 1)
          ? 'publishEvery must be ≥ 1'
          : Number.isInteger(o.sink) && o.sink >= 0 && o.sink < o.stats.sinks
            ? undefined
            : `sink must be an integer in [0, ${o.stats.sinks}), not ${o.sink}`,
  },
  create: () => {
    let stats: FleetStats | null = null;
    let expected = new Int32Array(0);
    const hist = latencyHistogram();
    let processed = 0;
    let orderErrors = 0;
    let latencySum = 0;
    let batchSum = 0;
    let lastPublish = 0;
    let sinkIndex = 0;

    function publish(): void {
      stats!.addSink(sinkIndex, processed, orderErrors, latencySum, batchSum, hist);
      processed = orderErrors = latencySum = batchSum = 0;
      lastPublish = performance.now();
    }

    return {
      open(ctx) {
        stats = new FleetStats(ctx.options.stats!);
        sinkIndex = ctx.options.sink;
        expected = new Int32Array(stats.desc.cameras);
        lastPublish = performance.now();
      },
      process(ctx) {
        const p = ctx.input('DETECTION');
        if (p.isEmpty) return;
        const d = p.value as Detection;
        if (d.seq < expected[d.camera]!) orderErrors++;
        else expected[d.camera] = d.seq + 1;
        stats!.perCamera[d.camera * 3 + 2]!++;
        const latency = wallMs() - d.capturedAt;
        latencySum += latency;
        hist[latencyBucket(latency)]!++;
        batchSum += d.batchSize;
        processed++;
        if (processed >= ctx.options.publishEvery || performance.now() - lastPublish > 100) publish();
      },
      close() {
        if (stats !== null) publish();
      },
    };
  },
});
export default FleetSinkCalculator;
