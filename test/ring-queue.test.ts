import { describe, expect, it } from 'vitest';
import { Timestamp } from '../src/core/timestamp.js';
import { FrameRef } from '../src/transport/codec.js';
import {
  createRing,
  EMPTY,
  PayloadType,
  RecordKind,
  RingReader,
  RingWriter,
} from '../src/transport/ring-queue.js';
import { below, prng } from './fixtures/prng.js';
import { checkRecord, type SeqRecord, sequence, tryPushRecord } from './fixtures/ring-sequence.js';

function pair(options: Parameters<typeof createRing>[0] = {}) {
  const desc = createRing({ name: 'a:out -> b:in', ...options });
  return { desc, w: new RingWriter(desc), r: new RingReader(desc) };
}

describe('ring queue on one thread', () => {
  it('carries numbers, values, frames and bounds in order with their kinds', () => {
    const { w, r } = pair();
    w.pushNumber(1, 3.5);
    w.pushValue(2, { camera: 'c1', box: [1, 2, 3, 4] });
    w.push(3, new FrameRef(2 ** 40 + 7));
    w.pushBound(10);
    w.flush();
    expect(r.pop()).toBe(RecordKind.Packet);
    expect([r.timestamp, r.payloadType, r.number]).toEqual([1, PayloadType.Number, 3.5]);
    expect(r.pop()).toBe(RecordKind.Packet);
    expect(r.payloadType).toBe(PayloadType.Value);
    expect(r.value()).toEqual({ camera: 'c1', box: [1, 2, 3, 4] });
    expect(r.pop()).toBe(RecordKind.Packet);
    expect([r.timestamp, r.payloadType, r.frame]).toEqual([3, PayloadType.Frame, 2 ** 40 + 7]);
    expect(r.pop()).toBe(RecordKind.Bound);
    expect(r.timestamp).toBe(10);
    expect(r.tryPop()).toBe(EMPTY);
  });

  it('publishes in batches: records stay invisible until publishEvery or flush', () => {
    const { w, r } = pair({ publishEvery: 4 });
    w.pushNumber(1, 1);
    w.pushNumber(2, 2);
    expect(r.tryPop()).toBe(EMPTY);
    w.flush();
    expect(r.tryPop()).toBe(RecordKind.Packet);
    expect(r.tryPop()).toBe(RecordKind.Packet);
    for (let i = 3; i <= 6; i++) w.pushNumber(i, i);
    expect(r.tryPop()).toBe(RecordKind.Packet);
    expect(r.number).toBe(3);
  });

  it('wraps around many times with mixed records of random sizes and loses or corrupts none', () => {
    const { w, r } = pair({ capacityBytes: 1024, maxInlineBytes: 480, publishEvery: 3 });
    const rand = prng(42);
    const count = 20_000;
    const toSend = sequence(7, count);
    const toCheck = sequence(7, count);
    let pending = toSend.next();
    let read = 0;
    while (read < count) {
      // Fill in bursts until full, so records straddle the wrap point and sit right behind the reader.
      for (let i = below(rand, 40); i > 0 && !pending.done && tryPushRecord(w, pending.value); i--) {
        pending = toSend.next();
      }
      w.flush();
      for (let i = below(rand, 40); i > 0; i--) {
        const k = r.tryPop();
        if (k === EMPTY) break;
        const want = toCheck.next();
        expect(want.done).toBe(false);
        expect(checkRecord(r, k, want.value as SeqRecord)).toBeUndefined();
        read++;
      }
    }
    expect(pending.done).toBe(true);
  });

  it('reports full: tryPush returns false and a blocking push times out with false', () => {
    const { w } = pair({ capacityBytes: 1024 });
    let n = 0;
    while (w.tryPushNumber(++n, n)) {}
    expect(n - 1).toBe(1024 / 24 - ((1024 / 24) % 1));
    expect(w.pushNumber(n, n, 1)).toBe(false);
  });

  it('a decoded value does not alias ring memory that is later overwritten', () => {
    const { w, r } = pair({ capacityBytes: 1024, publishEvery: 1 });
    w.pushValue(1, { s: 'first', a: new Uint8Array([1, 2, 3]) });
    expect(r.pop()).toBe(RecordKind.Packet);
    const v = r.value() as { s: string; a: Uint8Array };
    for (let i = 2; i < 200; i++) {
      w.pushValue(i, { s: 'other', a: new Uint8Array([9, 9, 9]) });
      r.pop();
    }
    expect(v).toEqual({ s: 'first', a: new Uint8Array([1, 2, 3]) });
  });

  it('close: the consumer drains what is left, then reads End with the final bound, repeatedly', () => {
    const { w, r } = pair();
    w.pushNumber(1, 1);
    w.pushNumber(2, 2);
    w.close(Timestamp.Done);
    expect(r.pop()).toBe(RecordKind.Packet);
    expect(r.pop()).toBe(RecordKind.Packet);
    expect(r.pop()).toBe(RecordKind.End);
    expect(r.timestamp).toBe(Timestamp.Done);
    expect(r.tryPop()).toBe(RecordKind.End);
    expect(r.done).toBe(true);
  });

  it('pop times out with EMPTY when nothing arrives', () => {
    const { r } = pair();
    expect(r.pop(1)).toBe(EMPTY);
  });

  it('popAsync resolves when a record is pushed later', async () => {
    const { w, r } = pair();
    const pending = r.popAsync();
    queueMicrotask(() => w.pushNumber(7, 70) && w.flush());
    expect(await pending).toBe(RecordKind.Packet);
    expect(r.number).toBe(70);
  });

  it('pushAsync resolves once the consumer frees space', async () => {
    const { w, r } = pair({ capacityBytes: 1024 });
    let ts = 0;
    while (w.tryPushNumber(++ts, ts)) {}
    const pending = w.pushAsync(ts, 'late');
    setImmediate(() => {
      while (r.tryPop() === RecordKind.Packet) {}
    });
    expect(await pending).toBe(true);
    expect(r.tryPop()).toBe(RecordKind.Packet);
    expect(r.value()).toBe('late');
  });
});

