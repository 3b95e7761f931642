/**
 * Reads a graph's output streams on the main thread and hands each packet, bound and end of stream
 * to the stream's observers.
 *
 * Bounds are delivered too, always: an output that produced nothing for a timestamp still tells
 * its observer how far the stream has settled, so nobody waits forever on an empty result
 * (MediaPipe delivers them only when asked, `observe_timestamp_bounds`, as empty packets).
 *
 * Threading: the supervisor's thread; waits with `Atomics.waitAsync`, so the event loop keeps
 * turning.
 */
import { causeText, ObserverError } from '../core/errors.js';
import { FrameRef } from '../transport/codec.js';
import type { FramePool } from '../transport/frame-pool.js';
import { handedOnStaleError } from '../transport/frame-pool-errors.js';
import { InputSet } from '../transport/input-set.js';
import { EMPTY, PayloadType, RecordKind, RingReader } from '../transport/ring-queue.js';
import type { GraphPlan } from './graph-plan.js';
import { OutputSpin, spinUntilReadable } from './output-spin.js';

/** What an observer of an output stream receives. Calls happen on the thread that runs the graph. */
export interface StreamObserver {
  /**
   * A packet. For a frame, `value` is a FrameRef and `frame` its handle (else -1): the frame is
   * released when this returns, so copy it or `retain` it to keep it.
   */
  packet?(timestamp: number, value: unknown, frame: number): void;
  /** The stream settled up to `bound` without a packet (no packet below it will come). */
  bound?(bound: number): void;
  /** The stream ended. */
  end?(): void;
}

/** Pumps graph outputs to observers. */
export class OutputPump {
  /** Resolves when every output stream ended, or the pump was stopped. */
  readonly finished: Promise<void>;
  private resolveFinished!: () => void;
  private readonly observers = new Map<string, StreamObserver[]>();
  private stopped = false;
  private running = false;
  private set: InputSet | null = null;
  private onError: ((err: unknown) => void) | undefined;
  private names: readonly string[] = [];
  private readers: readonly RingReader[] = [];
  private lists: readonly (readonly StreamObserver[])[] = [];
  private open = 0;
  private draining = false;
  private gauge: Int32Array | null = null;
  private readonly spin = new OutputSpin();

  constructor(
    private readonly plan: GraphPlan,
    private readonly pool: FramePool,
  ) {
    this.finished = new Promise((r) => {
      this.resolveFinished = r;
    });
  }

  /** Adds an observer of `stream` (a graph output). */
  observe(stream: string, observer: StreamObserver): void {
    const list = this.observers.get(stream) ?? [];
    list.push(observer);
    this.observers.set(stream, list);
  }

  /** Starts pumping; observer errors and decode errors go to `onError` and end the pump. */
  start(onError: (err: unknown) => void): void {
    if (this.stopped) return;
    this.running = true;
    this.onError = onError;
    this.run().then(
      () => this.resolveFinished(),
      (err: unknown) => {
        this.fail(err);
        this.resolveFinished();
      },
    );
  }

  /** True when no graph output holds a record the pump has yet to deliver. */
  drained(): boolean {
    return this.set === null || this.set.firstReadable() < 0;
  }

  /**
   * Delivers what the graph outputs hold now, first polling them for up to the spin budget when
   * they hold nothing: for a caller about to wait for a result that is probably microseconds away
   * (a pull right after a push). Waking this thread from `Atomics.waitAsync` goes through its event
   * loop and costs tens of µs, more than a lone sample takes through an idle chain of actors, so a
   * short poll on an otherwise waiting thread halves such a round trip. The budget adapts (see
   * {@link OutputSpin}); the poll is skipped while the graph's threads keep every core busy. Blocks
   * this thread for at most `OutputSpin.MAX_US`. True when something was delivered.
   */
  poll(): boolean {
    const set = this.set;
    if (set === null || this.stopped || this.draining) return false;
    if (set.firstReadable() < 0) {
      this.spin.waiting(performance.now());
      const budget = this.spin.budgetUs(this.gauge);
      if (budget === 0 || !spinUntilReadable(set, budget)) return false;
    }
    try {
      this.drainReady();
    } catch (err) {
      this.fail(err);
    }
    return true;
  }

  /** Ends the pump at its next wake-up. */
  stop(): void {
    this.stopped = true;
    // Never started (the run failed while opening): nothing will settle `finished` but this.
    if (!this.running) this.resolveFinished();
    const bell = this.plan.mainDoorbell;
    Atomics.add(new Int32Array(bell.sab), bell.index, 1);
    Atomics.notify(new Int32Array(bell.sab), bell.index);
  }

