/**
 * Several nodes on one thread: the worker task of a shared executor (MediaPipe's `executor` field)
 * or of a chain of one-to-one nodes. Each node keeps its own actor (engine, rings, counters, control
 * channel), so every semantic is the one it has on a thread of its own; only the thread is shared.
 *
 * A driver runs the nodes' turns in rounds and parks the thread once none has work. The nodes'
 * input rings share one doorbell (see graph-plan.ts), so any producer wakes the thread. A node
 * whose output ring is full runs that ring's consumer when it lives here (see RingSink.helper):
 * waiting would never see it drain. A node whose call returned a promise keeps it in flight while
 * the others run.
 *
 * Threading: runs on the executor's worker thread, from worker-entry.ts.
 */
import type { CalculatorDefinition } from '../core/calculator.js';
import { serializeError } from '../core/errors.js';
import { importModule } from '../core/module-loader.js';
import { publishAll } from '../transport/doorbell.js';
import { InputSet } from '../transport/input-set.js';
import type { RingWriter } from '../transport/ring-queue.js';
import { Actor } from './actor-host.js';
import type { ActorArgs, ActorResult } from './actor-protocol.js';
import { TURN_BUSY, TURN_CLOSED, TURN_IDLE } from './actor-turns.js';
import { exposeControl, FAILED } from './control-channel.js';
import { F_EXITED_THREAD, NodeCounters } from './node-counters.js';
import { prepareCalculator } from './prepare-hook.js';
import { HELP_DEFER, HELP_MOVED, HELP_NONE } from './ring-sink.js';
import { nodeStore, onStrayError, stageStore } from './stray-errors.js';

/** What a shared thread is given: every node it hosts, in graph order. */
export interface ExecutorArgs {
  readonly actors: ActorArgs[];
}

// Bounded parks: stop words and raised queue limits are re-read at least this often, even if a
// wake-up is missed by a peer that died.
const PARK_MS = 250;

/** The worker task: host every node of `args` until all are done; their results in that order. */
export async function hostExecutor(args: ExecutorArgs): Promise<ActorResult[]> {
  const members = await Promise.all(
    args.actors.map(async (a) => {
      const mod = await importModule(a.calculator.module);
      const definition = mod[a.calculator.exportName] as CalculatorDefinition;
      // Timers and promises the hook leaves behind belong to this node (see nodeStore).
      nodeStore.run(a.node.id, () => prepareCalculator(definition, a));
      return new Actor(a, definition);
    }),
  );
  const driver = new Driver(members, args.actors);
  onStrayError((err, stage, node) => driver.stray(err, stage, node));
  // `process.exit` from a node's code (a call, or a timer or promise it left) runs this in that
  // code's async context: mark the node, so the thread's death is charged to it rather than to
  // whichever member's call started last.
  const counters = new NodeCounters(args.actors[0]!.counters);
  process.once('exit', () => {
    const id = nodeStore.getStore();
    if (id !== undefined) counters.f64[counters.field(id, F_EXITED_THREAD)] = 1;
  });
  // A node's failure goes to the supervisor at once, on the node's control port: the thread's own
  // result comes only once every node on it has closed, and the supervisor is the one to stop
  // the rest of the graph (nodes elsewhere may be blocked on rings only it can close).
  args.actors.forEach((a, k) => {
    members[k]!.onFailure = (err) => a.control.postMessage({ [FAILED]: serializeError(err) });
  });
  let starts = 0;
  args.actors.forEach((a, k) => {
    exposeControl(
      {
        open: (sidePackets: unknown[]) => nodeStore.run(a.node.id, () => members[k]!.open(sidePackets)),
        // The driver starts once every node was told to: a thread parked in Atomics.wait would not
        // read the later start calls. Start after this reply is posted, for the same reason.
        start: () => {
          if (++starts === members.length) setImmediate(() => void driver.run());
        },
        // The run failed before the driver started: this opened node's stop is requested, so one
        // turn closes it (the driver never runs; the supervisor ends the thread).
        closeOpened: () => nodeStore.run(a.node.id, () => members[k]!.step()),
      },
      a.control,
    );
  });
  try {
    return await driver.results;
  } finally {
    for (const a of args.actors) a.control.close();
  }
}

