// `rediss://`: a real TLS server (redis-server with certificates made by openssl for the test). With
// the CA and a client certificate, an ACL user carries frames and values through source and sink,
// and the CLI reports over TLS; every refused handshake (an untrusted certificate, a missing client
// certificate, a plain server) is typed, prompt, not retried, names what to change, and never
// shows the password; bad TLS files are an InvalidArgumentError before anything connects.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CalculatorGraph } from '../src/api/calculator-graph.js';
import { InvalidArgumentError, RedisConnectionError, RedisTlsError } from '../src/core/errors.js';
import { graph } from '../src/core/graph-builder.js';
import { RedisConnection, type RedisConnectionEvent } from '../src/redis/redis-connection.js';
import type { RedisTlsFiles } from '../src/redis/redis-tls.js';
import { DEFAULT_WIRE_LIMITS, decodeEntry, encodeEntry } from '../src/redis/stream-wire-format.js';
import { Codec } from '../src/transport/codec.js';
import { type RedisServer, runRedisTests, startRedisServer } from './helpers/redis-server.js';
import { makeTlsCerts, opensslFound } from './helpers/tls-certs.js';

const PASSWORD = 'tls-Pass-246';
const root = fileURLToPath(new URL('..', import.meta.url));
const codec = new Codec();
const runTlsTests = runRedisTests && (opensslFound || process.env.CI !== undefined);
if (runRedisTests && !runTlsTests) {
  process.stderr.write('Redis TLS tests skipped: openssl is not installed (apt-get install openssl)\n');
}

function chain(err: unknown): string {
  const parts: string[] = [];
  for (let e = err as { message?: string; cause?: unknown } | undefined; e != null; e = e.cause as typeof e)
    parts.push(String(e.message));
  return parts.join('\n');
}

/** Opens a connection; resolves with the error it failed with and the events it reported. */
async function refused(
  url: string,
  tls: RedisTlsFiles,
): Promise<{ err: unknown; events: RedisConnectionEvent[] }> {
  const events: RedisConnectionEvent[] = [];
  const conn = await RedisConnection.open({ url, tls, onEvent: (e) => events.push(e) }).catch(
    (e: unknown) => e,
  );
  if (conn instanceof RedisConnection) {
    await conn.close();
    throw new Error('connected');
  }
  return { err: conn, events };
}

function cli(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: root }, (err, o, e) =>
      resolve({ code: err === null ? 0 : Number(err.code), out: `${o}${e}` }),
    );
  });
}

