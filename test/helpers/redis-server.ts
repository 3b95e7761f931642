// A real Redis server for a test: Debian's `redis-server` on a free loopback port, with a temporary
// directory, started and stopped by the test (no mocks). Outside CI, when the binary is absent, the
// Redis tests skip and say how to install it; in CI (`process.env.CI` set) they run and fail.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleepFor } from 'node:timers/promises';
import { afterEach, beforeEach } from 'vitest';
import { RedisConnection } from '../../src/redis/redis-connection.js';
import { makeTlsCerts, type TlsCerts } from './tls-certs.js';

const BINARY = process.env.WEFT_REDIS_SERVER ?? 'redis-server';

/** True when `redis-server` runs here. */
export const redisServerFound: boolean = spawnSync(BINARY, ['--version'], { stdio: 'ignore' }).status === 0;

/** Whether the Redis tests run: the binary is here, or CI demands them (and then fails without it). */
export const runRedisTests: boolean = redisServerFound || process.env.CI !== undefined;

if (!runRedisTests) {
  process.stderr.write(
    'Redis tests skipped: redis-server is not installed (apt-get install redis-server, or set WEFT_REDIS_SERVER)\n',
  );
}

/** What a test may ask of its server. */
export interface RedisServerOptions {
  /** Append-only file with fsync on every write: a restart keeps every acknowledged write. */
  readonly aof?: boolean;
  /** `requirepass` for the default user. */
  readonly password?: string;
  /** An ACL user with this name and password, allowed everything. */
  readonly aclUser?: { readonly name: string; readonly password: string };
  /**
   * TLS only (no plain port), with certificates made for the server (see tls-certs.ts); whether
   * clients must show a certificate signed by the test CA (Redis's default) or may connect without.
   */
  readonly tls?: { readonly clientCerts: 'required' | 'optional' };
}

/** A running server. */
export interface RedisServer {
  readonly port: number;
  /** `redis[s]://[user:password@]127.0.0.1:port` with the configured credentials. */
  readonly url: string;
  /** The certificates of a TLS server. */
  readonly certs: TlsCerts | undefined;
  /** Stops the server (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port and directory (the AOF, if any, is reloaded). */
  restart(): Promise<void>;
  /** Stalls it (SIGSTOP): connections stay open, nothing is answered. */
  pause(): void;
  /** Lets a paused server go on (SIGCONT). */
  resume(): void;
  /** Stops it and removes its directory. Idempotent. */
  close(): Promise<void>;
}

/** A loopback port free now: nothing listens on it, so a connection to it is refused. */
export async function freePort(): Promise<number> {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as { port: number }).port;
  srv.close();
  await once(srv, 'close');
  return port;
}

/** Starts a server; resolves once it accepts connections. */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'weft-redis-'));
  const port = await freePort();
  let certs: TlsCerts | undefined;
  try {
    certs = options.tls === undefined ? undefined : makeTlsCerts(dir);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const args = ['--bind', '127.0.0.1', '--dir', dir, '--save', ''];
  if (certs === undefined) args.push('--port', String(port));
  else {
    args.push('--port', '0', '--tls-port', String(port), '--tls-cert-file', certs.serverCert);
    args.push('--tls-key-file', certs.serverKey, '--tls-ca-cert-file', certs.ca);
    args.push('--tls-auth-clients', options.tls?.clientCerts === 'required' ? 'yes' : 'optional');
  }
  args.push('--appendonly', options.aof === true ? 'yes' : 'no');
  if (options.aof === true) args.push('--appendfsync', 'always');
  if (options.password !== undefined) args.push('--requirepass', options.password);
  if (options.aclUser !== undefined) {
    args.push('--user', options.aclUser.name, 'on', `>${options.aclUser.password}`, '~*', '&*', '+@all');
  }
  let proc: ChildProcess | undefined;
  const launch = async () => {
    const p = spawn(BINARY, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    proc = p;
    let out = '';
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('Ready to accept connections')) resolve();
      };
      p.stdout!.on('data', onData);
      p.once('exit', (code) => reject(new Error(`redis-server exited ${code}:\n${out}`)));
      p.once('error', reject);
    });
  };
  await launch();
  const stop = async () => {
    const p = proc;
    proc = undefined;
    if (p === undefined || p.exitCode !== null) return;
    p.kill('SIGTERM');
    await once(p, 'exit');
  };
  const credentials =
    options.aclUser !== undefined
      ? `${options.aclUser.name}:${options.aclUser.password}@`
      : options.password !== undefined
        ? `:${options.password}@`
        : '';
  let closed = false;
  return {
    port,
    url: `${certs === undefined ? 'redis' : 'rediss'}://${credentials}127.0.0.1:${port}`,
    certs,
    stop,
    restart: async () => {
      await stop();
      await launch();
    },
    pause: () => {
      proc?.kill('SIGSTOP');
    },
    resume: () => {
      proc?.kill('SIGCONT');
    },
    close: async () => {
      if (closed) return;
      closed = true;
      proc?.kill('SIGCONT');
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A server started before each test of the enclosing `describe`, and a connection to it. */
export interface RedisFixture {
  readonly server: RedisServer;
  /** For the test's own commands. */
  readonly c: RedisConnection;
}

/**
 * Starts a server and connects to it before each test of the enclosing `describe`; closes both
 * after it. Read the fields inside tests (they are set by then).
 */
export function useRedisServer(options: RedisServerOptions = {}): RedisFixture {
  const f: { server?: RedisServer; c?: RedisConnection } = {};
  beforeEach(async () => {
    f.server = await startRedisServer(options);
    f.c = await connect(f.server.url, f.server.certs);
  });
  afterEach(async () => {
    await f.c?.close();
    await f.server?.close();
  });
  return {
    get server() {
      return f.server!;
    },
    get c() {
      return f.c!;
    },
  };
}

/** A connection for the test's own commands (the caller closes it); `certs` for a TLS server. */
export function connect(url: string, certs?: TlsCerts): Promise<RedisConnection> {
  const tls =
    certs === undefined ? undefined : { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey };
  return RedisConnection.open({ url, onEvent: () => {}, ...(tls === undefined ? {} : { tls }) });
}

/**
 * Polls an async condition (a Redis query) until it holds. Bounded by a number of tries, not by a
 * time threshold; the short pause between tries only keeps the server from being flooded.
 */
export async function pollUntil(
  cond: () => Promise<boolean>,
  what: string,
  maxTries = 20_000,
): Promise<void> {
  for (let i = 0; i < maxTries; i++) {
    if (await cond()) return;
    await sleepFor(5);
  }
  throw new Error(`gave up waiting until ${what}`);
}