// Resolves after the pending I/O callbacks and microtasks of this thread have run.
function nextMacrotask(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

const IN_TURN = 1;
const IN_FLIGHT = 2;

/** The rounds over one thread's actors. */
class Driver {
  readonly results: Promise<ActorResult[]>;
  private readonly live: Set<Actor>;
  // Per member, by its place in `members`: IN_TURN (inside a turn now: a push helping downstream
  // nests turns, never re-entered) and IN_FLIGHT (its turn returned a promise not yet settled).
  // Flags, not Sets: a Set's add and delete on every turn allocated (V8 shrinks the table).
  private readonly flags: Uint8Array;
  private readonly place = new Map<Actor, number>();
  private inFlightCount = 0;
  // The members a park shows as waiting, reused from park to park.
  private readonly parking: Actor[] = [];
  private readonly consumers = new Map<RingWriter, Actor>();
  private readonly all: InputSet | null;
  private readonly counters: NodeCounters;
  // A promise settled or a member asked to be woken since the last park.
  private nudged = false;
  private current: Actor | undefined;

  constructor(
    private readonly members: readonly Actor[],
    args: readonly ActorArgs[],
  ) {
    this.live = new Set(members);
    this.flags = new Uint8Array(members.length);
    for (const [k, m] of members.entries()) this.place.set(m, k);
    this.counters = new NodeCounters(args[0]!.counters);
    this.results = Promise.allSettled(members.map((m) => m.finished)).then((settled) => {
      const failed = settled.find((s) => s.status === 'rejected');
      if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
      return settled.map((s) => (s as PromiseFulfilledResult<ActorResult>).value);
    });
    // A member that fails stops the others, as the supervisor would: the thread's task settles
    // with that failure once they are closed.
    for (const m of members) m.finished.catch(() => this.stopAll());
    // Which member reads each ring its peers write: those a full push may run.
    const byRing = new Map<string, Actor>();
    args.forEach((a, k) => {
      for (const d of a.inputs) byRing.set(d.name, members[k]!);
    });
    args.forEach((a, k) => {
      const m = members[k]!;
      let local = false;
      for (let o = 0; o < a.outputs.length; o++) {
        const rings = a.outputs[o]!;
        for (let i = 0; i < rings.length; i++) {
          const consumer = byRing.get(rings[i]!.name);
          if (consumer === undefined) continue;
          this.consumers.set(m.outputs.writer(o, i), consumer);
          local = true;
        }
      }
      m.outputs.helper = local ? (w) => this.help(w) : null;
      m.frameHelper = members.length > 1 ? () => this.helpOthers() : null;
    });
    const readers = members.flatMap((m) => m.inputs?.readers ?? []);
    const sets = members.filter((m) => m.inputs !== null);
    this.all =
      readers.length === 0
        ? null
        : new InputSet(readers, args[0]!.doorbell, {
            ...(args[0]!.inputs[0]?.gauge === undefined ? {} : { gauge: args[0]!.inputs[0]!.gauge }),
            wakeIf: () => this.nudged || sets.some((m) => this.wants(m)),
          });
  }

  /** Runs rounds until every member finished. */
  async run(): Promise<void> {
    stageStore.enterWith('process');
    // Graph order, which puts producers before their consumers mostly: what a source made in this
    // round goes all the way through in the same round (a frame stays in cache, and waits for no
    // other round), rather than sitting in queues while the source makes more.
    const order = this.members;
    while (this.live.size > 0) {
      let busy = false;
      for (const m of order) {
        if (!this.live.has(m) || this.has(m, IN_FLIGHT)) continue;
        // A member with spilled records writes them before anything new (it waits for its consumer).
        if (!m.outputs.flushSpill()) continue;
        if (this.turn(m) !== TURN_IDLE) busy = true;
        // A call that returned a promise may settle at once (work done inside the call, a native
        // call that completes synchronously): let it, so its outputs move on in this same round
        // instead of waiting behind whatever the next rounds make.
        if (this.has(m, IN_FLIGHT)) await nextMacrotask();
      }
      if (!busy && this.live.size > 0) {
        // Either way the loop yields once per park: the microtasks the members' calls queued run
        // here, as they do on a thread of its own (awaiting a plain value allocates less than the
        // async park did).
        const parked = this.park();
        await (parked ?? undefined);
      }
    }
  }

  /**
   * An error that escaped every call: charged to the node whose code scheduled it (see nodeStore),
   * else the one whose turn is running, else the first still running.
   */
  stray(err: unknown, stage: string | undefined, node: number | undefined): Error | undefined {
    const m =
      this.members.find((x) => x.id === node) ?? this.current ?? [...this.live][0] ?? this.members[0]!;
    return m.stray(err, stage);
  }

  // One member's turn; a promise stays in flight and wakes the driver when it settles.
  private turn(m: Actor): number {
    const k = this.place.get(m)!;
    this.flags[k]! |= IN_TURN;
    const outer = this.current;
    this.current = m;
    // Timers and promises made from here on belong to this node and its stage (see nodeStore): the
    // stores are shared by every turn on this thread, so each turn sets them.
    nodeStore.enterWith(m.id);
    stageStore.enterWith(this.counters.stage(m.id) ?? 'process');
    let r: number | Promise<number>;
    try {
      r = m.step();
    } finally {
      this.current = outer;
      this.flags[k]! &= ~IN_TURN;
    }
    if (typeof r !== 'number') {
      this.flags[k]! |= IN_FLIGHT;
      this.inFlightCount++;
      // Allocates the continuation: calls that return promises only.
      r.then((next) => {
        this.flags[k]! &= ~IN_FLIGHT;
        this.inFlightCount--;
        if (next === TURN_CLOSED) this.live.delete(m);
        this.nudge();
      });
      return TURN_BUSY;
    }
    if (r === TURN_CLOSED) this.live.delete(m);
    // Nothing to do: shown as waiting for input while the others run (the watchdog reads a node
    // left Running as busy, and would never see a stall).
    else if (r === TURN_IDLE) m.parked();
    return r;
  }

  // A push found `w` full: run its consumer if it lives here and may run now; if it lives here but
  // cannot (its call is in flight, or it is up the call stack), the record is spilled.
  private help(w: RingWriter): number {
    const m = this.consumers.get(w);
    if (m === undefined || !this.live.has(m)) return HELP_NONE;
    if (this.has(m, IN_TURN | IN_FLIGHT)) return HELP_DEFER;
    return this.turn(m) !== TURN_IDLE ? HELP_MOVED : HELP_NONE;
  }

  // A blocking frame allocation waits: run every other member that may run now.
  private helpOthers(): boolean {
    let moved = false;
    for (const m of this.members) {
      if (!this.live.has(m) || this.has(m, IN_TURN | IN_FLIGHT)) continue;
      if (this.turn(m) !== TURN_IDLE) moved = true;
    }
    return moved;
  }

  // Waits until a member may have work. Returns a promise only when it waits asynchronously.
  private park(): Promise<void> | undefined {
    const set = this.all;
    // Nodes with a call in flight are still in that call (the watchdog times it), not waiting.
    const live = this.parking;
    live.length = 0;
    let waitsAsync = this.inFlightCount > 0;
    for (const m of this.members) {
      if (!this.live.has(m) || this.has(m, IN_FLIGHT)) continue;
      live.push(m);
      m.parked();
      if (m.waitsAsync) waitsAsync = true;
    }
    const t0 = performance.now();
    if (set === null) {
      // Sources only, all in flight: their promises nudge. Allocates the promise and its closure.
      publishAll();
      return new Promise<void>((resolve) => {
        this.wake = resolve;
      }).then(() => this.woken(t0));
    }
    // Which rings count: those each member that could take them wants now. A member with a call
    // in flight takes nothing until it settles (its promise nudges): its records must not end
    // the park, or the driver would spin without ever letting that call's timers run.
    let k = 0;
    for (const m of this.members) {
      const own = m.inputs;
      if (own === null) continue;
      const on = own.enabled;
      const takes = this.live.has(m) && !this.has(m, IN_FLIGHT);
      for (let i = 0; i < on.length; i++) set.enabled[k++] = takes ? on[i]! : 0;
    }
    if (waitsAsync) return set.waitAsync(PARK_MS).then(() => this.woken(t0));
    set.wait(PARK_MS);
    this.woken(t0);
    return undefined;
  }

  // After a park: the members it showed as waiting are told how long they waited.
  private woken(t0: number): void {
    this.nudged = false;
    this.wake = undefined;
    const ms = performance.now() - t0;
    for (const m of this.parking) {
      m.inputs?.takeInterrupt();
      m.woken(ms);
    }
  }

  private has(m: Actor, flag: number): boolean {
    return (this.flags[this.place.get(m)!]! & flag) !== 0;
  }

  private wake: (() => void) | undefined;

  private nudge(): void {
    this.nudged = true;
    const w = this.wake;
    if (w !== undefined) w();
    else this.all?.interrupt();
  }

  // A member that could run now asks for a turn: woken by its calculator, or asked to stop.
  private wants(m: Actor): boolean {
    if (!this.live.has(m) || this.has(m, IN_FLIGHT)) return false;
    return m.inputs!.interruptPending || this.counters.stopRequested(m.id);
  }

  private stopAll(): void {
    for (const m of this.live) this.counters.requestStop(m.id);
    this.nudge();
  }
}
