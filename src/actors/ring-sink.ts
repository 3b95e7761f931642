/**
 * Forwards a node engine's outputs to rings: each output stream has one ring per consumer.
 *
 * A frame packet fans out by reference count (one retain per extra consumer, never a copy); a
 * number travels as a number record; anything else is msgpack-encoded per ring. A push that finds
 * its ring full blocks (back-pressure), and the time spent there is counted as back-pressured.
 *
 * Threading: the actor's thread.
 */
import type { OutputSink } from '../core/node-engine.js';
import type { FramePool } from '../transport/frame-pool.js';
import type { RingWriter } from '../transport/ring-queue.js';
import {
  F_BLOCKED_MS,
  F_CALL_STARTED_AT,
  F_PACKETS_OUT,
  type NodeCounters,
  NodeState,
} from './node-counters.js';

export class RingSink implements OutputSink {
  constructor(
    private readonly writers: readonly (readonly RingWriter[])[],
    private readonly pool: FramePool,
    private readonly counters: NodeCounters,
    private readonly node: number,
    private readonly sidePackets: Record<number, unknown>,
  ) {}

  packet(output: number, timestamp: number, value: unknown, frame: number): void {
    const ws = this.writers[output]!;
    this.packetsOut++;
    if (frame >= 0) {
      // Nobody listens: the reference handed to us ends here.
      if (ws.length === 0) {
        this.pool.release(frame);
        return;
      }
      if (ws.length > 1) this.pool.retain(frame, ws.length - 1);
      for (const w of ws)
        if (!w.tryPushFrame(timestamp, frame)) this.blocked(() => w.pushFrame(timestamp, frame));
    } else if (typeof value === 'number') {
      for (const w of ws)
        if (!w.tryPushNumber(timestamp, value)) this.blocked(() => w.pushNumber(timestamp, value));
    } else {
      for (const w of ws)
        if (!w.tryPushValue(timestamp, value)) this.blocked(() => w.pushValue(timestamp, value));
    }
  }

  bound(output: number, bound: number): void {
    for (const w of this.writers[output]!) if (!w.tryPushBound(bound)) this.blocked(() => w.pushBound(bound));
  }

  close(output: number): void {
    for (const w of this.writers[output]!) w.close();
  }

  sidePacket(index: number, value: unknown): void {
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

  /** Ends every output stream (idempotent): downstream drains and sees end of stream. */
  closeAll(): void {
    for (const ws of this.writers) for (const w of ws) w.close();
  }

  // The slow path only: a full ring. Allocates the closure; the fast path above does not.
  private blocked(push: () => boolean): void {
    const c = this.counters;
    c.setState(this.node, NodeState.BlockedOutput);
    const t0 = performance.now();
    push();
    c.f64[c.field(this.node, F_BLOCKED_MS)]! += performance.now() - t0;
    // The stuck-call clock measures the calculator's own time: restart it after waiting downstream.
    const started = c.field(this.node, F_CALL_STARTED_AT);
    if (c.f64[started] !== 0) c.f64[started] = Date.now();
    c.setState(this.node, NodeState.Running);
  }
}
