/**
 * What a Redis failure becomes: the typed weft error for a client's or server's error, with the
 * credentials scrubbed from every message and the socket's own fields kept on the cause, and the
 * tests that tell a refusal no retry can fix (credentials, a connect timeout, a server that is not
 * Redis) from an outage.
 *
 * Threading: any thread. Lifecycle: pure functions.
 */
import {
  RedisAuthError,
  RedisCommandError,
  RedisConnectionError,
  RedisTlsError,
  type WeftError,
} from '../core/errors.js';
import { isTlsRefusal, tlsHint } from './redis-tls.js';
import { parseRedisUrl, scrubSecret } from './redis-url.js';

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

/** True for a first connection that waited out `connectTimeout`. */
export function isConnectTimeout(err: unknown): boolean {
  return (
    (err as { constructor?: { name?: unknown } } | undefined)?.constructor?.name === 'ConnectionTimeoutError'
  );
}

/** True for a reply that is not Redis's protocol (an HTTP server on the port). */
export function isProtocolError(err: unknown): boolean {
  const m = err instanceof Error ? err.message : String(err);
  return /Unknown RESP type|Protocol error/i.test(m);
}

/** True for a server refusing credentials or an ACL permission. */
export function isAuthReply(err: unknown): boolean {
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

/** A short reason for an event line: the error's code, else its message. */
export function why(err: unknown): string {
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
    return new RedisAuthError(
      `the Redis server at ${redacted} refused ${what === 'connect' ? 'the connection' : what}: ${message}`,
      ctx,
    );
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
