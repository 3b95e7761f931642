/**
 * Paced emitters: source-style calculators written as one long-running `run()` loop that emits
 * frames or values, which leave at a steady, adjustable rate (seed 003's emitter model, as weft
 * calculators).
 *
 * ```ts
 * // my-camera.ts — register it like any calculator module:
 * // registry.register('MyCamera', new URL('./my-camera.ts', import.meta.url))
 * export default definePacedEmitter({
 *   name: 'MyCamera',
 *   fps: 30,
 *   bufferSize: 4,
 *   state: () => ({ prompt: 'cat' }),
 *   async run(em) {
 *     while (em.running) {
 *       await em.connected.wait();
 *       const prompt = em.state.prompt;               // snapshot before awaiting: handlers may change it
 *       const t0 = performance.now();
 *       const frames = await render(prompt, em);       // e.g. 4 FrameRefs from em.allocFrame(...)
 *       em.reportInferenceTime(performance.now() - t0, frames.length);
 *       await em.emitBatch(frames);                    // waits while the buffer is full
 *       em.send({ type: 'progress', prompt });
 *     }
 *   },
 *   onEvent(name, payload, em) {
 *     if (name === 'prompt') em.state.prompt = String(payload);
 *   },
 * });
 * ```
 *
 * Threading: {@link definePacedEmitter} runs wherever the module is imported (main thread for
 * validation, the node's actor thread to run); it only builds the definition. Everything an emitter
 * does at run time happens on its actor's thread.
 */
import type { CalculatorDefinition, FrameAccess, PortDecls } from '../core/calculator.js';
import { defineCalculator } from '../core/calculator.js';
import { InvalidArgumentError } from '../core/errors.js';
import type { FrameRef } from '../transport/codec.js';
import type { ConnectionState } from './paced-emitter-buffer.js';
import { fpsProblem, type PacerClock } from './paced-emitter-pacer.js';
import { EmitterRuntime } from './paced-emitter-runtime.js';

export type { ConnectionState } from './paced-emitter-buffer.js';
export { MAX_PACED_FPS, type PacerClock, realPacerClock } from './paced-emitter-pacer.js';

/**
 * Options every paced emitter has (node options override the definition's defaults). Plain data,
 * structured-cloneable (they travel to the node's thread), except `clock`; any thread.
 */
export interface PacedEmitterOptions {
  /** Target output rate, items per second, in (0, 1e6]. Default 30; `em.fps` changes it at run time. */
  readonly fps: number;
  /** Items the output buffer holds before `emit` waits (or drops). Default 4. With batches: ≥ 2 × batch. */
  readonly bufferSize: number;
  /** Weight of the newest `reportInferenceTime` in its moving average, in (0, 1]. Default 0.2. */
  readonly adaptiveAlpha: number;
  /**
   * Without input streams (a source), the longest one `process` call waits while nothing is due, in
   * ms, so the runtime sees a stop request in time. Default 100. A run's `stuckTimeoutMs`, if set,
   * must exceed it.
   */
  readonly pollMs: number;
  /**
   * The clock pacing reads and schedules on. Default null: `performance.now` and `setTimeout`. A
   * clock cannot cross threads, so only the CalculatorRunner (caller's thread) can be given one.
   */
  readonly clock: PacerClock | null;
}

/**
 * Counters of one emitter run: `em.stats`, and the `STATS` output side packet at close. A snapshot:
 * plain data, structured-cloneable; any thread.
 */
export interface PacedEmitterStats {
  /** Items that left on the output stream. */
  readonly emitted: number;
  /** Items dropped: `drop: true` on a full buffer, offered after the emitter stopped, or abandoned. */
  readonly dropped: number;
  /** Messages that left on `MESSAGES`. */
  readonly messages: number;
  /** Items waiting in the buffer now. */
  readonly buffered: number;
  /** Items of `emit` calls blocked on a full buffer now. */
  readonly blocked: number;
  /** The most items the buffer held at once. */
  readonly highWater: number;
  /** The current emission rate, items per second (see {@link PacedEmitter.rate}). */
  readonly rate: number;
}

