/**
 * Forwards a node engine's outputs to rings: each output stream has one ring per consumer.
 *
 * A frame packet fans out by reference count (one retain per extra consumer, never a copy); a
 * number travels as a number record; anything else is msgpack-encoded per ring. A push that finds
 * its ring full blocks (back-pressure), and the time spent there is counted as back-pressured.
 *
 * Threading: the actor's thread.
 */
import { CodecError, causeText } from '../core/errors.js';
import type { OutputSink } from '../core/node-engine.js';
import { nextAllowedInStream, Timestamp } from '../core/timestamp.js';
import { threadCodec } from '../transport/codec.js';
import type { FramePool } from '../transport/frame-pool.js';
import { encodeInline } from '../transport/inline-payload.js';
import type { RingWriter } from '../transport/ring-queue.js';
import {
  F_BLOCKED_MS,
  F_CALL_STARTED_AT,
  F_PACKETS_OUT,
  type NodeCounters,
  NodeState,
} from './node-counters.js';
import { SpillKind, SpillQueue } from './spill-queue.js';

/** How long a push on a thread shared by several nodes waits before it helps them again, ms. */
const HELP_WAIT_MS = 1;
/** {@link RingSink.helper}: nothing moved. */
export const HELP_NONE = 0;
/** {@link RingSink.helper}: the consumer ran and something moved. */
export const HELP_MOVED = 1;
/** {@link RingSink.helper}: the consumer lives on this thread but cannot run now: spill. */
export const HELP_DEFER = 2;

/**
 * A node's output sink over rings (see the module comment).
 *
 * Threading: the node's thread only. Lifecycle: one per actor, written by its engine from open to
 * close; `closeAll` ends every stream (end of stream on each ring), after which pushes fail.
 */
export class RingSink implements OutputSink {
  /**
   * Set by a driver that runs several nodes on this thread: called when a push finds `writer` full,
   * it runs the ring's consumer if that node lives on this thread (a wait would never see it drain):
   * {@link HELP_MOVED} when something moved, {@link HELP_DEFER} when the consumer lives here but
   * cannot run now (the record is then spilled), {@link HELP_NONE} otherwise. Null when the node has
   * its thread to itself.
   */
  helper: ((writer: RingWriter) => number) | null = null;
  /** Records held back on a shared thread (see spill-queue.ts); null until the first. */
  spill: SpillQueue | null = null;
  /**
   * Per output, the bound this node's writes leave downstream, kept in shared memory for a node
   * under the `restart` policy (see restart-state.ts); null otherwise.
   */
  emitted: Float64Array | null = null;
  /**
   * Told of each packet, for a node whose restart policy may drop a failing call's set (see
   * sent-mark.ts); null otherwise.
   */
  onPacket: (() => void) | null = null;

  constructor(
    private readonly writers: readonly (readonly RingWriter[])[],
    private readonly pool: FramePool,
    private readonly counters: NodeCounters,
    private readonly node: number,
    private readonly sidePackets: Record<number, unknown>,
  ) {}

  /** The writer of output `output`'s `index`-th ring (in the plan's consumer order). */
  writer(output: number, index: number): RingWriter {
    return this.writers[output]![index]!;
  }

  packet(output: number, timestamp: number, value: unknown, frame: number): void {
    const ws = this.writers[output]!;
    this.packetsOut++;
    if (this.emitted !== null) this.emitted[output] = nextAllowedInStream(timestamp);
    if (frame >= 0) {
      // Nobody listens: the reference handed to us ends here.
      if (ws.length === 0) {
        this.pool.release(frame);
        if (this.onPacket !== null) this.onPacket();
        return;
      }
      if (ws.length > 1) this.pool.retain(frame, ws.length - 1);
      // Each reference leaves this thread's ledger (a no-op without one: see FramePool.attach).
      for (let k = 0; k < ws.length; k++) this.pool.handOff(frame);
      for (const w of ws)
        if (!this.spilled(w, SpillKind.Frame, timestamp, frame) && !w.tryPushFrame(timestamp, frame))
          this.blocked(w, SpillKind.Frame, timestamp, frame, (ms) => w.pushFrame(timestamp, frame, ms));
    } else if (typeof value === 'number') {
      for (const w of ws)
        if (!this.spilled(w, SpillKind.Number, timestamp, value) && !w.tryPushNumber(timestamp, value))
          this.blocked(w, SpillKind.Number, timestamp, value, (ms) => w.pushNumber(timestamp, value, ms));
    } else {
      for (const w of ws)
        if (!this.spilled(w, SpillKind.Value, timestamp, value) && !w.tryPushValue(timestamp, value))
          this.blocked(w, SpillKind.Value, timestamp, value, (ms) => w.pushValue(timestamp, value, ms));
    }
    // Once on every ring: a thread that dies blocked on a full one has not sent the packet.
    if (this.onPacket !== null) this.onPacket();
  }

