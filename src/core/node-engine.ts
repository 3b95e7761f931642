/**
 * The node engine: everything that happens inside one node, with no knowledge of threads or rings.
 *
 * The owner (a worker actor, or the calculator runner) feeds inputs with {@link NodeEngine.addPacket},
 * {@link NodeEngine.setBound} and {@link NodeEngine.closeInput}, calls {@link NodeEngine.run} to do
 * the work that is ready, and receives outputs through an {@link OutputSink}. The engine keeps one
 * queue per input, asks the input stream handler when `process` fires, drives the calculator's
 * Open/Process/Close lifecycle, checks and propagates timestamp bounds, and owns input frames.
 *
 * Lifecycle: created → `open()` → opened → (`run()` until every input is done, or a source returns
 * STOP) → closed. A calculator error makes it failed (sticky); `close()` ends it from any state.
 * The guarantees written in `calculator.ts` hold: if open fails, neither process nor close is called;
 * close is called at most once, after the last process; calls never overlap.
 *
 * Choices (MediaPipe leaves room, or behaves in ways a single-threaded engine need not copy):
 * - Timestamp offset: after each `process` and at the end of each `run()`, every output's bound is
 *   raised to (settled input bound + offset), where the settled input bound is the handler's
 *   `settledBound()` (min over queued heads and empty inputs' bounds, and with
 *   `processTimestampBounds` over the bound-only timestamps still to be called at), held at the
 *   first gathered set while a batch fills. Once every input is done the outputs of a node with an
 *   offset are Done before `close` runs, so `close` cannot emit on them (declare
 *   `timestampOffset: null` for that).
 * - `processTimestampBounds` under Immediate fires per input for its newly settled timestamps;
 *   MediaPipe's extra call when an input becomes done is not made: `close` covers it.
 * - A source's `process` sees input timestamp 0 (MediaPipe's). STOP returned by a source closes it;
 *   returned by a node with inputs, it changes nothing for that node, which goes on processing, and
 *   the owner is told ({@link EngineCore.takeStopRequest}) to close every source, as MediaPipe does
 *   (unless the contract declares `stopClosesNode`: then the node closes, as a source does).
 * - After the node closed or failed, packets that still arrive are dropped (frames released).
 * - Bounds reach the sink at the end of `run()`, after `open`, and before an async call is awaited.
 *
 * Frames: an input frame packet's reference belongs to the engine until `process` has seen it, then
 * the engine releases it; a calculator that keeps or forwards the frame takes its own reference with
 * `ctx.frames.retain(h)` first. Frames queued when trimming, closing or failing are released.
 *
 * Threading: one thread; not thread-safe. Hot path (addPacket → run → process → add) allocates
 * nothing per packet beyond what the calculator allocates; lines that allocate say so. Nodes with
 * one input under the Default handler take a dedicated loop (`loopSingle`, same semantics, checked
 * against the general loop by a differential test): most nodes of a pipeline have that shape.
 */
import { type LifecycleResult, STOP } from './calculator.js';
import { EngineCore, isThenable } from './engine-core.js';
import type { InputQueue } from './input-queue.js';
import { READY, READY_FOR_CLOSE } from './input-stream-handlers.js';
import { Timestamp } from './timestamp.js';

export type { EngineState, OutputSink } from './engine-core.js';

/**
 * Runs one calculator instance inside one node. See the file header for semantics.
 * Threading: one thread; not thread-safe. Lifecycle: created → open → run* → closed (or failed).
 */
export class NodeEngine extends EngineCore {
  /**
   * Does all the work that is ready: calls process for every ready input set (a source: exactly one
   * process call), propagates bounds, and closes the node when every input is done (calls close,
   * then closes all outputs). Returns the number of process calls made (0 = nothing was ready).
   * Sync when the calculator is sync; a Promise when a lifecycle method returned one. Throws (or
   * rejects with) CalculatorError when the calculator fails; 0 once closed or failed.
   */
  run(): number | Promise<number> {
    if (this.pending !== null) throw this.misuse('run() called while an earlier call is still pending');
    if (this.current === 'created') throw this.misuse('run() called before open()');
    if (this.current !== 'opened') return 0;
    this.wakeServed = false;
    const r = this.loop(0);
    return typeof r === 'number' ? r : this.track(r);
  }

