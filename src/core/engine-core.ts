/**
 * The state and lifecycle half of a node engine: queues, outputs, context, Open and Close, failure,
 * offset propagation and wake requests. {@link NodeEngine} (`node-engine.ts`, which documents the
 * semantics) adds the `run()` loops; the split only keeps each file readable.
 *
 * Threading: one thread; not thread-safe.
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
import { FrameRef } from './frame-ref.js';
import type { ResolvedNode } from './graph-config.js';
import { InputQueue } from './input-queue.js';
import {
  batchSizeOf,
  createInputStreamHandler,
  type InputStreamHandler,
  READY,
  setsByTimestamp,
} from './input-stream-handlers.js';
import type { EngineState, OutputSink } from './output-sink.js';
import { OutputStream } from './output-stream.js';
import { heldPackets, type RestartCarry, takeCarry } from './restart-handover.js';
import { addClamped, Timestamp } from './timestamp.js';

export type { EngineState, OutputSink } from './output-sink.js';

const LIFECYCLE_NAMES = { open: 'Open', process: 'Process', close: 'Close' } as const;

/**
 * Everything of a node engine but its `run()` loops; not used on its own (see `NodeEngine`).
 * Threading: one thread; not thread-safe. Lifecycle: created → open → run* → closed (or failed).
 */
export abstract class EngineCore {
  protected readonly queues: InputQueue[];

  protected readonly handler: InputStreamHandler;

  protected readonly outputs: OutputStream[];

  protected readonly ctx: EngineContext;

  protected readonly sets: InputSets;

  protected readonly nIn: number;

  protected readonly offset: number | null;

  // The one queue of a single-input Default node (batch 1, no process-bounds): see `loopSingle`.
  protected readonly single: InputQueue | null;

  protected calculator: Calculator<Record<string, unknown>> | null = null;

  protected current: EngineState = 'created';

  protected stopped = false;
  /** A node with inputs returned STOP: see {@link takeStopRequest}. */
  protected stopAsked = false;
  /** STOP closes this node: a source, or a contract with `stopClosesNode`. */
  protected readonly stopCloses: boolean;

  protected openSucceeded = false;

  protected closeCalled = false;

  protected pending: Promise<unknown> | null = null;

  // Wake calls: requested by the calculator's waker; `wakeServed` holds back a second one per run().
  protected wakeRequested = false;

  protected wakeServed = false;

  protected wakeFn: (() => void) | null = null;

  protected wakeHook: (() => void) | null = null;
  protected stageHook: ((stage: 'open' | 'process' | 'close') => void) | null = null;
  private faultHook: ((phase: 'process' | 'close', err: Error) => Error | null) | null = null;
  protected setDone: ((timestamp: number) => void) | null = null;

  protected wakerWanted = false;

  constructor(
    protected readonly node: ResolvedNode,
    // biome-ignore lint/suspicious/noExplicitAny: every calculator's options type is accepted.
    protected readonly definition: CalculatorDefinition<any>,
    sink: OutputSink,
    protected readonly frames: FrameAccess | null,
  ) {
    this.queues = node.inputs.map((p) => new InputQueue(node.name, p.name, frames));
    this.handler = createInputStreamHandler(node, this.queues);
    this.nIn = node.inputs.length;
    this.sets = new InputSets(this.nIn, batchSizeOf(node), frames);
    this.offset = node.timestampOffset;
    this.stopCloses = this.nIn === 0 || definition.contract.stopClosesNode === true;
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
    this.ctx.wakerSource = () => this.waker();
  }

  /** True once the calculator asked for a waker: its owner should idle with the event loop turning. */
  get usesWaker(): boolean {
    return this.wakerWanted;
  }

  /** True while a wake call is requested and not yet made: the owner should call `run()` soon. */
  get wakePending(): boolean {
    return this.wakeRequested;
  }

  /**
   * Called as the calculator enters each lifecycle stage (open, process once open succeeded,
   * close): three calls at most, never per packet. The actor records the stage, so a fault that
   * surfaces outside any call (a timer, a dead thread) is reported in the stage it came from.
   */
  setStageHook(hook: (stage: 'open' | 'process' | 'close') => void): void {
    this.stageHook = hook;
  }

  /**
   * Sets what the engine calls when the calculator requests a wake call (at most once per request,
   * on the engine's thread): the owner interrupts its idle wait and calls `run()`.
   */
  setWakeHook(hook: () => void): void {
    this.wakeHook = hook;
  }

  /**
   * Sets who decides, when a `process` or `close` call fails, whether the node goes on (a restart
   * policy of `resume`): the hook gets the CalculatorError and returns null to go on — the failed
   * process call counts as one that returned nothing (its input set is dropped, its frames
   * released; what it emitted stays), a failed close as one that returned — or the error the
   * engine fails with instead. Without a hook every failure fails the node. Engine's thread.
   */
  setFaultHook(hook: (phase: 'process' | 'close', err: Error) => Error | null): void {
    this.faultHook = hook;
  }

  /**
   * Sets what the engine calls after each input set it finished (processed, or dropped by a resume):
   * a node under the `restart` policy records there what it still holds. Engine's thread.
   */
  setSetDoneHook(hook: (timestamp: number) => void): void {
    this.setDone = hook;
  }

