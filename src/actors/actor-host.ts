/**
 * A node as an actor: its engine, rings and counters, the loop that drains its inputs, runs its
 * calls and publishes its outputs, and the lifecycle (open, stop, failure) the supervisor drives
 * through the node's control channel. actor-task.ts runs one actor on a thread of its own;
 * executor-host.ts runs several on one thread through {@link Actor.step}.
 *
 * Threading: the node's thread.
 */
import type { CalculatorDefinition } from '../core/calculator.js';
import { NodeEngine } from '../core/node-engine.js';
import type { RestartCarry } from '../core/restart-handover.js';
import { FramePool } from '../transport/frame-pool.js';
import type { InputSet } from '../transport/input-set.js';
import { type RingReader, RingWriter } from '../transport/ring-queue.js';
import { actorFrames, type FrameTally } from './actor-frames.js';
import { ActorInputs } from './actor-inputs.js';
import { ActorOutcome } from './actor-outcome.js';
import type { ActorArgs, ActorResult } from './actor-protocol.js';
import { ActorRestart } from './actor-restart.js';
import { RECOVERED } from './control-channel.js';
import {
  F_BUSY_MS,
  F_CALL_STARTED_AT,
  F_IDLE_MS,
  F_LOST,
  F_PROCESS_CALLS,
  F_RESTARTS,
  NodeCounters,
  NodeState,
} from './node-counters.js';
import { RestartPolicyRunner } from './restart-policy.js';
import { RingSink } from './ring-sink.js';
import { SentMark } from './sent-mark.js';
import { stageStore } from './stray-errors.js';

// Process calls a source makes per loop turn.
const SOURCE_BATCH = 64;
// A source whose consumers share its thread makes no further call in a turn that has run this long,
// ms: a cheap source still batches (64 calls of a counter source take ~0.1 ms on 2 cores here), a
// heavy one hands each call's output on at once.
const LOCAL_SOURCE_TURN_MS = 0.2;
/** What a loop does after a turn ({@link Actor.step}): run it again. */
export const TURN_BUSY = 0;
/** The node has nothing to do until input comes or its calculator wakes it. */
export const TURN_IDLE = 1;
/** The node finished: its `finished` promise settled. */
export const TURN_CLOSED = 2;

/**
 * One node on its thread: its engine, rings and counters, and the loop that runs them.
 *
 * Threading: the thread that hosts the node. Lifecycle: `open`, then either `loop` (the node has the
 * thread to itself) or `step` from a driver that shares the thread among several actors
 * (executor-host.ts); `finished` settles once the node is done.
 */
export class Actor {
  /** Settles once the node is done: its result, or its failure. */
  readonly finished: Promise<ActorResult>;
  private readonly n: number;
  private readonly counters: NodeCounters;
  private readonly readers: RingReader[];
  private readonly set: InputSet | null;
  private readonly writers: RingWriter[][];
  private readonly sink: RingSink;
  private readonly engine: NodeEngine;
  private readonly pool: FramePool;
  private readonly inputBase: number;
  // Counter word of the start time of the call in progress (0: none), for the watchdog.
  private readonly startedAtField: number;
  private readonly sidePacketsOut: Record<number, unknown> = {};
  /**
   * Set by a driver that runs several nodes on this thread: runs the others while a blocking frame
   * allocation waits (the frames may be held here); says whether anything moved.
   */
  frameHelper: (() => boolean) | null = null;
  // Frames the calculator has taken from the pool (a source's turn stops batching once it made one).
  private readonly frameTally: FrameTally = { taken: 0 };
  // Becomes true once a lifecycle call returned a promise: from then on waits keep the loop turning.
  private asyncMode = false;
  private readonly in: ActorInputs;

