/**
 * One connection to a Redis server, as weft's Redis calculators and commands use it: the official
 * `redis` client (node-redis), loaded only when a connection is opened, with binary replies
 * (Buffers), reconnection with exponential back-off that is reported and bounded, and every
 * failure turned into a typed error whose message carries the URL redacted, never a password.
 *
 * Why node-redis: it is Redis Inc.'s maintained client, with the Streams commands, RESP3, TLS
 * (`rediss://`) and ACL auth, and it pipelines commands issued in one tick on its own.
 *
 * Threading: a connection belongs to the thread that opened it (a calculator's actor thread, or the
 * main thread of a command); its client is never shared. Lifecycle: {@link RedisConnection.open}
 * connects (or fails typed), {@link RedisConnection.close} quits, idempotent; a connection lost
 * meanwhile is retried `maxRetries` times before its commands fail with RedisConnectionError.
 * Refused credentials, and at the first connection a refused TLS handshake or a connect timeout,
 * are not retried: retrying cannot fix them.
 */
import type { RedisClientType } from 'redis';
import type { CalculatorContext } from '../core/calculator.js';
import {
  InvalidArgumentError,
  RedisAuthError,
  RedisCommandError,
  RedisConnectionError,
  RedisTlsError,
  type WeftError,
} from '../core/errors.js';
import { isTlsRefusal, type RedisTlsFiles, tlsHint, tlsSocketOptions } from './redis-tls.js';
import { parseRedisUrl, type RedisAddress, scrubSecret } from './redis-url.js';

/** What happened to a connection, for the owner to report (the URL is redacted). */
export interface RedisConnectionEvent {
  readonly kind: 'lost' | 'reconnected' | 'gave-up';
  readonly url: string;
  /** Reconnection attempts so far in this outage. */
  readonly attempt: number;
  /** The delay before the next attempt, for `lost`. */
  readonly delayMs: number;
  /** Why, with credentials scrubbed. */
  readonly reason: string;
  /**
   * True while the first connection is being made: a `gave-up` then is also the error that
   * {@link RedisConnection.open} rejects with (so {@link reportEvent} does not print it twice).
   */
  readonly first: boolean;
}

/** Options of {@link RedisConnection.open}. */
export interface RedisConnectionOptions {
  readonly url: string;
  /** Node and stream named in errors. */
  readonly node?: string;
  readonly stream?: string;
  /** `CLIENT SETNAME`, shown by `CLIENT LIST` (no spaces). */
  readonly clientName?: string;
  /** Reconnection attempts per outage before commands fail; default 30 (about 50 s of back-off). */
  readonly maxRetries?: number;
  /**
   * Attempts for the first connection, before any command ran; default 5 (about 1.5 s): a wrong
   * host or port fails fast, while an outage mid-run gets `maxRetries`. A first connection that
   * times out (`connectTimeout`, 5 s) or whose TLS handshake is refused is not retried at all.
   */
  readonly connectRetries?: number;
  /**
   * A connection that receives nothing for this long is treated as lost (ms; default 10 000); an
   * idle one is kept busy by a PING every second. So a server that stalls (stopped, swapping, a
   * network that drops packets silently) is reconnected to or, after the retries, reported: it
   * never leaves a command waiting forever.
   */
  readonly stallTimeoutMs?: number;
  /** Called on loss, reconnection and giving up. Default: a line on stderr. */
  readonly onEvent?: (event: RedisConnectionEvent) => void;
  /** PEM files for a `rediss://` URL: the server's CA, a client certificate and key. */
  readonly tls?: RedisTlsFiles;
}

/** The options every Redis calculator has for its connection. */
export interface RedisNodeOptions {
  /** `redis://` or `rediss://` URL, with ACL user and password if any; or the `URL` side packet. */
  readonly url: string;
  /** Reconnection attempts per outage before the node fails. Default 30. */
  readonly maxRetries: number;
  /** PEM files for a `rediss://` URL: the server's CA, a client certificate and key. Default none. */
  readonly tls: RedisTlsFiles;
}

/** A raw command argument. */
export type RedisArg = string | Buffer;

// Replies as Buffers: frame bytes must arrive as bytes, not as strings decoded as UTF-8.
const BINARY = { typeMapping: { 36: Buffer } } as const;
const FIRST_DELAY_MS = 50;
const MAX_DELAY_MS = 2000;

/** The delay before reconnection attempt `retries` (0-based): 50 ms doubling up to 2 s. */
export function backoffMs(retries: number): number {
  return Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.min(retries, 16));
}

/** See the module comment. */
export class RedisConnection {
  /** Times the connection was lost and came back. */
  reconnects = 0;
  /** True once the client stopped reconnecting: every later command fails. */
  gaveUp = false;
  private closed = false;
  private attempt = 0;

  private constructor(
    private readonly client: RedisClientType,
    readonly address: RedisAddress,
    private readonly url: string,
    private readonly context: { node?: string; stream?: string },
  ) {}

