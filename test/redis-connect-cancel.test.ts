// Giving up connecting: a signal that fires while a Redis connection is being made (a server that is
// down, the client between its retries) ends the wait at once, typed, rather than after the retries.
// No server is needed: the port is one nothing listens on.
import { once } from 'node:events';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { CancelledError } from '../src/core/errors.js';
import { RedisConnection, type RedisConnectionEvent } from '../src/redis/redis-connection.js';
import { runFeed } from '../src/redis/redis-feed.js';
import { runRedisFleet } from '../src/redis/redis-fleet-run.js';
import { freePort } from './helpers/redis-server.js';

describe('cancelling a Redis connection while it is being made', () => {
  it('rejects with CancelledError once the signal fires between retries', async () => {
    const url = `redis://:secret@127.0.0.1:${await freePort()}`;
    const stop = new AbortController();
    const events: RedisConnectionEvent[] = [];
    const err = await RedisConnection.open({
      url,
      node: 'source',
      // Many retries: without the signal this would wait for seconds, then fail otherwise.
      connectRetries: 30,
      maxRetries: 30,
      onEvent: (e) => {
        events.push(e);
        if (e.kind === 'lost') stop.abort();
      },
      signal: stop.signal,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CancelledError);
    expect(err).toMatchObject({ code: 'ERR_WEFT_CANCELLED', node: 'source', phase: 'open' });
    expect(String((err as Error).message)).not.toContain('secret');
    expect(events.map((e) => e.kind)).toEqual(['lost']);
  });

  it('closes the connection it was making: a server that accepts and never answers sees it close', async () => {
    // Silent: the client's handshake waits for a reply; only a destroyed client lets go (the stall
    // timeout is set far beyond the test's).
    const accepted: Socket[] = [];
    const server = createServer((s) => accepted.push(s));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const stop = new AbortController();
    server.once('connection', () => stop.abort());
    try {
      await expect(
        RedisConnection.open({
          url: `redis://127.0.0.1:${(server.address() as AddressInfo).port}`,
          stallTimeoutMs: 600_000,
          onEvent: () => {},
          signal: stop.signal,
        }),
      ).rejects.toMatchObject({ code: 'ERR_WEFT_CANCELLED' });
      const socket = accepted[0]!;
      if (!socket.closed) await once(socket, 'close');
      expect(accepted).toHaveLength(1);
    } finally {
      for (const s of accepted) s.destroy();
      server.close();
      await once(server, 'close');
    }
  });

  it('is cancelled by a signal that fires just after the call, while the client loads', async () => {
    const stop = new AbortController();
    const opening = RedisConnection.open({
      url: `redis://127.0.0.1:${await freePort()}`,
      connectRetries: 30,
      maxRetries: 30,
      onEvent: () => {},
      signal: stop.signal,
    });
    queueMicrotask(() => stop.abort());
    await expect(opening).rejects.toMatchObject({ code: 'ERR_WEFT_CANCELLED', phase: 'open' });
  });

  it('does not connect at all when the signal has fired already', async () => {
    const events: RedisConnectionEvent[] = [];
    await expect(
      RedisConnection.open({
        url: `redis://127.0.0.1:${await freePort()}`,
        onEvent: (e) => events.push(e),
        signal: AbortSignal.abort(),
      }),
    ).rejects.toMatchObject({ code: 'ERR_WEFT_CANCELLED', phase: 'open' });
    expect(events).toEqual([]);
  });

  it('runRedisFleet stopped before its server check ends with an empty report, starting nothing', async () => {
    const report = await runRedisFleet({
      url: `redis://127.0.0.1:${await freePort()}`,
      lanes: 1,
      streams: 1,
      signal: AbortSignal.abort(),
    });
    expect(report).toMatchObject({ seconds: 0, fps: 0, stages: [] });
    expect(report.figures.read).toBe(0);
    expect(report.figures.written).toBe(0);
  });

  it('runFeed stopped before it connects sends nothing and reports so', async () => {
    const report = await runFeed({
      url: `redis://127.0.0.1:${await freePort()}`,
      cameras: 4,
      fps: 0,
      signal: AbortSignal.abort(),
    });
    expect(report).toEqual({ produced: 0, dropped: 0, seconds: 0, backlogWaits: 0 });
  });
});
