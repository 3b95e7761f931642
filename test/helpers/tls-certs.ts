// Certificates for a test's TLS server: a private CA, a server certificate for 127.0.0.1 and
// localhost, and a client certificate, all signed by that CA, made by the `openssl` command in a
// directory the test owns. A second CA that signed nothing stands in for the wrong one.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** True when the `openssl` command runs here. */
export const opensslFound: boolean = spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0;

/** PEM file paths. */
export interface TlsCerts {
  readonly ca: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
  /** A CA that signed none of these. */
  readonly otherCa: string;
  /** A private key encrypted with a passphrase (weft takes none). */
  readonly encryptedKey: string;
}

function openssl(dir: string, args: string[]): void {
  const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed:\n${r.stderr}`);
}

function selfSigned(dir: string, name: string, subject: string): void {
  openssl(
    dir,
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', subject].concat([
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.pem`,
    ]),
  );
}

function signed(dir: string, name: string, subject: string, extensions?: string): void {
  openssl(dir, [
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    subject,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
  ]);
  const ext = extensions === undefined ? [] : ['-extfile', `${name}.ext`];
  if (extensions !== undefined) writeFileSync(join(dir, `${name}.ext`), `${extensions}\n`);
  openssl(
    dir,
    ['x509', '-req', '-days', '2', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key'].concat([
      '-CAcreateserial',
      '-out',
      `${name}.pem`,
      ...ext,
    ]),
  );
}

/** Makes the certificates in `dir`. */
export function makeTlsCerts(dir: string): TlsCerts {
  selfSigned(dir, 'ca', '/CN=weft test CA');
  selfSigned(dir, 'other-ca', '/CN=some other CA');
  signed(dir, 'server', '/CN=127.0.0.1', 'subjectAltName=IP:127.0.0.1,DNS:localhost');
  signed(dir, 'client', '/CN=weft test client');
  openssl(dir, ['genrsa', '-aes128', '-passout', 'pass:weft-test', '-out', 'encrypted.key', '2048']);
  const at = (f: string) => join(dir, f);
  return {
    ca: at('ca.pem'),
    serverCert: at('server.pem'),
    serverKey: at('server.key'),
    clientCert: at('client.pem'),
    clientKey: at('client.key'),
    otherCa: at('other-ca.pem'),
    encryptedKey: at('encrypted.key'),
  };
}