  constructor(args: ActorArgs, definition: CalculatorDefinition) {
    this.n = args.node.id;
    this.inputBase = args.inputBase;
    this.counters = new NodeCounters(args.counters);
    this.startedAtField = this.counters.field(this.n, F_CALL_STARTED_AT);
    // Deferred release wakes (see release-wakes.ts): flushed at every park (publishAll), at the end
    // of the loop, and at turn ends and awaits once 10 ms old.
    // A node that may be restarted counts its frame references where the supervisor can read them.
    this.pool = FramePool.attach(args.pool, {
      batchWakes: true,
      ...(args.restart === undefined ? {} : { ledger: args.restart.state.ledger }),
    });
    this.in = new ActorInputs(args.inputs, args.doorbell, this.counters, this.n, this.inputBase, this.pool);
    this.readers = this.in.readers;
    this.set = this.in.set;
    this.writers = args.outputs.map((rings) => rings.map((d) => new RingWriter(d)));
    this.sink = new RingSink(this.writers, this.pool, this.counters, this.n, this.sidePacketsOut);
    this.engine = new NodeEngine(
      args.node,
      definition,
      this.sink,
      actorFrames(this.pool, this.counters, this.n, () => this.frameHelper, this.frameTally),
    );
    this.engine.setStageHook((stage) => {
      this.counters.setStage(this.n, stage);
      // Timers and promises made from here on carry this stage (see stray-errors.ts).
      stageStore.enterWith(stage);
    });
    const set = this.set;
    if (set !== null) this.engine.setWakeHook(() => set.interrupt());
    if (this.in.countsHeld) this.engine.setAfterSetHook(() => this.in.heldNow(this.engine, this.asyncMode));
    const restarts = new RestartPolicyRunner(args.node.restart, args.node.name, (r) => {
      this.counters.f64[this.counters.field(this.n, F_RESTARTS)]! += 1;
      args.control.postMessage({ [RECOVERED]: r });
    });
    const role =
      args.restart === undefined
        ? null
        : new ActorRestart(args.restart, args.node.restart, this.engine, this.pool, this.sink);
    this.role = role;
    this.outcome = new ActorOutcome({
      n: this.n,
      counters: this.counters,
      engine: this.engine,
      sink: this.sink,
      role,
      sidePacketsOut: this.sidePacketsOut,
      startedAtField: this.startedAtField,
      restarts,
      names: { node: args.node.name, calculator: definition.name },
    });
    this.finished = this.outcome.finished;
    if (role?.readsOneAhead === true) {
      this.in.readAhead = 1;
      this.in.pending = role.pending;
    }
    if (role !== null) {
      // A failed process call asks for a fresh instance; a failed close ends the node (as `resume`).
      this.engine.setFaultHook((phase, err) =>
        phase === 'process' ? role.failed(err) : restarts.decide(phase, err),
      );
    } else if (restarts.active) {
      // `resume` drops a failing call's set: its packets are lost, unless the call had sent output.
      const sent = new SentMark(this.engine, new Float64Array([Number.NaN, 0]));
      this.sink.onPacket = sent.onPacket;
      this.engine.setFaultHook((phase, err) => {
        const lost = phase === 'process' ? sent.droppedByCall() : 0;
        this.counters.f64[this.counters.field(this.n, F_LOST)]! += lost;
        return restarts.decide(phase, err, 'resume', lost);
      });
    }
  }

  // The node's part in the `restart` policy (actor-restart.ts); null under other policies.
  private readonly role: ActorRestart | null;
  // How the node ends (actor-outcome.ts).
  private readonly outcome: ActorOutcome;

  /**
   * Set by a driver that runs several nodes on this thread: told of the node's failure at once,
   * synchronously (a peer on the thread may be spinning in a blocked push that only the supervisor's
   * reaction to this failure can end).
   */
  set onFailure(f: ((err: unknown) => void) | null) {
    this.outcome.onFailure = f;
  }

  /**
   * An error that escaped every call of the calculator (a timer's throw, a rejection nobody
   * awaited), in the stage that scheduled it (or the current one): see {@link ActorOutcome.stray}.
   */
  stray(err: unknown, stage: string | undefined): Error | undefined {
    return this.outcome.stray(err, stage);
  }

