/**
 * FleetPostprocessCalculator: joins each inference result with its frame's metadata.
 *
 * Threading: the definition is plain data plus functions; an instance runs on its actor's thread.
 */

import type { InferenceResult } from '../calculators/inference.js';
import { defineCalculator } from '../core/calculator.js';
import { InvalidArgumentError } from '../core/errors.js';
import type { Detection, FrameMeta } from './fleet-layout.js';

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
 * - Inputs: `RESULT:i` and `META:i`, one pair per lane (the fleet has one lane per shard), all
 *   synchronised by the Default handler, so lanes come out merged in timestamp order. Output:
 *   `DETECTION`.
 * - Timestamps: the detection keeps the frame's timestamp; `timestampOffset: 0`. Lanes never share a
 *   timestamp (see `fleetTimestamp`); a timestamp where no lane has both a result and a meta is
 *   skipped (it cannot happen in the fleet graph, where every frame has both).
 * - Stateless: declares `parallelism`, so the node may run as replicas.
 * - Hot path: allocates the detection (it leaves the thread anyway).
 * - Threading: runs on its actor's thread.
 */
const FleetPostprocessCalculator = defineCalculator<FleetPostprocessOptions>({
  name: 'FleetPostprocessCalculator',
  description:
    "The camera fleet's postprocess: joins every lane's results with their frames' metadata in timestamp order and turns them into detections.",
  contract: {
    inputs: {
      RESULT: { min: 1, max: Number.POSITIVE_INFINITY },
      META: { min: 1, max: Number.POSITIVE_INFINITY },
    },
    outputs: { DETECTION: 'one' },
    timestampOffset: 0,
    parallelism: 1,
  },
  create: () => ({
    open(ctx) {
      const lanes = ctx.inputCount('RESULT');
      if (lanes === 0 || ctx.inputCount('META') !== lanes) {
        throw new InvalidArgumentError(
          `FleetPostprocessCalculator needs one META per RESULT and at least one of each, not ${lanes} RESULT and ${ctx.inputCount('META')} META`,
        );
      }
    },
    process(ctx) {
      const lanes = ctx.inputCount('RESULT');
      for (let i = 0; i < lanes; i++) {
        const r = ctx.input('RESULT', i);
        const m = ctx.input('META', i);
        if (r.isEmpty || m.isEmpty) continue;
        ctx
          .output('DETECTION')
          .add(toDetection(r.value as InferenceResult, m.value as FrameMeta), ctx.inputTimestamp);
        return;
      }
    },
  }),
});
export default FleetPostprocessCalculator;
