/**
 * The state half of a node engine: its queues, gathered sets, outputs and context, the hooks its
 * owner sets, packets and bounds coming in, and what a restart hands over (restart-handover.ts).
 * {@link EngineCore} (`engine-core.ts`) adds the lifecycle, {@link NodeEngine} (`node-engine.ts`,
 * which documents the semantics) the `run()` loops; the split only keeps each file readable.
 *
 * Threading: one thread; not thread-safe.
 */
import type { Calculator, CalculatorDefinition, FrameAccess } from './calculator.js';
import { EngineContext, InputSets, releaseCaught } from './calculator-context.js';
import { InvalidArgumentError } from './errors.js';
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
import { Timestamp } from './timestamp.js';

/**
 * A node engine's state and inputs; not used on its own (see `NodeEngine`).
 * Threading: one thread; not thread-safe.
 */
export abstract class EngineBase {
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
  protected faultHook: ((phase: 'process' | 'close', err: Error) => Error | null) | null = null;
  protected setDone: ((timestamp: number) => void) | null = null;
  protected afterSet: (() => void) | null = null;

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

  /**
   * Sets what the engine calls after each input set it finished, after the set-done hook: an actor
   * whose producer counts the packets it holds reports its queue there. Engine's thread.
   */
  setAfterSetHook(hook: () => void): void {
    this.afterSet = hook;
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
    // A frame that will not release is one the calculator released itself before failing: it is
    // free already, and the failure under way is the one to report.
    const frames = this.frames;
    return takeCarry(this.queues, this.sets, retry, (f) => frames !== null && releaseCaught(frames, f));
  }

  /** Packets queued or gathered and not yet done (the set in a call included). */
  heldPackets(): number {
    return heldPackets(this.queues, this.sets);
  }

  /**
   * The input timestamp of the call in progress, or of the last one: a set's timestamp, Unstarted in
   * `open` and wake calls, Done in `close`.
   */
  get callTimestamp(): number {
    return this.ctx.inputTimestamp;
  }

  /** Packets in the input set of the call in progress (0 in `open`, `close`, wake and source calls). */
  callSetPackets(): number {
    const base = this.ctx.base;
    let n = 0;
    for (let i = 0; i < this.nIn; i++) if (!this.sets.slots[base + i]!.isEmpty) n++;
    return n;
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

  /** Packets queued on input `input`. */
  queueSize(input: number): number {
    return this.queue(input).size;
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

  protected queue(input: number): InputQueue {
    const q = this.queues[input];
    if (q === undefined) throw this.misuse(`input ${input} does not exist (the node has ${this.nIn})`);
    return q;
  }

  protected misuse(message: string): Error {
    return new InvalidArgumentError(message, { node: this.node.name });
  }
}
