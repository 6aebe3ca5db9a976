/**
 * Real certificates for the TLS tests, made by the same code as `mcpforge dev-cert`: the dev CA
 * with a server certificate and two clients, plus what must be refused (a client signed by
 * another CA, an expired client) and a second server certificate for the reload test.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCertificateAuthority, issueCertificate, writeDevCertificates, type DevCertResult, type KeyAndCert } from '../../../cli/commands/dev-cert.js';

export interface TestCertificates extends DevCertResult {
  read(file: string): Buffer;
  /** Client certificate and key signed by an unrelated CA. */
  foreign: { cert: string; key: string };
  /** Client certificate of the dev CA that expired yesterday. */
  expired: { cert: string; key: string };
  /** A second server certificate of the dev CA (same hosts), for the reload test. */
  nextServer: { cert: string; key: string };
}

export function makeCertificates(clients: string[] = ['billing-service', 'reporting']): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'mcpforge-tls-'));
  const result = writeDevCertificates({ out: dir, hosts: 'localhost,127.0.0.1', client: clients });
  const ca: KeyAndCert = { certPem: readText(result.ca), keyPem: readText(result.caKey) };
  const write = (name: string, pair: KeyAndCert) => {
    writeFileSync(join(dir, `${name}.pem`), pair.certPem);
    writeFileSync(join(dir, `${name}-key.pem`), pair.keyPem, { mode: 0o600 });
    return { cert: join(dir, `${name}.pem`), key: join(dir, `${name}-key.pem`) };
  };
  const otherCa = createCertificateAuthority('some other CA');
  const day = 24 * 60 * 60 * 1000;
  return {
    ...result,
    read: (file) => Buffer.from(readText(file)),
    foreign: write('foreign-client', issueCertificate(otherCa, { commonName: 'billing-service', usage: 'client' })),
    expired: write(
      'expired-client',
      issueCertificate(ca, { commonName: 'billing-service', usage: 'client', notBefore: new Date(Date.now() - 10 * day), notAfter: new Date(Date.now() - day) }),
    ),
    nextServer: write('next-server', issueCertificate(ca, { commonName: 'localhost', hosts: ['localhost', '127.0.0.1'], usage: 'server' })),
  };
}

function readText(file: string): string {
  return readFileSync(file, 'utf8');
}
