/**
 * Per-node scheduling counters in shared memory.
 *
 * Each actor writes its own block; the supervisor (and later the telemetry) reads every block
 * without a message or a lock. Counts and times are float64 (exact up to 2^53, written by one
 * thread only); the words other threads act on (state, progress, stop, queue limits) are Int32
 * and accessed with Atomics.
 *
 * Layout, per node n (one SharedArrayBuffer for the graph):
 * ```
 * Int32   [n*16 + 0]  STATE      NodeState, written by the actor
 * Int32   [n*16 + 1]  PROGRESS   bumped by the actor after every loop turn that did work
 * Int32   [n*16 + 2]  STOP       set by the supervisor: leave the loop now
 * Int32   [n*16 + 3]  STAGE      the calculator's lifecycle stage (open, process, close), by the actor
 * Float64 [base + n*8 + 0..7]   processCalls, packetsIn, packetsOut, busyMs, idleMs,
 *                                blockedMs, callStartedAt (epoch ms, 0 when not in a call),
 *                                restarts (failures the restart policy survived)
 * Int32   [inputBase + 2*i]     queue limit of global input i (written by the supervisor)
 * Int32   [inputBase + 2*i + 1] queue depth of global input i (written by the actor)
 * Float64 [packetsBase + i]     packets taken from global input i's ring (written by the actor)
 * Int32   [graphBase + 0]       SOURCES_STOPPING: a node returned STOP, or the application closed
 *                               all packet sources; every source closes at its next turn
 * ```
 * Node blocks are 64 bytes apart so that actors never write one cache line.
 *
 * Threading: any thread; one writer per field as listed.
 */

/** What an actor is doing, as seen from outside. */
export const NodeState = Object.freeze({
  Created: 0,
  Opening: 1,
  Running: 2,
  WaitingInput: 3,
  BlockedOutput: 4,
  Closing: 5,
  Done: 6,
  Failed: 7,
  /** Inside a call, waiting for a frame-pool slot (the size class is exhausted). */
  WaitingFrame: 8,
} as const);
export type NodeState = (typeof NodeState)[keyof typeof NodeState];

/** Int32 word of a node's block: its {@link NodeState}; written by its actor, read by anyone (Atomics). */
export const STATE = 0;
/** Int32 word: bumped by the actor after every turn that did work; the watchdog reads it for stalls. */
export const PROGRESS = 1;
/** Int32 word: set to 1 by the supervisor (the run stops); the actor leaves its loop at its next check. */
export const STOP = 2;
/** The calculator's lifecycle stage: 0 none yet, then {@link Stage} open, process, close. */
export const STAGE = 3;
const NODE_WORDS = 16;

/** Lifecycle stages as the stage word holds them (written at each transition, three at most). */
export const Stage = Object.freeze({ None: 0, Open: 1, Process: 2, Close: 3 } as const);
const STAGE_NAMES = [undefined, 'open', 'process', 'close'] as const;
const STAGE_KEYS = { open: 'Open', process: 'Process', close: 'Close' } as const;

// Float64 fields of a node's block (see the layout above). Each has one writing thread, its actor,
// unless said otherwise; any thread reads them (stage stats, the watchdog) without Atomics.
/** Float64 field: process calls made. */
export const F_PROCESS_CALLS = 0;
/** Float64 field: packets taken from the node's inputs. */
export const F_PACKETS_IN = 1;
/** Float64 field: packets written to the node's outputs. */
export const F_PACKETS_OUT = 2;
/** Float64 field: ms spent in turns (blocked pushes included). */
export const F_BUSY_MS = 3;
/** Float64 field: ms parked waiting for input. */
export const F_IDLE_MS = 4;
/** Float64 field: ms blocked on full outputs. */
export const F_BLOCKED_MS = 5;
/** Float64 field: epoch ms at which the call in progress started, 0 outside calls (the watchdog's stuck check). */
export const F_CALL_STARTED_AT = 6;
/** Failures the node's restart policy survived (the actor under `resume`, the supervisor under `restart`). */
export const F_RESTARTS = 7;
/** Input packets lost to failures (see `StageStats.lost`): the actor under `resume`, the supervisor under `restart`. */
export const F_LOST = 8;
/**
 * 1 once code of this node ended its shared thread with `process.exit` (a timer, a promise, a call):
 * the supervisor charges the thread's death to it (see actor-threads.ts). Written by the dying thread.
 */