  private loop(calls: number): number | Promise<number> {
    if (this.wakeRequested && !this.wakeServed && this.current === 'opened' && !this.sets.waiting) {
      return this.wakeCall(calls);
    }
    if (this.single !== null) return this.loopSingle(this.single, calls);
    for (;;) {
      if (this.current !== 'opened') break;
      if (this.sets.due) {
        this.ctx.base = this.sets.done * this.nIn;
        this.ctx.inputTimestamp = this.sets.timestamps[this.sets.done]!;
      } else if (this.nIn === 0) {
        // No input and no output stream (side packets only): no source, as MediaPipe's
        // IsSource() says; opened and closed, never processed.
        if (this.outputs.length === 0) {
          const c = this.callClose();
          if (c !== undefined) return c.then(() => calls);
          break;
        }
        if (calls > 0) break;
        // MediaPipe's: a source's process runs at input timestamp 0.
        this.ctx.inputTimestamp = 0;
      } else {
        const readiness = this.handler.readiness();
        if (readiness === READY) {
          this.sets.gather(this.handler);
          continue;
        }
        if (readiness !== READY_FOR_CLOSE) break;
        if (this.sets.waiting) {
          this.sets.flushing = true;
          continue;
        }
        const c = this.callClose();
        if (c !== undefined) return c.then(() => calls);
        break;
      }
      calls++;
      let result: LifecycleResult;
      this.ctx.phase = 'process';
      try {
        result = this.calculator!.process(this.ctx);
      } catch (err) {
        const f = this.recover('process', err);
        if (f !== null) throw f;
        // Resumed: the set goes as if the call had returned nothing.
        result = undefined;
      }
      if (isThenable(result)) {
        this.flushOutputs();
        // Allocates the continuation: async calculators only.
        return Promise.resolve(result).then(
          (v) => this.continueAfter(v, calls),
          (err: unknown) => this.resumeAfter(err, calls),
        );
      }
      const c = this.afterProcess(result);
      if (c !== undefined) return c.then(() => calls);
    }
    this.propagateOffset();
    this.flushOutputs();
    return calls;
  }

  /**
   * `loop` for the most common node shape, one input under the Default handler: the handler's rule
   * reduces to "the head packet is ready; an empty, done queue closes the node", and the settled
   * bound to "head, else bound". Same semantics as the general loop, without its per-packet
   * generic gather, readiness scan and row bookkeeping.
   */
  private loopSingle(q: InputQueue, calls: number): number | Promise<number> {
    const ctx = this.ctx;
    const slot = this.sets.slots[0]!;
    const calculator = this.calculator!;
    while (this.current === 'opened') {
      if (q.size === 0) {
        if (!q.closed) break;
        const c = this.callClose();
        if (c !== undefined) return c.then(() => calls);
        break;
      }
      ctx.base = 0;
      ctx.inputTimestamp = q.headTimestamp();
      q.popInto(slot);
      calls++;
      let result: LifecycleResult;
      ctx.phase = 'process';
      try {
        result = calculator.process(ctx);
      } catch (err) {
        // Seen as a gathered row, the slot's frame is released with the queued ones; a restart's
        // hand-over reads the failing set's timestamp there too (restart-handover.ts).
        this.sets.timestamps[0] = ctx.inputTimestamp;
        this.sets.filled = 1;
        const f = this.recover('process', err);
        if (f !== null) throw f;
        // Resumed: the packet goes as if the call had returned nothing.
        this.sets.filled = 0;
        result = undefined;
      }
      if (isThenable(result)) {
        // The general path finishes this call: it sees the slot as a gathered row.
        this.sets.timestamps[0] = ctx.inputTimestamp;
        this.sets.filled = 1;
        this.flushOutputs();
        // Allocates the continuation: async calculators only.
        return Promise.resolve(result).then(
          (v) => this.continueAfter(v, calls),
          (err: unknown) => this.resumeAfter(err, calls),
        );
      }
      ctx.phase = null;
      this.settleOutputs();
      const frame = slot.frame;
      slot.value = undefined;
      slot.frame = -1;
      if (frame >= 0) {
        try {
          this.frames!.release(frame);
        } catch (err) {
          throw this.fail('process', err);
        }
      }
      this.setDone?.(ctx.inputTimestamp);
      this.afterSet?.();
      if (result === STOP) {
        // A node with inputs goes on and every source is asked to stop (MediaPipe's), unless its
        // contract says STOP closes it.
        if (!this.stopCloses) this.stopAsked = true;
        else {
          this.stopped = true;
          const c = this.callClose();
          if (c !== undefined) return c.then(() => calls);
          break;
        }
      }
      this.raiseOutputs(q.size > 0 ? q.headTimestamp() : q.bound);
    }
    this.raiseOutputs(q.size > 0 ? q.headTimestamp() : q.bound);
    this.flushOutputs();
    return calls;
  }

