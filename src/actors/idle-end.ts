/**
 * MediaPipe's end of a run that cannot end by itself: once the graph is idle — no source node
 * left, every graph input closed, and every node still open parked waiting for input with nothing
 * new delivered to it for a whole tick — no packet can ever arrive again. The nodes still open are
 * then closed (their `close` runs and their outputs end), and the run ends cleanly. Such nodes wait
 * on a back edge that could only end after they do: a cycle's accumulator without the EarlyClose
 * handler, a FlowLimiter's FINISHED loop. MediaPipe's scheduler does the same when it goes idle
 * (`HandleIdle`, then `CleanupAfterRun` closes what never closed).
 *
 * Idle is read from shared memory only: node states, progress counters and doorbells. A parked node
 * advertises SLEEPING and the doorbell sequence it parked on (PARKED_SEQ); every producer rings it
 * (bumping SEQ) when it publishes. So a node asleep with SEQ still at PARKED_SEQ has been given
 * nothing since; two such readings of the whole graph with equal counters prove it idle.
 *
 * Threading: the thread that owns the run, called from the watchdog's tick.
 */
import type { ResolvedGraph } from '../core/graph-config.js';
import { PARKED_SEQ, ring, SEQ, SLEEPING } from '../transport/doorbell.js';
import {
  CONSUMER_MUTED,
  CONTROL_WORDS,
  FLAGS,
  PRODUCER_CLOSED,
  READ,
  type RingDescriptor,
  WRITE,
} from '../transport/ring-layout.js';
import type { GraphPlan } from './graph-plan.js';
import { type NodeCounters, NodeState } from './node-counters.js';

/** Watches for the idle end of a run; see the module comment. */
export class IdleEnd {
  private ended = false;
  // Control words of the graph inputs' rings, and of each node's input rings.
  private readonly graphInputs: readonly Int32Array[];
  private readonly nodeInputs: readonly (readonly Int32Array[])[];
  private readonly bells: readonly Int32Array[];

  constructor(
    private readonly graph: ResolvedGraph,
    private readonly plan: GraphPlan,
    private readonly counters: NodeCounters,
  ) {
    const words = (d: RingDescriptor) => new Int32Array(d.sab, 0, CONTROL_WORDS);
    this.graphInputs = [...plan.graphInputs.values()].flat().map(words);
    this.nodeInputs = plan.nodeInputs.map((rings) => rings.map(words));
    this.bells = plan.doorbells.map((d) => new Int32Array(d.sab));
  }

  /**
   * One tick: true when the graph is idle for good, and the nodes still open were told to close
   * (each reads its stop word, closes its calculator and ends its outputs).
   */
  tick(): boolean {
    if (this.ended) return false;
    for (const w of this.graphInputs) if ((Atomics.load(w, FLAGS) & PRODUCER_CLOSED) === 0) return false;
    if (!this.settled(false)) return false;
    this.ended = true;
    const c = this.counters;
    for (const n of this.graph.nodes) {
      if (c.state(n.id) === NodeState.Done) continue;
      c.requestStop(n.id);
      ring(this.bells[n.id]!, this.plan.doorbells[n.id]!.index);
    }
    return true;
  }

  /**
   * True when no node has work now (MediaPipe's idle): every node is done, blocked on a full
   * output, or asleep on its doorbell with nothing rung since it parked.
   */
  quiet(): boolean {
    return this.settled(true);
  }

  // Two readings of every node, equal and idle: a node that delivered to another between our
  // readings of the two bumped the receiver's doorbell or its own progress, which only grow.
  private settled(blockedIsIdle: boolean): boolean {
    const first = this.reading(blockedIsIdle);
    return !Number.isNaN(first) && first === this.reading(blockedIsIdle);
  }

  // The sum of the open nodes' progress and doorbell counters; NaN when some node has work: it is
  // running, awake, rung since it parked, a source still open, or (for the idle end) blocked on an
  // output or holding a full queue.
  private reading(blockedIsIdle: boolean): number {
    const c = this.counters;
    let sum = 0;
    let open = 0;
    for (const n of this.graph.nodes) {
      const state = c.state(n.id);
      if (state === NodeState.Done) continue;
      open++;
      sum += c.progress(n.id);
      if (state === NodeState.BlockedOutput && blockedIsIdle) continue;
      if (state !== NodeState.WaitingInput) return Number.NaN;
      const bell = this.bells[n.id]!;
      const base = this.plan.doorbells[n.id]!.index;
      if (Atomics.load(bell, base + SLEEPING) !== 1) return Number.NaN;
      const seq = Atomics.load(bell, base + SEQ);
      if (seq !== Atomics.load(bell, base + PARKED_SEQ)) return Number.NaN;
      sum += seq;
      // A record published while the node was still awake rings nobody: between its SLEEPING store
      // and its re-check the node looks asleep and unrung. A parked node has taken everything on an
      // input it listens to (a read that finds a ring empty hands the space back), so an unmuted ring
      // with unread records means work.
      for (const w of this.nodeInputs[n.id]!) {
        if (Atomics.load(w, CONSUMER_MUTED) === 0 && Atomics.load(w, WRITE) !== Atomics.load(w, READ)) {
          return Number.NaN;
        }
      }
      if (blockedIsIdle) continue;
      // A muted input whose producer goes on has a full queue: a stall for the deadlock check, not
      // an idle graph. (An input that ended is muted too.)
      for (const w of this.nodeInputs[n.id]!) {
        const ended = (Atomics.load(w, FLAGS) & PRODUCER_CLOSED) !== 0;
        if (!ended && Atomics.load(w, CONSUMER_MUTED) !== 0) return Number.NaN;
      }
    }
    return blockedIsIdle || open > 0 ? sum : Number.NaN;
  }
}
