/**
 * Task module for the ring cases: a producer and a consumer worker joined by weft ring queues.
 *
 * A ring ends for good when its producer closes it, so each repetition gets its own ring (created by
 * the main thread, one descriptor per repetition). Frame cases share one pool across repetitions:
 * every frame is released by the consumer, so the pool is whole again when a repetition ends.
 *
 * Threading: runs inside bench worker threads (see `suites/transport.ts`).
 */
import { FramePool, type FramePoolDescriptor } from '../../src/transport/frame-pool.js';
import { RecordKind, type RingDescriptor, RingReader, RingWriter } from '../../src/transport/ring-queue.js';
import type { ConsumerReport, PairTaskArgs, ProducerReport } from '../lib/measure.js';
import { clockNs, signalReady, waitForStart } from '../lib/start-signal.js';

/** What a ring case pushes: plain numbers, msgpack-encoded objects, or frame handles. */
export type RingKind = 'small' | 'object' | 'frame';

/** Arguments of {@link produce} and {@link consume}. */
export interface RingArgs extends PairTaskArgs {
  kind: RingKind;
  /** One ring per repetition. */
  rings: RingDescriptor[];
  /** The frame pool of `frame` cases. */
  pool?: FramePoolDescriptor;
  /** Frame size of `frame` cases. */
  bytes: number;
}

/** Producer side: pushes `count` packets into each repetition's ring, then closes it. */
export function produce(args: RingArgs): ProducerReport {
  const { count } = args;
  const pool = args.pool === undefined ? undefined : FramePool.attach(args.pool);
  const starts: bigint[] = [];
  for (let rep = 1; rep <= args.reps; rep++) {
    const w = new RingWriter(args.rings[rep - 1]!);
    signalReady(args.signal);
    waitForStart(args.signal, rep);
    starts.push(clockNs());
    switch (args.kind) {
      case 'small':
        for (let i = 0; i < count; i++) w.pushNumber(i, i * 0.5);
        break;
      case 'object':
        // A fresh object per packet, as in the postMessage.object baseline.
        for (let i = 0; i < count; i++) {
          w.pushValue(i, { camera: 'c12', seq: i, score: (i % 100) / 100, box: [i & 1023, 20, 64, 48] });
        }
        break;
      case 'frame':
        for (let i = 0; i < count; i++) {
          // Every slot in flight: alloc waits (the pool is the back-pressure).
          const h = pool!.alloc(args.bytes);
          pool!.bytes(h)[0] = i & 0xff;
          w.pushFrame(i, h);
        }
        break;
    }
    w.close();
  }
  return { starts };
}

/** Consumer side: pops until End, touching each packet; timestamps the end of each repetition. */
export function consume(args: RingArgs): ConsumerReport {
  const pool = args.pool === undefined ? undefined : FramePool.attach(args.pool);
  const ends: bigint[] = [];
  const received: number[] = [];
  let sum = 0;
  for (let rep = 1; rep <= args.reps; rep++) {
    const r = new RingReader(args.rings[rep - 1]!);
    signalReady(args.signal);
    let n = 0;
    let k: number;
    switch (args.kind) {
      case 'small':
        while ((k = r.pop()) !== RecordKind.End) {
          if (k === RecordKind.Packet) {
            sum += r.number;
            n++;
          }
        }
        break;
      case 'object':
        while ((k = r.pop()) !== RecordKind.End) {
          if (k === RecordKind.Packet) {
            sum += (r.value() as { box: number[] }).box[0]!;
            n++;
          }
        }
        break;
      case 'frame':
        while ((k = r.pop()) !== RecordKind.End) {
          if (k === RecordKind.Packet) {
            const h = r.frame;
            sum += pool!.bytes(h)[0]!;
            pool!.release(h);
            n++;
          }
        }
        break;
    }
    ends.push(clockNs());
    received.push(n);
    r.close();
  }
  return { ends, received, checksum: sum };
}