  // A `process` call with every input empty at its bound, asked for by the calculator's waker.
  private wakeCall(calls: number): number | Promise<number> {
    const ctx = this.ctx;
    this.wakeRequested = false;
    this.wakeServed = true;
    this.fillBounds();
    ctx.inputTimestamp = Timestamp.Unstarted;
    ctx.woken = true;
    ctx.phase = 'process';
    let result: LifecycleResult;
    try {
      result = this.calculator!.process(ctx);
    } catch (err) {
      ctx.woken = false;
      const f = this.recover('process', err);
      if (f !== null) throw f;
      result = undefined;
    }
    if (!isThenable(result)) return this.afterWake(result, calls + 1);
    this.flushOutputs();
    // Allocates the continuation: async wake calls only.
    return Promise.resolve(result).then(
      (v) => this.afterWake(v, calls + 1),
      (err: unknown) => {
        ctx.woken = false;
        const f = this.recover('process', err);
        if (f !== null) throw f;
        return this.afterWake(undefined, calls + 1);
      },
    );
  }

  private afterWake(result: unknown, calls: number): number | Promise<number> {
    this.ctx.woken = false;
    this.ctx.phase = null;
    this.settleOutputs();
    if (result === STOP) {
      if (!this.stopCloses) {
        this.stopAsked = true;
        return this.loop(calls);
      }
      this.stopped = true;
      const c = this.callClose();
      return c === undefined ? calls : c.then(() => calls);
    }
    return this.loop(calls);
  }

  // An async process call rejected with `err`: go on as after one that returned nothing, if the
  // fault hook lets the node resume; else fail.
  private resumeAfter(err: unknown, calls: number): number | Promise<number> {
    const f = this.recover('process', err);
    if (f !== null) throw f;
    return this.continueAfter(undefined, calls);
  }

  private continueAfter(result: unknown, calls: number): number | Promise<number> {
    const c = this.afterProcess(result);
    return c === undefined ? this.loop(calls) : c.then(() => calls);
  }

  // Releases the set's frames, advances the batch, and closes the node on STOP.
  private afterProcess(result: unknown): Promise<void> | undefined {
    this.ctx.phase = null;
    this.settleOutputs();
    if (this.nIn > 0) {
      try {
        this.sets.finishRow();
      } catch (err) {
        throw this.fail('process', err);
      }
      this.setDone?.(this.ctx.inputTimestamp);
      this.afterSet?.();
    }
    if (result === STOP) {
      if (this.stopCloses) {
        this.stopped = true;
        return this.callClose();
      }
      this.stopAsked = true;
    }
    this.propagateOffset();
    return undefined;
  }
}
