// The claiming path: entries a consumer read and never acknowledged (it died) are taken over by a
// live consumer once they were idle past the limit, processed, and acknowledged.
import { describe, expect, it } from 'vitest';
import { CalculatorGraph } from '../src/api/calculator-graph.js';
import { graph } from '../src/core/graph-builder.js';
import type { SourceMeta } from '../src/redis/redis-stream-source.js';
import { DEFAULT_WIRE_LIMITS, decodeEntry, encodeEntry } from '../src/redis/stream-wire-format.js';
import { Codec } from '../src/transport/codec.js';
import { pollUntil, runRedisTests, useRedisServer } from './helpers/redis-server.js';

const codec = new Codec();
const CLAIM_IDLE_MS = 200;

describe.skipIf(!runRedisTests)('claiming a dead consumer’s entries', () => {
  const redis = useRedisServer();

  it('takes over entries pending past claimIdleMs and processes each', async () => {
    await redis.c.command(['XGROUP', 'CREATE', 'in', 'g', '0', 'MKSTREAM'], 'XGROUP');
    for (let i = 0; i < 30; i++)
      await redis.c.command(['XADD', 'in', '*', ...encodeEntry(codec, { kind: 'value', value: i })], 'XADD');
    // A consumer that reads ten entries and dies before acknowledging them.
    await redis.c.command(
      ['XREADGROUP', 'GROUP', 'g', 'dead', 'COUNT', '10', 'STREAMS', 'in', '>'],
      'XREADGROUP',
    );
    await pollUntil(async () => {
      const p = await redis.c.command<unknown[][]>(['XPENDING', 'in', 'g', '-', '+', '1'], 'XPENDING');
      return Number(p[0]?.[2]) >= CLAIM_IDLE_MS;
    }, 'the dead consumer’s entries are idle past the claim limit');
    const g = new CalculatorGraph(
      graph()
        .node('RedisStreamSourceCalculator', {
          name: 'source',
          outputs: { VALUE: 'v', META: 'm' },
          options: {
            url: redis.server.url,
            streams: ['in'],
            group: 'g',
            consumer: 'live',
            claimIdleMs: CLAIM_IDLE_MS,
            claimEveryMs: 20,
            stopWhenDrainedMs: 0,
          },
        })
        .node('RedisStreamSinkCalculator', {
          name: 'sink',
          inputs: { IN: 'v', ACK: 'm' },
          options: { url: redis.server.url, stream: 'out' },
        })
        .build(),
    );
    const metas: SourceMeta[] = [];
    g.observeOutputStream('m', (_ts, m) => metas.push(m as SourceMeta));
    try {
      await g.runToCompletion();
    } finally {
      await g.close();
    }
    const out = await redis.c.command<unknown[][]>(['XRANGE', 'out', '-', '+'], 'XRANGE');
    const values = out.map(
      (e) => decodeEntry(codec, e[1] as unknown[], DEFAULT_WIRE_LIMITS, 'out').header.value as number,
    );
    expect(new Set(values)).toEqual(new Set(Array.from({ length: 30 }, (_, i) => i)));
    expect(metas.filter((m) => m.claimed).length).toBeGreaterThanOrEqual(10);
    const pending = await redis.c.command<unknown[]>(['XPENDING', 'in', 'g'], 'XPENDING');
    expect(Number(pending[0])).toBe(0);
  });
});
