/**
 * The calculator contract: what a calculator declares, and what it sees while it runs.
 *
 * A calculator is a module whose default export is a {@link CalculatorDefinition} (use
 * {@link defineCalculator} for type inference). The definition declares the contract (streams and
 * side packets by tag, options, input stream handler, timestamp offset) and creates a fresh
 * {@link Calculator} instance for every run.
 *
 * ## Lifecycle guarantees (the runtime keeps these; calculators may rely on them)
 * - `create()` is called once per run; an instance never sees two runs.
 * - `open` is called once, before anything else, when every required input side packet is present.
 *   Packets emitted in `open` are delivered. The input timestamp in `open` is `Timestamp.Unstarted`.
 * - If `open` fails, neither `process` nor `close` is called, and the run fails.
 * - `process` is called with strictly increasing input timestamps under the default and sync-set
 *   handlers (except for packets arriving on back edges; the immediate handler may repeat or go
 *   back), never concurrently with itself or with
 *   `open` / `close`, and only between them. A source (no input streams) has `process` called
 *   repeatedly until it returns {@link STOP}.
 * - `close` is called once after the last `process`, when every input stream is done or the run
 *   ends (also after an error elsewhere, if `open` succeeded). The input timestamp in `close` is
 *   `Timestamp.Done`. `close` may emit final packets only on outputs whose bound leaves a timestamp
 *   free (that is, not with the default `timestampOffset: 0` once inputs are done).
 * - A wake call (see {@link CalculatorContext.waker}) is a `process` call too, with the same
 *   guarantees; it never interrupts a batch being gathered and is skipped once the node closed.
 * - Any of `open`, `process`, `close` may return a promise; the runtime awaits it before calling
 *   anything else on the instance, and the actor's event loop keeps turning meanwhile.
 *
 * Threading: a calculator instance lives and runs on exactly one worker thread (its actor). The
 * definition is also imported on the main thread, for validation only: module top-level code must
 * not start work.
 */
import type { FramePoolDescriptorBase } from './frame-ref.js';
import type { InputStreamHandlerConfig } from './input-stream-handler-config.js';

/** How many streams (or side packets) a tag accepts. Plain data; any thread. */
export type Cardinality = 'one' | 'optional' | 'many' | { readonly min: number; readonly max: number };

/**
 * Ports by tag. The empty tag `''` names untagged streams (`input_stream: "name"`); the key `'*'`
 * declares every tag not declared by name (untagged included), each with that cardinality — for
 * calculators that take any tags, as MediaPipe's PassThroughCalculator does. Plain data; any
 * thread.
 */
export type PortDecls = Readonly<Record<string, Cardinality>>;

/** The cardinality `decls` gives `tag`: its own entry, else the `'*'` entry; undefined when neither. */
export function portDecl(decls: PortDecls | undefined, tag: string): Cardinality | undefined {
  return decls?.[tag] ?? decls?.['*'];
}

/** The four kinds of port a calculator has, as its contract and {@link CalculatorContext.tags} name them. */
export type PortKind = 'inputs' | 'outputs' | 'inputSidePackets' | 'outputSidePackets';

/**
 * The wiring of one node, as validation sees it: made for `contract.validate` on the thread that
 * validates the graph, before any of its threads starts. Plain data; any thread.
 */
export interface NodeWiring {
  readonly node: string;
  /** Indices present per tag, e.g. `{ '': [0, 1], FINISHED: [0] }`. */
  readonly inputs: Readonly<Record<string, readonly number[]>>;
  readonly outputs: Readonly<Record<string, readonly number[]>>;
  readonly inputSidePackets: Readonly<Record<string, readonly number[]>>;
  readonly outputSidePackets: Readonly<Record<string, readonly number[]>>;
}

/**
 * What a calculator declares about itself.
 *
 * Threading: read on every thread that imports the calculator: the hooks (`validateOptions`,
 * `validate`, `lineageShift`) run on the thread that validates the graph or builds the run,
 * normally the main thread, before any actor starts; the actor's thread reads the declarations.
 * Hooks must therefore be pure: whatever state they kept would be another copy on each thread.
 */