  /**
   * Connects. Fails with RedisAuthError when the server refuses the credentials, RedisTlsError when
   * the TLS handshake fails (neither is retried), and RedisConnectionError when the server cannot
   * be reached within the retries; InvalidArgumentError for a bad URL or TLS files.
   */
  static async open(options: RedisConnectionOptions): Promise<RedisConnection> {
    const address = parseRedisUrl(options.url);
    const tls = tlsSocketOptions(address, options.tls, options.node);
    const { createClient } = await import('redis');
    const maxRetries = options.maxRetries ?? 30;
    const connectRetries = Math.min(maxRetries, options.connectRetries ?? 5);
    const report = options.onEvent ?? printEvent;
    let conn: RedisConnection | undefined;
    // A refusal that no retry can fix: wrong credentials; a TLS handshake refused at the first
    // connection (mid-run, a server whose certificate is being replaced may come back).
    let refusal: unknown;
    const client = createClient({
      url: options.url,
      ...(options.clientName === undefined ? {} : { name: options.clientName }),
      // Keeps an idle connection talking, so that silence means a stalled server (socketTimeout).
      pingInterval: 1000,
      socket: {
        ...tls,
        connectTimeout: 5000,
        socketTimeout: options.stallTimeoutMs ?? 10_000,
        reconnectStrategy: (retries, cause) => {
          // A refused password is not an outage: retrying cannot fix it.
          if (isAuthReply(cause) || (conn === undefined && isTlsRefusal(cause))) refusal = cause;
          // A first connection that timed out already waited connectTimeout: a host that takes
          // no connection, or a plain server that never answers a TLS handshake, fails now.
          if (conn === undefined && isConnectTimeout(cause)) refusal = cause;
          // A first connection that gets no Redis reply at all (an HTTP server on that port) will
          // not get one on a retry either.
          if (conn === undefined && isProtocolError(cause)) refusal = cause;
          if (refusal !== undefined || retries >= (conn === undefined ? connectRetries : maxRetries)) {
            if (conn !== undefined) conn.gaveUp = true;
            report({
              kind: 'gave-up',
              url: address.redacted,
              attempt: retries,
              delayMs: 0,
              reason: why(cause),
              first: conn === undefined,
            });
            return new Error(`gave up after ${retries} reconnection attempts: ${why(cause)}`);
          }
          const delayMs = backoffMs(retries);
          if (conn !== undefined) conn.attempt = retries + 1;
          report({
            kind: 'lost',
            url: address.redacted,
            attempt: retries + 1,
            delayMs,
            reason: why(cause),
            first: conn === undefined,
          });
          return delayMs;
        },
      },
    }) as unknown as RedisClientType;
    // Without a listener an 'error' event would crash the thread; failures surface on commands.
    client.on('error', () => {});
    client.on('ready', () => {
      if (conn !== undefined && conn.attempt > 0) {
        conn.reconnects++;
        report({
          kind: 'reconnected',
          url: address.redacted,
          attempt: conn.attempt,
          delayMs: 0,
          reason: '',
          first: false,
        });
        conn.attempt = 0;
      }
    });
    const context = { node: options.node, stream: options.stream };
    try {
      await client.connect();
    } catch (err) {
      client.destroy();
      throw typedRedisError(refusal ?? err, options.url, 'connect', context);
    }
    conn = new RedisConnection(client, address, options.url, context);
    return conn;
  }

  /**
   * The connection of a Redis calculator node, opened in its `open`: the URL from the `URL` side
   * packet, else the `url` option (InvalidArgumentError naming the node when neither is set), loss
   * and reconnection reported on stderr naming the node.
   */
  static forNode(
    ctx: CalculatorContext<RedisNodeOptions>,
    how: { readonly stream: string; readonly clientName: string },
  ): Promise<RedisConnection> {
    const o = ctx.options;
    const url = ctx.sidePacket<string | undefined>('URL') ?? o.url;
    if (url === '')
      throw new InvalidArgumentError('no Redis URL: set the url option or the URL side packet', {
        node: ctx.node,
        phase: 'open',
      });
    return RedisConnection.open({
      url,
      node: ctx.node,
      stream: how.stream,
      clientName: how.clientName.replace(/\s/g, '_'),
      maxRetries: o.maxRetries,
      tls: o.tls,
      onEvent: (e) => reportEvent(ctx.node, e),
    });
  }

  /**
   * Sends one command; replies come back with bulk strings as Buffers. Commands issued in the same
   * tick are pipelined by the client. `what` names the operation in a failure's message.
   */
  async command<T>(args: readonly RedisArg[], what: string, stream?: string): Promise<T> {
    try {
      return (await this.client.sendCommand(args, BINARY)) as T;
    } catch (err) {
      throw typedRedisError(err, this.url, what, { ...this.context, stream: stream ?? this.context.stream });
    }
  }

  /** True while the socket is connected and authenticated. */
  get ready(): boolean {
    return this.client.isReady;
  }