describe.skipIf(!runTlsTests)('a TLS Redis server that authenticates its clients', () => {
  let server: RedisServer;
  let url: string;
  let tls: RedisTlsFiles;
  beforeAll(async () => {
    server = await startRedisServer({
      tls: { clientCerts: 'required' },
      aclUser: { name: 'camera', password: PASSWORD },
    });
    url = `rediss://camera:${PASSWORD}@127.0.0.1:${server.port}`;
    const c = server.certs!;
    tls = { ca: c.ca, cert: c.clientCert, key: c.clientKey };
  });
  afterAll(async () => {
    await server?.close();
  });

  it('carries frames and values through source and sink with the CA, a client certificate and an ACL user', async () => {
    const c = await RedisConnection.open({ url, tls, onEvent: () => {} });
    try {
      const frame = Buffer.from(Array.from({ length: 3000 }, (_, k) => k & 0xff));
      await c.command(
        ['XADD', 'in-frames', '*', ...encodeEntry(codec, { kind: 'frame', camera: 1, frame: 0 }, frame)],
        'XADD',
      );
      for (let i = 0; i < 4; i++)
        await c.command(
          ['XADD', 'in-values', '*', ...encodeEntry(codec, { kind: 'value', value: { i } })],
          'XADD',
        );
      const source = (name: string, port: 'FRAME' | 'VALUE', from: string) => ({
        name: `${name}_source`,
        outputs: { [port]: `${name}_out`, META: `${name}_meta` },
        options: { url, tls, streams: [from], stopWhenDrainedMs: 0 },
      });
      const sink = (name: string) => ({
        name: `${name}_sink`,
        inputs: { IN: `${name}_out`, ACK: `${name}_meta` },
        options: { url, tls, stream: `out-${name}` },
      });
      const g = new CalculatorGraph(
        graph()
          .node('RedisStreamSourceCalculator', source('frames', 'FRAME', 'in-frames'))
          .node('RedisStreamSinkCalculator', sink('frames'))
          .node('RedisStreamSourceCalculator', source('values', 'VALUE', 'in-values'))
          .node('RedisStreamSinkCalculator', sink('values'))
          .build(),
      );
      try {
        await g.runToCompletion();
      } finally {
        await g.close();
      }
      const read = async (stream: string) =>
        (await c.command<unknown[][]>(['XRANGE', stream, '-', '+'], 'XRANGE')).map((e) =>
          decodeEntry(codec, e[1] as unknown[], DEFAULT_WIRE_LIMITS, stream),
        );
      const frames = await read('out-frames');
      expect(frames).toHaveLength(1);
      expect(Buffer.compare(Buffer.from(frames[0]!.bytes!), frame)).toBe(0);
      expect((await read('out-values')).map((e) => e.header.value)).toEqual([0, 1, 2, 3].map((i) => ({ i })));
      for (const s of ['in-frames', 'in-values'])
        expect(Number((await c.command<unknown[]>(['XPENDING', s, 'weft'], 'XPENDING'))[0])).toBe(0);
    } finally {
      await c.close();
    }
  });

  it.each([
    [
      "Node's CAs only",
      () => ({ cert: server.certs!.clientCert, key: server.certs!.clientKey }),
      '--redis-ca',
    ],
    ['a CA that signed nothing', () => ({ ...tls, ca: server.certs!.otherCa }), '--redis-ca'],
    ['no client certificate', () => ({ ca: server.certs!.ca }), '--redis-cert'],
  ])('refuses the handshake with %s: RedisTlsError at once, saying what to pass', async (_, files, flag) => {
    const { err, events } = await refused(url, files());
    expect(err).toBeInstanceOf(RedisTlsError);
    expect((err as RedisTlsError).code).toBe('ERR_WEFT_REDIS_TLS');
    expect((err as RedisTlsError).message).toContain(`rediss://camera:***@127.0.0.1:${server.port}`);
    expect((err as RedisTlsError).message).toContain(flag);
    expect(chain(err)).not.toContain(PASSWORD);
    // Not retried: the only event is giving up.
    expect(events.map((e) => e.kind)).toEqual(['gave-up']);
  });

  it('fails a graph whose sink cannot complete the handshake, naming node and phase', async () => {
    const g = new CalculatorGraph(
      graph()
        .node('RedisStreamSinkCalculator', {
          name: 'sink',
          options: { url, tls: { ca: server.certs!.otherCa }, stream: 'x' },
        })
        .build(),
    );
    const err = await g.runToCompletion().then(
      () => undefined,
      (e: unknown) => e,
    );
    await g.close();
    expect(err).toMatchObject({ node: 'sink', phase: 'open' });
    const codes: unknown[] = [];
    for (let e = err as { code?: unknown; cause?: unknown } | undefined; e != null; e = e.cause as typeof e)
      codes.push(e.code);
    expect(codes).toContain('ERR_WEFT_REDIS_TLS');
    expect(chain(err)).not.toContain(PASSWORD);
  });

  it('`weft feed`, `weft demo --redis` and `weft report` run over TLS with --redis-ca/-cert/-key', async () => {
    const c = server.certs!;
    const files = ['--redis-ca', c.ca, '--redis-cert', c.clientCert, '--redis-key', c.clientKey];
    const common = ['--redis', url, '--prefix', 'tls', '--streams', '2', '--size', '16'];
    const feed = await cli(['feed', ...common, '--cameras', '3', '--frames', '4', ...files]);
    expect(feed.out).not.toContain(PASSWORD);
    expect(feed.code).toBe(0);
    const demo = await cli(['demo', ...common, '--shards', '1', '--idle-exit', '300', ...files]);
    expect(demo.out).not.toContain(PASSWORD);
    expect(demo.code).toBe(0);
    const report = await cli(['report', '--redis', url, '--prefix', 'tls', '--json', ...files]);
    expect(report.code).toBe(0);
    expect(JSON.parse(report.out)).toMatchObject({ produced: 12, processed: 12, lost: 0 });
    // Without the CA, the command fails typed.
    const bad = await cli(['report', '--redis', url, '--prefix', 'tls', ...files.slice(2)]);
    expect(bad.code).toBe(1);
    expect(bad.out).toContain('ERR_WEFT_REDIS_TLS');
    expect(bad.out).not.toContain(PASSWORD);
  });
});

