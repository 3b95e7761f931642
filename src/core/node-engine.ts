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
 * - Back edges: an input marked `backEdge` never holds anything back while its queue is empty — not
 *   readiness, not the offset bound, not closing (the node closes when its other inputs are done).
 *   Its packets take part like any other input's once queued. Under Default/SyncSet a back-edge
 *   packet that arrives late can therefore give `process` an input timestamp at or below one already
 *   processed; use the Immediate handler for nodes fed by back edges (as MediaPipe's FlowLimiter
 *   does). A node whose inputs are all back edges waits on them like on any input.
 * - Timestamp offset: after each `process` and at the end of each `run()`, every output's bound is
 *   raised to (settled input bound + offset), where the settled input bound is the handler's
 *   `settledBound()` (min over queued heads and empty inputs' bounds), held at the first gathered
 *   set while a batch fills. Once every input is done the outputs of a node with an offset are Done
 *   before `close` runs, so `close` cannot emit on them (declare `timestampOffset: null` for that).
 * - `processTimestampBounds` under Immediate fires per input for its newly settled timestamps;
 *   MediaPipe's extra call when an input becomes done is not made: `close` covers it.
 * - A source's `process` sees input timestamp Unstarted. STOP returned by a non-source closes the
 *   node too (its remaining inputs are dropped).
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
import {
  type Calculator,
  type CalculatorDefinition,
  type FrameAccess,
  type LifecycleResult,
  STOP,
} from './calculator.js';
import { EngineContext, InputSets } from './calculator-context.js';
import { CalculatorError, InvalidArgumentError } from './errors.js';
import type { ResolvedNode } from './graph-config.js';
import { InputQueue } from './input-queue.js';
import {
  batchSizeOf,
  createInputStreamHandler,
  type InputStreamHandler,
  READY,
  READY_FOR_CLOSE,
} from './input-stream-handlers.js';
import { OutputStream } from './output-stream.js';
import { addClamped, Timestamp } from './timestamp.js';

/**
 * Where a node engine's outputs go. Called synchronously from inside the engine's methods.
 * Threading: the engine's thread.
 */
export interface OutputSink {
  /**
   * A packet on output `output` (position in node.outputs). frame >= 0 marks a frame packet whose
   * reference is handed over (value is then a FrameRef).
   */
  packet(output: number, timestamp: number, value: unknown, frame: number): void;
  /**
   * The output's bound rose to `bound` without a packet at bound-1 (only called when it differs
   * from last packet + 1).
   */
  bound(output: number, bound: number): void;
  /** The output stream is done (bound Done). */
  close(output: number): void;
  /** An output side packet was set. */
  sidePacket(index: number, value: unknown): void;
}

/** What an engine's state can be. */
export type EngineState = 'created' | 'opened' | 'closed' | 'failed';

const LIFECYCLE_NAMES = { open: 'Open', process: 'Process', close: 'Close' } as const;

/**
 * Runs one calculator instance inside one node. See the file header for semantics.
 * Threading: one thread; not thread-safe. Lifecycle: created → open → run* → closed (or failed).
 */
export class NodeEngine {
  private readonly queues: InputQueue[];
  private readonly handler: InputStreamHandler;
  private readonly outputs: OutputStream[];
  private readonly ctx: EngineContext;
  private readonly sets: InputSets;
  private readonly nIn: number;
  private readonly offset: number | null;
  // The one queue of a single-input Default node (batch 1, no process-bounds): see `loopSingle`.
  private readonly single: InputQueue | null;
  private calculator: Calculator<Record<string, unknown>> | null = null;
  private current: EngineState = 'created';
  private stopped = false;
  private openSucceeded = false;
  private closeCalled = false;
  private pending: Promise<unknown> | null = null;

  constructor(
    private readonly node: ResolvedNode,
    // biome-ignore lint/suspicious/noExplicitAny: every calculator's options type is accepted.
    private readonly definition: CalculatorDefinition<any>,
    sink: OutputSink,
    private readonly frames: FrameAccess | null,
  ) {
    const allBackEdges = node.inputs.length > 0 && node.inputs.every((p) => p.backEdge);
    this.queues = node.inputs.map(
      (p) => new InputQueue(node.name, p.name, p.backEdge && !allBackEdges, frames),
    );
    this.handler = createInputStreamHandler(node, this.queues);
    this.nIn = node.inputs.length;
    this.sets = new InputSets(this.nIn, batchSizeOf(node), frames);
    this.offset = node.timestampOffset;
    this.single =
      this.nIn === 1 &&
      node.inputStreamHandler.name === 'DefaultInputStreamHandler' &&
      this.sets.batchSize === 1 &&
      !node.processTimestampBounds
        ? this.queues[0]!
        : null;
    this.outputs = [];
    this.ctx = new EngineContext(node, definition.contract, this.sets.slots, this.outputs, sink, frames);
    node.outputs.forEach((p, i) => {
      this.outputs.push(new OutputStream(i, p.name, this.ctx, sink, this.ctx.frames));
    });
  }

  get state(): EngineState {
    return this.current;
  }

  /** For a source: true once process returned STOP (the engine then closes it). */
  get done(): boolean {
    return this.stopped;
  }

  /**
   * Queues a packet on input `input`. TimestampOrderError below that input's bound (the frame, if
   * any, is released). Dropped without a word once the node closed or failed.
   */
  addPacket(input: number, timestamp: number, value: unknown, frame: number): void {
    const q = this.queue(input);
    if (this.current === 'closed' || this.current === 'failed') {
      if (frame >= 0) this.frames?.release(frame);
      return;
    }
    if (frame >= 0 && this.frames === null) {
      throw new InvalidArgumentError('frame packet sent to an engine without a frame pool', {
        node: this.node.name,
        stream: q.stream,
      });
    }
    q.push(timestamp, value, frame);
    this.handler.packetAdded(input);
  }

  /** Raises input `input`'s bound; bounds that do not rise are ignored. */
  setBound(input: number, bound: number): void {
    this.queue(input).raiseBound(bound);
  }

  /** Ends input `input` (bound Done); its queued packets are still processed. */
  closeInput(input: number): void {
    this.queue(input).close();
  }

  /** Packets queued on input `input`. */
  queueSize(input: number): number {
    return this.queue(input).size;
  }

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
      this.fillBounds();
      this.ctx.inputTimestamp = Timestamp.Unstarted;
      this.ctx.phase = 'open';
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
    const r = this.loop(0);
    return typeof r === 'number' ? r : this.track(r);
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

  private loop(calls: number): number | Promise<number> {
    if (this.single !== null) return this.loopSingle(this.single, calls);
    for (;;) {
      if (this.current !== 'opened') break;
      if (this.sets.due) {
        this.ctx.base = this.sets.done * this.nIn;
        this.ctx.inputTimestamp = this.sets.timestamps[this.sets.done]!;
      } else if (this.nIn === 0) {
        if (calls > 0) break;
        this.ctx.inputTimestamp = Timestamp.Unstarted;
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
        throw this.fail('process', err);
      }
      if (isThenable(result)) {
        this.flushOutputs();
        // Allocates the continuation: async calculators only.
        return Promise.resolve(result).then(
          (v) => this.continueAfter(v, calls),
          (err: unknown) => {
            throw this.fail('process', err);
          },
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
        // Seen as a gathered row, the slot's frame is released with the queued ones.
        this.sets.filled = 1;
        throw this.fail('process', err);
      }
      if (isThenable(result)) {
        // The general path finishes this call: it sees the slot as a gathered row.
        this.sets.filled = 1;
        this.flushOutputs();
        // Allocates the continuation: async calculators only.
        return Promise.resolve(result).then(
          (v) => this.continueAfter(v, calls),
          (err: unknown) => {
            throw this.fail('process', err);
          },
        );
      }
      ctx.phase = null;
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
      if (result === STOP) {
        this.stopped = true;
        const c = this.callClose();
        if (c !== undefined) return c.then(() => calls);
        break;
      }
      this.raiseOutputs(q.size > 0 ? q.headTimestamp() : q.bound);
    }
    this.raiseOutputs(q.size > 0 ? q.headTimestamp() : q.bound);
    this.flushOutputs();
    return calls;
  }

  private continueAfter(result: unknown, calls: number): number | Promise<number> {
    const c = this.afterProcess(result);
    return c === undefined ? this.loop(calls) : c.then(() => calls);
  }

  // Releases the set's frames, advances the batch, and closes the node on STOP.
  private afterProcess(result: unknown): Promise<void> | undefined {
    this.ctx.phase = null;
    if (this.nIn > 0) {
      try {
        this.sets.finishRow();
      } catch (err) {
        throw this.fail('process', err);
      }
    }
    if (result === STOP) {
      this.stopped = true;
      return this.callClose();
    }
    this.propagateOffset();
    return undefined;
  }

  // Calls the calculator's close (input timestamp Done, inputs empty at their bounds), then ends.
  private callClose(): Promise<void> | undefined {
    this.closeCalled = true;
    this.releaseInputs();
    this.fillBounds();
    this.ctx.inputTimestamp = Timestamp.Done;
    this.propagateOffset();
    this.ctx.phase = 'close';
    let r: LifecycleResult;
    try {
      r = this.calculator!.close?.(this.ctx);
    } catch (err) {
      this.end();
      throw this.fail('close', err);
    }
    if (!isThenable(r)) {
      this.end();
      return undefined;
    }
    this.flushOutputs();
    return Promise.resolve(r).then(
      () => this.end(),
      (err: unknown) => {
        this.end();
        throw this.fail('close', err);
      },
    );
  }

  private opened(): void {
    this.ctx.phase = null;
    this.current = 'opened';
    this.openSucceeded = true;
    this.flushOutputs();
  }

  // Final state: outputs closed, inputs released. A failure stays a failure.
  private end(): void {
    this.ctx.phase = null;
    if (this.current !== 'failed') this.current = 'closed';
    this.releaseInputs();
    for (const o of this.outputs) o.end();
  }

  private fail(phase: 'open' | 'process' | 'close', err: unknown): Error {
    this.ctx.phase = null;
    this.current = 'failed';
    this.releaseInputs();
    const what = err instanceof Error ? err.message : String(err);
    return new CalculatorError(
      `Calculator::${LIFECYCLE_NAMES[phase]}() for node "${this.node.name}" ` +
        `(${this.definition.name}) failed: ${what}`,
      { node: this.node.name, phase, cause: err },
    );
  }

  // Output bound = settled input bound + offset; Done once every input is done.
  private propagateOffset(): void {
    if (this.offset === null || this.nIn === 0) return;
    let s = this.handler.settledBound();
    if (this.sets.waiting) s = Math.min(s, this.sets.timestamps[this.sets.done]!);
    this.raiseOutputs(s);
  }

  // Raises every output's bound to settled input bound `s` + offset (Done past PostStream).
  private raiseOutputs(s: number): void {
    if (this.offset === null) return;
    let b: number;
    if (s >= Timestamp.OneOverPostStream) b = Timestamp.Done;
    else if (s === Timestamp.PostStream) b = s;
    else if (s < Timestamp.Min) return;
    else b = addClamped(s, this.offset);
    for (let i = 0; i < this.outputs.length; i++) this.outputs[i]!.raise(b);
  }

  private flushOutputs(): void {
    for (let i = 0; i < this.outputs.length; i++) this.outputs[i]!.flush();
  }

  // Inputs as seen in open/close: every input empty at its (head or bound) − 1.
  private fillBounds(): void {
    this.ctx.base = 0;
    for (let i = 0; i < this.nIn; i++) this.queues[i]!.fillEmpty(this.sets.slots[i]!);
  }

  // Drops gathered sets and queued packets, releasing their frames.
  private releaseInputs(): void {
    this.sets.clear();
    for (const q of this.queues) q.clear();
  }

  private track<T>(p: Promise<T>): Promise<T> {
    // Allocates: async calls only.
    const tracked = p.finally(() => {
      if (this.pending === tracked) this.pending = null;
    });
    this.pending = tracked;
    return tracked;
  }

  private queue(input: number): InputQueue {
    const q = this.queues[input];
    if (q === undefined) throw this.misuse(`input ${input} does not exist (the node has ${this.nIn})`);
    return q;
  }

  private misuse(message: string): Error {
    return new InvalidArgumentError(message, { node: this.node.name });
  }
}

function isThenable(r: unknown): r is PromiseLike<unknown> {
  return r !== undefined && r !== STOP && typeof (r as { then?: unknown } | null)?.then === 'function';
}
