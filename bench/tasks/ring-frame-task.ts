/**
 * Task module for the frame cases of the `transport` suite: a producer and a consumer worker that
 * hand frames of a shared pool across weft rings, one frame size per repetition.
 *
 * One pair of threads runs every repetition of both frame sizes, in the order the suite gives
 * (`sizes`), so that the sizes alternate on the same threads, the same JIT-compiled code and the
 * same machine. Each repetition gets its own ring (a ring ends for good when its producer closes
 * it). The pool holds one class per size, with more slots than the ring holds records, so the
 * producer never waits for a slot: every frame alive sits in the ring, or is the one the producer
 * is writing or the one the consumer is reading. The ring alone paces the pair. The producer counts
 * the pool's exhausted waits per repetition, so the suite can check that claim on every run.
 *
 * Before its first repetition the producer takes every slot of every class once, writes to it and
 * frees it: the page faults of first touch (one per 8 MiB slot) and the producer's slot views are
 * paid before any clock starts.
 *
 * Threading: runs inside bench worker threads (see `suites/transport.ts`).
 */
import { FramePool, type FramePoolDescriptor, NO_FRAME } from '../../src/transport/frame-pool.js';
import { RecordKind, type RingDescriptor, RingReader, RingWriter } from '../../src/transport/ring-queue.js';
import type { ConsumerReport, PairTaskArgs, ProducerReport } from '../lib/measure.js';
import { clockNs, signalReady, waitForStart } from '../lib/start-signal.js';

/** Arguments of {@link produce} and {@link consume}. */
export interface FrameArgs extends PairTaskArgs {
  /** One ring per repetition. */
  rings: RingDescriptor[];
  /** A pool with a class for every size in `sizes`. */
  pool: FramePoolDescriptor;
  /** Frame size of each repetition, bytes (`reps` entries). */
  sizes: number[];
}

/** The producer's report: start times, and how often `alloc` had to wait in each repetition. */
export interface FrameProducerReport extends ProducerReport {
  /** Exhausted waits of the pool (all classes) per repetition: 0 when the pool never limited it. */
  slotWaits: number[];
}

/** Producer side: allocates, writes and pushes `count` frames per repetition, then closes the ring. */
export function produce(args: FrameArgs): FrameProducerReport {
  const { count } = args;
  const pool = FramePool.attach(args.pool);
  prefault(pool, args.sizes);
  const starts: bigint[] = [];
  const slotWaits: number[] = [];
  for (let rep = 1; rep <= args.reps; rep++) {
    const bytes = args.sizes[rep - 1]!;
    const w = new RingWriter(args.rings[rep - 1]!);
    const waitsBefore = exhaustedWaits(pool);
    signalReady(args.signal);
    waitForStart(args.signal, rep);
    starts.push(clockNs());
    for (let i = 0; i < count; i++) {
      const h = pool.alloc(bytes);
      pool.bytes(h)[0] = i & 0xff;
      w.pushFrame(i, h);
    }
    w.close();
    slotWaits.push(exhaustedWaits(pool) - waitsBefore);
  }
  return { starts, slotWaits };
}

/** Consumer side: pops until End, reading and releasing each frame; timestamps each repetition. */
export function consume(args: FrameArgs): ConsumerReport {
  const pool = FramePool.attach(args.pool);
  const ends: bigint[] = [];
  const received: number[] = [];
  let sum = 0;
  for (let rep = 1; rep <= args.reps; rep++) {
    const r = new RingReader(args.rings[rep - 1]!);
    signalReady(args.signal);
    let n = 0;
    let k: number;
    while ((k = r.pop()) !== RecordKind.End) {
      if (k === RecordKind.Packet) {
        const h = r.frame;
        sum += pool.bytes(h)[0]!;
        pool.release(h);
        n++;
      }
    }
    ends.push(clockNs());
    received.push(n);
    r.close();
  }
  return { ends, received, checksum: sum };
}

/** Takes every slot of each size's class, writes its first byte, and frees them all again. */
function prefault(pool: FramePool, sizes: readonly number[]): void {
  for (const bytes of new Set(sizes)) {
    const held: number[] = [];
    for (let h = pool.tryAlloc(bytes); h !== NO_FRAME; h = pool.tryAlloc(bytes)) {
      pool.bytes(h)[0] = 1;
      held.push(h);
    }
    for (const h of held) pool.release(h);
  }
}

/** The pool's exhausted waits so far, all classes (allocates: outside the timed loop only). */
function exhaustedWaits(pool: FramePool): number {
  let n = 0;
  for (const s of pool.stats()) n += s.exhaustedWaits;
  return n;
}