describe.skipIf(!runTlsTests)('rediss:// against a server without TLS', () => {
  it('fails after one connect timeout with RedisConnectionError asking whether the server speaks TLS', async () => {
    const plain = await startRedisServer();
    try {
      const { err, events } = await refused(`rediss://127.0.0.1:${plain.port}`, {});
      expect(err).toBeInstanceOf(RedisConnectionError);
      expect((err as Error).message).toContain('is the server speaking TLS on that port?');
      expect(events.map((e) => e.kind)).toEqual(['gave-up']);
    } finally {
      await plain.close();
    }
  });
});

describe.skipIf(!(opensslFound || process.env.CI !== undefined))('TLS files OpenSSL cannot use', () => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-tls-'));
  const certs = opensslFound ? makeTlsCerts(dir) : undefined;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const c = () => certs!;

  it.each([
    [
      "a key that is not the certificate's",
      () => ({ ca: c().ca, cert: c().clientCert, key: c().serverKey }),
      'ERR_OSSL_X509_KEY_VALUES_MISMATCH',
    ],
    [
      'an encrypted key',
      () => ({ ca: c().ca, cert: c().clientCert, key: c().encryptedKey }),
      'an encrypted key is not supported',
    ],
    ['a CA file that is not PEM', () => ({ ca: c().clientKey }), 'is not a PEM file'],
  ])('%s: InvalidArgumentError before connecting', async (_, files, text) => {
    const err = await RedisConnection.open({
      url: 'rediss://127.0.0.1:1',
      tls: files(),
      onEvent: () => {},
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect((err as Error).message).toContain(text);
  });

  it('PEM text given where a path belongs is refused without being shown', async () => {
    const keyText = readFileSync(c().clientKey, 'utf8');
    const err = await RedisConnection.open({
      url: 'rediss://127.0.0.1:1',
      tls: { ca: c().ca, cert: c().clientCert, key: keyText },
      onEvent: () => {},
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect(chain(err)).toContain('PEM text given where a file path belongs');
    expect(chain(err)).not.toContain('PRIVATE KEY');
    const g = new CalculatorGraph(
      graph()
        .node('RedisStreamSinkCalculator', {
          name: 'sink',
          options: { url: 'rediss://h:1', stream: 's', tls: { key: keyText } },
        })
        .build(),
    );
    try {
      const bad = await g.validate().catch((e: unknown) => e);
      expect(String((bad as Error).message)).toContain('not PEM text');
      expect(chain(bad)).not.toContain('PRIVATE KEY');
    } finally {
      await g.close();
    }
  });
});

describe('TLS files that cannot be used', () => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-tls-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['files with a redis:// URL', 'redis://127.0.0.1:1', { ca: join(dir, 'ca.pem') }, 'need a rediss:// URL'],
    ['a certificate without its key', 'rediss://127.0.0.1:1', { cert: join(dir, 'c.pem') }, 'go together'],
    ['a file that is not there', 'rediss://127.0.0.1:1', { ca: join(dir, 'none.pem') }, 'ENOENT'],
  ])('%s: InvalidArgumentError before connecting', async (_, url, files, text) => {
    const err = await RedisConnection.open({ url, tls: files, onEvent: () => {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect((err as Error).message).toContain(text);
  });

  it('a calculator rejects a malformed tls option when the graph is validated', async () => {
    const g = new CalculatorGraph(
      graph()
        .node('RedisStreamSinkCalculator', {
          name: 'sink',
          options: { url: 'rediss://h:1', stream: 's', tls: { ca: 1 } },
        })
        .build(),
    );
    try {
      await expect(g.validate()).rejects.toThrow(/tls\.ca must be a file path/);
    } finally {
      await g.close();
    }
  });
});