  /** See `setsByTimestamp` in input-stream-handlers.ts. */
  get setsByTimestamp(): boolean {
    return setsByTimestamp(this.node);
  }

  /**
   * A restart's hand-over (restart-handover.ts): empties the gathered sets and the queues — the set
   * whose call failed is carried when `retry(its timestamp)`, else dropped and its frames released.
   * For the fault hook of a node under `restart`, before the engine fails.
   */
  takeCarry(retry: (timestamp: number) => boolean): RestartCarry {
    return takeCarry(this.queues, this.sets, retry, (f) => this.frames?.release(f));
  }

  /** Packets queued or gathered and not yet done (the set in a call included). */
  heldPackets(): number {
    return heldPackets(this.queues, this.sets);
  }

  /**
   * For a fresh instance of a restarted node, before open: each output goes on from the bound its
   * predecessor left downstream (`bounds`, per output; Done: it had ended the stream). What open
   * sends below it is dropped (a header the predecessor sent already); below it later fails the call.
   */
  resumeOutputs(bounds: ArrayLike<number>): void {
    for (let i = 0; i < this.outputs.length; i++) this.outputs[i]!.resumeFrom(bounds[i]!);
  }

  /**
   * For a fresh instance of a restarted node, once open, before its first call: the predecessor's
   * unprocessed packets and input bounds are queued again (their frame references are now ours).
   */
  replay(carry: RestartCarry): void {
    for (const p of carry.packets) {
      this.addPacket(p.input, p.timestamp, p.frame >= 0 ? new FrameRef(p.frame) : p.value, p.frame);
    }
    carry.bounds.forEach((b, i) => {
      if (b >= Timestamp.Done) this.closeInput(i);
      else this.setBound(i, b);
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
   * True once per STOP a node with inputs returned since the last call: the owner then closes every
   * source of the graph (MediaPipe's `stopping`). The node itself goes on.
   */
  takeStopRequest(): boolean {
    const asked = this.stopAsked;
    this.stopAsked = false;
    return asked;
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

  /** True when the handler wants {@link takeAtArrival} called for packets that reach an idle node. */
  get takesAtArrival(): boolean {
    return this.handler.takesAtArrival === true;
  }

  /**
   * For a packet that reached the node while it was idle: takes the input set it completes now,
   * as MediaPipe's scheduler does at arrival, so that what arrives next (while that set is
   * processed) is what a trimming handler drops. True when a set was taken; it is processed by the
   * next `run()`.
   */
  takeAtArrival(): boolean {
    if (this.current !== 'opened' || this.pending !== null || this.nIn === 0) return false;
    if (this.sets.due || this.sets.waiting) return false;
    if (this.handler.readiness() !== READY) return false;
    this.sets.gather(this.handler);
    return true;
  }

  /** Timestamp of the oldest packet queued on input `input`; NaN when none is. */
  queueHead(input: number): number {
    const q = this.queue(input);
    return q.size > 0 ? q.headTimestamp() : Number.NaN;
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

  private waker(): () => void {
    this.wakerWanted = true;
    this.wakeFn ??= () => {
      if (this.wakeRequested || this.current === 'closed' || this.current === 'failed') return;
      this.wakeRequested = true;
      this.wakeHook?.();
    };
    return this.wakeFn;
  }

  // Calls the calculator's close (input timestamp Done, inputs empty at their bounds), then ends.
  protected callClose(): Promise<void> | undefined {
    this.closeCalled = true;
    this.releaseInputs();
    this.fillBounds();
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
    this.ctx.phase = null;
    if (this.current !== 'failed') this.current = 'closed';
    this.releaseInputs();
    for (const o of this.outputs) o.end();
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
    this.releaseInputs();
  }

  private calculatorError(phase: 'open' | 'process' | 'close', err: unknown): Error {
    const what = err instanceof Error ? err.message : String(err);
    return new CalculatorError(
      `Calculator::${LIFECYCLE_NAMES[phase]}() for node "${this.node.name}" ` +
        `(${this.definition.name}) failed: ${what}`,
      { node: this.node.name, phase, cause: err },
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

  // Inputs as seen in open/close: every input empty at its (head or bound) − 1.
  protected fillBounds(): void {
    this.ctx.base = 0;
    for (let i = 0; i < this.nIn; i++) this.queues[i]!.fillEmpty(this.sets.slots[i]!);
  }

  // Drops gathered sets and queued packets, releasing their frames.
  protected releaseInputs(): void {
    this.sets.clear();
    for (const q of this.queues) q.clear();
  }

  protected track<T>(p: Promise<T>): Promise<T> {
    // Allocates: async calls only.
    const tracked = p.finally(() => {
      if (this.pending === tracked) this.pending = null;
    });
    this.pending = tracked;
    return tracked;
  }

  protected queue(input: number): InputQueue {
    const q = this.queues[input];
    if (q === undefined) throw this.misuse(`input ${input} does not exist (the node has ${this.nIn})`);
    return q;
  }

  protected misuse(message: string): Error {
    return new InvalidArgumentError(message, { node: this.node.name });
  }
}

/** True for a promise-like result of a lifecycle call (STOP and undefined are not). */
export function isThenable(r: unknown): r is PromiseLike<unknown> {
  return r !== undefined && r !== STOP && typeof (r as { then?: unknown } | null)?.then === 'function';
}