/** Options of one `emit` / `emitBatch` call. Plain data, given on the actor's thread. */
export interface EmitOptions {
  /** Drop the item (counted in `stats.dropped`, its frame released) instead of waiting when the buffer is full. */
  readonly drop?: boolean;
}

/**
 * What `run()` and the handlers get: the emitter's controls for one run.
 *
 * Concurrency: handlers (`onConnected`, `onDisconnected`, `onEvent`) run on the same thread as
 * `run()`, between its awaits: after an `await`, anything a handler writes (`em.state`, `em.fps`)
 * may have changed. Snapshot what one step needs into locals before awaiting.
 *
 * Threading: the node's actor thread only. Lifecycle: valid for one run; once `running` is false,
 * `emit` drops, `send` discards, `connected.wait()` resolves at once.
 */
export interface PacedEmitter<S = undefined, O extends object = Record<never, never>> {
  /** The node's name in the graph. */
  readonly node: string;
  /** The node's merged options. */
  readonly options: Readonly<PacedEmitterOptions & O>;
  /** The run's state, from the definition's `state()` (undefined without one); shared with handlers. */
  readonly state: S;
  /**
   * True until the emitter stops: `run()` returned, the node closes (its inputs ended, or the run
   * was stopped), or it failed. Loop on it.
   */
  readonly running: boolean;
  /** Aborted when `running` turns false: pass it to cancellable awaits. */
  readonly signal: AbortSignal;
  /**
   * Set while a consumer is connected: driven by boolean packets on the `CONNECTED` input; always set
   * when that input is not wired (nobody reports connections, so the consumer is taken as present).
   */
  readonly connected: ConnectionState;
  /** The target rate (items/s). Setting it applies from the next item; InvalidArgumentError outside (0, 1e6]. */
  fps: number;
  /** The rate items leave at now: `min(fps, 1000 / ema(per-item inference ms))`. */
  readonly rate: number;
  /**
   * Reports how long inference took, `ms` for a batch of `items` (default 1), so the rate follows the
   * model's throughput: `rate = min(fps, 1000 / ema)`, ema over `ms / items` with weight
   * `adaptiveAlpha`. InvalidArgumentError for a negative or non-finite time or a non-integer count.
   */
  reportInferenceTime(ms: number, items?: number): void;
  /**
   * Queues one item: a FrameRef (the buffer takes over that frame reference; it leaves without a
   * copy, or is released if dropped) or a structured value. Resolves true once queued — waiting
   * while the buffer is full — or false when it was dropped (`drop: true` on a full buffer, or the
   * emitter stopped). A batch of images, `{ data, shape: [N, H, W, C] }` (a typed array of N·H·W·C
   * elements), is split into N frames `{ data, shape: [H, W, C] }` (views of `data`, no copy)
   * played at the target rate, as seed 003's `emit` does; it resolves true once all are queued,
   * false if any was dropped. Any other array is one item: {@link PacedEmitter.emitBatch} splits
   * one.
   */
  emit(item: unknown, options?: EmitOptions): Promise<boolean>;
  /**
   * Queues a batch, item by item in order; the items leave one per slot at the current rate.
   * Resolves to the number queued (fewer than `items.length` with `drop: true`). A batch larger than
   * the buffer still passes (it waits for room item by item), but the buffer should hold at least
   * two batches, so the next batch is computed while this one plays out.
   */
  emitBatch(items: readonly unknown[], options?: EmitOptions): Promise<number>;
  /**
   * Sends a structured message on `MESSAGES`, unpaced, at the next engine call, in `send` order. A
   * message may overtake frames still buffered (put data that belongs to a frame into the item). Not
   * wired, or after the emitter stopped: discarded.
   */
  send(message: unknown): void;
  /** A snapshot of the counters. */
  readonly stats: PacedEmitterStats;
  /** The shared frame pool (write frames here, emit them as FrameRefs). */
  readonly frames: FrameAccess;
  /** Allocates a frame of `byteLength` bytes (waits while the pool is exhausted) as a FrameRef. */
  allocFrame(byteLength: number): FrameRef;
  /** An input side packet's value; undefined for an absent optional one. */
  sidePacket<T = unknown>(tag: string, index?: number): T;
}

