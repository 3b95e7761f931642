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
import { CancelledError, InvalidArgumentError } from '../core/errors.js';
import { isAuthReply, isConnectTimeout, isProtocolError, typedRedisError, why } from './redis-failure.js';
import { isTlsRefusal, type RedisTlsFiles, tlsSocketOptions } from './redis-tls.js';
import { parseRedisUrl, type RedisAddress } from './redis-url.js';

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
  /**
   * Gives up connecting when it fires: `open` rejects at once with CancelledError (phase `open`)
   * and the client is destroyed, however long the retries or `connectTimeout` had left. A TCP
   * connection still being made when it fires is dropped once it settles (within the 5 s connect
   * timeout), and until then keeps the event loop alive. Read only while connecting; an open
   * connection is closed with `close()`.
   */
  readonly signal?: AbortSignal;
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
    const context = { node: options.node, stream: options.stream };
    const { signal } = options;
    const cancelled = () =>
      new CancelledError(`connecting to ${address.redacted} was cancelled`, {
        ...(context.node === undefined ? {} : { node: context.node }),
        ...(context.stream === undefined ? {} : { stream: context.stream }),
        phase: 'open',
      });
    // A function, so that the check after the import is not narrowed away: the signal may fire
    // while the client module loads.
    const aborted = () => signal?.aborted === true;
    if (aborted()) throw cancelled();
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
    let onAbort: (() => void) | undefined;
    try {
      // Fired while the client module loaded: a listener added now would never be called.
      if (aborted()) throw cancelled();
      const connecting = client.connect();
      if (signal === undefined) await connecting;
      else {
        // The client settles its connect only after its back-off or connect timeout has run out
        // (it looks at being destroyed between attempts): an abort must not wait for that.
        connecting.catch(() => {});
        await Promise.race([
          connecting,
          new Promise<never>((_, reject) => {
            onAbort = () => reject(cancelled());
            signal.addEventListener('abort', onAbort, { once: true });
          }),
        ]);
      }
    } catch (err) {
      client.destroy();
      throw typedRedisError(refusal ?? err, options.url, 'connect', context);
    } finally {
      if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
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
      ? `${e.first ? `could not connect to ${e.url}` : `connection to ${e.url} lost`} (${e.reason}); retry ${e.attempt} in ${e.delayMs} ms`
      : e.kind === 'reconnected'
        ? `reconnected to ${e.url} after ${e.attempt} attempt(s)`
        : e.attempt === 0
          ? `lost ${e.url}, not retried (${e.reason})`
          : `gave up reconnecting to ${e.url} after ${e.attempt} attempt(s) (${e.reason})`;
  process.stderr.write(`weft redis${node === undefined ? '' : ` [${node}]`}: ${line}\n`);
}
