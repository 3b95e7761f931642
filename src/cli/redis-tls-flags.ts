/**
 * The TLS flags of the Redis commands (`demo --redis`, `feed`, `report`): `--redis-ca`,
 * `--redis-cert` and `--redis-key`, PEM files for a `rediss://` server whose certificate a private
 * CA signed, or that authenticates its clients (Redis's default with TLS on).
 *
 * Threading: main thread of the CLI process.
 */
import type { Command } from 'commander';
import type { RedisTlsFiles } from '../redis/redis-tls.js';

/** Adds the flags to `cmd`. */
export function addRedisTlsOptions(cmd: Command): Command {
  return cmd
    .option(
      '--redis-ca <file>',
      "with rediss://: the CA certificate (PEM) that signed the server's certificate",
    )
    .option(
      '--redis-cert <file>',
      'with rediss://: a client certificate (PEM), for a server that asks for one',
    )
    .option('--redis-key <file>', "with rediss://: the client certificate's private key (PEM)");
}

/** The files the flags name (commander's camel-cased keys); unset flags are absent. */
export function redisTlsFiles(flags: Record<string, unknown>): RedisTlsFiles {
  const files: { ca?: string; cert?: string; key?: string } = {};
  if (typeof flags.redisCa === 'string') files.ca = flags.redisCa;
  if (typeof flags.redisCert === 'string') files.cert = flags.redisCert;
  if (typeof flags.redisKey === 'string') files.key = flags.redisKey;
  return files;
}
