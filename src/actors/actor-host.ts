/**
 * A node as an actor: its engine, rings and counters, the loop that drains its inputs, runs its
 * calls and publishes its outputs (each turn of it: actor-turns.ts), and the lifecycle (open, stop,
 * failure) the supervisor drives through the node's control channel; faults go by the node's
 * restart policy (actor-faults.ts). actor-task.ts runs one actor on a thread of its own;
 * executor-host.ts runs several on one thread through {@link Actor.step}.
 *
 * Threading: the node's thread.
 */
import type { CalculatorDefinition } from '../core/calculator.js';
import { NodeEngine } from '../core/node-engine.js';
import type { RestartCarry } from '../core/restart-handover.js';
import { FramePool } from '../transport/frame-pool.js';
import type { InputSet } from '../transport/input-set.js';
import { RingWriter } from '../transport/ring-queue.js';
import { actorFaults } from './actor-faults.js';
import { actorFrames, type FrameTally } from './actor-frames.js';
import { ActorInputs } from './actor-inputs.js';
import { ActorOutcome } from './actor-outcome.js';
import type { ActorArgs, ActorResult } from './actor-protocol.js';
import type { ActorRestart } from './actor-restart.js';
import { ActorTurns, TURN_CLOSED, TURN_IDLE } from './actor-turns.js';
import { F_CALL_STARTED_AT, F_IDLE_MS, NodeCounters, NodeState } from './node-counters.js';
import { RingSink } from './ring-sink.js';
import { stageStore } from './stray-errors.js';

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
  private readonly set: InputSet | null;
  private readonly sink: RingSink;
  private readonly engine: NodeEngine;
  private readonly pool: FramePool;
  // Counter word of the start time of the call in progress (0: none), for the watchdog.
  private readonly startedAtField: number;
  private readonly sidePacketsOut: Record<number, unknown> = {};
  /**
   * Set by a driver that runs several nodes on this thread: runs the others while a blocking frame
   * allocation waits (the frames may be held here); says whether anything moved.
   */
  frameHelper: (() => boolean) | null = null;
  private readonly in: ActorInputs;
  // The node's part in the `restart` policy (actor-restart.ts); null under other policies.
  private readonly role: ActorRestart | null;
  // How the node ends (actor-outcome.ts).
  private readonly outcome: ActorOutcome;
  // Its turns, and its waits between them (actor-turns.ts).
  private readonly turns: ActorTurns;

  constructor(args: ActorArgs, definition: CalculatorDefinition) {
    this.n = args.node.id;
    this.counters = new NodeCounters(args.counters);
    this.startedAtField = this.counters.field(this.n, F_CALL_STARTED_AT);
    // Deferred release wakes (see release-wakes.ts): flushed at every park (publishAll), at the end
    // of the loop, and at turn ends and awaits once 10 ms old.
    // A node that may be restarted counts its frame references where the supervisor can read them.
    this.pool = FramePool.attach(args.pool, {
      batchWakes: true,
      ...(args.restart === undefined ? {} : { ledger: args.restart.state.ledger }),
    });
    this.in = new ActorInputs(args.inputs, args.doorbell, this.counters, this.n, args.inputBase, this.pool);
    this.set = this.in.set;
    const writers = args.outputs.map((rings) => rings.map((d) => new RingWriter(d)));
    this.sink = new RingSink(writers, this.pool, this.counters, this.n, this.sidePacketsOut);
    // Frames the calculator has taken from the pool (a source's turn stops batching once it made one).
    const frameTally: FrameTally = { taken: 0 };
    this.engine = new NodeEngine(
      args.node,
      definition,
      this.sink,
      actorFrames(this.pool, this.counters, this.n, () => this.frameHelper, frameTally),
    );
    this.engine.setStageHook((stage) => {
      this.counters.setStage(this.n, stage);
      // Timers and promises made from here on carry this stage (see stray-errors.ts).
      stageStore.enterWith(stage);
    });
    const set = this.set;
    if (set !== null) this.engine.setWakeHook(() => set.interrupt());
    if (this.in.countsHeld)
      this.engine.setAfterSetHook(() => this.in.heldNow(this.engine, this.turns.asyncMode));
    const { restarts, role } = actorFaults({
      args,
      counters: this.counters,
      engine: this.engine,
      pool: this.pool,
      sink: this.sink,
      inputs: this.in,
    });
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
    this.turns = new ActorTurns({
      n: this.n,
      counters: this.counters,
      engine: this.engine,
      inputs: this.in,
      sink: this.sink,
      pool: this.pool,
      frameTally,
      startedAtField: this.startedAtField,
      role,
    });
  }

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
        this.turns.asyncMode = true;
        await r;
      }
      c.f64[this.startedAtField] = 0;
      this.role?.takeOver();
      // Wake calls come from timers and promises: idle waits must let them run.
      if (this.engine.usesWaker) this.turns.asyncMode = true;
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

  /** Runs the node's turns until it is done, on a thread it has to itself; after `open`. */
  async loop(): Promise<void> {
    stageStore.enterWith(this.counters.stage(this.n) ?? 'process');
    for (;;) {
      const s = this.step();
      const next = typeof s === 'number' ? s : await s;
      if (next === TURN_CLOSED) return;
      if (next !== TURN_IDLE) continue;
      try {
        await this.turns.idle();
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
      t = this.turns.turn();
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
      for (const r of this.in.readers) r.release();
      this.pool.flushWakes();
    }
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
    return this.turns.asyncMode;
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
}