  bound(output: number, bound: number): void {
    if (this.emitted !== null) this.emitted[output] = bound;
    for (const w of this.writers[output]!)
      if (!this.spilled(w, SpillKind.Bound, bound, null) && !w.tryPushBound(bound))
        this.blocked(w, SpillKind.Bound, bound, null, (ms) => w.pushBound(bound, ms));
  }

  close(output: number): void {
    if (this.emitted !== null) this.emitted[output] = Timestamp.Done;
    for (const w of this.writers[output]!) if (!this.spilled(w, SpillKind.Close, 0, null)) w.close();
  }

  // Queues the record behind those already spilled for `w`, so order per ring holds; false when none
  // are (the usual case: one null check).
  private spilled(w: RingWriter, kind: SpillKind, ts: number, value: unknown): boolean {
    const sp = this.spill;
    if (sp === null || !sp.holds(w)) return false;
    // A payload the ring cannot carry fails this call, naming the node, as a direct write would;
    // found only when the spill is written, it would fail outside any call. Encodes it once more:
    // the spilled path only.
    if (kind === SpillKind.Value) encodeInline(threadCodec(), value, w.maxInline, w.name, 'process');
    sp.add(w, kind, ts, value);
    return true;
  }

  sidePacket(index: number, value: unknown): void {
    checkCloneable(value);
    this.sidePackets[index] = value;
  }

  // Counted here and added to the shared counter once per turn: one shared write per turn, not per packet.
  private packetsOut = 0;

  private countOut(): void {
    if (this.packetsOut === 0) return;
    const c = this.counters;
    c.f64[c.field(this.node, F_PACKETS_OUT)]! += this.packetsOut;
    this.packetsOut = 0;
  }

  /** Publishes every output ring and wakes sleeping consumers. Cheap when nothing is pending. */
  flush(): void {
    this.countOut();
    for (const ws of this.writers) for (const w of ws) w.flush();
  }

  /** Publishes every output ring, waking consumers only for a real backlog (see `publishLazily`). */
  publishLazily(): void {
    this.countOut();
    for (const ws of this.writers) for (const w of ws) w.publishLazily();
  }

  /** Writes what fits of the spilled records (see spill-queue.ts); true once none wait. */
  flushSpill(): boolean {
    const sp = this.spill;
    return sp === null || sp.empty || sp.flush(this.pool);
  }

  /** Ends every output stream (idempotent): downstream drains and sees end of stream. */
  closeAll(): void {
    this.spill?.clear(this.pool);
    this.emitted?.fill(Timestamp.Done);
    for (const ws of this.writers) for (const w of ws) w.close();
  }

  // The slow path only: a full ring. Allocates the closure; the fast path above does not. On a
  // shared thread, the nodes downstream on it run while this one waits, or nothing would drain;
  // one that cannot run now gets the record later (spilled).
  private blocked(
    w: RingWriter,
    kind: SpillKind,
    ts: number,
    value: unknown,
    push: (timeoutMs: number) => boolean,
  ): void {
    const c = this.counters;
    c.setState(this.node, NodeState.BlockedOutput);
    const t0 = performance.now();
    const help = this.helper;
    if (help === null) push(Number.POSITIVE_INFINITY);
    else {
      for (;;) {
        const h = help(w);
        if (h === HELP_DEFER) {
          (this.spill ??= new SpillQueue()).add(w, kind, ts, value);
          break;
        }
        if (push(h === HELP_MOVED ? 0 : HELP_WAIT_MS)) break;
      }
    }
    c.f64[c.field(this.node, F_BLOCKED_MS)]! += performance.now() - t0;
    // The stuck-call clock measures the calculator's own time: restart it after waiting downstream.
    const started = c.field(this.node, F_CALL_STARTED_AT);
    if (c.f64[started] !== 0) c.f64[started] = Date.now();
    c.setState(this.node, NodeState.Running);
  }
}

/**
 * Throws CodecError for a value structured clone cannot copy (a function, a symbol, an object
 * holding one): an output side packet crosses to the thread that runs the graph, and found only
 * then it failed as an untyped error naming nothing. Copies the value once to find out (side
 * packets are set once a run), except binary data, which always clones.
 */
function checkCloneable(value: unknown): void {
  const t = typeof value;
  if (value === null || (t !== 'object' && t !== 'function' && t !== 'symbol')) return;
  if (value instanceof ArrayBuffer || value instanceof SharedArrayBuffer || ArrayBuffer.isView(value)) return;
  try {
    structuredClone(value);
  } catch (err) {
    throw new CodecError(`cannot be copied to the thread that runs the graph: ${causeText(err)}`, {
      phase: 'transport',
      cause: err,
    });
  }
}