export interface CalculatorContract<O = Record<string, unknown>> {
  readonly inputs?: PortDecls;
  readonly outputs?: PortDecls;
  readonly inputSidePackets?: PortDecls;
  readonly outputSidePackets?: PortDecls;
  /** Option defaults; a node's options are merged over them. */
  readonly options?: O;
  /** Checks merged options; returns an error message or undefined. */
  readonly validateOptions?: (options: O) => string | undefined;
  /** Checks wiring beyond cardinalities (e.g. as many outputs as inputs); returns a message or undefined. */
  readonly validate?: (wiring: NodeWiring) => string | undefined;
  /** The default input stream handler of this calculator (a node's config overrides it). Default: `Default`. */
  readonly inputStreamHandler?: InputStreamHandlerConfig;
  /**
   * Output bound = input bound + offset, propagated even when `process` is not called.
   * weft's default is **0**: a calculator that emits at its input timestamps (most do) then never
   * stalls a downstream join by emitting nothing — MediaPipe's most common hang. Calculators that
   * emit at other timestamps, or emit in `close`, must declare `null` (no automatic bound) or the
   * offset they keep.
   */
  readonly timestampOffset?: number | null;
  /** Call `process` for every newly settled timestamp, even when only bounds arrived. */
  readonly processTimestampBounds?: boolean;
  /**
   * A weft extension: `STOP` from this node's `process` closes this node (its `close` runs, its
   * outputs end, packets still queued are dropped), as it does for a source. Without it, `STOP`
   * from a node with inputs closes every source of the graph and the node goes on (MediaPipe's
   * rule). For calculators that end themselves, such as paced emitters with inputs.
   */
  readonly stopClosesNode?: boolean;
  /**
   * Declares the calculator stateless across input sets, so a node may run it as several replicas
   * (`parallelism` in the node config), and sets how many by default (1 = one actor, as usual). Only
   * declare it when no instance keeps state from one input set to the next that the results depend
   * on: each replica is its own instance and sees only its share of the sets. Sources and
   * calculators with output side packets cannot be replicated.
   */
  readonly parallelism?: number;
  /**
   * Which inputs each output derives from, for the ids (`streamId`, `frameId`) a Run carries from
   * pushed samples to pulled ones: by default every output derives from every input; `'pairwise'`
   * says the k-th output (in MediaPipe's port order: tags sorted, then index) derives from the k-th
   * input only, as PassThroughCalculator's do.
   */
  readonly outputLineage?: 'pairwise';
  /**
   * How far an output sample's timestamp lies from the input sample it derives from, for the ids a
   * Run carries (an output at `T` takes the ids of the input sample at `T - shift`). Defaults to a
   * numeric `timestampOffset`, else 0. Declare it when the shift depends on options (the contract's
   * offset cannot), as TimeShiftCalculator does. Called once per run, on the thread that builds it.
   */
  readonly lineageShift?: (options: O) => number;
  /**
   * The old-generation size, MiB, V8 should start this calculator's thread with: for calculators
   * that receive data at a high rate through Node's sockets (every chunk a fresh buffer), whose
   * small heap V8 would otherwise collect in full every few tens of MiB received. V8 reads this at
   * a thread's creation from a process-wide setting, which a run (started on the main thread)
   * raises, never lowers, before it starts its threads: every thread of the run, and every thread
   * started later in the process, gets at least as much. Default: V8's.
   */
  readonly initialHeapMb?: number;
}

/**
 * Returned from `process` by a source to say it has nothing more to produce. A registered symbol
 * (`Symbol.for`), so that every copy of weft a thread loads agrees on it; it is only ever returned
 * on the actor's thread, never sent across threads.
 */
export const STOP = Symbol.for('weft.stop');
/** The result type of a lifecycle method, returned on the actor's thread. */
// biome-ignore lint/suspicious/noConfusingVoidType: methods that return nothing must satisfy it.
export type LifecycleResult = void | typeof STOP | Promise<void | typeof STOP>;

/**
 * A packet as a calculator sees it on an input. Reused between calls: copy fields, not the object.
 *
 * Threading: the actor's thread, during the call that received it: the engine rewrites it before the
 * next call, and releases its frame once `process` returns (`ctx.frames.retain` to keep it).
 */
