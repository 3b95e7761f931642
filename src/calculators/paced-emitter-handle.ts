/**
 * The `em` that a paced emitter's `run()` and handlers see: a thin view of the run's core, which
 * checks what user code passes in and forwards it.
 *
 * Threading: the node's actor thread only. Lifecycle: one handle per run, valid for that run.
 */
import type { CalculatorContext, FrameAccess } from '../core/calculator.js';
import { InvalidArgumentError } from '../core/errors.js';
import { FrameRef } from '../transport/codec.js';
import type { EmitOptions, PacedEmitter, PacedEmitterOptions, PacedEmitterStats } from './paced-emitter.js';
import type { ConnectionState } from './paced-emitter-buffer.js';
import { fpsProblem, type Pacer } from './paced-emitter-pacer.js';

/** What the handle needs of the run's core (EmitterRuntime). */
export interface EmitterCore<S, O extends object> {
  readonly ctx: CalculatorContext<PacedEmitterOptions & O>;
  readonly state: S;
  readonly running: boolean;
  readonly controller: AbortController;
  readonly connected: ConnectionState;
  readonly pacer: Pacer;
  stats(): PacedEmitterStats;
  /** The rate changed: move the pending slot. */
  rescheduled(): void;
  /** Queues an item: true queued, false dropped, a promise while it waits for room. */
  offer(item: unknown, drop: boolean): boolean | Promise<boolean>;
  send(message: unknown): void;
}

/** The {@link PacedEmitter} of one run. */
export class EmitterHandle<S, O extends object> implements PacedEmitter<S, O> {
  constructor(private readonly r: EmitterCore<S, O>) {}

  get node(): string {
    return this.r.ctx.node;
  }
  get options(): Readonly<PacedEmitterOptions & O> {
    return this.r.ctx.options;
  }
  get state(): S {
    return this.r.state;
  }
  get running(): boolean {
    return this.r.running;
  }
  get signal(): AbortSignal {
    return this.r.controller.signal;
  }
  get connected(): ConnectionState {
    return this.r.connected;
  }
  get fps(): number {
    return this.r.pacer.fps;
  }
  set fps(value: number) {
    const problem = fpsProblem(value);
    if (problem !== undefined) throw new InvalidArgumentError(problem, { node: this.node });
    this.r.pacer.fps = value;
    this.r.rescheduled();
  }
  get rate(): number {
    return this.r.pacer.rate;
  }
  get stats(): PacedEmitterStats {
    return this.r.stats();
  }
  get frames(): FrameAccess {
    return this.r.ctx.frames;
  }

  reportInferenceTime(ms: number, items = 1): void {
    if (!(typeof ms === 'number' && Number.isFinite(ms) && ms >= 0)) {
      throw new InvalidArgumentError(`inference time must be a finite number ≥ 0, not ${String(ms)}`, {
        node: this.node,
      });
    }
    if (!Number.isSafeInteger(items) || items < 1) {
      throw new InvalidArgumentError(`items must be an integer ≥ 1, not ${String(items)}`, {
        node: this.node,
      });
    }
    this.r.pacer.report(ms, items);
    this.r.rescheduled();
  }

  emit(item: unknown, options?: EmitOptions): Promise<boolean> {
    // Allocates a promise per item: the API is awaited by design (it is where back-pressure bites).
    try {
      const frames = imageBatch(item, this.node);
      if (frames !== undefined) return this.emitBatch(frames, options).then((n) => n === frames.length);
      return Promise.resolve(this.r.offer(item, options?.drop === true));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  async emitBatch(items: readonly unknown[], options?: EmitOptions): Promise<number> {
    if (!Array.isArray(items)) {
      throw new InvalidArgumentError('emitBatch takes an array of items', { node: this.node });
    }
    const drop = options?.drop === true;
    // Offered together, so the batch keeps its order and stays contiguous in the line.
    const results = items.map((item) => this.r.offer(item, drop));
    let queued = 0;
    for (const r of results) if ((await r) === true) queued++;
    return queued;
  }

  send(message: unknown): void {
    this.r.send(message);
  }

  allocFrame(byteLength: number): FrameRef {
    return new FrameRef(this.r.ctx.frames.alloc(byteLength));
  }

  sidePacket<T = unknown>(tag: string, index?: number): T {
    return this.r.ctx.sidePacket<T>(tag, index);
  }
}

type Elements = Exclude<ArrayBufferView, DataView>;

/**
 * Seed 003's batch, `{ data, shape: [N, H, W, C] }`, as its N frames `{ data, shape: [H, W, C] }`
 * (views of `data`: allocates the views and their objects, once per frame); undefined for any other
 * item. InvalidArgumentError when the shape does not describe `data`.
 */
export function imageBatch(item: unknown, node: string): { data: Elements; shape: number[] }[] | undefined {
  if (typeof item !== 'object' || item === null) return undefined;
  const { data, shape } = item as { data?: unknown; shape?: unknown };
  if (!Array.isArray(shape) || shape.length !== 4 || !ArrayBuffer.isView(data) || data instanceof DataView) {
    return undefined;
  }
  const elements = data as Elements & { length: number; subarray(a: number, b: number): Elements };
  const [n, h, w, c] = shape as number[];
  const dims = [n, h, w, c];
  if (!dims.every((d) => Number.isSafeInteger(d) && d! >= 0) || n! * h! * w! * c! !== elements.length) {
    throw new InvalidArgumentError(
      `a batch's shape [${shape.join(', ')}] does not describe its ${elements.length} elements`,
      { node },
    );
  }
  const per = h! * w! * c!;
  return Array.from({ length: n! }, (_, i) => ({
    data: elements.subarray(i * per, (i + 1) * per),
    shape: [h!, w!, c!],
  }));
}
