/**
 * Redis URLs: which ones weft takes (`redis://` and `rediss://`, with an optional ACL user and
 * password, a database number), and their redacted form, the only form that ever reaches a log
 * line, an error message, a progress line or a diagnostic snapshot.
 *
 * Threading: pure functions; any thread.
 */
import { InvalidArgumentError } from '../core/errors.js';

/** What a Redis URL says, with the password kept apart from everything printable. */
export interface RedisAddress {
  /** `redis://user:***@host:port/db`: safe to print. */
  readonly redacted: string;
  /** True for `rediss://` (TLS). */
  readonly tls: boolean;
  readonly host: string;
  readonly port: number;
  readonly database: number;
  /** The ACL user, or undefined for the default user. */
  readonly username: string | undefined;
  /** True when the URL carries a password (the password itself is never part of this object). */
  readonly hasPassword: boolean;
}

/**
 * Parses and checks a Redis URL. The error for a bad URL shows it redacted.
 * @throws InvalidArgumentError for another scheme, a bad port or database, or an unparsable URL.
 */
export function parseRedisUrl(url: string): RedisAddress {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new InvalidArgumentError(`not a Redis URL: ${redactRedisUrl(url)}`, { phase: 'config' });
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new InvalidArgumentError(
      `a Redis URL starts with redis:// or rediss:// (TLS), not ${u.protocol}// (${redactRedisUrl(url)})`,
      { phase: 'config' },
    );
  }
  // `redis:/:pw@host` (a slash short) parses with no host: the credentials sit in the path.
  if (u.hostname === '') {
    throw new InvalidArgumentError(
      `no host in ${redactRedisUrl(url)}: write redis://[user:password@]host[:port][/db]`,
      {
        phase: 'config',
      },
    );
  }
  if (u.search !== '') {
    throw new InvalidArgumentError(
      `query parameters are not taken (${redactRedisUrl(url)}): give the password as redis://:password@host`,
      { phase: 'config' },
    );
  }
  let username: string | undefined;
  try {
    username = u.username === '' ? undefined : decodeURIComponent(u.username);
    decodeURIComponent(u.password);
  } catch {
    throw new InvalidArgumentError(
      `bad percent-encoding in the user or password of ${redactRedisUrl(url)}: write % as %25`,
      { phase: 'config' },
    );
  }
  const port = u.port === '' ? 6379 : Number(u.port);
  const db = u.pathname === '' || u.pathname === '/' ? 0 : Number(u.pathname.slice(1));
  if (!Number.isSafeInteger(db) || db < 0) {
    throw new InvalidArgumentError(`bad database number in ${redactRedisUrl(url)}`, { phase: 'config' });
  }
  return {
    redacted: redactRedisUrl(url),
    tls: u.protocol === 'rediss:',
    host: u.hostname,
    port,
    database: db,
    username,
    hasPassword: u.password !== '',
  };
}

/**
 * The URL with its password replaced by `***` (the user name stays: it names an ACL user, it does
 * not grant access). Text that does not parse as a URL is cut before any `@`, so a mistyped URL
 * does not leak its credentials either. Pure; any thread.
 */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    // Without a host (a slash short) the credentials are in the path: cut as for no URL at all.
    if (u.hostname === '') throw new Error('no host');
    if (u.password !== '') u.password = '***';
    if (u.search !== '') u.search = '?***';
    return u.toString();
  } catch {
    const at = url.lastIndexOf('@');
    const scheme = /^[a-z][a-z0-9+.-]*:\/*/i.exec(url)?.[0] ?? '';
    const rest = at < 0 ? url.slice(scheme.length) : url.slice(at + 1);
    // No @: a query may still carry a secret (?password=...).
    const q = rest.indexOf('?');
    return `${scheme}${at < 0 ? '' : '***@'}${q < 0 ? rest : `${rest.slice(0, q)}?***`}`;
  }
}

/**
 * `text` with every occurrence of the URL's password replaced, for messages that come from the
 * client library or the server and might quote what they were given.
 */
export function scrubSecret(text: string, url: string): string {
  let password = '';
  try {
    password = decodeURIComponent(new URL(url).password);
  } catch {
    return text;
  }
  let out = text.split(url).join(redactRedisUrl(url));
  if (password.length > 0) out = out.split(password).join('***');
  return out;
}
