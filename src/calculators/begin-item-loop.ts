/**
 * BeginItemLoopCalculator: opens a loop over a fixed number of item streams, emitting the items of
 * one input timestamp one after another at loop-internal timestamps (MediaPipe's
 * BeginItemLoopCalculator, with its contract). Its partner EndItemLoopCalculator (end-item-loop.ts)
 * puts the loop body's results back on one stream per item at the original timestamp.
 *
 * Unlike BeginLoopCalculator, the items come on separate streams (`ITEM:0`, `ITEM:1`, ...), not as
 * one array, so any value works, frames included.
 *
 * Threading: the definition is plain data plus functions; an instance runs on its actor's thread.
 */
import {
  type CalculatorContext,
  defineCalculator,
  type NodeWiring,
  type OutputPort,
} from '../core/calculator.js';
import { InvalidArgumentError } from '../core/errors.js';
import { forwardPacket } from './forward.js';

/** BeginItemLoopCalculator takes no options. Plain data; any thread. */
export type BeginItemLoopOptions = Record<string, never>;

type Ctx = CalculatorContext<BeginItemLoopOptions>;

const MIX = 'Cannot mix non-empty input ITEMs with empty input ITEMs';

/**
 * At each input timestamp, emits `ITEM:0`, `ITEM:1`, ... in order on the one `ITEM` output, each at
 * the next loop-internal timestamp, with the `CLONE` inputs' packets again at each; then the input
 * timestamp itself (a number) on `BATCH_END`, at the last item's loop timestamp.
 *
 * - Inputs: `ITEM` (one or more), any values; `CLONE` (any number), loop-wide values. Outputs:
 *   `ITEM`, `BATCH_END`, and one `CLONE` per `CLONE` input (checked with the graph).
 * - Timestamps, as MediaPipe: a loop-internal counter starts at 0 and gives each item the next
 *   timestamp. `processTimestampBounds`, as MediaPipe sets: at a timestamp where every ITEM only
 *   moved its bound, one loop timestamp is used up all the same (BATCH_END goes out at it, the ITEM
 *   and CLONE bounds move past it), so the EndItemLoop still settles that input timestamp.
 *   `timestampOffset: null` (MediaPipe's arbitrary change).
 * - Errors: some ITEMs present and others empty at one timestamp fails `process` with
 *   InvalidArgumentError ("Cannot mix ..."), as MediaPipe's check does. So does a CLONE input
 *   without a packet where items go out (MediaPipe aborts the process there; weft fails the run).
 * - Frames: an item or clone frame is forwarded with one extra reference per emission.
 * - Allocation: none.
 * - Threading: runs on its actor's thread.
 */
export default defineCalculator<BeginItemLoopOptions>({
  name: 'BeginItemLoopCalculator',
  description: 'Emits the ITEM inputs of each timestamp one by one at loop timestamps, then BATCH_END.',
  contract: {
    inputs: { ITEM: { min: 1, max: Number.POSITIVE_INFINITY }, CLONE: 'many' },
    outputs: { ITEM: 'one', BATCH_END: 'one', CLONE: 'many' },
    validate: (w: NodeWiring) => {
      const inputs = w.inputs.CLONE?.length ?? 0;
      const outputs = w.outputs.CLONE?.length ?? 0;
      return inputs === outputs
        ? undefined
        : `Number of CLONE inputs and outputs must match (BeginItemLoopCalculator has ${inputs} inputs, ${outputs} outputs)`;
    },
    processTimestampBounds: true,
    timestampOffset: null,
  },
  create: () => {
    // MediaPipe's loop_internal_timestamp_: the timestamp the next item gets.
    let loopTs = 0;
    return {
      process(ctx) {
        const n = ctx.inputCount('ITEM');
        const present = !ctx.input('ITEM', 0).isEmpty;
        for (let i = 1; i < n; i++) {
          if (ctx.input('ITEM', i).isEmpty === present) {
            throw new InvalidArgumentError(`BeginItemLoopCalculator at ${ctx.inputTimestamp}: ${MIX}`);
          }
        }
        if (present) {
          const item = ctx.output('ITEM');
          for (let i = 0; i < n; i++) {
            forwardPacket(ctx, ctx.input('ITEM', i), item, loopTs);
            forwardClones(ctx, loopTs);
            loopTs++;
          }
        } else {
          // BATCH_END still goes out below at loopTs, so only the other outputs' bounds move here.
          loopTs++;
          raise(ctx.output('ITEM'), loopTs);
          for (let i = 0; i < ctx.outputCount('CLONE'); i++) raise(ctx.output('CLONE', i), loopTs);
        }
        ctx.output('BATCH_END').add(ctx.inputTimestamp, loopTs - 1);
      },
    };
  },
});

function forwardClones(ctx: Ctx, at: number): void {
  const n = ctx.inputCount('CLONE');
  for (let i = 0; i < n; i++) {
    const p = ctx.input('CLONE', i);
    if (p.isEmpty) {
      throw new InvalidArgumentError(
        `BeginItemLoopCalculator at ${ctx.inputTimestamp}: CLONE input ${i} has no packet to go with the items`,
      );
    }
    forwardPacket(ctx, p, ctx.output('CLONE', i), at);
  }
}

function raise(out: OutputPort, b: number): void {
  if (b > out.nextTimestampBound) out.setNextTimestampBound(b);
}
