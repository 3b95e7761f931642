// An authenticated server: the right ACL user and password connect and carry samples (and the run's
// diagnostic snapshot and stage stats never show the password); wrong ones are a typed
// RedisAuthError, from a connection, from a graph's node, and from the CLI, none with the password.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CalculatorGraph } from '../src/api/calculator-graph.js';
import { RedisAuthError } from '../src/core/errors.js';
import { graph } from '../src/core/graph-builder.js';
import { RedisConnection } from '../src/redis/redis-connection.js';
import { DEFAULT_WIRE_LIMITS, decodeEntry, encodeEntry } from '../src/redis/stream-wire-format.js';
import { formatDiagSnapshot } from '../src/telemetry/diag-snapshot.js';
import { Codec } from '../src/transport/codec.js';
import { connect, type RedisServer, runRedisTests, startRedisServer } from './helpers/redis-server.js';

const WRONG = 'wrong-Pass-789';
const root = fileURLToPath(new URL('..', import.meta.url));
const codec = new Codec();

function chain(err: unknown): string {
  const parts: string[] = [];
  for (
    let e = err as { message?: string; stack?: string; cause?: unknown } | undefined;
    e !== undefined && e !== null;
    e = e.cause as typeof e
  ) {
    parts.push(String(e.message), String(e.stack));
  }
  return parts.join('\n');
}

describe.skipIf(!runRedisTests)('an authenticated Redis server', () => {
  let server: RedisServer;
  let wrongUrl: string;
  beforeAll(async () => {
    server = await startRedisServer({
      password: 'default-Pass-123',
      aclUser: { name: 'camera', password: 'acl-Pass-456' },
    });
    wrongUrl = `redis://camera:${WRONG}@127.0.0.1:${server.port}`;
  });
  afterAll(async () => {
    await server.close();
  });

  it('refuses wrong credentials with RedisAuthError that does not contain the password', async () => {
    const err = await RedisConnection.open({ url: wrongUrl, onEvent: () => {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RedisAuthError);
    expect((err as RedisAuthError).code).toBe('ERR_WEFT_REDIS_AUTH');
    expect((err as RedisAuthError).message).toContain('redis://camera:***@127.0.0.1');
    expect(chain(err)).not.toContain(WRONG);
  });

  it('fails a graph whose source has wrong credentials, naming the node, streams and phase, without the password', async () => {
    const g = new CalculatorGraph(
      graph()
        .node('RedisStreamSourceCalculator', {
          name: 'source',
          outputs: { VALUE: 'v' },
          options: { url: wrongUrl, streams: ['in:0', 'in:1', 'in:2', 'in:3'], ack: 'read' },
        })
        .build(),
    );
    const err = await g.runToCompletion().then(
      () => undefined,
      (e: unknown) => e,
    );
    await g.close();
    const codes: unknown[] = [];
    for (let e = err as { code?: unknown; cause?: unknown } | undefined; e != null; e = e.cause as typeof e)
      codes.push(e.code);
    expect(codes).toContain('ERR_WEFT_REDIS_AUTH');
    // Many keys are named by their first and last: a shard's 32 would bury the message.
    expect(err).toMatchObject({ node: 'source', stream: 'in:0 … in:3 (4 streams)', phase: 'open' });
    expect(chain(err)).not.toContain(WRONG);
  });

  it('carries samples with the right ACL user and password', async () => {
    const url = `redis://camera:acl-Pass-456@127.0.0.1:${server.port}`;
    const c = await connect(url);
    try {
      for (let i = 0; i < 5; i++)
        await c.command(['XADD', 'in2', '*', ...encodeEntry(codec, { kind: 'value', value: i })], 'XADD');
      const g = new CalculatorGraph(
        graph()
          .node('RedisStreamSourceCalculator', {
            name: 'source',
            outputs: { VALUE: 'v', META: 'm' },
            options: { url, streams: ['in2'], stopWhenDrainedMs: 0 },
          })
          .node('RedisStreamSinkCalculator', {
            name: 'sink',
            inputs: { IN: 'v', ACK: 'm' },
            options: { url, stream: 'out2' },
          })
          .build(),
      );
      try {
        await g.runToCompletion();
        // Nothing the run reports about itself carries the password.
        const reported = `${formatDiagSnapshot(g.diagnose())}${JSON.stringify(g.stageStats())}`;
        expect(reported).toContain('source');
        expect(reported).not.toContain('acl-Pass-456');
      } finally {
        await g.close();
      }
      const out = await c.command<unknown[][]>(['XRANGE', 'out2', '-', '+'], 'XRANGE');
      expect(
        out.map((e) => decodeEntry(codec, e[1] as unknown[], DEFAULT_WIRE_LIMITS, 'o').header.value),
      ).toEqual([0, 1, 2, 3, 4]);
    } finally {
      await c.close();
    }
  });

  it.each([
    ['report', []],
    ['feed', ['--cameras', '2', '--frames', '1']],
    // The demo checks the server once before it starts any actor: one typed error, not one per node.
    ['demo', ['--seconds', '1']],
  ])(
    '`weft %s` with a wrong password exits 1 with the typed code, once, and no password',
    async (command, args) => {
      const r = await new Promise<{ code: number; out: string }>((resolve) => {
        execFile(
          process.execPath,
          ['--import', 'tsx', 'src/cli/main.ts', command, '--redis', wrongUrl, ...args],
          { cwd: root },
          (err, stdout, stderr) => {
            resolve({ code: err === null ? 0 : Number(err.code), out: `${stdout}${stderr}` });
          },
        );
      });
      expect(r.code).toBe(1);
      expect(r.out).toContain('(ERR_WEFT_REDIS_AUTH)');
      expect(r.out.match(/WRONGPASS/g)).toHaveLength(1);
      expect(r.out).not.toContain(WRONG);
    },
  );
});
