/**
 * The engine side of a paced emitter: one instance per run, the {@link Calculator} the node engine
 * drives. It starts the user's `run()`, owns the buffer, the pacer and the connection flag, and
 * emits — only inside engine calls — what is due. `definePacedEmitter` (paced-emitter.ts) documents
 * the behaviour; this file is its implementation.
 *
 * Threading: the node's actor thread (or the CalculatorRunner's caller); not thread-safe.
 */
import type { Calculator, CalculatorContext, LifecycleResult } from '../core/calculator.js';
import { STOP } from '../core/calculator.js';
import { CalculatorError } from '../core/errors.js';
import type { PacedEmitterOptions, PacedEmitterSpec, PacedEmitterStats } from './paced-emitter.js';
import { ConnectionFlag, EmitBuffer } from './paced-emitter-buffer.js';
import { type EmitterCore, EmitterHandle } from './paced-emitter-handle.js';
import { InputDispatcher } from './paced-emitter-inputs.js';
import { Pacer, type PacerClock, realPacerClock } from './paced-emitter-pacer.js';

type Ctx<O extends object> = CalculatorContext<PacedEmitterOptions & O>;

/** One run of one paced emitter. See the file header. */
export class EmitterRuntime<S, O extends object>
  implements Calculator<PacedEmitterOptions & O>, EmitterCore<S, O>
{
  // Set in open; the engine calls nothing else before it.
  ctx!: Ctx<O>;
  clock: PacerClock = realPacerClock;
  pacer!: Pacer;
  buffer!: EmitBuffer;
  readonly connected = new ConnectionFlag();
  readonly controller = new AbortController();
  readonly messages: unknown[] = [];
  state!: S;
  emitted = 0;
  sent = 0;
  private readonly em: EmitterHandle<S, O>;
  private readonly inputs: InputDispatcher<S, O>;
  private origin = 0;
  // The lowest timestamp the next packet may take: above the last packet and every bound raised.
  private floor = 0;
  private inputMode = false;
  private messagesWired = false;
  private wake: () => void = () => {};
  private pacingDue = Number.NaN;
  private cancelPacing: (() => void) | null = null;
  private cancelPoll: (() => void) | null = null;
  private waiter: (() => void) | null = null;
  private finished = false;
  private stopping = false;
  private failure: { error: unknown } | null = null;
  private runDone: Promise<void> = Promise.resolve();

  constructor(private readonly spec: PacedEmitterSpec<S, O>) {
    this.em = new EmitterHandle(this);
    this.inputs = new InputDispatcher(spec, this.em, this.connected);
  }

  /** True until run() returned or threw, or the node began to close. */
  get running(): boolean {
    return !this.finished && !this.stopping && this.failure === null;
  }

  open(ctx: Ctx<O>): LifecycleResult {
    const o = ctx.options;
    this.ctx = ctx;
    this.clock = o.clock ?? realPacerClock;
    this.pacer = new Pacer(o.fps, o.adaptiveAlpha);
    this.buffer = new EmitBuffer(o.bufferSize, (h) => ctx.frames.release(h));
    this.origin = this.clock.now();
    this.state = (this.spec.state?.() ?? undefined) as S;
    this.messagesWired = ctx.outputCount('MESSAGES') > 0;
    this.inputMode = ctx.inputCount('CONNECTED') + ctx.inputCount('EVENTS') > 0;
    if (this.inputMode) this.wake = ctx.waker();
    // Nobody reports connections without the input: the consumer is taken as present.
    if (ctx.inputCount('CONNECTED') === 0) this.connected.set();
    const loaded = this.spec.load === undefined ? undefined : this.spec.load(this.em);
    if (loaded === undefined) return this.startRun();
    return Promise.resolve(loaded).then(() => this.startRun());
  }

  process(ctx: Ctx<O>): LifecycleResult {
    try {
      const r = this.inputMode ? this.processInputs(ctx) : this.processSource(ctx);
      if (r === undefined || r === STOP) return r;
      return r.catch((err: unknown) => {
        this.abandon();
        throw err;
      });
    } catch (err) {
      this.abandon();
      throw err;
    }
  }

  async close(ctx: Ctx<O>): Promise<void> {
    this.stop();
    await this.runDone;
    if (this.failure !== null) {
      this.abandon();
      throw runError(this.failure.error);
    }
    try {
      const port = ctx.output(0);
      // No more calls will come to pace them: what is still buffered leaves now, in order.
      while (this.buffer.size > 0) {
        port.add(this.buffer.take(), this.stamp(this.clock.now()));
        this.emitted++;
      }
      this.flushMessages(ctx);
      ctx.setSidePacket('STATS', this.stats());
    } catch (err) {
      this.abandon();
      throw err;
    }
  }

  /** Asks for an engine call soon: a wake call with inputs, the waiting `process` as a source. */
  notify(): void {
    if (this.inputMode) {
      this.wake();
      return;
    }
    const w = this.waiter;
    if (w === null) return;
    this.waiter = null;
    this.cancelPoll?.();
    this.cancelPoll = null;
    w();
  }

  /** Queues an item or a batch; see PacedEmitter.emit. */
  offer(item: unknown, drop: boolean): boolean | Promise<boolean> {
    if (this.stopping || this.failure !== null) drop = true;
    const r = this.buffer.offer(item, drop);
    if (r === true && this.buffer.size === 1) this.armPacing();
    return r;
  }

  send(message: unknown): void {
    if (!this.messagesWired || this.stopping || this.failure !== null) return;
    this.messages.push(message);
    if (this.messages.length === 1) this.notify();
  }

  /** The rate changed (fps or a report): the next item's slot moves. */
  rescheduled(): void {
    if (this.cancelPacing === null) return;
    this.cancelPacing();
    this.cancelPacing = null;
    this.pacingDue = Number.NaN;
    this.armPacing();
  }

  stats(): PacedEmitterStats {
    const b = this.buffer;
    return {
      emitted: this.emitted,
      dropped: b.dropped,
      messages: this.sent,
      buffered: b.size,
      blocked: b.blocked,
      highWater: b.highWater,
      rate: this.pacer.rate,
    };
  }

  // The life of an emitter without run(): until it stops (its handlers do the emitting).
  private untilStopped(): Promise<void> {
    const signal = this.controller.signal;
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  }

  private startRun(): void {
    // Started after open returns (a microtask later), so its first emits meet an opened node.
    this.runDone = Promise.resolve()
      .then(() => (this.spec.run === undefined ? this.untilStopped() : this.spec.run(this.em)))
      .then(
        () => {
          this.finished = true;
          this.controller.abort();
          this.notify();
        },
        (error: unknown) => {
          // Cancellation that the stop itself caused is how a loop is expected to end.
          if (this.stopping && isAbort(error, this.controller.signal)) return;
          this.failure ??= { error };
          this.notify();
        },
      );
  }

  // With inputs: handlers for this call's packets, then what is due. A wake call has no packets.
  private processInputs(ctx: Ctx<O>): Promise<undefined | typeof STOP> | undefined | typeof STOP {
    const handled = ctx.woken ? undefined : this.inputs.dispatch(ctx);
    if (handled === undefined) return this.step(ctx);
    return handled.then(() => this.step(ctx));
  }

  // As a source: emit what is due; with nothing to do, wait for the next due item, message or end.
  private processSource(ctx: Ctx<O>): Promise<undefined | typeof STOP> | undefined | typeof STOP {
    const before = this.emitted + this.sent;
    const r = this.step(ctx);
    if (r === STOP || this.emitted + this.sent !== before) return r;
    // Allocates the wait's promise and poll timer: only when idle.
    return new Promise<void>((resolve) => {
      this.waiter = resolve;
      this.cancelPoll = this.clock.schedule(this.ctx.options.pollMs, () => {
        this.cancelPoll = null;
        this.notify();
      });
    }).then(() => this.step(ctx));
  }

  // The work of every call: fail on a run() error, emit due items and messages, STOP when all done.
  private step(ctx: Ctx<O>): undefined | typeof STOP {
    if (this.failure !== null) throw runError(this.failure.error);
    const now = this.clock.now();
    const port = ctx.output(0);
    while (this.buffer.size > 0 && this.pacer.isDue(now)) {
      port.add(this.buffer.take(), this.stamp(this.pacer.take(now)));
      this.emitted++;
    }
    this.flushMessages(ctx);
    const b = this.buffer;
    if (this.finished && b.size === 0 && b.blocked === 0 && this.messages.length === 0) return STOP;
    this.raiseBounds(ctx, now);
    this.armPacing();
    return undefined;
  }

  private flushMessages(ctx: Ctx<O>): void {
    if (this.messages.length === 0) return;
    const port = ctx.output('MESSAGES');
    const now = this.clock.now();
    for (const m of this.messages.splice(0)) {
      port.add(m, this.stamp(now));
      this.sent++;
    }
  }

  // Nothing the emitter sends later can be stamped below the present: say so downstream.
  private raiseBounds(ctx: Ctx<O>, now: number): void {
    this.floor = Math.max(this.floor, this.micros(now));
    raise(ctx, 0, this.floor);
    if (this.messagesWired) raise(ctx, 'MESSAGES', this.floor);
  }

  private stamp(atMs: number): number {
    const t = Math.max(this.micros(atMs), this.floor);
    this.floor = t + 1;
    return t;
  }

  private micros(atMs: number): number {
    return Math.round((atMs - this.origin) * 1000);
  }

  // Keeps one timer for the next item's slot; an item already due asks for a call at once.
  private armPacing(): void {
    if (this.buffer === undefined || this.stopping) return;
    if (this.buffer.size === 0) {
      this.cancelPacing?.();
      this.cancelPacing = null;
      return;
    }
    const due = this.pacer.nextDue;
    if (this.cancelPacing !== null && due === this.pacingDue) return;
    this.cancelPacing?.();
    this.cancelPacing = null;
    const now = this.clock.now();
    if (this.pacer.isDue(now)) {
      this.notify();
      return;
    }
    this.pacingDue = due;
    this.cancelPacing = this.clock.schedule(due - now, () => {
      this.cancelPacing = null;
      this.notify();
    });
  }

  // The emitter stops: nothing new is accepted, blocked emits and connection waits resolve.
  private stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    this.controller.abort();
    this.connected.end();
    this.buffer?.close();
    this.cancelPacing?.();
    this.cancelPacing = null;
    this.notify();
  }

  // The node failed: release every frame the buffer holds, since close will not run.
  private abandon(): void {
    this.stop();
    this.buffer?.abandon();
    this.messages.length = 0;
  }
}

function raise<O extends object>(ctx: Ctx<O>, tag: string | number, bound: number): void {
  const port = ctx.output(tag);
  if (bound > port.nextTimestampBound) port.setNextTimestampBound(bound);
}

function runError(error: unknown): Error {
  return new CalculatorError(`run() threw: ${messageOf(error)}`, { cause: error });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function isAbort(error: unknown, signal: AbortSignal): boolean {
  return error === signal.reason || (error instanceof Error && error.name === 'AbortError');
}
