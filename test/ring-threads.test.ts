import { describe, expect, it } from 'vitest';
import { spawnTask } from '../src/actors/thread-task.js';
import { createDoorbell, SLEEPING } from '../src/transport/doorbell.js';
import { PRODUCER_WAITING } from '../src/transport/ring-layout.js';
import { createRing, EMPTY, RecordKind, RingReader, RingWriter } from '../src/transport/ring-queue.js';
import type { Observed } from './fixtures/ring-tasks.js';
import { waitUntil } from './helpers/wait-until.js';

const tasks = new URL('./fixtures/ring-tasks.ts', import.meta.url);

describe('ring queue across threads', () => {
  it.each([
    [1, 1024, 20_000],
    [2, 4096, 30_000],
    [3, 64 * 1024, 30_000],
  ])(
    'seed %i, capacity %i: every record of a random sequence arrives once, in order',
    async (seed, capacityBytes, count) => {
      const ring = createRing({
        capacityBytes,
        maxInlineBytes: 480,
        publishEvery: 1 + (seed % 7),
        name: `seq${seed}`,
      });
      const consumer = spawnTask<Observed>(tasks, 'consumeSequence', { ring, seed, count });
      const producer = spawnTask<number>(tasks, 'produceSequence', { ring, seed, count });
      const [sent, seen] = await Promise.all([producer.result, consumer.result]);
      expect(sent).toBe(count);
      expect(seen.mismatches).toEqual([]);
      expect(seen.count).toBe(count);
      expect(seen.endTimestamp).toBe(123456);
    },
  );

  it('close wakes a consumer blocked in pop, which then reads End', async () => {
    const ring = createRing();
    const consumer = spawnTask<{ kind: number }>(tasks, 'popOnce', { ring, timeoutMs: -1 });
    const bell = new Int32Array(ring.doorbell.sab);
    await waitUntil(() => Atomics.load(bell, ring.doorbell.index + SLEEPING) === 1, 'the consumer sleeps');
    new RingWriter(ring).close();
    expect((await consumer.result).kind).toBe(RecordKind.End);
  });

  it('a consumer blocked in pop times out with EMPTY', async () => {
    const ring = createRing();
    const consumer = spawnTask<{ kind: number }>(tasks, 'popOnce', { ring, timeoutMs: 5 });
    expect((await consumer.result).kind).toBe(EMPTY);
  });

  it('a worker waiting in popAsync stays alive and gets the record', async () => {
    const ring = createRing();
    const consumer = spawnTask<{ kind: number; n: number }>(tasks, 'popOnceAsync', { ring });
    const bell = new Int32Array(ring.doorbell.sab);
    await waitUntil(() => Atomics.load(bell, ring.doorbell.index + SLEEPING) === 1, 'the consumer sleeps');
    const w = new RingWriter(ring);
    w.pushNumber(5, 55);
    w.flush();
    expect(await consumer.result).toEqual({ kind: RecordKind.Packet, n: 55 });
  });

  it('a producer blocked on a full ring wakes when the consumer frees space', async () => {
    const ring = createRing({ capacityBytes: 1024 });
    const producer = spawnTask<number>(tasks, 'fillThenPush', { ring });
    const ctl = new Int32Array(ring.sab);
    await waitUntil(() => Atomics.load(ctl, PRODUCER_WAITING) === 1, 'the producer sleeps');
    const r = new RingReader(ring);
    let n = 0;
    while (r.tryPop() === RecordKind.Packet) n++;
    const last = await producer.result;
    while (r.tryPop() === RecordKind.Packet) n++;
    expect(n).toBe(last);
  });

  it('closing the consumer wakes a blocked producer with RingClosedError', async () => {
    const ring = createRing({ capacityBytes: 1024, name: 'full-edge' });
    const producer = spawnTask(tasks, 'fillThenPush', { ring });
    const ctl = new Int32Array(ring.sab);
    await waitUntil(() => Atomics.load(ctl, PRODUCER_WAITING) === 1, 'the producer sleeps');
    new RingReader(ring).close();
    await expect(producer.result).rejects.toMatchObject({
      code: 'ERR_WEFT_RING_CLOSED',
      stream: 'full-edge',
    });
  });

  it('one consumer waits on three rings through one doorbell and keeps per-ring order', async () => {
    const doorbell = createDoorbell();
    const rings = [0, 1, 2].map((i) => createRing({ doorbell, capacityBytes: 1024, name: `in${i}` }));
    const consumer = spawnTask<number[]>(tasks, 'consumeSet', { rings, doorbell });
    const counts = [5000, 3000, 7000];
    const producers = rings.map((ring, i) =>
      spawnTask(tasks, 'produceNumbers', { ring, count: counts[i], base: i * 1e6 }),
    );
    await Promise.all(producers.map((p) => p.result));
    expect(await consumer.result).toEqual(counts);
  });

  it('the main thread consumes a worker producer with popAsync', async () => {
    const seed = 9;
    const count = 5000;
    const ring = createRing({ capacityBytes: 2048 });
    const producer = spawnTask<number>(tasks, 'produceSequence', { ring, seed, count });
    const r = new RingReader(ring);
    let n = 0;
    for (let k = await r.popAsync(); k !== RecordKind.End; k = await r.popAsync()) n++;
    expect(n).toBe(count);
    expect(await producer.result).toBe(count);
  });
});
