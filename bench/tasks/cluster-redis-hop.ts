/**
 * `cluster.hop.redis`: the hop a frame takes between hosts, on one machine. A producer connection
 * XADDs camera frames in weft's wire format (pipelined, 32 at a time); a consumer connection reads
 * them through a consumer group (`XREADGROUP … COUNT 32 BLOCK 1`), checks each entry, copies its
 * frame out of the reply (as the source copies it into a pool slot) and acknowledges the batch. Both
 * run at once on this thread's event loop, the producer at most 1024 frames ahead; the clock runs
 * from the first XADD to the last XACK. The server works on its own core meanwhile.
 *
 * Threading: main thread of the bench process.
 */
import { RedisConnection } from '../../src/redis/redis-connection.js';
import { streamsOf } from '../../src/redis/redis-stream-reader.js';
import { decodeEntry, encodeEntry } from '../../src/redis/stream-wire-format.js';
import { Codec } from '../../src/transport/codec.js';

/** Microseconds per frame through Redis, for `count` frames of `bytes`. */
export async function redisHopMicros(url: string, count: number, bytes: number): Promise<number> {
  const producer = await RedisConnection.open({ url, clientName: 'bench-hop-producer' });
  const consumer = await RedisConnection.open({ url, clientName: 'bench-hop-consumer' });
  const codec = new Codec();
  const frame = Buffer.from(new Uint8Array(bytes).map((_, i) => i & 0xff));
  const slot = new Uint8Array(bytes);
  const limits = { maxFrameBytes: bytes, maxHeaderBytes: 4096, frameBytes: bytes };
  try {
    await producer.command(['DEL', 'hop'], 'DEL');
    await producer.command(['XGROUP', 'CREATE', 'hop', 'g', '0', 'MKSTREAM'], 'XGROUP');
    let produced = 0;
    let consumed = 0;
    const t0 = performance.now();
    const produce = (async () => {
      while (produced < count) {
        while (produced - consumed > 1024) await new Promise((r) => setImmediate(r));
        const batch: Promise<unknown>[] = [];
        for (let i = 0; i < 32 && produced < count; i++, produced++) {
          const fields = encodeEntry(
            codec,
            { kind: 'frame', camera: 0, frame: produced, shape: [bytes] },
            frame,
          );
          batch.push(producer.command(['XADD', 'hop', '*', ...fields], 'XADD'));
        }
        await Promise.all(batch);
      }
    })();
    while (consumed < count) {
      const reply = await consumer.command<unknown>(
        ['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '32', 'BLOCK', '1', 'STREAMS', 'hop', '>'],
        'XREADGROUP',
      );
      const ids: string[] = [];
      for (const [, entries] of streamsOf(reply)) {
        for (const e of entries as unknown[][]) {
          const entry = decodeEntry(codec, e[1] as unknown[], limits, 'hop');
          slot.set(entry.bytes!);
          ids.push(String(e[0]));
        }
      }
      if (ids.length > 0) await consumer.command(['XACK', 'hop', 'g', ...ids], 'XACK');
      consumed += ids.length;
    }
    await produce;
    return ((performance.now() - t0) * 1000) / count;
  } finally {
    await producer.command(['DEL', 'hop'], 'DEL').catch(() => {});
    await producer.close();
    await consumer.close();
  }
}
