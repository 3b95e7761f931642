/**
 * The errors of weft's services beyond one process: Redis Streams across hosts (src/redis) and the
 * web view's server. Part of the error table of errors.ts, which re-exports them.
 *
 * Threading: pure data, usable on any thread (the contract on WeftError and `defineError`).
 */
import { defineError } from './weft-error.js';

// Redis Streams across hosts (src/redis). Messages carry redacted URLs only: never a password.
/**
 * The Redis server could not be reached, or the connection stayed lost past its retry limit: phase
 * `open` at the first connection (a Redis node's `open`, a feed's start), `transport` after.
 */
export const RedisConnectionError = defineError(
  'RedisConnectionError',
  'ERR_WEFT_REDIS_CONNECTION',
  'the Redis server cannot be reached',
);
export type RedisConnectionError = InstanceType<typeof RedisConnectionError>;
/**
 * The Redis server refused the credentials (WRONGPASS, NOAUTH) or the ACL user's permissions
 * (NOPERM): at the connection (phase `open`) or on a command (phase `transport`).
 */
export const RedisAuthError = defineError(
  'RedisAuthError',
  'ERR_WEFT_REDIS_AUTH',
  'the Redis server refused the credentials',
);
export type RedisAuthError = InstanceType<typeof RedisAuthError>;
/**
 * The TLS handshake with a `rediss://` server failed: its certificate was not trusted (no CA given
 * for a private one), did not name the host, or the server demanded a client certificate, or spoke
 * no TLS at all. Not retried at the first connection: retrying cannot fix it. Phase `open` at the
 * first connection, `transport` at a reconnection.
 */
export const RedisTlsError = defineError(
  'RedisTlsError',
  'ERR_WEFT_REDIS_TLS',
  'the TLS handshake with the Redis server failed',
);
export type RedisTlsError = InstanceType<typeof RedisTlsError>;
/**
 * A Redis command failed on the server for another reason (WRONGTYPE, OOM, a missing group): thrown
 * by that command (phase `transport`; `open` while connecting).
 */
export const RedisCommandError = defineError(
  'RedisCommandError',
  'ERR_WEFT_REDIS_COMMAND',
  'a Redis command failed',
);
export type RedisCommandError = InstanceType<typeof RedisCommandError>;
/**
 * A stream entry that breaks weft's wire format (malformed, truncated or oversized): it is counted,
 * moved to the dead-letter stream and acknowledged, never passed into the graph. Thrown by
 * `decodeEntry` and `encodeEntry` (phase `transport`); the Redis source catches its own.
 */
export const StreamEntryError = defineError(
  'StreamEntryError',
  'ERR_WEFT_STREAM_ENTRY',
  'a stream entry breaks the wire format',
);
export type StreamEntryError = InstanceType<typeof StreamEntryError>;

/**
 * The live view's server (`--ui`, `serveDashboard`) could not listen: the port is taken, or the host
 * cannot be bound. `serveDashboard` rejects with it (phase `run`); no server is left behind.
 */
export const DashboardListenError = defineError(
  'DashboardListenError',
  'ERR_WEFT_UI_LISTEN',
  'the dashboard server cannot listen on that address',
);
export type DashboardListenError = InstanceType<typeof DashboardListenError>;