  /**
   * Opens the calculator with `sidePackets`; under the `restart` policy `carry` is what a failed
   * predecessor handed over (null for the node's first instance).
   */
  async open(sidePackets: unknown[], carry: RestartCarry | null = null): Promise<Record<number, unknown>> {
    this.counters.setState(this.n, NodeState.Opening);
    stageStore.enterWith('open');
    const c = this.counters;
    // The call's start, for the watchdog's stuck-call check (as each turn does for process).
    c.f64[this.startedAtField] = Date.now();
    try {
      this.role?.resumeOutputs(carry);
      const r = this.engine.open(sidePackets);
      if (r instanceof Promise) {
        this.asyncMode = true;
        await r;
      }
      c.f64[this.startedAtField] = 0;
      this.role?.takeOver();
      // Wake calls come from timers and promises: idle waits must let them run.
      if (this.engine.usesWaker) this.asyncMode = true;
      this.sink.flush();
      this.pool.flushWakes();
      return { ...this.sidePacketsOut };
    } catch (err) {
      c.f64[this.startedAtField] = 0;
      this.role?.openFailed(err);
      // Open failed: the calculator is never processed or closed; its outputs end so nothing waits.
      if (!this.outcome.askRestart()) this.outcome.fail(err, false);
      throw err;
    }
  }

  async loop(): Promise<void> {
    stageStore.enterWith(this.counters.stage(this.n) ?? 'process');
    for (;;) {
      const s = this.step();
      const next = typeof s === 'number' ? s : await s;
      if (next === TURN_CLOSED) return;
      if (next !== TURN_IDLE) continue;
      try {
        await this.idle();
      } catch (err) {
        await this.finish(err);
        return;
      }
    }
  }

  /**
   * One turn, for a loop that runs this actor ({@link loop}, or an executor's driver running several
   * on one thread): TURN_BUSY, TURN_IDLE (nothing to do until input or a wake), or TURN_CLOSED
   * once the node has finished and `finished` settled. Never throws: a failure settles `finished`.
   */
  step(): number | Promise<number> {
    if (this.counters.stopRequested(this.n) || this.outcome.strayFailed) return this.finish(undefined, false);
    let t: number | Promise<number>;
    try {
      t = this.turn();
    } catch (err) {
      return this.finish(err);
    }
    if (typeof t === 'number') return t === TURN_CLOSED ? this.finish(undefined, false) : t;
    // Allocates the continuation's closures: async turns only (a call that returned a promise).
    return t.then(
      (next) => (next === TURN_CLOSED ? this.finish(undefined, false) : next),
      (err: unknown) => this.finish(err),
    );
  }

  // The node's end, cleanly or by `err`: settles `finished`, then hands consumed ring space back,
  // so the supervisor's cleanup after the run reads only records this actor never took, and wakes
  // whoever waits for slots this actor's last calls released.
  private async finish(err: unknown, threw = true): Promise<number> {
    try {
      if (!threw) {
        try {
          // A stray error failed the node already (see stray): nothing more to report.
          if (!this.outcome.strayFailed) await this.outcome.complete();
          return TURN_CLOSED;
        } catch (e) {
          err = e;
        }
      }
      await this.outcome.failed(err);
      return TURN_CLOSED;
    } finally {
      for (const r of this.readers) r.release();
      this.pool.flushWakes();
    }
  }

  /**
   * One turn: drain the rings, run every ready call, publish. Synchronous unless a call returned a
   * promise, and kept out of `runLoop` on purpose: V8 optimizes a function when it is called again,
   * and an async function that is entered once and then only resumed from its awaits (`runLoop`)
   * keeps running its baseline code for the life of the actor, however hot its loop is (measured:
   * the per-turn work stayed in Sparkplug code while TurboFan compiled `runLoop` in vain, 40-100 ms
   * of CPU per actor).
   */
  private turn(): number | Promise<number> {
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

  /**
   * The node's own input set (null for a source): its `enabled` flags say which rings the node
   * wants now, for a driver that waits on the rings of several nodes at once.
   */
  get inputs(): InputSet | null {
    return this.set;
  }

  /** Where the node's outputs go (a driver sharing the thread sets its `helper`). */
  get outputs(): RingSink {
    return this.sink;
  }

  /** The node's id in the graph. */
  get id(): number {
    return this.n;
  }

  /** True while waits must keep the event loop turning (an async calculator, or one using a waker). */
  get waitsAsync(): boolean {
    return this.asyncMode;
  }

  /** The driver parks its thread with this node idle: shown as waiting for input. */
  parked(): void {
    this.counters.setState(this.n, NodeState.WaitingInput);
  }

  /** The driver's park of `ms` ended: the next drain sees records that reached an idle node. */
  woken(ms: number): void {
    this.in.fromIdle = true;
    this.counters.f64[this.counters.field(this.n, F_IDLE_MS)]! += ms;
  }

  private async idle(): Promise<void> {
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
}
