// Hosts, as processes on one machine: several `weft demo --redis` processes share the feed's
// streams through one consumer group, and `kill -9` of one mid-run loses nothing: the survivor
// claims what it left pending, and the report (deduplicated by camera and frame) shows 0 lost.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clusterKeys } from '../src/redis/cluster-keys.js';
import type { RedisConnection } from '../src/redis/redis-connection.js';
import { runFeed } from '../src/redis/redis-feed.js';
import { clusterReport } from '../src/redis/redis-report.js';
import {
  connect,
  pollUntil,
  type RedisServer,
  runRedisTests,
  startRedisServer,
} from './helpers/redis-server.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const keys = clusterKeys('weft');
const STREAMS = 4;

interface Host {
  readonly proc: ChildProcess;
  out: string;
  readonly exited: Promise<number | null>;
}

describe.skipIf(!runRedisTests)('weft demo --redis processes', () => {
  let server: RedisServer;
  let c: RedisConnection;
  const hosts: Host[] = [];
  beforeEach(async () => {
    server = await startRedisServer();
    c = await connect(server.url);
  });
  afterEach(async () => {
    for (const h of hosts.splice(0)) {
      if (h.proc.exitCode === null && h.proc.signalCode === null) h.proc.kill('SIGKILL');
      await h.exited;
    }
    await c.close();
    await server.close();
  });

  function host(name: string): Host {
    const args = [
      '--import',
      'tsx',
      'src/cli/main.ts',
      'demo',
      '--redis',
      server.url,
      '--streams',
      String(STREAMS),
    ];
    args.push(
      '--shards',
      '1',
      '--size',
      '32',
      '--idle-exit',
      '300',
      '--claim-idle',
      '1000',
      '--consumer',
      name,
    );
    const proc = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    const h: Host = { proc, out: '', exited: once(proc, 'exit').then(([code]) => code as number | null) };
    proc.stdout!.on('data', (d: Buffer) => (h.out += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (h.out += d.toString()));
    hosts.push(h);
    return h;
  }

  // A host is ready once its last node opened: its sink's connection is named in CLIENT LIST.
  async function ready(): Promise<boolean> {
    const list = String(await c.command(['CLIENT', 'LIST'], 'CLIENT LIST'));
    return list.includes('name=weft-sink-hostA-lane0') && list.includes('name=weft-sink-hostB-lane0');
  }

  async function results(): Promise<number> {
    return Number(await c.command(['XLEN', keys.results], 'XLEN'));
  }

  it('two processes share one consumer group, and every frame is accounted for once', {
    timeout: 180_000,
  }, async () => {
    const a = host('hostA');
    const b = host('hostB');
    await pollUntil(ready, 'both hosts are running', 100_000);
    await runFeed({ url: server.url, cameras: 40, fps: 0, framesPerCamera: 40, streams: STREAMS, size: 32 });
    expect(await a.exited, a.out).toBe(0);
    expect(await b.exited, b.out).toBe(0);
    const r = await clusterReport(server.url);
    expect(r).toMatchObject({
      produced: 1600,
      processed: 1600,
      lost: 0,
      camerasNotAccounted: 0,
      orderErrors: 0,
    });
    expect(Object.keys(r.writers).sort()).toEqual(['hostA-lane0', 'hostB-lane0']);
  });

  it('kill -9 of one process mid-run loses nothing: the other claims its pending entries', {
    timeout: 180_000,
  }, async () => {
    const a = host('hostA');
    const b = host('hostB');
    await pollUntil(ready, 'both hosts are running', 100_000);
    const feed = runFeed({
      url: server.url,
      cameras: 40,
      fps: 0,
      framesPerCamera: 150,
      streams: STREAMS,
      size: 32,
    });
    // Awaited below; a failure before that must not surface as an unhandled rejection.
    feed.catch(() => {});
    // What a consumer has read and not acknowledged, over every stream.
    const pendingOf = async (consumer: string) => {
      let n = 0;
      for (let st = 0; st < STREAMS; st++) {
        const pending = await c.command<unknown[]>(['XPENDING', keys.stream(st), keys.group], 'XPENDING');
        const mine = ((pending[3] as unknown[][] | null) ?? []).find((p) => String(p[0]) === consumer);
        n += Number(mine?.[1] ?? 0);
      }
      return n;
    };
    await pollUntil(async () => (await results()) >= 300, 'the hosts have written results', 100_000);
    // Killed while it holds entries: on a loaded machine B alone may have written those results
    // while A was still starting, and a kill then would leave nothing to claim. A is frozen while
    // its entries are counted, so it cannot acknowledge them between the count and the kill (and B
    // claims only entries idle for a second).
    let left = 0;
    await pollUntil(
      async () => {
        a.proc.kill('SIGSTOP');
        left = await pendingOf('hostA-lane0');
        if (left === 0) a.proc.kill('SIGCONT');
        return left > 0;
      },
      'host A holds entries',
      100_000,
    );
    a.proc.kill('SIGKILL');
    await a.exited;
    await feed;
    expect(await b.exited, b.out).toBe(0);
    const r = await clusterReport(server.url);
    expect(r).toMatchObject({
      produced: 6000,
      processed: 6000,
      lost: 0,
      camerasNotAccounted: 0,
      orderErrors: 0,
    });
    // The killed host had entries in flight; the survivor took them over.
    expect(left).toBeGreaterThan(0);
    expect(b.out).toMatch(/claimed [1-9]/);
  });
});