/**
 * A handler's result: it may be async (the node waits for it before its next call). Returned, and
 * awaited, on the actor's thread.
 */
export type HandlerResult = void | Promise<void>;

/**
 * What {@link definePacedEmitter} takes. `S`: the run's state; `O`: the emitter's own options.
 *
 * Plain data plus functions, as a calculator definition is: its module is imported on each thread
 * that validates or runs the node, so it keeps no state of its own. `validateOptions` runs where
 * the graph is validated; `state` and the handlers on the actor's thread, where `run` interleaves
 * with the others at its awaits.
 */
export interface PacedEmitterSpec<S = undefined, O extends object = Record<never, never>> {
  /** Registry name, e.g. `MyCameraEmitter`. */
  readonly name: string;
  /** Default target rate. Default 30. */
  readonly fps?: number;
  /** Default buffer size. Default 4. */
  readonly bufferSize?: number;
  /** The emitter's own options with their defaults (merged over the paced ones; node options over both). */
  readonly options?: O;
  /** Checks merged options; returns an error message or undefined. */
  readonly validateOptions?: (options: PacedEmitterOptions & O) => string | undefined;
  /** Input side packets the emitter reads (`em.sidePacket`). */
  readonly inputSidePackets?: PortDecls;
  /** Creates the state of one run (`em.state`). */
  state?(): S;
  /** Runs in the node's `open`, before `run()` (e.g. load a model); a failure fails the open. */
  load?(em: PacedEmitter<S, O>): HandlerResult;
  /**
   * The emitter's life: called once after `load`, runs until it returns (the buffer then drains at
   * pace and the outputs close) or the emitter stops (`em.running` false; the node's close waits for
   * it to return, so watch `running` or `signal`). A throw fails the node with a CalculatorError
   * naming it. Release its own resources in a `finally`. Optional: without it the emitter lives
   * until it stops (seed 003's "the default blocks forever"), for emitters driven by their handlers
   * alone.
   */
  run?(em: PacedEmitter<S, O>): HandlerResult;
  /** A consumer connected (`em.connected` is already set). */
  onConnected?(em: PacedEmitter<S, O>): HandlerResult;
  /** The consumer disconnected (`em.connected` is already cleared). */
  onDisconnected?(em: PacedEmitter<S, O>): HandlerResult;
  /** An `EVENTS` packet: `{ name, payload }`, or a bare string name. */
  onEvent?(name: string, payload: unknown, em: PacedEmitter<S, O>): HandlerResult;
}

const PACED_DEFAULTS: PacedEmitterOptions = {
  fps: 30,
  bufferSize: 4,
  adaptiveAlpha: 0.2,
  pollMs: 100,
  clock: null,
};

