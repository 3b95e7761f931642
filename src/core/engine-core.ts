/**
 * The lifecycle of a node engine: Open and Close, failure and recovery, offset propagation. Its
 * state and inputs are {@link EngineBase}'s (`engine-base.ts`); {@link NodeEngine} (`node-engine.ts`,
 * which documents the semantics) adds the `run()` loops; the split only keeps each file readable.
 *
 * Threading: one thread; not thread-safe.
 */
import { type Calculator, type LifecycleResult, STOP } from './calculator.js';
import { EngineBase } from './engine-base.js';
import { CalculatorError, causeText, isWeftError, OutOfMemoryError, WorkerExitError } from './errors.js';
import { addClamped, Timestamp } from './timestamp.js';

export type { EngineState, OutputSink } from './output-sink.js';

const LIFECYCLE_NAMES = { open: 'Open', process: 'Process', close: 'Close' } as const;

// Codes of the errors that report a node's failure as a whole (see calculatorError).
const NODE_FAILURES: ReadonlySet<unknown> = new Set([
  CalculatorError.code,
  WorkerExitError.code,
  OutOfMemoryError.code,
]);

/**
 * Everything of a node engine but its `run()` loops; not used on its own (see `NodeEngine`).
 * Threading: one thread; not thread-safe. Lifecycle: created → open → run* → closed (or failed).
 */
export abstract class EngineCore extends EngineBase {
  /**
   * Creates the calculator and calls its `open` (input timestamp Unstarted, inputs empty). Side
   * packets come in `node.inputSidePackets` order (undefined = absent optional). A promise when
   * `open` returned one. Throws CalculatorError when `create` or `open` fails.
   */
  open(sidePackets: readonly unknown[]): void | Promise<void> {
    if (this.current !== 'created') throw this.misuse(`open() called in state ${this.current}`);
    this.ctx.sidePackets = sidePackets;
    let r: LifecycleResult;
    try {
      this.calculator = this.definition.create() as Calculator<Record<string, unknown>>;
      this.fillUnset();
      this.ctx.inputTimestamp = Timestamp.Unstarted;
      this.ctx.phase = 'open';
      this.stageHook?.('open');
      r = this.calculator.open?.(this.ctx);
    } catch (err) {
      throw this.fail('open', err);
    }
    if (!isThenable(r)) return this.opened();
    this.flushOutputs();
    return this.track(
      Promise.resolve(r).then(
        () => this.opened(),
        (err: unknown) => {
          throw this.fail('open', err);
        },
      ),
    );
  }

  /**
   * Ends the node now (graph finished or failed elsewhere): calls close if open succeeded and close
   * was not called, then closes outputs; releases queued frames. Waits for a pending async call
   * first. Throws CalculatorError if `close` fails (the outputs are closed all the same).
   */
  close(): void | Promise<void> {
    if (this.pending !== null) {
      const again = (): void | Promise<void> => this.close();
      return this.pending.then(again, again);
    }
    if (this.openSucceeded && !this.closeCalled) {
      const r = this.callClose();
      return r === undefined ? undefined : this.track(r);
    }
    this.end();
  }

  // Calls the calculator's close (input timestamp Done, inputs empty at their bounds), then ends.
  protected callClose(): Promise<void> | undefined {
    this.closeCalled = true;
    const stale = this.releaseInputs();
    if (stale !== undefined) {
      // The outputs end all the same, as after any failed close.
      const f = this.fail('close', stale);
      this.end();
      throw f;
    }
    this.fillUnset();
    this.ctx.inputTimestamp = Timestamp.Done;
    this.propagateOffset();
    this.ctx.phase = 'close';
    this.stageHook?.('close');
    let r: LifecycleResult;
    try {
      r = this.calculator!.close?.(this.ctx);
    } catch (err) {
      const f = this.recover('close', err);
      this.end();
      if (f !== null) throw f;
      return undefined;
    }
    if (!isThenable(r)) {
      this.end();
      return undefined;
    }
    this.flushOutputs();
    return Promise.resolve(r).then(
      () => this.end(),
      (err: unknown) => {
        const f = this.recover('close', err);
        this.end();
        if (f !== null) throw f;
      },
    );
  }

  protected opened(): void {
    this.ctx.phase = null;
    this.current = 'opened';
    this.openSucceeded = true;
    this.stageHook?.('process');
    this.flushOutputs();
  }

  // Final state: outputs closed, inputs released. A failure stays a failure.
  protected end(): void {
    const wasFailed = this.current === 'failed';
    this.ctx.phase = null;
    if (!wasFailed) this.current = 'closed';
    const stale = this.releaseInputs();
    for (const o of this.outputs) o.end();
    // A failed node's own error is the one to report; otherwise a frame the calculator released
    // itself (an input it never retained) is its fault, reported as its close's.
    if (stale !== undefined && !wasFailed) throw this.fail('close', stale);
  }

