/**
 * TLS for `rediss://` connections: the PEM files a user names (the CA that signed the server's
 * certificate, and a client certificate and key for a server that authenticates its clients, as
 * Redis does by default with `tls-auth-clients yes`), read when a connection opens, and the
 * recognition of a refused handshake, which no reconnection can fix.
 *
 * Files, not PEM text, travel in options and flags: a path is all a graph's text format, a side
 * packet or a command line carries, and a key's contents never sit in an options object that a
 * diagnostic snapshot or an error could print.
 *
 * Threading: pure functions plus synchronous file reads; any thread (each connection reads its
 * files in the thread that opens it).
 */

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { InvalidArgumentError } from '../core/errors.js';
import type { RedisAddress } from './redis-url.js';

const requireHere = createRequire(import.meta.url);

/** PEM files for a `rediss://` connection; an empty string is the same as none. */
export interface RedisTlsFiles {
  /** The CA certificate(s) that signed the server's certificate. Default: Node's trusted CAs. */
  readonly ca?: string;
  /** A client certificate, for a server that authenticates clients (`tls-auth-clients`). */
  readonly cert?: string;
  /** The client certificate's private key (unencrypted PEM). */
  readonly key?: string;
}

/** Checks a calculator's `tls` option: undefined when it is well formed, else what is wrong. */
export function checkTlsFiles(tls: unknown): string | undefined {
  if (typeof tls !== 'object' || tls === null || Array.isArray(tls))
    return 'tls must be an object { ca?, cert?, key? } of PEM file paths';
  for (const [k, v] of Object.entries(tls)) {
    if (k !== 'ca' && k !== 'cert' && k !== 'key') return `tls has no field ${k} (ca, cert, key)`;
    if (typeof v !== 'string') return `tls.${k} must be a file path`;
    if (looksLikePem(v)) return `tls.${k} must be a file path, not PEM text (its contents are not shown)`;
  }
  return undefined;
}

// PEM text where a path belongs (other clients take it inline): never to be quoted in a message.
function looksLikePem(v: string): boolean {
  return v.includes('-----BEGIN') || v.includes('\n');
}

/** The socket options node-redis takes for a TLS connection. */
export interface RedisTlsSocket {
  readonly tls: true;
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
}

/**
 * The TLS socket options for `address` from `files`: undefined for a `redis://` URL (which may not
 * name files), `{ tls: true, ... }` for `rediss://`.
 * @throws InvalidArgumentError (naming `node` and phase `open` when given, else phase `config`)
 *   for files with a `redis://` URL, a certificate without its key or the other way round, or a
 *   file that cannot be read (named by its path, never by its contents).
 */
export function tlsSocketOptions(
  address: RedisAddress,
  files: RedisTlsFiles | undefined,
  node?: string,
): RedisTlsSocket | undefined {
  const ctx = node === undefined ? { phase: 'config' as const } : { node, phase: 'open' as const };
  const ca = files?.ca || undefined;
  const cert = files?.cert || undefined;
  const key = files?.key || undefined;
  if (!address.tls) {
    if (ca !== undefined || cert !== undefined || key !== undefined) {
      throw new InvalidArgumentError(
        `TLS files (CA, certificate, key) need a rediss:// URL, not ${address.redacted}`,
        ctx,
      );
    }
    return undefined;
  }
  if ((cert === undefined) !== (key === undefined)) {
    throw new InvalidArgumentError(
      'a client certificate and its key go together: give both (tls cert and key) or neither',
      ctx,
    );
  }
  const socket: RedisTlsSocket = {
    tls: true,
    ...(ca === undefined ? {} : { ca: readPem(ca, 'CA certificate', PEM_CERT, ctx) }),
    ...(cert === undefined ? {} : { cert: readPem(cert, 'client certificate', PEM_CERT, ctx) }),
    ...(key === undefined ? {} : { key: readPem(key, 'client key', PEM_KEY, ctx) }),
  };
  // node:tls (and crypto) load with the first TLS connection's files, not with weft.
  const tls = requireHere('node:tls') as typeof import('node:tls');
  // What OpenSSL refuses (a key that does not match its certificate, an encrypted key) would
  // otherwise surface at every connection attempt as an outage.
  try {
    tls.createSecureContext(socket);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    throw new InvalidArgumentError(
      `the TLS files cannot be used together (${typeof code === 'string' ? code : 'OpenSSL refused them'}): ` +
        `${[ca, cert, key].filter((f) => f !== undefined).join(', ')}; an encrypted key is not supported`,
      ctx,
    );
  }
  return socket;
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----/;
const PEM_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

// Reads a PEM file; its contents never reach a message (neither does the fs error, which could
// quote a path that was PEM text after all).
function readPem(
  path: string,
  what: string,
  label: RegExp,
  ctx: { node?: string; phase: 'config' | 'open' },
): Buffer {
  const shown = looksLikePem(path) ? '(PEM text given where a file path belongs)' : path;
  let pem: Buffer;
  try {
    pem = readFileSync(path);
  } catch (cause) {
    const code = (cause as { code?: unknown }).code;
    throw new InvalidArgumentError(
      `cannot read the ${what} ${shown}${typeof code === 'string' ? ` (${code})` : ''}`,
      ctx,
    );
  }
  if (!label.test(pem.toString('latin1'))) {
    throw new InvalidArgumentError(`the ${what} ${shown} is not a PEM file (no ${label.source})`, ctx);
  }
  return pem;
}

// Node's codes for a certificate it did not accept (OpenSSL's verification results, the host name
// check) and for a handshake the server ended (OpenSSL's alerts: a certificate it wanted or
// refused, a peer that speaks no TLS).
const REFUSAL = /^(ERR_SSL_|ERR_TLS_CERT_)|CERT|SELF_SIGNED|^UNABLE_TO_|^HOSTNAME_MISMATCH$/;

/** True when `err` is a refused TLS handshake (see the REFUSAL codes), not an outage. */
export function isTlsRefusal(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && REFUSAL.test(code);
}

/** What a refused handshake's code means, for a message that tells the user what to change. */
export function tlsHint(err: unknown): string {
  const code = String((err as { code?: unknown } | undefined)?.code ?? '');
  if (/SELF_SIGNED|UNABLE_TO_|CERT_UNTRUSTED|INVALID_CA/.test(code))
    return "the server's certificate is not signed by a trusted CA: pass the CA that signed it (tls ca, --redis-ca)";
  if (/ALTNAME|HOSTNAME/.test(code)) return "the server's certificate does not name the host of the URL";
  if (/CERTIFICATE_REQUIRED|BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_UNKNOWN/.test(code))
    return 'the server did not accept a client certificate: pass one it trusts (tls cert and key, --redis-cert/--redis-key)';
  if (/EXPIRED|NOT_YET_VALID/.test(code)) return 'a certificate is outside its validity period';
  if (/WRONG_VERSION_NUMBER|PACKET_LENGTH/.test(code))
    return 'the server does not speak TLS at that port: use redis://';
  return 'the TLS handshake failed';
}
