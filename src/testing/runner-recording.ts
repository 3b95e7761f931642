/**
 * The calculator runner's recording side: a sink that keeps every packet, bound and side packet a
 * calculator emits, and frame access that creates a small pool only when a test uses frames.
 *
 * Threading: the runner's thread.
 */
/** Records what the engine emits. */

import type { FrameAccess } from '../core/calculator.js';
import { FrameRef } from '../core/frame-ref.js';
import type { ResolvedNode } from '../core/graph-config.js';
import type { OutputSink } from '../core/node-engine.js';
import { nextAllowedInStream, Timestamp } from '../core/timestamp.js';
import { FramePool, type FramePoolDescriptor } from '../transport/frame-pool.js';
import type { RunnerPacket } from './calculator-runner.js';

/** Records everything a calculator emits, for the runner's results. */
export class RecordingSink implements OutputSink {
  readonly packets: RunnerPacket[][];
  readonly bounds: number[];
  readonly closed: boolean[];
  readonly side: unknown[];
  readonly sideSet: boolean[];

  constructor(
    node: ResolvedNode,
    private readonly frames: LazyFrames,
  ) {
    this.packets = node.outputs.map(() => []);
    this.bounds = node.outputs.map(() => Timestamp.PreStream);
    this.closed = node.outputs.map(() => false);
    this.side = node.outputSidePackets.map(() => undefined);
    this.sideSet = node.outputSidePackets.map(() => false);
  }

  packet(output: number, timestamp: number, value: unknown, frame: number): void {
    if (frame >= 0) {
      const pool = this.frames.pool();
      const bytes = pool.view(frame).slice();
      pool.release(frame);
      this.packets[output]!.push({ timestamp, value: value ?? new FrameRef(frame), bytes });
    } else {
      this.packets[output]!.push({ timestamp, value });
    }
    this.bounds[output] = nextAllowedInStream(timestamp);
  }

  bound(output: number, bound: number): void {
    this.bounds[output] = bound;
  }

  close(output: number): void {
    this.closed[output] = true;
    this.bounds[output] = Timestamp.Done;
  }

  sidePacket(index: number, value: unknown): void {
    this.side[index] = value;
    this.sideSet[index] = true;
  }
}

/** Frame access over a given pool, or one created on first use. */
export class LazyFrames implements FrameAccess {
  private made: FramePool | undefined;

  constructor(private readonly given: FramePool | undefined) {}

  pool(): FramePool {
    this.made ??=
      this.given ??
      FramePool.create({
        name: 'calculator-runner',
        classes: [
          { slotBytes: 4096, slots: 64 },
          { slotBytes: 1 << 20, slots: 8 },
        ],
      });
    return this.made;
  }

  // Fails at once when the class is exhausted: on one thread nothing else could free a slot.
  alloc(byteLength: number): number {
    return this.pool().alloc(byteLength, 0);
  }

  tryAlloc(byteLength: number): number {
    return this.pool().tryAlloc(byteLength);
  }

  async allocAsync(byteLength: number, _timeoutMs?: number): Promise<number> {
    return this.pool().alloc(byteLength, 0);
  }

  bytes(handle: number): Uint8Array {
    return this.pool().bytes(handle);
  }

  byteLength(handle: number): number {
    return this.pool().byteLength(handle);
  }

  isValid(handle: number): boolean {
    return this.pool().isValid(handle);
  }

  retain(handle: number): void {
    this.pool().retain(handle);
  }

  release(handle: number): void {
    this.pool().release(handle);
  }

  get descriptor(): FramePoolDescriptor {
    return this.pool().descriptor;
  }
}