  protected fail(phase: 'open' | 'process' | 'close', err: unknown): Error {
    this.failed();
    return this.calculatorError(phase, err);
  }

  /**
   * A `process` or `close` call threw `err`: null when the fault hook lets the node go on, else the
   * error to throw (the node is failed then, as by {@link fail}).
   */
  protected recover(phase: 'process' | 'close', err: unknown): Error | null {
    const e = this.calculatorError(phase, err);
    const out = this.faultHook === null ? e : this.faultHook(phase, e);
    if (out !== null) this.failed();
    else this.ctx.phase = null;
    return out;
  }

  private failed(): void {
    this.ctx.phase = null;
    this.current = 'failed';
    // A release that throws here is a frame the calculator released itself before it failed: it is
    // free already, and the failure being reported is the calculator's own (it must not be replaced).
    this.releaseInputs();
  }

  private calculatorError(phase: 'open' | 'process' | 'close', err: unknown): Error {
    // A calculator that runs work on threads of its own (PoolCalculator) reports a failure there as
    // the node's failure: naming this node and the phase the work began in, in the class that says
    // what happened. It stands as it is: wrapped, it would name the node twice and be charged to the
    // call that saw it (close, waiting for a task that process submitted). Weft errors only: their
    // fields are plain data, never a thrown value's getters.
    if (isWeftError(err) && err.node === this.node.name && NODE_FAILURES.has(err.code)) return err;
    // A weft error from the node's own call (an output misused) names its stream: keep it.
    const stream = isWeftError(err) ? err.stream : undefined;
    return new CalculatorError(
      `Calculator::${LIFECYCLE_NAMES[phase]}() for node "${this.node.name}" ` +
        `(${this.definition.name}) failed: ${causeText(err)}`,
      { node: this.node.name, stream, phase, cause: err },
    );
  }

  // Output bound = settled input bound + offset; Done once every input is done.
  protected propagateOffset(): void {
    if (this.offset === null || this.nIn === 0) return;
    let s = this.handler.settledBound();
    if (this.sets.waiting) s = Math.min(s, this.sets.timestamps[this.sets.done]!);
    this.raiseOutputs(s);
  }

  // Raises every output's bound to settled input bound `s` + offset (Done past PostStream).
  protected raiseOutputs(s: number): void {
    if (this.offset === null) return;
    let b: number;
    if (s >= Timestamp.OneOverPostStream) b = Timestamp.Done;
    else if (s === Timestamp.PostStream) b = s;
    else if (s < Timestamp.Min) return;
    else b = addClamped(s, this.offset);
    for (let i = 0; i < this.outputs.length; i++) this.outputs[i]!.raise(b);
  }

  protected flushOutputs(): void {
    for (let i = 0; i < this.outputs.length; i++) this.outputs[i]!.flush();
  }

  // A call ended: the bounds it set are final for the calls after it, sent or not (see OutputStream).
  protected settleOutputs(): void {
    for (let i = 0; i < this.outputs.length; i++) this.outputs[i]!.settle();
  }

  // Inputs as seen in open/close: every input empty, its timestamp Unset, as MediaPipe shows them
  // (InputStreamShard's empty packet; its EmptyInputInOpen test).
  protected fillUnset(): void {
    this.ctx.base = 0;
    for (let i = 0; i < this.nIn; i++) this.sets.slots[i]!.setEmpty(Timestamp.Unset);
  }

  // Inputs as seen in a wake call (weft's own): every input empty at its (head or bound) − 1, so
  // the calculator sees how far each input has settled.
  protected fillBounds(): void {
    this.ctx.base = 0;
    for (let i = 0; i < this.nIn; i++) this.queues[i]!.fillEmpty(this.sets.slots[i]!);
  }

  // Drops gathered sets and queued packets, releasing their frames; never throws, returns the first
  // release that threw (every other frame is released all the same).
  protected releaseInputs(): unknown {
    let first = this.sets.clear();
    for (const q of this.queues) {
      const err = q.clear();
      first ??= err;
    }
    return first;
  }

  protected track<T>(p: Promise<T>): Promise<T> {
    // Allocates: async calls only.
    const tracked = p.finally(() => {
      if (this.pending === tracked) this.pending = null;
    });
    this.pending = tracked;
    return tracked;
  }
}

/** True for a promise-like result of a lifecycle call (STOP and undefined are not). */
export function isThenable(r: unknown): r is PromiseLike<unknown> {
  return r !== undefined && r !== STOP && typeof (r as { then?: unknown } | null)?.then === 'function';
}
