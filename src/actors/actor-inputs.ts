/**
 * The input side of an actor: its rings, the set it waits on, and the drain that moves records
 * into the node's engine up to each input's queue limit, counting what it moved.
 *
 * Threading: the actor's thread. No allocation per record but the FrameRef of a frame packet.
 */
import type { NodeEngine } from '../core/node-engine.js';
import { FrameRef } from '../transport/codec.js';
import type { DoorbellDescriptor } from '../transport/doorbell.js';
import type { FramePool } from '../transport/frame-pool.js';
import { handedOnStaleError } from '../transport/frame-pool-errors.js';
import { InputSet } from '../transport/input-set.js';
import { EMPTY, PayloadType, RecordKind, type RingDescriptor, RingReader } from '../transport/ring-queue.js';
import { F_PACKETS_IN, type NodeCounters } from './node-counters.js';

/** See the module comment. */
export class ActorInputs {
  readonly readers: RingReader[];
  /** Null for a source (no input rings). */
  readonly set: InputSet | null;
  /** The input's producer counts the packets this node holds (see {@link heldNow}). */
  readonly countsHeld: boolean;
  /** The last wait for input ended: the next drain sees records that reached an idle node. */
  fromIdle = false;
  /** Packets the drain queues per input at most, below the queue limit (see ActorRestart). */
  readAhead = Number.POSITIVE_INFINITY;
  /**
   * Per input, the timestamp of the packet last taken from its ring while its record is not handed
   * back yet (a reader hands a record back as it takes the next), NaN when none: kept for a node
   * that reads one ahead (see ActorRestart); null otherwise.
   */
  pending: Float64Array | null = null;

  constructor(
    rings: readonly RingDescriptor[],
    doorbell: DoorbellDescriptor,
    private readonly counters: NodeCounters,
    private readonly n: number,
    private readonly inputBase: number,
    private readonly pool: FramePool,
  ) {
    this.readers = rings.map((d) => new RingReader(d));
    // A Run's input counts what its node queued against the queue the user sized (queue-split.ts).
    // Not a node that joins several inputs: it must hold one input's samples while it waits for the
    // others, in a queue of its own (max_queue_size), or a producer feeding both would wait forever.
    this.countsHeld = this.readers.length === 1 && this.readers[0]!.reportHeld();
    const gauge = rings[0]?.gauge;
    // A stop set just before the actor advertised sleep is seen by its re-check: the supervisor
    // stores the stop word, then rings the doorbell (see doorbell.ts).
    const wakeIf = () => counters.stopRequested(n);
    this.set =
      this.readers.length > 0
        ? new InputSet(this.readers, doorbell, gauge === undefined ? { wakeIf } : { gauge, wakeIf })
        : null;
  }

  /** Moves records from the rings into `engine`, up to each input's queue limit; the records moved. */
  drain(engine: NodeEngine): number {
    const c = this.counters;
    const set = this.set;
    let moved = 0;
    let packets = 0;
    // Records that woke an idle node: it takes its first set at once, as MediaPipe's scheduler
    // does, and only what follows is what a trimming handler may drop.
    let eager = this.fromIdle && engine.takesAtArrival;
    this.fromIdle = false;
    for (let i = 0; i < this.readers.length; i++) {
      const r = this.readers[i]!;
      if (r.done) {
        set!.enabled[i] = 0;
        continue;
      }
      const configured = c.queueLimit(this.inputBase + i);
      // No queue limit (-1) and no read-ahead limit (Infinity) leave the drain unbounded.
      const limit = configured < 0 ? this.readAhead : Math.min(configured, this.readAhead);
      const e = engine;
      const inputPackets = packets;
      while (limit < 0 || e.queueSize(i) < limit) {
        const k = r.tryPop();
        // Whatever this pop found, the record before it went back to the ring.
        if (this.pending !== null) this.pending[i] = k === RecordKind.Packet ? r.timestamp : Number.NaN;
        if (k === EMPTY) break;
        moved++;
        if (k === RecordKind.Packet) {
          packets++;
          const pt = r.payloadType;
          if (pt === PayloadType.Number) e.addPacket(i, r.timestamp, r.number, -1);
          // Allocates a FrameRef per frame packet: small next to the frame it stands for.
          else if (pt === PayloadType.Frame) {
            // Caught here, naming the stream (and so its writer), not in whatever reads the frame.
            if (!this.pool.isValid(r.frame)) throw handedOnStaleError(r.name, r.frame);
            // The reference enters this thread's ledger (a no-op without one: see FramePool.attach).
            this.pool.adopt(r.frame);
            e.addPacket(i, r.timestamp, new FrameRef(r.frame), r.frame);
          } else e.addPacket(i, r.timestamp, r.value(), -1);
          if (eager && e.takeAtArrival()) eager = false;
        } else if (k === RecordKind.Bound) {
          e.setBound(i, r.timestamp);
          if (eager && e.takeAtArrival()) eager = false;
        } else {
          e.closeInput(i);
          break;
        }
      }
      if (packets > inputPackets) c.inputPackets[this.inputBase + i]! += packets - inputPackets;
      const depth = e.queueSize(i);
      c.setQueueDepth(this.inputBase + i, depth);
      // What the drain took is copied into the engine: its space goes back now, not at the next
      // pop, so a producer counting packets sees them as held, not as still in the ring. A node
      // that reads one ahead keeps its last record on the ring for its successor (see pending).
      if (this.pending === null) r.handBack();
      r.holding(depth);
      set!.enabled[i] = r.done || (limit >= 0 && depth >= limit) ? 0 : 1;
    }
    // One shared write per turn rather than per packet.
    if (packets > 0) c.f64[c.field(this.n, F_PACKETS_IN)]! += packets;
    return moved;
  }

  /**
   * After each call, where the producer counts packets (countsHeld): the node holds what is queued
   * now, so its producer sees each finished packet at once, not at the turn's end. One plain shared
   * store per call on such rings, none on others. `wake`: also wake a producer waiting for room, as
   * an async calculator's node does after each call (its calls are slow next to a wake-up); a sync
   * one wakes it at the turn's end (recordDepths), since a wake-up per call of a fast node cost a
   * quarter of its throughput (pushpull).
   */
  heldNow(engine: NodeEngine, wake: boolean): void {
    this.readers[0]!.holding(engine.queueSize(0), wake);
  }

  /** Queue depths after the engine took what it could: what a snapshot between turns should show. */
  recordDepths(engine: NodeEngine): void {
    const c = this.counters;
    for (let i = 0; i < this.readers.length; i++) {
      const depth = engine.queueSize(i);
      c.setQueueDepth(this.inputBase + i, depth);
      // A producer that counts packets sees what the node finished and may write more.
      this.readers[i]!.holding(depth);
    }
  }
}