export interface InputPacket {
  /** True when no packet arrived on this stream at the input timestamp. */
  readonly isEmpty: boolean;
  /** The packet's value (a structured value, a number, or a FrameRef for frames). */
  readonly value: unknown;
  /** The packet's timestamp; for an empty input, the stream's bound − 1. */
  readonly timestamp: number;
  /** The frame handle of a frame packet, or -1. The runtime releases it after `process` returns. */
  readonly frame: number;
}

/**
 * An output stream as a calculator writes it.
 *
 * Threading: the actor's thread, inside `open`, `process` or `close` (an async call included, until
 * its promise settles): a write from a timer after the call returned is an InvalidArgumentError,
 * since packets must be emitted in the call that produces them.
 */
export interface OutputPort {
  /** Emits a packet. Timestamps must increase and stay at or above the stream's bound. */
  add(value: unknown, timestamp: number): void;
  /**
   * Emits a frame packet, handing over one reference to the frame (even when it throws). To forward
   * an input frame, `ctx.frames.retain(handle)` first: the engine releases its own reference to every
   * input frame after `process` returns. A FrameRef passed to {@link OutputPort.add} is the same.
   */
  addFrame(handle: number, timestamp: number): void;
  /** Promises that no packet below `bound` will follow. Bounds never go down. */
  setNextTimestampBound(bound: number): void;
  /** Closes the stream (bound Done). Adding afterwards is an error. */
  close(): void;
  /** The lowest timestamp the next packet may carry. */
  readonly nextTimestampBound: number;
}

/**
 * Frame pool access for calculators: allocate and write frames, read incoming frames in place.
 *
 * Threading: the actor's thread, in a call or between calls (a timer releasing a retained frame).
 * `alloc` blocks that thread in `Atomics.wait` while the size class is exhausted, so its timers and
 * promises wait too: a calculator that needs its event loop meanwhile uses `allocAsync`. Another
 * thread reaches the pool only through {@link FrameAccess.descriptor}; handles cross threads as
 * plain numbers, each reference released once by whoever holds it.
 */
export interface FrameAccess {
  /** Allocates a frame (waits while the pool is exhausted, applying back-pressure). */
  alloc(byteLength: number): number;
  /**
   * Allocates a frame, or returns -1 at once when its size class is exhausted. For a calculator
   * that must not block while holding others back: it can announce its bounds, then `allocAsync`.
   */
  tryAlloc(byteLength: number): number;
  /**
   * Allocates a frame, waiting without blocking the thread (the actor's event loop keeps turning).
   * Rejects with PoolExhaustedError if no slot freed within `timeoutMs` (default: no limit); a
   * bounded wait lets a caller that waits on its own initiative look at the world again (a stop).
   */
  allocAsync(byteLength: number, timeoutMs?: number): Promise<number>;
  /** The frame's bytes: a view of shared memory, valid while a reference is held. */
  bytes(handle: number): Uint8Array;
  /** The frame's length in bytes. */
  byteLength(handle: number): number;
  /** True while `handle` is a live frame of this pool (never throws; one shared read). */
  isValid(handle: number): boolean;
  /** Takes an extra reference (to keep an input frame past `process`). */
  retain(handle: number): void;
  /** Drops a reference taken with alloc or retain. */
  release(handle: number): void;
  /**
   * The pool's descriptor, for threads the calculator starts itself: they attach the pool with
   * `FramePool.attach` (structured-cloneable; its SharedArrayBuffers are shared, not copied).
   */
  readonly descriptor: FramePoolDescriptorBase;
}

/**
 * What `open`, `process` and `close` receive. One context object per actor, reused across calls.
 *
 * Threading: the actor's thread only; not thread-safe. Lifecycle: made by the runtime before `open`
 * and valid until `close` returns; inputs and outputs are good during a call only (see
 * {@link InputPacket} and {@link OutputPort}), while the function from `waker()` may be called at
 * any time in between.
 */
