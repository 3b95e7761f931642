/**
 * EndItemLoopCalculator: closes a loop opened by BeginItemLoopCalculator (begin-item-loop.ts),
 * putting the loop body's results, one per item, back on one output per item at the original input
 * timestamp (MediaPipe's EndItemLoopCalculator, with its contract).
 *
 * Threading: the definition is plain data plus functions; an instance runs on its actor's thread.
 */
import { defineCalculator } from '../core/calculator.js';
import { InvalidArgumentError } from '../core/errors.js';
import { isRangeValue, nextAllowedInStream } from '../core/timestamp.js';

/** EndItemLoopCalculator takes no options. Plain data; any thread. */
export type EndItemLoopOptions = Record<string, never>;

/**
 * Gathers the `ITEM` packets of a batch; at `BATCH_END`, emits the k-th of them on `ITEM:k` at the
 * timestamp BATCH_END carries.
 *
 * - Inputs: `ITEM`, the loop body's results at loop-internal timestamps, any values; `BATCH_END`,
 *   from the BeginItemLoop, whose value is the timestamp to emit at. Outputs: `ITEM` (any number).
 * - With nothing gathered at a BATCH_END (every item was dropped in the loop, or the input only
 *   moved its bound), only the outputs' bounds move past that timestamp, as in MediaPipe.
 * - Timestamps: `timestampOffset: null` (MediaPipe's arbitrary change): the outputs follow the
 *   BATCH_END values, not the loop-internal input timestamps.
 * - Errors: a batch whose item count is not the output count ("Number of input items must match
 *   number of outputs"), or a BATCH_END value that is no timestamp, fails `process` with
 *   InvalidArgumentError.
 * - Frames: a gathered frame holds one reference until it is emitted (handed on then), or until the
 *   node closes.
 * - Allocation: none per packet beyond the gathered list, reused from batch to batch.
 * - Threading: runs on its actor's thread.
 */
export default defineCalculator<EndItemLoopOptions>({
  name: 'EndItemLoopCalculator',
  description:
    'Emits the ITEM packets of each batch, the k-th on ITEM:k, at the timestamp BATCH_END carries.',
  contract: {
    inputs: { ITEM: 'one', BATCH_END: 'one' },
    outputs: { ITEM: 'many' },
    timestampOffset: null,
  },
  create: () => {
    // The batch so far: values, and frame handles (-1 for a value) held with one reference each.
    const values: unknown[] = [];
    const frames: number[] = [];
    return {
      process(ctx) {
        const item = ctx.input('ITEM');
        if (!item.isEmpty) {
          if (item.frame >= 0) ctx.frames.retain(item.frame);
          values.push(item.value);
          frames.push(item.frame);
        }
        const batchEnd = ctx.input('BATCH_END');
        if (batchEnd.isEmpty) return;
        const at = batchEnd.value;
        if (typeof at !== 'number' || !isRangeValue(at)) {
          throw new InvalidArgumentError(
            `EndItemLoopCalculator BATCH_END must carry the timestamp to emit at, not ${String(at)}`,
          );
        }
        const n = ctx.outputCount('ITEM');
        if (values.length === 0) {
          const bound = nextAllowedInStream(at);
          for (let k = 0; k < n; k++) {
            const out = ctx.output('ITEM', k);
            if (bound > out.nextTimestampBound) out.setNextTimestampBound(bound);
          }
          return;
        }
        if (values.length !== n) {
          throw new InvalidArgumentError(
            `EndItemLoopCalculator at ${at}: Number of input items must match number of outputs (${values.length} items, ${n} outputs)`,
          );
        }
        // Each frame's reference passes to its output; the lists are emptied before anything can
        // throw twice over the same handle.
        for (let k = 0; k < n; k++) {
          const frame = frames[k]!;
          const out = ctx.output('ITEM', k);
          if (frame >= 0) {
            frames[k] = -1;
            out.addFrame(frame, at);
          } else {
            out.add(values[k], at);
          }
        }
        values.length = 0;
        frames.length = 0;
      },
      close(ctx) {
        for (const f of frames) if (f >= 0) ctx.frames.release(f);
        values.length = 0;
        frames.length = 0;
      },
    };
  },
});
