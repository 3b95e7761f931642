/**
 * An actor's turns: one turn drains the node's rings, runs every ready call (a source's in
 * batches) and publishes what they emitted; between turns with nothing to do, the node waits for
 * input or a wake. The hot path of every node: nothing here allocates per packet or per synchronous
 * turn, and every actor's turns have one shape, so that the turn stays monomorphic.
 *
 * Threading: the node's thread. Lifecycle: made with its actor (actor-host.ts), which owns what it
 * is given; `turn` once the node is open, from the actor's `step`; `idle` from the actor's own loop
 * only (a driver sharing the thread waits for all its nodes itself).
 */
import type { NodeEngine } from '../core/node-engine.js';
import type { FramePool } from '../transport/frame-pool.js';
import type { InputSet } from '../transport/input-set.js';
import type { RingReader } from '../transport/ring-queue.js';
import type { FrameTally } from './actor-frames.js';
import type { ActorInputs } from './actor-inputs.js';
import type { ActorRestart } from './actor-restart.js';
import { F_BUSY_MS, F_IDLE_MS, F_PROCESS_CALLS, type NodeCounters, NodeState } from './node-counters.js';
import type { RingSink } from './ring-sink.js';

// Process calls a source makes per loop turn.
const SOURCE_BATCH = 64;
// A source whose consumers share its thread makes no further call in a turn that has run this long,
// ms: a cheap source still batches (64 calls of a counter source take ~0.1 ms on 2 cores here), a
// heavy one hands each call's output on at once.
const LOCAL_SOURCE_TURN_MS = 0.2;
/** What a loop does after a turn ({@link ActorTurns.turn}, through `Actor.step`): run it again. */
export const TURN_BUSY = 0;
/** The node has nothing to do until input comes or its calculator wakes it. */
export const TURN_IDLE = 1;
/** The node finished: its `finished` promise settled. */
export const TURN_CLOSED = 2;

/** What the turns of one actor work on; all of it the actor's. */
export interface TurnParts {
  readonly n: number;
  readonly counters: NodeCounters;
  readonly engine: NodeEngine;
  readonly inputs: ActorInputs;
  readonly sink: RingSink;
  readonly pool: FramePool;
  /** Frames the calculator has taken from the pool (a source's turn stops batching once it made one). */
  readonly frameTally: FrameTally;
  /** Counter word of the start time of the call in progress (0: none), for the watchdog. */
  readonly startedAtField: number;
  /** The node's part in the `restart` policy; null under other policies. */
  readonly role: ActorRestart | null;
}

/** The turns of one actor (see the module comment). */
export class ActorTurns {
  /**
   * Becomes true once a lifecycle call returned a promise: from then on waits keep the loop turning.
   * Set here, and by the actor's `open`.
   */
  asyncMode = false;
  // Copied out of the parts so that the hot path reads its own fields.
  private readonly n: number;
  private readonly counters: NodeCounters;
  private readonly engine: NodeEngine;
  private readonly in: ActorInputs;
  private readonly readers: RingReader[];
  private readonly set: InputSet | null;
  private readonly sink: RingSink;
  private readonly pool: FramePool;
  private readonly frameTally: FrameTally;
  private readonly startedAtField: number;
  private readonly role: ActorRestart | null;

  constructor(p: TurnParts) {
    this.n = p.n;
    this.counters = p.counters;
    this.engine = p.engine;
    this.in = p.inputs;
    this.readers = p.inputs.readers;
    this.set = p.inputs.set;
    this.sink = p.sink;
    this.pool = p.pool;
    this.frameTally = p.frameTally;
    this.startedAtField = p.startedAtField;
    this.role = p.role;
  }