describe('ring queue errors', () => {
  const cases: [string, (p: ReturnType<typeof pair>) => unknown, string][] = [
    [
      'oversized inline payload',
      (p) => p.w.tryPushValue(1, 'z'.repeat(20_000)),
      'ERR_WEFT_PAYLOAD_TOO_LARGE',
    ],
    ['NaN timestamp', (p) => p.w.tryPushNumber(Number.NaN, 1), 'ERR_WEFT_INVALID_TIMESTAMP'],
    [
      'infinite timestamp',
      (p) => p.w.tryPushNumber(Number.POSITIVE_INFINITY, 1),
      'ERR_WEFT_INVALID_TIMESTAMP',
    ],
    ['fractional timestamp', (p) => p.w.pushValue(1.5, 'a'), 'ERR_WEFT_INVALID_TIMESTAMP'],
    ['bound below PreStream', (p) => p.w.pushBound(Timestamp.Unset), 'ERR_WEFT_INVALID_TIMESTAMP'],
    [
      'push after the producer closed',
      (p) => {
        p.w.close();
        p.w.pushNumber(1, 1);
      },
      'ERR_WEFT_RING_CLOSED',
    ],
    [
      'push after the consumer closed',
      (p) => {
        p.r.close();
        p.w.tryPushNumber(1, 1);
        p.w.flush();
      },
      'ERR_WEFT_RING_CLOSED',
    ],
    ['unencodable value', (p) => p.w.pushValue(1, { f: () => 1 }), 'ERR_WEFT_CODEC'],
  ];
  it.each(cases)('%s gets a typed error naming the stream', (_what, act, code) => {
    const p = pair();
    let err: unknown;
    try {
      act(p);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code });
    expect((err as Error).message).toContain('a:out -> b:in');
  });

  it.each([
    [{ capacityBytes: 1000 }],
    [{ capacityBytes: 512 }],
    [{ maxInlineBytes: 1 << 20 }],
    [{ publishEvery: 0 }],
  ])('rejects bad options %o with ERR_WEFT_INVALID_ARGUMENT', (options) => {
    expect(() => createRing(options)).toThrow(expect.objectContaining({ code: 'ERR_WEFT_INVALID_ARGUMENT' }));
  });
});

describe('ring queue close', () => {
  it('close() never throws, even after the consumer abandoned the ring with records pending', () => {
    const { w, r } = pair();
    w.pushNumber(1, 1);
    r.close();
    expect(() => w.close()).not.toThrow();
    expect(w.closed).toBe(true);
  });
});

describe('ring queue sized in records', () => {
  it('limitRecords caps the packets the consumer has not released; bounds do not count', () => {
    const ring = createRing({ capacityBytes: 1024 });
    const w = new RingWriter(ring);
    const r = new RingReader(ring);
    w.limitRecords(2);
    expect(w.tryPushNumber(1, 10)).toBe(true);
    expect(w.tryPushNumber(2, 20)).toBe(true);
    expect(w.tryPushNumber(3, 30)).toBe(false);
    expect(w.heldRecords).toBe(2);
    expect(w.tryPushBound(4)).toBe(true);
    w.flush();
    // The consumer takes one and frees its space (it releases when it finds nothing more to read).
    expect(r.tryPop()).toBe(RecordKind.Packet);
    expect(w.tryPushNumber(5, 50)).toBe(false);
    r.release();
    expect(w.heldRecords).toBe(1);
    expect(w.tryPushNumber(5, 50)).toBe(true);
    expect(() => w.limitRecords(-1)).toThrow(expect.objectContaining({ code: 'ERR_WEFT_INVALID_ARGUMENT' }));
  });

  it('waitRecordRoomAsync waits, holding no record, until the consumer releases one', async () => {
    const ring = createRing({ capacityBytes: 1024 });
    const w = new RingWriter(ring);
    const r = new RingReader(ring);
    w.limitRecords(1);
    expect(w.hasRecordRoom).toBe(true);
    expect(w.tryPushNumber(1, 10)).toBe(true);
    w.flush();
    expect(w.hasRecordRoom).toBe(false);
    const room = w.waitRecordRoomAsync();
    expect(r.tryPop()).toBe(RecordKind.Packet);
    // Finding nothing more to read releases the record and wakes the waiting producer.
    expect(r.tryPop()).toBe(EMPTY);
    await expect(room).resolves.toBe(true);
    expect(w.heldRecords).toBe(0);
    expect(w.tryPushNumber(2, 20)).toBe(true);
    await expect(w.waitRecordRoomAsync(0)).resolves.toBe(false);
    w.close();
    r.close();
  });

  it('a full record window on a ring its consumer abandoned fails the push instead of waiting', async () => {
    const ring = createRing({ capacityBytes: 1024 });
    const w = new RingWriter(ring);
    const r = new RingReader(ring);
    w.limitRecords(1);
    expect(w.tryPushNumber(1, 10)).toBe(true);
    w.flush();
    r.close();
    const closed = expect.objectContaining({ code: 'ERR_WEFT_RING_CLOSED' });
    expect(() => w.tryPushNumber(2, 20)).toThrow(closed);
    await expect(w.pushAsync(2, 20)).rejects.toThrow(closed);
    await expect(w.waitRecordRoomAsync()).rejects.toThrow(closed);
    w.close();
  });
});
