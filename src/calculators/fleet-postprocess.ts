/**
 * FleetPostprocessCalculator: joins each inference result with its frame's metadata.
 *
 * Threading: the definition is plain data plus functions; an instance runs on its actor's thread.
 */
import { defineCalculator } from '../core/calculator.js';
import type { Detection, FrameMeta } from '../fleet/fleet-layout.js';
import type { InferenceResult } from './inference.js';

/** FleetPostprocessCalculator takes no options. */
export type FleetPostprocessOptions = Record<string, never>;

/** Turns one frame's inference result and metadata into a {@link Detection}. */
export function toDetection(result: InferenceResult, meta: FrameMeta): Detection {
  return {
    camera: meta.camera,
    seq: meta.seq,
    capturedAt: meta.capturedAt,
    label: result.top,
    score: result.scores[result.top]!,
    batchSize: result.batchSize,
  };
}

/**
 * At each timestamp, joins `RESULT` (an InferenceResult) with `META` (the frame's FrameMeta) into a
 * `DETECTION` (top class, its score, camera, frame number, capture time, batch size).
 *
 * - Inputs: `RESULT`, `META`, synchronised by the Default handler. Output: `DETECTION`.
 * - Timestamps: the detection keeps the frame's timestamp; `timestampOffset: 0`. A timestamp with
 *   only one of the two is skipped (it cannot happen in the fleet graph, where every frame has both).
 * - Stateless: declares `parallelism`, so the node may run as replicas.
 * - Hot path: allocates the detection (it leaves the thread anyway).
 * - Threading: runs on its actor's thread.
 */
const FleetPostprocessCalculator = defineCalculator<FleetPostprocessOptions>({
  name: 'FleetPostprocessCalculator',
  contract: {
    inputs: { RESULT: 'one', META: 'one' },
    outputs: { DETECTION: 'one' },
    timestampOffset: 0,
    parallelism: 1,
  },
  create: () => ({
    process(ctx) {
      const r = ctx.input('RESULT');
      const m = ctx.input('META');
      if (r.isEmpty || m.isEmpty) return;
      ctx
        .output('DETECTION')
        .add(toDetection(r.value as InferenceResult, m.value as FrameMeta), ctx.inputTimestamp);
    },
  }),
});
export default FleetPostprocessCalculator;