export interface CalculatorContext<O = Record<string, unknown>> {
  /** The node's name in the graph. */
  readonly node: string;
  /** Merged options. */
  readonly options: O;
  /** `Unstarted` in open, the settled timestamp in process (0 for a source, as in MediaPipe), `Done` in close. */
  readonly inputTimestamp: number;
  /** The packet (or empty) on an input: by tag and index, or by index for untagged streams. */
  input(tag: string | number, index?: number): InputPacket;
  /** Number of streams wired to a tag. */
  inputCount(tag: string): number;
  /** An output stream by tag and index, or by index for untagged streams. */
  output(tag: string | number, index?: number): OutputPort;
  /** Number of output streams wired to a tag. */
  outputCount(tag: string): number;
  /** An input side packet's value; undefined for an absent optional one. */
  sidePacket<T = unknown>(tag: string | number, index?: number): T;
  /** Number of input side packets wired to a tag. */
  sidePacketCount(tag: string): number;
  /** Number of output side packets wired to a tag. */
  outputSidePacketCount(tag: string): number;
  /**
   * The tags wired on one kind of port, sorted as MediaPipe orders a collection (`''` first, then
   * by name); for calculators whose contract takes any tags (`'*'`). The same array on every call.
   */
  tags(kind: PortKind): readonly string[];
  /** Sets an output side packet (readable by later nodes' open, and after the run). */
  setSidePacket(tag: string | number, value: unknown, index?: number): void;
  /** The shared frame pool. */
  readonly frames: FrameAccess;
  /**
   * A function that asks for a *wake call*: one extra `process` call as soon as the node is free,
   * even though no input set is ready. For work that completes on its own time: a batch timeout, a
   * task finished on another thread, a pacing timer. The function may be called at any time on the
   * actor's thread, also between calls (from a timer or a promise); requests made before the wake
   * call coalesce into one, and one made during a wake call is served on the next turn. Asking for
   * a waker (once, usually in `open`) switches the actor to waits that keep its event loop turning,
   * so timers and promises settle while it idles. Always returns the same function.
   */
  waker(): () => void;
  /**
   * True during a wake call. Its input timestamp is `Timestamp.Unstarted` and every input is empty;
   * outputs take packets at any timestamp their bounds allow.
   */
  readonly woken: boolean;
}

/**
 * A calculator instance: created fresh for each run.
 *
 * Threading: created by {@link CalculatorDefinition.create} on its actor's thread and called only
 * there, one call at a time, in the order the module comment guarantees.
 */
export interface Calculator<O = Record<string, unknown>> {
  open?(ctx: CalculatorContext<O>): LifecycleResult;
  process(ctx: CalculatorContext<O>): LifecycleResult;
  close?(ctx: CalculatorContext<O>): LifecycleResult;
}

/**
 * A calculator module's default export.
 *
 * Threading: plain data plus functions, imported on each thread that needs it: the thread that
 * validates a graph reads its contract, each actor's thread calls `prepare` and `create`. It must
 * therefore hold no state of its own (each thread has its own copy of the module) and its module
 * must start no work at top level. Lifecycle: lives as long as its module; nothing to close.
 */
export interface CalculatorDefinition<O = Record<string, unknown>> {
  /** Registry name, e.g. `PassThroughCalculator`. */
  readonly name: string;
  /** One sentence on what it does, shown by `weft inspect`. */
  readonly description?: string;
  readonly contract: CalculatorContract<O>;
  /** Creates a fresh instance for one run, on the actor's thread. */
  create(): Calculator<O>;
  /**
   * Called once on each thread that will run the calculator, as soon as its module is imported and
   * before any instance exists — also on the idle standby thread of a node under the `restart`
   * policy: start loading what instances will need (a native library), so that `open` finds it
   * ready. Not called on a thread that imports the module for another reason (an application's main
   * thread, a calculator that imports this one). Its result is not awaited and its errors are
   * ignored: `open` reports the failure when it needs what failed to load.
   */
  prepare?(): void | Promise<void>;
}

/**
 * Identity helper that infers the options type. Any thread, usually at a module's top level: it does
 * no work, so importing the module (on the main thread, to validate a graph) stays free.
 */
export function defineCalculator<O = Record<string, unknown>>(
  definition: CalculatorDefinition<O>,
): CalculatorDefinition<O> {
  return definition;
}