export const F_EXITED_THREAD = 9;
const NODE_F64 = 10;
const GRAPH_BYTES = 64;

/** Structured-cloneable counters of one graph run. */
export interface CountersDescriptor {
  readonly sab: SharedArrayBuffer;
  readonly nodes: number;
  readonly inputs: number;
}

/** Allocates counters for `nodes` nodes with `inputs` inputs in total, every limit set to `limit(i)`. */
export function createCounters(
  nodes: number,
  inputs: number,
  limit: (input: number) => number,
): CountersDescriptor {
  const f64Base = nodes * NODE_WORDS * 4;
  const inputBase = f64Base + nodes * NODE_F64 * 8;
  // Per input: two Int32 words, then (8-byte aligned) one Float64 packet count; then one line of
  // graph-wide words.
  const sab = new SharedArrayBuffer(inputBase + inputs * 8 + inputs * 8 + GRAPH_BYTES);
  const d = { sab, nodes, inputs };
  const c = new NodeCounters(d);
  for (let i = 0; i < inputs; i++) c.setQueueLimit(i, limit(i));
  return d;
}

/** Views over a graph's counters. Threading: any thread. */
export class NodeCounters {
  readonly i32: Int32Array;
  readonly f64: Float64Array;
  private readonly inputBase: number;
  /** Packets taken from each global input's ring. */
  readonly inputPackets: Float64Array;
  private readonly graphBase: number;

  constructor(d: CountersDescriptor) {
    const f64Base = d.nodes * NODE_WORDS * 4;
    this.i32 = new Int32Array(d.sab);
    this.f64 = new Float64Array(d.sab, f64Base, d.nodes * NODE_F64);
    this.inputBase = (f64Base + d.nodes * NODE_F64 * 8) / 4;
    this.inputPackets = new Float64Array(d.sab, (this.inputBase + 2 * d.inputs) * 4, d.inputs);
    this.graphBase = this.inputBase + 4 * d.inputs;
  }

  /**
   * MediaPipe's `stopping`: a node returned STOP, or the application closed every packet source.
   * Each source node closes (its `close` runs, its outputs end) instead of its next `process`.
   */
  stopSources(): void {
    Atomics.store(this.i32, this.graphBase, 1);
  }

  /** True once {@link stopSources} was called. */
  sourcesStopping(): boolean {
    return Atomics.load(this.i32, this.graphBase) !== 0;
  }

  /** Int32 index of node `n`'s word `w` (STATE, PROGRESS, STOP). */
  word(n: number, w: number): number {
    return n * NODE_WORDS + w;
  }

  /** Float64 index of node `n`'s field `f` (F_*). */
  field(n: number, f: number): number {
    return n * NODE_F64 + f;
  }

  /** The node's lifecycle stage, as a phase name (undefined before open). Any thread. */
  stage(n: number): 'open' | 'process' | 'close' | undefined {
    return STAGE_NAMES[Atomics.load(this.i32, n * NODE_WORDS + STAGE)];
  }

  /** Actor side: the calculator entered a lifecycle stage. */
  setStage(n: number, stage: 'open' | 'process' | 'close'): void {
    Atomics.store(this.i32, n * NODE_WORDS + STAGE, Stage[STAGE_KEYS[stage]]);
  }

  state(n: number): NodeState {
    return Atomics.load(this.i32, n * NODE_WORDS + STATE) as NodeState;
  }

  setState(n: number, s: NodeState): void {
    Atomics.store(this.i32, n * NODE_WORDS + STATE, s);
  }

  progress(n: number): number {
    return Atomics.load(this.i32, n * NODE_WORDS + PROGRESS);
  }

  stopRequested(n: number): boolean {
    return Atomics.load(this.i32, n * NODE_WORDS + STOP) !== 0;
  }

  requestStop(n: number): void {
    Atomics.store(this.i32, n * NODE_WORDS + STOP, 1);
  }

  queueLimit(input: number): number {
    return Atomics.load(this.i32, this.inputBase + 2 * input);
  }

  setQueueLimit(input: number, limit: number): void {
    Atomics.store(this.i32, this.inputBase + 2 * input, limit);
  }

  queueDepth(input: number): number {
    return Atomics.load(this.i32, this.inputBase + 2 * input + 1);
  }

  setQueueDepth(input: number, depth: number): void {
    Atomics.store(this.i32, this.inputBase + 2 * input + 1, depth);
  }
}
