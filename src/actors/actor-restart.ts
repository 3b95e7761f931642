/**
 * The actor's side of the `restart` policy: keeps in shared memory what the supervisor needs to
 * replace the node's thread (restart-state.ts), hands a failing instance's unprocessed input over
 * to its successor, and takes over what a predecessor handed on.
 *
 * A failing `process` call (or a fault outside any call while the node processes) makes the
 * node ask for a restart: the engine's queues and gathered sets become the hand-over — the failing
 * set included under at-least-once delivery, unless it is the very set this instance was given to
 * retry — and the node's result carries the request instead of an error. Its output streams are not
 * ended: the successor goes on writing to the same rings.
 *
 * Threading: the node's thread.
 */
import { serializeError } from '../core/error-serialization.js';
import type { ResolvedRestartPolicy } from '../core/graph-config.js';
import type { NodeEngine } from '../core/node-engine.js';
import type { RestartCarry } from '../core/restart-handover.js';
import type { FramePool } from '../transport/frame-pool.js';
import type { RingReader } from '../transport/ring-queue.js';
import type { RestartArgs, RestartRequest } from './actor-protocol.js';
import { RestartState } from './restart-state.js';
import type { RingSink } from './ring-sink.js';
import { SentMark } from './sent-mark.js';

/** One restartable node's part in its actor (see the module comment). */
export class ActorRestart {
  /** Set once the node asked to be replaced; the actor's result carries it. */
  request: RestartRequest | null = null;
  private readonly state: RestartState;
  // The predecessor's hand-over, given with the open call (see `open`).
  private carry: RestartCarry | null = null;
  private retried: number | null = null;

  constructor(
    args: RestartArgs,
    private readonly policy: ResolvedRestartPolicy,
    private readonly engine: NodeEngine,
    private readonly pool: FramePool,
    sink: RingSink,
  ) {
    this.state = new RestartState(args.state);
    sink.emitted = this.state.bounds;
    // Which set's call sent output, for the supervisor to tell the failing set delivered, not lost.
    sink.onPacket = new SentMark(engine, this.state.sent).onPacket;
    this.readsOneAhead = engine.setsByTimestamp;
    engine.setSetDoneHook((ts) => {
      this.state.held = engine.heldPackets();
      this.state.done = ts;
    });
  }

  /** Before open: the outputs go on from the predecessor's bounds; `carry` is its hand-over. */
  resumeOutputs(carry: RestartCarry | null): void {
    this.carry = carry;
    this.retried = carry?.retried ?? null;
    this.engine.resumeOutputs(this.state.bounds);
  }

  /**
   * Once open succeeded: the predecessor's unprocessed input is queued again, and its frames become
   * this thread's to release.
   */
  takeOver(): void {
    const carry = this.carry;
    if (carry !== null) {
      this.engine.replay(carry);
      for (const p of carry.packets) if (p.frame >= 0) this.pool.adopt(p.frame);
    }
    this.state.held = this.engine.heldPackets();
    this.state.tookOver = 1;
  }

  /**
   * True for a node whose sets are the packets at one timestamp (see `EngineCore.setsByTimestamp`):
   * it takes one packet at a time per input and hands a record back to its ring only when it takes
   * the next from it (ActorInputs notes which in {@link pending}), so that the packets of the set in
   * its call are still on the rings if its thread dies, for the successor to read again
   * (at-least-once) or skip (at-most-once). Other nodes hand back what they read at once.
   */
  readonly readsOneAhead: boolean;

  /** Per input, the packet taken and not handed back (see RestartState.pending). */
  get pending(): Float64Array {
    return this.state.pending;
  }

  /**
   * The drain queued more input: what the thread would lose if it died now is recorded; a node that
   * reads one ahead notes the packet it holds, any other hands every record it took back to its ring
   * now (a reader does so lazily, at its next read), so that a successor never reads one again.
   */
  noteHeld(readers: readonly RingReader[]): void {
    if (!this.readsOneAhead) for (const r of readers) r.release();
    this.state.held = this.engine.heldPackets();
  }

  /**
   * The engine's fault hook for a failed `process` call (or a fault in the process stage outside any
   * call): takes the hand-over and records the request; returns `err`, so the engine fails and the
   * actor's loop ends.
   */
  failed(err: Error): Error {
    if (this.request !== null) return err;
    const atLeastOnce = this.policy.delivery === 'at-least-once';
    const carry = this.engine.takeCarry((ts) => atLeastOnce && ts !== this.retried);
    // Those references go with the hand-over: they leave this thread's ledger.
    for (const p of carry.packets) if (p.frame >= 0) this.pool.handOff(p.frame);
    // The hand-over owns the packets now; the records go back to the ring as the node ends.
    this.state.held = 0;
    this.state.pending.fill(Number.NaN);
    this.request = { phase: 'process', error: serializeError(err), carry };
    return err;
  }

  /** `open` failed: the successor gets the same hand-over this instance was given. */
  openFailed(err: unknown): void {
    this.request = { phase: 'open', error: serializeError(err), carry: this.carry };
  }
}
