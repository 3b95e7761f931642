// Records held back on a shared thread: written in order once the ring has room, dropped (frames
// released) when the consumer abandoned the ring, and any other failure reported, never swallowed.
import { describe, expect, it } from 'vitest';
import { SpillKind, SpillQueue } from '../src/actors/spill-queue.js';
import { FramePool } from '../src/transport/frame-pool.js';
import { createRing, RecordKind, RingReader, RingWriter } from '../src/transport/ring-queue.js';

describe('SpillQueue', () => {
  it('writes its records in order once the ring has room, then holds nothing', () => {
    const pool = FramePool.create({ classes: [{ slotBytes: 64, slots: 2 }] });
    const ring = createRing({ capacityBytes: 1024 });
    const w = new RingWriter(ring);
    const r = new RingReader(ring);
    w.limitRecords(1);
    expect(w.tryPushNumber(1, 10)).toBe(true);
    w.flush();
    const q = new SpillQueue();
    q.add(w, SpillKind.Number, 2, 20);
    q.add(w, SpillKind.Bound, 5, null);
    expect(q.holds(w)).toBe(true);
    expect(q.flush(pool)).toBe(false);
    expect(r.tryPop()).toBe(RecordKind.Packet);
    r.release();
    expect(q.flush(pool)).toBe(true);
    expect(q.empty).toBe(true);
    expect([r.tryPop(), r.timestamp, r.number]).toEqual([RecordKind.Packet, 2, 20]);
    expect([r.tryPop(), r.timestamp]).toEqual([RecordKind.Bound, 5]);
    w.close();
    r.close();
  });

  it('drops the records of a ring its consumer abandoned, releasing their frames', () => {
    const pool = FramePool.create({ classes: [{ slotBytes: 64, slots: 2 }] });
    const ring = createRing({ capacityBytes: 1024 });
    const w = new RingWriter(ring);
    const r = new RingReader(ring);
    w.limitRecords(1);
    expect(w.tryPushNumber(1, 10)).toBe(true);
    w.flush();
    const q = new SpillQueue();
    q.add(w, SpillKind.Frame, 2, pool.alloc(8));
    r.close();
    expect(q.flush(pool)).toBe(true);
    expect(pool.inUse()).toBe(0);
    w.close();
  });

  it('reports a failure other than a closed ring instead of dropping the records', () => {
    const pool = FramePool.create({ classes: [{ slotBytes: 64, slots: 2 }] });
    const failing = {
      tryPushNumber: () => {
        throw new RangeError('broken');
      },
      flush: () => {},
    } as unknown as RingWriter;
    const q = new SpillQueue();
    q.add(failing, SpillKind.Number, 1, 1);
    expect(() => q.flush(pool)).toThrow(RangeError);
    expect(q.holds(failing)).toBe(true);
  });
});
