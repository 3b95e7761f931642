/**
 * Task module for the ring cases: a producer and a consumer worker joined by weft ring queues.
 *
 * A ring ends for good when its producer closes it, so each repetition gets its own ring (created by
 * the main thread, one descriptor per repetition). Frames have their own task (`ring-frame-task.ts`).
 *
 * Threading: runs inside bench worker threads (see `suites/transport.ts`).
 */
import { RecordKind, type RingDescriptor, RingReader, RingWriter } from '../../src/transport/ring-queue.js';
import type { ConsumerReport, PairTaskArgs, ProducerReport } from '../lib/measure.js';
import { clockNs, signalReady, waitForStart } from '../lib/start-signal.js';

/** What a ring case pushes: plain numbers or msgpack-encoded objects. */
export type RingKind = 'small' | 'object';

/** Arguments of {@link produce} and {@link consume}. */
export interface RingArgs extends PairTaskArgs {
  kind: RingKind;
  /** One ring per repetition. */
  rings: RingDescriptor[];
}

/** Producer side: pushes `count` packets into each repetition's ring, then closes it. */
export function produce(args: RingArgs): ProducerReport {
  const { count } = args;
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
    }
    w.close();
  }
  return { starts };
}

/** Consumer side: pops until End, touching each packet; timestamps the end of each repetition. */
export function consume(args: RingArgs): ConsumerReport {
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
    }
    ends.push(clockNs());
    received.push(n);
    r.close();
  }
  return { ends, received, checksum: sum };
}
