/**
 * The supervisor's side of the `restart` policy: per restartable node, its shared state
 * (restart-state.ts) and policy window, and the bookkeeping of each replacement of its thread —
 * the decision (go on, or escalate with RestartLimitError), the frames the gone thread held given
 * back to the pool, the input it lost counted, and the hand-over the successor gets.
 *
 * Threading: the supervisor's thread, and only once the node's old thread has exited.
 */
import { deserializeError } from '../core/error-serialization.js';
import type { Phase, RestartRecord } from '../core/errors.js';
import type { ResolvedGraph } from '../core/graph-config.js';
import { setsByTimestamp } from '../core/input-stream-handlers.js';
import type { RestartCarry } from '../core/restart-handover.js';
import type { FramePool } from '../transport/frame-pool.js';
import { PayloadType, RecordKind, RingReader } from '../transport/ring-queue.js';
import type { RestartArgs, RestartRequest } from './actor-protocol.js';
import type { GraphPlan } from './graph-plan.js';
import { F_LOST, F_RESTARTS, type NodeCounters } from './node-counters.js';
import { RestartPolicyRunner } from './restart-policy.js';
import { createRestartState, RestartState, type RestartStateDescriptor } from './restart-state.js';

/** How a thread of a restartable node ended, for {@link NodeRestarts.replace}. */
export interface ThreadEnd {
  /** The failure: the calculator's error, or what its thread's death was attributed to. */
  readonly cause: Error;
  readonly phase: Phase;
  /** The node's own request (its thread was alive to make it); null when the thread died. */
  readonly request: RestartRequest | null;
}

/** See the module comment. */
export class NodeRestarts {
  private readonly states = new Map<number, RestartStateDescriptor>();
  private readonly runners = new Map<number, RestartPolicyRunner>();
  // Per node: the hand-over its current thread was given (passed on if it dies before taking it).
  private readonly carries = new Map<number, RestartCarry | null>();

  // Per node: the timestamp of the last set a successor was given again after a death.
  private readonly retried = new Map<number, number>();

  constructor(
    private readonly graph: ResolvedGraph,
    private readonly plan: GraphPlan,
    private readonly pool: FramePool,
    private readonly counters: NodeCounters,
    private readonly report: (record: RestartRecord) => void,
  ) {}

  /** True for a node under the `restart` policy. */
  restartable(id: number): boolean {
    return this.graph.nodes[id]!.restart.policy === 'restart';
  }

  /** What the node's next thread gets (undefined for a node under another policy). */
  argsFor(id: number): RestartArgs | undefined {
    if (!this.restartable(id)) return undefined;
    let state = this.states.get(id);
    if (state === undefined) {
      const node = this.graph.nodes[id]!;
      state = createRestartState(node.inputs.length, node.outputs.length, this.pool.createSharedLedger());
      this.states.set(id, state);
    }
    return { state };
  }

  /** The hand-over the node's next `open` passes on (null for its first thread). */
  carryFor(id: number): RestartCarry | null {
    return this.carries.get(id) ?? null;
  }

  /** Rebuilds the error a node's restart request carries. */
  causeOf(request: RestartRequest): Error {
    return deserializeError(request.error);
  }

