// Back-pressure across the hop: a feed faster than its consumer does not grow Redis without bound.
// The consumer trims what it acknowledged; the feed waits while a stream holds maxBacklog entries.
import { describe, expect, it } from 'vitest';
import { CalculatorGraph } from '../src/api/calculator-graph.js';
import { graph } from '../src/core/graph-builder.js';
import { clusterKeys } from '../src/redis/cluster-keys.js';
import { type FeedReport, runFeed } from '../src/redis/redis-feed.js';
import { pollUntil, runRedisTests, useRedisServer } from './helpers/redis-server.js';

const MAX_BACKLOG = 50;
// The feed checks lengths once per pipelined batch of 64 frames.
const BOUND = MAX_BACKLOG + 64;
const keys = clusterKeys('bp');

describe.skipIf(!runRedisTests)('bounded growth under a slow consumer', () => {
  const redis = useRedisServer();

  it('makes the feed wait at maxBacklog and keeps every stream under it', async () => {
    const lengths = async () =>
      Promise.all([0, 1].map(async (s) => Number(await redis.c.command(['XLEN', keys.stream(s)], 'XLEN'))));
    let report: FeedReport | undefined;
    const feed = runFeed({
      url: redis.server.url,
      cameras: 8,
      fps: 0,
      framesPerCamera: 100,
      streams: 2,
      size: 8,
      prefix: 'bp',
      maxBacklog: MAX_BACKLOG,
    }).then((r) => (report = r));
    // No consumer yet: the feed fills a stream to its limit, then waits.
    await pollUntil(
      async () => (await lengths()).some((n) => n >= MAX_BACKLOG),
      'a stream reached the backlog limit',
    );
    expect(report).toBeUndefined();
    let most = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        most = Math.max(most, ...(await lengths()));
        await new Promise((r) => setImmediate(r));
      }
    })();
    const g = new CalculatorGraph(
      graph()
        .node('RedisStreamSourceCalculator', {
          name: 'source',
          outputs: { FRAME: 'f', META: 'm' },
          options: {
            url: redis.server.url,
            streams: [keys.stream(0), keys.stream(1)],
            group: keys.group,
            count: 4,
            claimEveryMs: 10,
          },
        })
        .node('RedisStreamSinkCalculator', {
          name: 'sink',
          inputs: { IN: 'f', ACK: 'm' },
          options: { url: redis.server.url, stream: 'out', maxLen: 0 },
        })
        .build(),
    );
    try {
      await g.startRun();
      await feed;
      await pollUntil(
        async () => Number(await redis.c.command(['XLEN', 'out'], 'XLEN')) === 800,
        'every frame was written',
      );
      g.closeAllPacketSources();
      await g.waitUntilDone();
    } finally {
      sampling = false;
      await sampler;
      await g.close();
    }
    expect(report!.produced).toBe(800);
    expect(report!.backlogWaits).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(BOUND);
  });
});
