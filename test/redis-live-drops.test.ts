// Live cameras against a full stream: the feed drops the frames that fall too late and counts them,
// and the report accounts for every frame across the hop: produced = processed + dropped, 0 lost.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runFeed } from '../src/redis/redis-feed.js';
import { runRedisFleet } from '../src/redis/redis-fleet-run.js';
import { clusterReport } from '../src/redis/redis-report.js';
import { type RedisServer, runRedisTests, startRedisServer } from './helpers/redis-server.js';

describe.skipIf(!runRedisTests)('live cameras over Redis', () => {
  let server: RedisServer;
  beforeEach(async () => {
    server = await startRedisServer();
  });
  afterEach(async () => {
    await server.close();
  });

  it('drop what cannot wait, and every frame is still accounted for', { timeout: 120_000 }, async () => {
    // No consumer while the cameras run: the streams fill to their limit, later frames are dropped.
    const feed = await runFeed({
      url: server.url,
      cameras: 8,
      fps: 100,
      seconds: 1,
      streams: 2,
      size: 8,
      maxBacklog: 20,
    });
    expect(feed.dropped).toBeGreaterThan(0);
    const host = await runRedisFleet({
      url: server.url,
      streams: 2,
      lanes: 1,
      size: 8,
      stopWhenDrainedMs: 0,
    });
    expect(host.figures.written).toBe(feed.produced - feed.dropped);
    const r = await clusterReport(server.url);
    expect(r).toMatchObject({
      produced: feed.produced,
      dropped: feed.dropped,
      lost: 0,
      camerasNotAccounted: 0,
      orderErrors: 0,
    });
    expect(r.processed + r.dropped).toBe(r.produced);
  });

  it('two feeds under one prefix: the second numbers on, and the report counts both, none lost', {
    timeout: 120_000,
  }, async () => {
    const options = { url: server.url, cameras: 2, fps: 0, framesPerCamera: 3, streams: 2, size: 8 };
    const first = await runFeed(options);
    const second = await runFeed(options);
    const host = await runRedisFleet({
      url: server.url,
      streams: 2,
      lanes: 1,
      size: 8,
      stopWhenDrainedMs: 0,
    });
    expect(host.figures.written).toBe(first.produced + second.produced);
    const r = await clusterReport(server.url);
    expect(r).toMatchObject({ produced: 12, processed: 12, duplicates: 0, lost: 0, orderErrors: 0 });
  });
});
