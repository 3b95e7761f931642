// Server faults mid-run. Stopped and restarted (with an append-only file, so it keeps what it
// acknowledged): the source and sink reconnect with back-off, the run neither fails nor hangs, and
// every entry is processed (entries whose replies were lost in the outage are claimed again).
// Stalled (SIGSTOP): the silence is detected, reported, and the connection comes back.
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { CalculatorGraph } from '../src/api/calculator-graph.js';
import { graph } from '../src/core/graph-builder.js';
import { RedisConnection, type RedisConnectionEvent } from '../src/redis/redis-connection.js';
import { createRedisCounters, RedisCounters } from '../src/redis/redis-counters.js';
import { DEFAULT_WIRE_LIMITS, decodeEntry, encodeEntry } from '../src/redis/stream-wire-format.js';
import { Codec } from '../src/transport/codec.js';
import { pollUntil, runRedisTests, useRedisServer } from './helpers/redis-server.js';
import { waitUntil } from './helpers/wait-until.js';

const codec = new Codec();
const N = 3000;

describe.skipIf(!runRedisTests)('a Redis server restarted mid-run', () => {
  const redis = useRedisServer({ aof: true });

  it('is reconnected to, and nothing is lost', { timeout: 120_000 }, async () => {
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < N; i++) {
      writes.push(
        redis.c.command(
          [
            'XADD',
            'in',
            '*',
            ...encodeEntry(codec, { kind: 'value', value: { camera: i % 10, seq: Math.floor(i / 10) } }),
          ],
          'XADD',
        ),
      );
    }
    await Promise.all(writes);
    const counters = createRedisCounters(1);
    const g = new CalculatorGraph(
      graph()
        .node('RedisStreamSourceCalculator', {
          name: 'source',
          outputs: { VALUE: 'v', META: 'm' },
          options: {
            url: redis.server.url,
            streams: ['in'],
            count: 2,
            claimIdleMs: 500,
            claimEveryMs: 100,
            counters,
          },
        })
        .node('RedisStreamSinkCalculator', {
          name: 'sink',
          inputs: { IN: 'v', ACK: 'm' },
          options: { url: redis.server.url, stream: 'out', maxLen: 0, counters },
        })
        .build(),
    );
    const unique = async () => {
      const out = await redis.c.command<unknown[][]>(['XRANGE', 'out', '-', '+'], 'XRANGE');
      return new Set(
        out.map((e) => {
          const h = decodeEntry(codec, e[1] as unknown[], DEFAULT_WIRE_LIMITS, 'out').header;
          return `${h.camera}/${h.frame}`;
        }),
      );
    };
    try {
      await g.startRun();
      await pollUntil(
        async () => Number(await redis.c.command(['XLEN', 'out'], 'XLEN')) >= 300,
        'some results were written',
      );
      await redis.server.restart();
      await pollUntil(async () => (await unique()).size === N, 'every entry was processed after the restart');
      await pollUntil(
        async () =>
          Number((await redis.c.command<unknown[]>(['XPENDING', 'in', 'weft'], 'XPENDING'))[0]) === 0,
        'every entry was acknowledged',
      );
      g.closeAllPacketSources();
      await g.waitUntilDone();
    } finally {
      await g.close();
    }
    expect((await unique()).size).toBe(N);
    expect(new RedisCounters(counters).read().reconnects).toBeGreaterThanOrEqual(1);
  });

  it('a stalled server is detected, reported, and reconnected to once it answers again', async () => {
    const events: RedisConnectionEvent[] = [];
    const conn = await RedisConnection.open({
      url: redis.server.url,
      stallTimeoutMs: 300,
      onEvent: (e) => events.push(e),
    });
    try {
      redis.server.pause();
      const reply = conn
        .command<Buffer>(['PING'], 'PING')
        .catch(async () => conn.command<Buffer>(['PING'], 'PING'));
      await waitUntil(() => events.some((e) => e.kind === 'lost'), 'the stall was reported');
      expect(events.find((e) => e.kind === 'lost')?.reason).toMatch(/timeout/i);
      redis.server.resume();
      expect(String(await reply)).toBe('PONG');
      await waitUntil(() => conn.reconnects >= 1, 'the connection came back');
    } finally {
      redis.server.resume();
      await conn.close();
    }
  });
});

describe('a port where something else than Redis answers', () => {
  it('fails the first connection at once, saying it does not speak Redis (no retries)', async () => {
    // An HTTP-like server on loopback: it answers every connection with an HTTP status line.
    const sockets: Socket[] = [];
    const server = createServer((s) => {
      sockets.push(s);
      s.write('HTTP/1.1 400 Bad Request\r\n\r\n');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const events: RedisConnectionEvent[] = [];
    try {
      const err = await RedisConnection.open({
        url: `redis://:secret@127.0.0.1:${port}`,
        onEvent: (e) => events.push(e),
      }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'ERR_WEFT_REDIS_CONNECTION' });
      expect((err as Error).message).toMatch(/does not speak Redis/);
      expect((err as Error).message).not.toContain('secret');
      expect(events.filter((e) => e.kind === 'lost')).toEqual([]);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    }
  });
});

describe('a port where nothing listens', () => {
  it("fails the first connection with RedisConnectionError whose cause keeps the socket error's code", async () => {
    // A port that was free a moment ago: bound, then closed.
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    await new Promise((r) => server.close(r));
    const err = await RedisConnection.open({
      url: `redis://:secret@127.0.0.1:${port}`,
      connectRetries: 0,
      onEvent: () => {},
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_WEFT_REDIS_CONNECTION', phase: 'open' });
    // A program can still tell a refused connection from a timeout or a DNS failure.
    expect((err as Error).cause).toMatchObject({ code: 'ECONNREFUSED', syscall: 'connect' });
    expect(JSON.stringify((err as Error).cause)).not.toContain('secret');
  });
});