  /**
   * For a run that failed or was stopped, after {@link stop}: gives back the frames of the records
   * left unread in the graph outputs' rings. A node waiting for a frame slot (a source on an
   * exhausted pool) then gets one and meets its abandoned rings, instead of waiting out the
   * shutdown's grace for frames only the run's end would reclaim. Main thread.
   */
  releaseUnread(): void {
    const readers =
      this.readers.length > 0
        ? this.readers
        : [...this.plan.graphOutputs.values()].map((d) => new RingReader(d));
    for (const r of readers) {
      for (let k = r.tryPop(); k !== EMPTY && k !== RecordKind.End; k = r.tryPop()) {
        if (k !== RecordKind.Packet || r.payloadType !== PayloadType.Frame) continue;
        const h = r.frame;
        // Each record holds one reference, the reader's to give back (the ledger counts it first).
        if (!this.pool.isValid(h)) continue;
        this.pool.adopt(h);
        this.pool.release(h);
      }
    }
  }

  // The first failure ends the pump and goes to the run, once.
  private fail(err: unknown): void {
    const report = this.onError;
    this.onError = undefined;
    this.stop();
    report?.(err);
  }

  private async run(): Promise<void> {
    const names = [...this.plan.graphOutputs.keys()];
    if (names.length === 0) return;
    this.names = names;
    this.readers = names.map((n) => new RingReader(this.plan.graphOutputs.get(n)!));
    this.lists = names.map((n) => this.observers.get(n) ?? []);
    this.open = names.length;
    const gauge = this.plan.graphOutputs.get(names[0]!)!.gauge;
    if (gauge !== undefined) this.gauge = new Int32Array(gauge.sab);
    // A background wait: the run's keepAlive, not the pump, decides whether the process lives on.
    const set = new InputSet(this.readers, this.plan.mainDoorbell, {
      holdsEventLoop: false,
      ...(gauge === undefined ? {} : { gauge }),
    });
    this.set = set;
    try {
      while (this.open > 0 && !this.stopped) {
        await set.waitAsync(250);
        if (!this.stopped) this.drainReady();
      }
    } finally {
      for (const r of this.readers) r.release();
    }
  }

  // Hands every record the outputs hold to the observers. Not reentrant: an observer that pulls
  // (and so polls) while it is called finds the pump busy.
  private drainReady(): void {
    const readers = this.readers;
    const set = this.set!;
    if (set.firstReadable() < 0) return;
    this.spin.delivered(performance.now());
    this.draining = true;
    try {
      for (let i = 0; i < readers.length; i++) {
        const r = readers[i]!;
        if (r.done) continue;
        const name = this.names[i]!;
        const list = this.lists[i]!;
        for (let k = r.tryPop(); k !== EMPTY; k = r.tryPop()) {
          if (k === RecordKind.End) {
            this.open--;
            set.enabled[i] = 0;
            for (const o of list) guard(name, o, END, 0, undefined, -1);
            break;
          }
          if (k === RecordKind.Bound) {
            for (const o of list) guard(name, o, BOUND, r.timestamp, undefined, -1);
            continue;
          }
          this.deliver(name, r, list);
        }
      }
    } finally {
      this.draining = false;
    }
  }

  private deliver(name: string, r: RingReader, observers: readonly StreamObserver[]): void {
    const pt = r.payloadType;
    if (pt === PayloadType.Frame) {
      const h = r.frame;
      // Caught here, naming the stream (and so its writer), not when an observer reads the frame.
      if (!this.pool.isValid(h)) throw handedOnStaleError(r.name, h);
      this.pool.adopt(h);
      try {
        // Allocates the FrameRef handed to observers.
        const ref = new FrameRef(h);
        for (const o of observers) guard(name, o, PACKET, r.timestamp, ref, h);
      } finally {
        this.pool.release(h);
      }
      return;
    }
    const value = pt === PayloadType.Number ? r.number : pt === PayloadType.Value ? r.value() : undefined;
    for (const o of observers) guard(name, o, PACKET, r.timestamp, value, -1);
  }
}

const PACKET = 0;
const BOUND = 1;
const END = 2;

// Calls one observer callback; what it throws becomes an ObserverError naming the stream, the
// run's failure. A try block per call costs nothing while nothing throws.
function guard(
  stream: string,
  o: StreamObserver,
  what: number,
  timestamp: number,
  value: unknown,
  frame: number,
): void {
  try {
    if (what === PACKET) o.packet?.(timestamp, value, frame);
    else if (what === BOUND) o.bound?.(timestamp);
    else o.end?.();
  } catch (cause) {
    const why = causeText(cause);
    throw new ObserverError(`the application's callback on output "${stream}" threw: ${why}`, {
      stream,
      phase: 'run',
      cause,
    });
  }
}
