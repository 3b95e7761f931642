/**
 * Task module for the postMessage baselines: a producer and a consumer worker joined by a
 * MessagePort pair.
 *
 * postMessage has no back-pressure, so every case is windowed: the consumer acknowledges every
 * `ackEvery` messages (and at the end of each repetition) with its running message count, and the
 * producer keeps at most `window` messages unacknowledged. The transfer case is windowed by its
 * buffer pool instead: the consumer transfers each buffer back, and the producer waits when none is
 * free. Counters run across repetitions; the producer waits for the final acknowledgement of a
 * repetition before announcing that it is ready for the next one, so no stale message is in flight.
 *
 * Threading: runs inside bench worker threads (see `suites/transport.ts`).
 */
import type { MessagePort } from 'node:worker_threads';
import type { ConsumerReport, PairTaskArgs, ProducerReport } from '../lib/measure.js';
import { clockNs, signalReady, waitForStart } from '../lib/start-signal.js';

/** Which payload a postMessage case sends. */
export type PostKind = 'small' | 'batch64' | 'object' | 'clone' | 'transfer';

/** Arguments of {@link produce} and {@link consume}. */
export interface PostArgs extends PairTaskArgs {
  kind: PostKind;
  /** This side's end of the channel (transferred). */
  port: MessagePort;
  /** Most messages (or buffers, for `transfer`) in flight. */
  window: number;
  /** The consumer acknowledges every this many messages. */
  ackEvery: number;
  /** Payload size of `clone` and `transfer`. */
  bytes: number;
}

/** Packets carried by one message of a case. */
export function packetsPerMessage(kind: PostKind): number {
  return kind === 'batch64' ? 64 : 1;
}

/** Producer side: sends `count` packets per repetition, within the window. */
export async function produce(args: PostArgs): Promise<ProducerReport> {
  const { port, window, count } = args;
  let acked = 0;
  let sent = 0;
  const free: ArrayBuffer[] = [];
  if (args.kind === 'transfer') for (let i = 0; i < window; i++) free.push(new ArrayBuffer(args.bytes));
  let wake: (() => void) | undefined;
  port.on('message', (m: number | ArrayBuffer) => {
    if (typeof m === 'number') acked = m;
    else free.push(m);
    wake?.();
  });
  // Resolves at the next message from the consumer; callers re-check their condition in a loop.
  const nextReply = () => new Promise<void>((resolve) => (wake = resolve));
  const clone = new Uint8Array(args.bytes);
  const batch: { ts: number; value: number }[] = new Array(64);
  const per = packetsPerMessage(args.kind);
  // A partial last message would leave the consumer one short of `count`, waiting forever.
  if (count % per !== 0) throw new RangeError(`${args.kind}: count ${count} is not a multiple of ${per}`);

  const starts: bigint[] = [];
  for (let rep = 1; rep <= args.reps; rep++) {
    signalReady(args.signal);
    waitForStart(args.signal, rep);
    starts.push(clockNs());
    for (let i = 0; i < count; i += per) {
      if (args.kind === 'transfer') {
        while (free.length === 0) await nextReply();
        const buf = free.pop()!;
        new Uint8Array(buf)[0] = i & 0xff;
        port.postMessage(buf, [buf]);
        continue;
      }
      while (sent - acked >= window) await nextReply();
      switch (args.kind) {
        case 'small':
          port.postMessage({ ts: i, value: i * 0.5 });
          break;
        case 'batch64':
          for (let j = 0; j < 64; j++) batch[j] = { ts: i + j, value: (i + j) * 0.5 };
          port.postMessage(batch);
          break;
        case 'object':
          port.postMessage({ camera: 'c12', seq: i, score: (i % 100) / 100, box: [i & 1023, 20, 64, 48] });
          break;
        case 'clone':
          clone[0] = i & 0xff;
          port.postMessage(clone);
          break;
      }
      sent++;
    }
    // Drain: every message of this repetition acknowledged, every buffer returned.
    if (args.kind === 'transfer') while (free.length < window) await nextReply();
    else while (acked < sent) await nextReply();
  }
  port.close();
  return { starts };
}

/** Consumer side: receives, touches each packet, acknowledges, and timestamps each repetition. */
export function consume(args: PostArgs): Promise<ConsumerReport> {
  const { port, count, ackEvery } = args;
  const ends: bigint[] = [];
  const received: number[] = [];
  let messages = 0;
  let packets = 0;
  let sum = 0;
  return new Promise<ConsumerReport>((resolve) => {
    port.on('message', (m: unknown) => {
      switch (args.kind) {
        case 'small':
          sum += (m as { value: number }).value;
          packets++;
          break;
        case 'batch64':
          for (const p of m as { value: number }[]) sum += p.value;
          packets += (m as unknown[]).length;
          break;
        case 'object':
          sum += (m as { box: number[] }).box[0]!;
          packets++;
          break;
        case 'clone':
          sum += (m as Uint8Array)[0]!;
          packets++;
          break;
        case 'transfer':
          sum += new Uint8Array(m as ArrayBuffer)[0]!;
          packets++;
          port.postMessage(m, [m as ArrayBuffer]);
          break;
      }
      messages++;
      const repDone = packets === count;
      if (args.kind !== 'transfer' && (repDone || messages % ackEvery === 0)) port.postMessage(messages);
      if (!repDone) return;
      ends.push(clockNs());
      received.push(packets);
      packets = 0;
      // The producer closes the channel once it has every acknowledgement; that ends this thread.
      if (ends.length === args.reps) {
        resolve({ ends, received, checksum: sum });
      } else {
        signalReady(args.signal);
      }
    });
    signalReady(args.signal);
  });
}