/**
 * Builds the calculator definition of a paced emitter. Export it as a module's default export and
 * register the module like any calculator.
 *
 * - Inputs (all optional): `CONNECTED`, boolean packets (true: a consumer connected, false: it left);
 *   `EVENTS`, `{ name, payload }` packets for `onEvent`. Under the Immediate handler, so each packet
 *   is handled as it comes. With no input wired the node is a source; with inputs, it closes when
 *   they all end (or when `run()` is over and the buffer drained).
 * - Outputs: untagged, the items, one per slot (FrameRefs as frame packets, without a copy);
 *   optional `MESSAGES`, what `send` sent. Output side packet: optional `STATS`, the final
 *   {@link PacedEmitterStats}.
 * - Timestamps: µs since the node opened on the pacing clock — an item's is its schedule slot, a
 *   message's the time it left — strictly increasing across both outputs. `timestampOffset: null`;
 *   after every call both outputs' bounds rise to the present, so joins downstream never wait on
 *   the emitter's idle time.
 * - Emission happens inside engine calls only. With inputs, the pacing timer asks for a wake call
 *   (`ctx.waker()`), which emits the due items; as a source, `process` waits for the next due item,
 *   message or end (at most `pollMs`), so the runtime's repeated calls never spin.
 * - Lifecycle: `open` runs `load`, then starts `run()` (not awaited). When `run()` returns, the
 *   buffer drains at pace, then the node returns STOP. When the node closes first (inputs ended, run
 *   stopped), `running` turns false, blocked emits resolve false, `close` waits for `run()` to
 *   return, then emits what is still buffered at once. A throw from `run()` or a handler fails the
 *   node (CalculatorError naming it); buffered frames are released.
 * - Threading: one actor thread; handlers and `run()` interleave only at awaits.
 *
 * Throws InvalidArgumentError for a spec without a name or `run`, or with a bad `fps`/`bufferSize`.
 */
export function definePacedEmitter<S = undefined, O extends object = Record<never, never>>(
  spec: PacedEmitterSpec<S, O>,
): CalculatorDefinition<PacedEmitterOptions & O> {
  if (typeof spec?.name !== 'string' || spec.name === '') {
    throw new InvalidArgumentError('definePacedEmitter needs a non-empty name', { phase: 'config' });
  }
  if (spec.run !== undefined && typeof spec.run !== 'function') {
    throw new InvalidArgumentError(`paced emitter ${spec.name}: run must be a function (or left out)`, {
      phase: 'config',
    });
  }
  const options = {
    ...PACED_DEFAULTS,
    ...(spec.fps === undefined ? {} : { fps: spec.fps }),
    ...(spec.bufferSize === undefined ? {} : { bufferSize: spec.bufferSize }),
    ...spec.options,
  } as PacedEmitterOptions & O;
  const problem = optionsProblem(options);
  if (problem !== undefined) {
    throw new InvalidArgumentError(`paced emitter ${spec.name}: ${problem}`, { phase: 'config' });
  }
  return defineCalculator<PacedEmitterOptions & O>({
    name: spec.name,
    contract: {
      inputs: { CONNECTED: 'optional', EVENTS: 'optional' },
      outputs: { '': 'one', MESSAGES: 'optional' },
      ...(spec.inputSidePackets === undefined ? {} : { inputSidePackets: spec.inputSidePackets }),
      outputSidePackets: { STATS: 'optional' },
      options,
      validateOptions: (o) => optionsProblem(o) ?? spec.validateOptions?.(o),
      inputStreamHandler: { name: 'ImmediateInputStreamHandler' },
      timestampOffset: null,
      // With inputs too, the emitter ends itself once run() returned and its buffer played out.
      stopClosesNode: true,
    },
    create: () => new EmitterRuntime<S, O>(spec),
  });
}

function optionsProblem(o: PacedEmitterOptions): string | undefined {
  const fps = fpsProblem(o.fps);
  if (fps !== undefined) return fps;
  if (!Number.isSafeInteger(o.bufferSize) || o.bufferSize < 1 || o.bufferSize > 65536) {
    return `bufferSize must be an integer in [1, 65536], not ${String(o.bufferSize)}`;
  }
  if (!(typeof o.adaptiveAlpha === 'number' && o.adaptiveAlpha > 0 && o.adaptiveAlpha <= 1)) {
    return `adaptiveAlpha must be a number in (0, 1], not ${String(o.adaptiveAlpha)}`;
  }
  if (!(typeof o.pollMs === 'number' && Number.isFinite(o.pollMs) && o.pollMs > 0)) {
    return `pollMs must be a finite number > 0, not ${String(o.pollMs)}`;
  }
  const c = o.clock;
  if (c !== null && (typeof c?.now !== 'function' || typeof c.schedule !== 'function')) {
    return 'clock must be null or an object with now() and schedule(delayMs, fire)';
  }
  return undefined;
}