  /** Quits (waiting for replies in flight), or drops the socket if that fails. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      if (this.client.isOpen) await this.client.quit();
    } catch {
      this.client.destroy();
    }
  }
}

// node-redis's ErrorReply (SimpleError, BlobError) is loaded lazily: recognised by its class chain.
function isServerReply(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  for (
    let p = Object.getPrototypeOf(err);
    p !== null && p !== Error.prototype;
    p = Object.getPrototypeOf(p)
  ) {
    if (p.constructor?.name === 'ErrorReply') return true;
  }
  return false;
}

function isConnectTimeout(err: unknown): boolean {
  return (
    (err as { constructor?: { name?: unknown } } | undefined)?.constructor?.name === 'ConnectionTimeoutError'
  );
}

function isProtocolError(err: unknown): boolean {
  const m = err instanceof Error ? err.message : String(err);
  return /Unknown RESP type|Protocol error/i.test(m);
}

function isAuthReply(err: unknown): boolean {
  const m = err instanceof Error ? err.message : String(err);
  return /^(WRONGPASS|NOAUTH|NOPERM)\b/.test(m);
}

// The client's error with its message scrubbed: a copy (the client's own may be shared), keeping
// what a program tests for (name, `code` such as ECONNREFUSED, `errno`, `syscall`).
function scrubbedCause(err: Error, message: string): Error {
  const copy = Object.assign(new Error(message), socketFields(err));
  copy.name = err.name;
  return copy;
}

// What a program tests a socket error for: its `code` (ECONNREFUSED), `errno` and `syscall`; of
// the socket's own error when the client gave up (its ReconnectStrategyError carries it).
function socketFields(err: unknown): Record<string, string | number> {
  const e = err as { code?: unknown; socketError?: unknown } | null | undefined;
  if (e?.code === undefined && e?.socketError !== undefined) return socketFields(e.socketError);
  const out: Record<string, string | number> = {};
  for (const k of ['code', 'errno', 'syscall'] as const) {
    const v: unknown = (err as Partial<Record<typeof k, unknown>> | null | undefined)?.[k];
    if (typeof v === 'string' || typeof v === 'number') out[k] = v;
  }
  return out;
}

function why(err: unknown): string {
  const e = err as { code?: string; message?: string } | undefined;
  return e?.code ?? e?.message ?? String(err);
}

/**
 * The typed weft error for a failure of the client or the server: RedisAuthError for refused
 * credentials or permissions, RedisTlsError for a refused TLS handshake, RedisCommandError for
 * other server replies, RedisConnectionError for the rest. Credentials are scrubbed from every
 * message; `cause` is the client's error with its message scrubbed (the server's reply or a socket
 * error) and its name, `code`, `errno` and `syscall` kept.
 */
export function typedRedisError(
  err: unknown,
  url: string,
  what: string,
  context: { node?: string | undefined; stream?: string | undefined },
): WeftError {
  if (
    err instanceof Error &&
    'code' in err &&
    typeof err.code === 'string' &&
    err.code.startsWith('ERR_WEFT_')
  )
    return err as WeftError;
  const redacted = scrubSecret(url, url);
  const reason = scrubSecret(why(err), url);
  const message = scrubSecret(err instanceof Error ? err.message : String(err), url);
  const ctx = {
    ...(context.node === undefined ? {} : { node: context.node }),
    ...(context.stream === undefined ? {} : { stream: context.stream }),
    phase: what === 'connect' ? ('open' as const) : ('transport' as const),
    cause: err instanceof Error ? scrubbedCause(err, message) : message,
  };
  if (isTlsRefusal(err)) {
    return new RedisTlsError(`${what} on ${redacted} failed: TLS ${reason}: ${tlsHint(err)}`, ctx);
  }
  if (isAuthReply(err)) {
    return new RedisAuthError(`the Redis server at ${redacted} refused ${what}: ${message}`, ctx);
  }
  if (isServerReply(err)) {
    return new RedisCommandError(`${what} failed on ${redacted}: ${message}`, ctx);
  }
  // A TLS client that got no handshake from a plain server sees only a timeout.
  const hint =
    isConnectTimeout(err) && parseRedisUrl(url).tls
      ? ' (is the server speaking TLS on that port?)'
      : isProtocolError(err) || /Unknown RESP type/i.test(message)
        ? ' (what answers on that port does not speak Redis: another service, such as an HTTP server?)'
        : '';
  return new RedisConnectionError(`${what} on ${redacted} failed: ${reason}${hint}`, ctx);
}

function printEvent(e: RedisConnectionEvent): void {
  reportEvent(undefined, e);
}

/**
 * Writes a connection event as one line on stderr, naming the node (the URL is redacted); not a
 * first connection's failure, which reaches the caller as the error it is.
 */
export function reportEvent(node: string | undefined, e: RedisConnectionEvent): void {
  if (e.kind === 'gave-up' && e.first) return;
  const line =
    e.kind === 'lost'
      ? `connection to ${e.url} lost (${e.reason}); retry ${e.attempt} in ${e.delayMs} ms`
      : e.kind === 'reconnected'
        ? `reconnected to ${e.url} after ${e.attempt} attempt(s)`
        : e.attempt === 0
          ? `lost ${e.url}, not retried (${e.reason})`
          : `gave up reconnecting to ${e.url} after ${e.attempt} attempt(s) (${e.reason})`;
  process.stderr.write(`weft redis${node === undefined ? '' : ` [${node}]`}: ${line}\n`);
}