  /**
   * One turn: drain the rings, run every ready call, publish. Synchronous unless a call returned a
   * promise, and kept out of `runLoop` on purpose: V8 optimizes a function when it is called again,
   * and an async function that is entered once and then only resumed from its awaits (`runLoop`)
   * keeps running its baseline code for the life of the actor, however hot its loop is (measured:
   * the per-turn work stayed in Sparkplug code while TurboFan compiled `runLoop` in vain, 40-100 ms
   * of CPU per actor).
   */
  turn(): number | Promise<number> {
    const c = this.counters;
    c.setState(this.n, NodeState.Running);
    if (this.set === null && c.sourcesStopping()) return this.closeSource();
    const turnStart = performance.now();
    const moved = this.in.drain(this.engine);
    if (moved > 0 && this.role !== null) this.role.noteHeld(this.readers);
    c.f64[this.startedAtField] = Date.now();
    const taken = this.frameTally.taken;
    let calls = this.engine.run();
    if (calls instanceof Promise) return this.endAsyncTurn(calls, 0, moved, turnStart);
    if (this.set === null) {
      // A source's run() is one process call: batch them, so the per-turn bookkeeping is paid once
      // per batch. A consumer sharing the thread (the sink has a helper) runs only after this turn:
      // once a call made frames, or the calls outweigh the bookkeeping, more calls only queue
      // packets, and their pool slots, in front of it (measured on the fleet's lanes: batched, the
      // shards held every camera slot; one call a turn took p50 / p99 latency 8 / 28 → 4 / 10 ms).
      const local = this.sink.helper !== null;
      for (let k = 1; k < SOURCE_BATCH && calls > 0 && this.engine.state !== 'closed'; k++) {
        if (
          local &&
          (this.frameTally.taken !== taken || performance.now() - turnStart > LOCAL_SOURCE_TURN_MS)
        )
          break;
        const more = this.engine.run();
        if (more instanceof Promise) return this.endAsyncTurn(more, calls, moved, turnStart);
        calls += more;
      }
    }
    return this.endTurn(moved, calls, turnStart);
  }

  /**
   * Waits, bounded, for input or a wake (the node's own set; a source has none and never idles):
   * its own loop's wait between turns. Throws what the wait throws.
   */
  async idle(): Promise<void> {
    const c = this.counters;
    c.setState(this.n, NodeState.WaitingInput);
    const t0 = performance.now();
    // Bounded waits: the stop word and raised queue limits are re-read at least this often even if
    // a wake-up is missed by a peer that died.
    if (this.asyncMode) await this.set!.waitAsync(250);
    else this.set!.wait(250);
    this.in.fromIdle = true;
    c.f64[c.field(this.n, F_IDLE_MS)]! += performance.now() - t0;
  }

  // The rest of a turn whose call returned a promise: from then on, waits keep the loop turning.
  // Allocates the async function's promise: async turns only.
  private async endAsyncTurn(
    pending: Promise<number>,
    before: number,
    moved: number,
    turnStart: number,
  ): Promise<number> {
    this.asyncMode = true;
    // Whatever this turn emitted goes out now, the earlier calls of a source's batch included: the
    // await may be long (measured: a camera shard waiting 1 ms for a pool slot held its last frames
    // back from an idle preprocess for that long, every time).
    this.sink.flush();
    this.pool.flushStaleWakes();
    return this.endTurn(moved, before + (await pending), turnStart);
  }

  // A node returned STOP, or the application closed every packet source: a source closes instead
  // of its next process call (its close runs, its outputs end), and the graph drains.
  private closeSource(): number | Promise<number> {
    const c = this.counters;
    c.f64[this.startedAtField] = Date.now();
    const done = (): number => {
      c.f64[this.startedAtField] = 0;
      this.sink.flush();
      return TURN_CLOSED;
    };
    const r = this.engine.close();
    if (r instanceof Promise) {
      this.asyncMode = true;
      return r.then(done);
    }
    return done();
  }

  // Bookkeeping after the calls of a turn; says what the loop does next.
  private endTurn(moved: number, calls: number, turnStart: number): number {
    const c = this.counters;
    const n = this.n;
    c.f64[this.startedAtField] = 0;
    if (this.engine.takeStopRequest()) c.stopSources();
    this.in.recordDepths(this.engine);
    // More work is likely right behind this turn: announce outputs lazily. Going idle parks,
    // and every park flushes and wakes (publishAll), so nothing waits unannounced for long.
    this.sink.publishLazily();
    this.pool.flushStaleWakes();
    if (moved > 0 || calls > 0) Atomics.add(c.i32, c.word(n, 1), 1);
    c.f64[c.field(n, F_PROCESS_CALLS)]! += calls;
    // Busy time includes time blocked on full outputs; RingSink counts that part separately.
    c.f64[c.field(n, F_BUSY_MS)]! += performance.now() - turnStart;
    if (this.engine.state === 'closed') return TURN_CLOSED;
    if (this.engine.usesWaker) this.asyncMode = true;
    return moved === 0 && calls === 0 && this.set !== null && !this.engine.wakePending
      ? TURN_IDLE
      : TURN_BUSY;
  }
}