  /**
   * The node's thread ended as `end` says and has exited: decides whether it gets a successor
   * (throws RestartLimitError past the policy's limit), gives back the frames the thread held,
   * counts the input it lost, reports the restart, and readies the hand-over for {@link argsFor}.
   */
  replace(id: number, end: ThreadEnd): void {
    const node = this.graph.nodes[id]!;
    const state = this.states.get(id)!;
    const view = new RestartState(state);
    let carry: RestartCarry | null;
    let lost: number;
    // True when the set view.sentIn names is given to the next instance again.
    let again: boolean;
    if (end.request !== null && end.request.phase !== 'open') {
      carry = end.request.carry;
      // A dropped set whose call had sent output is delivered, not lost (sent-mark.ts).
      lost = carry === null || carry.failing === view.sentIn ? 0 : carry.dropped;
      again = carry?.retried === view.sentIn;
    } else if (end.request !== null || view.tookOver === 0) {
      // A failed open passes on the hand-over it was given; a thread that died before it took its
      // hand-over leaves it to the next (its frames were never counted in the dead thread's ledger).
      // Either way that hand-over's losses were counted when it was made.
      carry = end.request?.carry ?? this.carries.get(id) ?? null;
      lost = 0;
      again = true;
    } else {
      carry = null;
      if (setsByTimestamp(node)) {
        const settled = this.settlePending(id, view, state.ledger);
        lost = settled.lost;
        again = settled.again === view.sentIn;
      } else {
        // Everything it held, but the set of the dead call when that call had sent output.
        lost = view.held - (view.sentIn <= view.done ? 0 : view.sentSet);
        again = false;
      }
    }
    // What a set's call sent counts for that set only while it is still to be processed.
    if (!again) view.forgetSent();
    // Whatever the decision, the gone thread's references come back now (but one it left on a ring
    // for its successor: see settlePending).
    this.pool.releaseHeldBy(state.ledger);
    view.held = 0;
    view.tookOver = 0;
    view.pending.fill(Number.NaN);
    view.done = Number.NaN;
    let runner = this.runners.get(id);
    if (runner === undefined) {
      runner = new RestartPolicyRunner(node.restart, node.name, (r) => {
        const c = this.counters;
        c.f64[c.field(id, F_RESTARTS)]! += 1;
        this.report(r);
      });
      this.runners.set(id, runner);
    }
    const c = this.counters;
    c.f64[c.field(id, F_LOST)]! += lost;
    const escalation = runner.decide(end.phase, end.cause, 'restart', lost);
    if (escalation !== null) {
      // No successor: the hand-over's frames are nobody's now.
      this.release(carry);
      this.carries.set(id, null);
      throw escalation;
    }
    this.carries.set(id, carry);
  }

  /**
   * A node that reads one ahead (ActorRestart) died: each input's packet it had taken and not handed
   * back is still on its ring. The set in the dead call is the earliest of them not yet processed;
   * the successor reads it again under at-least-once (once: not when it is the set it was already
   * given again), else it is handed back and lost — unless the dead call had sent output (it is
   * delivered then: see sent-mark.ts). Packets already processed are handed back; later ones are
   * left for the successor. A record left keeps its frame reference, which is then not the gone
   * thread's to give back. Returns the packets lost, and the timestamp of the set read again (null:
   * none).
   */
  private settlePending(
    id: number,
    view: RestartState,
    ledger: SharedArrayBuffer,
  ): { lost: number; again: number | null } {
    const rings = this.plan.nodeInputs[id]!;
    const heads: (RingReader | null)[] = rings.map((d, i) => {
      const ts = view.pending[i]!;
      if (Number.isNaN(ts)) return null;
      const r = new RingReader(d);
      return r.tryPop() === RecordKind.Packet && r.timestamp === ts ? r : null;
    });
    const done = view.done;
    let failing = Number.POSITIVE_INFINITY;
    heads.forEach((r, i) => {
      const ts = view.pending[i]!;
      if (r !== null && !(done >= ts) && ts < failing) failing = ts;
    });
    const again =
      failing !== Number.POSITIVE_INFINITY &&
      this.graph.nodes[id]!.restart.delivery === 'at-least-once' &&
      this.retried.get(id) !== failing;
    if (again) this.retried.set(id, failing);
    const delivered = failing === view.sentIn;
    let lost = 0;
    heads.forEach((r, i) => {
      if (r === null) return;
      const ts = view.pending[i]!;
      const processed = done >= ts;
      if (processed || (ts === failing && !again)) {
        r.release();
        if (!processed && !delivered) lost++;
      } else if (r.payloadType === PayloadType.Frame) this.pool.keepOffLedger(ledger, r.frame);
    });
    return { lost, again: again ? failing : null };
  }

  // A hand-over's references, owned by nobody now: adopted first, since this thread's pool keeps the
  // application's ledger and the release must not come off it.
  private release(carry: RestartCarry | null): void {
    if (carry === null) return;
    for (const p of carry.packets) {
      if (p.frame < 0) continue;
      this.pool.adopt(p.frame);
      this.pool.release(p.frame);
    }
  }
}
