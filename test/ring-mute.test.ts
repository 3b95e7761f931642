// Muted rings: a consumer waiting on a shared doorbell is not woken by rings whose records it does
// not want now (their queue is at its limit), and hears from them again once it wants them.
import { describe, expect, it } from 'vitest';
import { createDoorbell, SEQ, SLEEPING } from '../src/transport/doorbell.js';
import { CONSUMER_MUTED } from '../src/transport/ring-layout.js';
import {
  createRing,
  EMPTY,
  InputSet,
  RecordKind,
  RingReader,
  RingWriter,
} from '../src/transport/ring-queue.js';

function shared(rings: number) {
  const bell = createDoorbell();
  const descs = Array.from({ length: rings }, (_, i) => createRing({ doorbell: bell, name: `in${i}` }));
  const words = new Int32Array(bell.sab);
  return {
    descs,
    writers: descs.map((d) => new RingWriter(d)),
    readers: descs.map((d) => new RingReader(d)),
    bell,
    // Doorbell rings (SEQ bumps) since the last call.
    rings: (() => {
      let seen = Atomics.load(words, bell.index + SEQ);
      return () => {
        const now = Atomics.load(words, bell.index + SEQ);
        const n = now - seen;
        seen = now;
        return n;
      };
    })(),
    // Marks the consumer as asleep, as InputSet does before it parks (no thread waits here).
    markAsleep: () => Atomics.store(words, bell.index + SLEEPING, 1),
  };
}

describe('muted rings', () => {
  it.each([
    { name: 'unmuted: publishing wakes a sleeping consumer', muted: false, act: 'flush', rings: 1 },
    { name: 'muted: publishing leaves it asleep', muted: true, act: 'flush', rings: 0 },
    { name: 'muted: closing still wakes it', muted: true, act: 'close', rings: 1 },
  ] as const)('$name, and the records are there to read', ({ muted, act, rings }) => {
    const s = shared(1);
    const [w, r] = [s.writers[0]!, s.readers[0]!];
    r.mute(muted);
    s.markAsleep();
    s.rings();
    if (act === 'flush') {
      w.tryPushNumber(5, 42);
      w.flush();
    } else {
      w.close(9);
    }
    expect(s.rings()).toBe(rings);
    expect(r.tryPop()).toBe(act === 'flush' ? RecordKind.Packet : RecordKind.End);
  });

  it('an input set mutes its disabled readers while it waits, and unmutes them when it waits for them', async () => {
    const s = shared(2);
    const set = new InputSet(s.readers, s.bell, { maxSpin: 0 });
    set.enabled[0] = 0;
    const muted = (i: number) => Atomics.load(new Int32Array(s.descs[i]!.sab), CONSUMER_MUTED);

    const first = set.waitAsync();
    expect([muted(0), muted(1)]).toEqual([1, 0]);
    s.rings();
    s.writers[0]!.tryPushNumber(1, 1);
    s.writers[0]!.flush();
    expect(s.rings()).toBe(0);
    s.writers[1]!.tryPushNumber(1, 2);
    s.writers[1]!.flush();
    expect(s.rings()).toBe(1);
    expect(await first).toBe(true);
    expect(set.firstReadable()).toBe(1);
    expect(s.readers[1]!.tryPop()).toBe(RecordKind.Packet);
    expect(s.readers[1]!.tryPop()).toBe(EMPTY);

    // Wanted again: the record published while muted is seen at once, and new ones wake the set.
    set.enabled[0] = 1;
    expect(await set.waitAsync()).toBe(true);
    expect(s.readers[0]!.tryPop()).toBe(RecordKind.Packet);
    const second = set.waitAsync();
    expect(muted(0)).toBe(0);
    s.writers[0]!.tryPushNumber(2, 3);
    s.writers[0]!.flush();
    expect(s.rings()).toBe(1);
    expect(await second).toBe(true);
  });
});
