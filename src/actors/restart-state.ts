/**
 * What a node under the `restart` policy keeps in shared memory so that its supervisor can replace
 * its thread even when the thread died without a word (`process.exit`, out of memory, ended stuck):
 * per output, the bound its writes left downstream; how many input packets the instance held
 * (queued, or in the set it was processing) — those are lost with the thread; and which set's call
 * last sent a packet downstream (see {@link RestartState.sentIn}) — a set whose output went on is not
 * lost with it. The frame references the thread held are in a shared frame ledger beside it
 * (`FramePool.attach`'s `ledger`).
 *
 * Threading: the node's thread writes (plain stores: only it writes, and the supervisor reads only
 * once that thread has exited); the supervisor reads and hands the same memory to the next thread.
 */
import { Timestamp } from '../core/timestamp.js';

/** One restartable node's shared state (structured-cloneable). */
export interface RestartStateDescriptor {
  readonly sab: SharedArrayBuffer;
  readonly outputs: number;
  readonly inputs: number;
  /** The shared frame ledger of the node's thread (see `FramePool.attach`). */
  readonly ledger: SharedArrayBuffer;
}

// Bytes before the bounds: held and tookOver (Int32), then done, sentIn and sentSet (Float64); after
// the bounds, one pending timestamp (Float64) per input.
const TIMES = 8;
const HEADER = TIMES + 3 * 8;

/** Allocates the state of a node with `inputs` inputs and `outputs` outputs, every bound PreStream. */
export function createRestartState(
  inputs: number,
  outputs: number,
  ledger: SharedArrayBuffer,
): RestartStateDescriptor {
  const sab = new SharedArrayBuffer(HEADER + (outputs + inputs) * 8);
  new Float64Array(sab, TIMES, 3).set([Number.NaN, Number.NaN, 0]);
  new Float64Array(sab, HEADER, outputs).fill(Timestamp.PreStream);
  new Float64Array(sab, HEADER + outputs * 8, inputs).fill(Number.NaN);
  return { sab, outputs, inputs, ledger };
}

/** Views over a {@link RestartStateDescriptor}. Any thread (see the module comment for who writes). */
export class RestartState {
  /** Per output: the lowest timestamp a next packet may carry downstream (Done: ended). */
  readonly bounds: Float64Array;
  /**
   * Per input, for a node that reads one packet ahead (see ActorRestart): the timestamp of the packet
   * it took from that ring and has not handed back yet (NaN: none), which a successor may read again.
   */
  readonly pending: Float64Array;
  /** {@link sentIn} and {@link sentSet}, as the node's SentMark writes them. */
  readonly sent: Float64Array;
  private readonly words: Int32Array;
  private readonly times: Float64Array;

  constructor(d: RestartStateDescriptor) {
    this.words = new Int32Array(d.sab, 0, 2);
    this.times = new Float64Array(d.sab, TIMES, 1);
    this.sent = new Float64Array(d.sab, TIMES + 8, 2);
    this.bounds = new Float64Array(d.sab, HEADER, d.outputs);
    this.pending = new Float64Array(d.sab, HEADER + d.outputs * 8, d.inputs);
  }

  /** The timestamp of the last input set the instance finished (NaN: none yet). */
  get done(): number {
    return this.times[0]!;
  }

  set done(ts: number) {
    this.times[0] = ts;
  }

  /**
   * The timestamp of the last input set whose call sent a packet downstream (NaN: none), by this
   * instance or by a predecessor that failed in it and handed it on to be tried again.
   */
  get sentIn(): number {
    return this.sent[0]!;
  }

  /** Packets in the set {@link sentIn} names (0 with NaN). */
  get sentSet(): number {
    return this.sent[1]!;
  }

  /** Forgets {@link sentIn}: the set it names is not handed to the next instance. */
  forgetSent(): void {
    this.sent[0] = Number.NaN;
    this.sent[1] = 0;
  }

  /** Input packets the instance holds now (queued, or in the set in a call). */
  get held(): number {
    return this.words[0]!;
  }

  set held(n: number) {
    this.words[0] = n;
  }

  /**
   * 1 once the thread took over its predecessor's hand-over (its frames then count in the thread's
   * ledger, its packets in {@link held}); 0 while the hand-over is still the supervisor's to pass on.
   */
  get tookOver(): number {
    return this.words[1]!;
  }

  set tookOver(v: number) {
    this.words[1] = v;
  }
}
