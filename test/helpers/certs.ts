// Test certificates made with the openssl CLI: a CA, a server certificate for
// 127.0.0.1/localhost signed by it, one for another name (rxpeer.test), and a second CA
// that signed neither.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface KeyPair {
  key: string;
  cert: string;
}

export interface TestCertificates {
  /** PEM of the test CA (trusted by nobody unless passed as trustedCa). */
  ca: string;
  /** For IP 127.0.0.1 and DNS localhost. */
  local: KeyPair;
  /** For DNS rxpeer.test only. */
  other: KeyPair;
  /** PEM of a second CA that signed none of the above. */
  unrelatedCa: string;
  /** Deletes the temporary directory. */
  remove(): void;
}

export const OTHER_NAME = 'rxpeer.test';

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function issue(dir: string, name: string, subject: string, altNames: string): KeyPair {
  openssl(dir, ['req', ...EC_KEY, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject]);
  writeFileSync(
    join(dir, `${name}.ext`),
    `basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=${altNames}\n`,
  );
  openssl(dir, [
    'x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial',
    '-days', '2', '-out', `${name}.crt`, '-extfile', `${name}.ext`,
  ]);
  return { key: readFileSync(join(dir, `${name}.key`), 'utf8'), cert: readFileSync(join(dir, `${name}.crt`), 'utf8') };
}

/** Generates everything in a fresh temporary directory (call from beforeAll). */
export function generateCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'rxpeer-certs-'));
  try {
    openssl(dir, [
      'req', '-x509', ...EC_KEY, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2',
      '-subj', '/CN=rxpeer test CA',
      '-addext', 'basicConstraints=critical,CA:TRUE',
      '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    ]);
    const local = issue(dir, 'local', '/CN=localhost', 'IP:127.0.0.1,DNS:localhost');
    const other = issue(dir, 'other', `/CN=${OTHER_NAME}`, `DNS:${OTHER_NAME}`);
    const ca = readFileSync(join(dir, 'ca.crt'), 'utf8');
    openssl(dir, [
      'req', '-x509', ...EC_KEY, '-keyout', 'unrelated.key', '-out', 'unrelated.crt', '-days', '2',
      '-subj', '/CN=rxpeer unrelated CA',
      '-addext', 'basicConstraints=critical,CA:TRUE',
      '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    ]);
    const unrelatedCa = readFileSync(join(dir, 'unrelated.crt'), 'utf8');
    return { ca, local, other, unrelatedCa, remove: () => rmSync(dir, { recursive: true, force: true }) };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
