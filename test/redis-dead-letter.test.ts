// Hostile input across the hop: every malformed, truncated or oversized entry is a typed error that
// is counted, moved to the dead-letter stream and acknowledged; the good entries around it go
// through, and the graph neither fails nor hangs.
import { describe, expect, it } from 'vitest';
import { CalculatorGraph } from '../src/api/calculator-graph.js';
import { graph } from '../src/core/graph-builder.js';
import { createRedisCounters, RedisCounters } from '../src/redis/redis-counters.js';
import { field } from '../src/redis/redis-stream-reader.js';
import { DEFAULT_WIRE_LIMITS, decodeEntry, encodeEntry } from '../src/redis/stream-wire-format.js';
import { Codec } from '../src/transport/codec.js';
import { BAD_ENTRIES, BAD_ENTRY_LIMITS } from './fixtures/redis/bad-entries.js';
import { runRedisTests, useRedisServer } from './helpers/redis-server.js';

const codec = new Codec();

describe.skipIf(!runRedisTests)('malformed entries', () => {
  const redis = useRedisServer();

  it('are dead-lettered with their reason and acknowledged, while good entries go through', async () => {
    const good: number[] = [];
    for (let i = 0; i < BAD_ENTRIES.length; i++) {
      good.push(i);
      await redis.c.command(['XADD', 'in', '*', ...encodeEntry(codec, { kind: 'value', value: i })], 'XADD');
      await redis.c.command(['XADD', 'in', '*', ...BAD_ENTRIES[i]![1]], 'XADD');
    }
    const counters = createRedisCounters(1);
    const g = new CalculatorGraph(
      graph()
        .node('RedisStreamSourceCalculator', {
          name: 'source',
          outputs: { VALUE: 'v', META: 'm', DEAD: 'dead' },
          options: {
            url: redis.server.url,
            streams: ['in'],
            stopWhenDrainedMs: 0,
            deadLetterStream: 'in:dead',
            ...BAD_ENTRY_LIMITS,
            counters,
          },
        })
        .node('RedisStreamSinkCalculator', {
          name: 'sink',
          inputs: { IN: 'v', ACK: 'm' },
          options: { url: redis.server.url, stream: 'out' },
        })
        .build(),
    );
    const reported: { code: string; message: string }[] = [];
    g.observeOutputStream('dead', (_ts, d) => reported.push(d as { code: string; message: string }));
    try {
      await g.runToCompletion();
    } finally {
      await g.close();
    }
    const out = await redis.c.command<unknown[][]>(['XRANGE', 'out', '-', '+'], 'XRANGE');
    expect(
      out.map((e) => decodeEntry(codec, e[1] as unknown[], DEFAULT_WIRE_LIMITS, 'out').header.value),
    ).toEqual(good);
    const dead = await redis.c.command<unknown[][]>(['XRANGE', 'in:dead', '-', '+'], 'XRANGE');
    expect(dead).toHaveLength(BAD_ENTRIES.length);
    dead.forEach((e, i) => {
      expect(String(field(e[1], 'code'))).toBe('ERR_WEFT_STREAM_ENTRY');
      expect(String(field(e[1], 'reason'))).toContain(BAD_ENTRIES[i]![2]);
    });
    expect(reported.map((r) => r.code)).toEqual(BAD_ENTRIES.map(() => 'ERR_WEFT_STREAM_ENTRY'));
    expect(new RedisCounters(counters).read().deadLettered).toBe(BAD_ENTRIES.length);
    const pending = await redis.c.command<unknown[]>(['XPENDING', 'in', 'weft'], 'XPENDING');
    expect(Number(pending[0])).toBe(0);
  });
});
