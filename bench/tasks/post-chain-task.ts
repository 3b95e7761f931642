/**
 * The postMessage baseline of the `graph` suite: the same chain as weft's (a source, pass-through
 * stages, a sink), each a worker thread passing `{ ts, value }` messages to the next with
 * postMessage. The sink grants credit back to the source (postMessage has no back-pressure), and
 * records the times of its first and last packet, as weft's CountSinkCalculator does.
 */
import type { MessagePort } from 'node:worker_threads';
import { burn } from '../calculators/burn-cpu.js';
import type { SinkStats } from '../calculators/count-sink.js';

interface Packet {
  ts: number;
  value: number;
}

/** Sends `count` packets, keeping at most `window` unacknowledged. */
export function source(a: {
  out: MessagePort;
  acks: MessagePort;
  count: number;
  window: number;
}): Promise<void> {
  return new Promise((resolve) => {
    let sent = 0;
    let acked = 0;
    let ended = false;
    const pump = () => {
      while (sent < a.count && sent - acked < a.window) {
        a.out.postMessage({ ts: sent, value: sent } satisfies Packet);
        sent++;
      }
      if (sent === a.count && !ended) {
        ended = true;
        a.out.postMessage(null);
      }
    };
    a.acks.on('message', (n: number) => {
      acked += n;
      if (acked >= a.count) {
        a.acks.close();
        a.out.close();
        resolve();
      } else pump();
    });
    pump();
  });
}

/** Forwards every packet (after `micros` µs of CPU, when given); null ends the stream. */
export function stage(a: { in: MessagePort; out: MessagePort; micros: number }): Promise<void> {
  return new Promise((resolve) => {
    a.in.on('message', (p: Packet | null) => {
      if (p === null) {
        a.out.postMessage(null);
        a.in.close();
        a.out.close();
        resolve();
        return;
      }
      if (a.micros > 0) p.value = burn(a.micros, p.value) & 0xffff;
      a.out.postMessage(p);
    });
  });
}

/** Counts packets and acknowledges them in groups of `ackEvery`. */
export function sink(a: { in: MessagePort; acks: MessagePort; ackEvery: number }): Promise<SinkStats> {
  return new Promise((resolve) => {
    const s: SinkStats = { count: 0, firstAt: 0, lastAt: 0, checksum: 0 };
    let unacked = 0;
    a.in.on('message', (p: Packet | null) => {
      if (p === null) {
        if (unacked > 0) a.acks.postMessage(unacked);
        a.in.close();
        a.acks.close();
        resolve(s);
        return;
      }
      const now = performance.timeOrigin + performance.now();
      if (s.count === 0) s.firstAt = now;
      s.lastAt = now;
      s.count++;
      s.checksum = (s.checksum + p.value) % 1e9;
      if (++unacked === a.ackEvery) {
        a.acks.postMessage(unacked);
        unacked = 0;
      }
    });
  });
}
