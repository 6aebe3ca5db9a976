import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Socket } from 'node:net';
import { createServer as createTlsServer, connect, type TLSSocket } from 'node:tls';
import type { IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  TlsConfigError,
  certificateNames,
  createMtlsAuthenticator,
  createTlsReloader,
  describeCertificate,
  httpsServerOptions,
  loadSecureContextOptions,
  mtlsAuthenticatorFor,
} from './index.js';

// Real certificates from the toolkit's `dev-cert` code (the runtime itself has no X.509 builder).
// Imported by URL so the runtime's compilation (rootDir src/) does not pull the CLI in.
type KeyAndCert = { certPem: string; keyPem: string };
const devCert = (await import(new URL('../../../cli/commands/dev-cert.ts', import.meta.url).href)) as {
  createCertificateAuthority(name: string): KeyAndCert;
  issueCertificate(ca: KeyAndCert, options: { commonName: string; hosts?: string[]; usage: 'server' | 'client' }): KeyAndCert;
};
const { createCertificateAuthority, issueCertificate } = devCert;
const dir = mkdtempSync(join(tmpdir(), 'mcpforge-tls-unit-'));
const ca = createCertificateAuthority('unit CA');
const write = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};
const caFile = write('ca.pem', ca.certPem);
const first = issueCertificate(ca, { commonName: 'localhost', hosts: ['localhost', '127.0.0.1'], usage: 'server' });
const second = issueCertificate(ca, { commonName: 'localhost', hosts: ['localhost', '127.0.0.1'], usage: 'server' });
const files = { cert: write('server.pem', first.certPem), key: write('server-key.pem', first.keyPem) };

describe('loadSecureContextOptions', () => {
  it('reads cert and key, TLS 1.2 minimum, and the client CA when given', () => {
    const options = loadSecureContextOptions(files);
    expect(options.minVersion).toBe('TLSv1.2');
    expect(String(options.cert)).toBe(first.certPem);
    expect(options.ca).toBeUndefined();
    expect(String(loadSecureContextOptions({ ...files, clientCa: caFile }).ca)).toBe(ca.certPem);
  });

  it('names the variable, the path and the cause of an unreadable file', () => {
    const missing = join(dir, 'nope.pem');
    expect(() => loadSecureContextOptions({ ...files, cert: missing })).toThrow(TlsConfigError);
    expect(() => loadSecureContextOptions({ ...files, cert: missing })).toThrow(`MCP_TLS_CERT (--tls-cert)=${missing}: cannot read the file (ENOENT)`);
    expect(() => loadSecureContextOptions({ ...files, clientCa: missing })).toThrow(/^MCP_TLS_CLIENT_CA \(--tls-client-ca\)=/);
  });

  it('refuses a file of the wrong kind and a key that does not belong to the certificate', () => {
    expect(() => loadSecureContextOptions({ cert: files.key, key: files.key })).toThrow(/MCP_TLS_CERT .*not a PEM file of the expected kind/);
    expect(() => loadSecureContextOptions({ cert: files.cert, key: files.cert })).toThrow(/MCP_TLS_KEY .*PRIVATE KEY/);
    const otherKey = write('other-key.pem', second.keyPem);
    expect(() => loadSecureContextOptions({ cert: files.cert, key: otherKey })).toThrow(/the key must be the private key of the certificate/);
  });
});

describe('httpsServerOptions', () => {
  it('asks for and verifies client certificates only with a client CA', () => {
    expect(httpsServerOptions(files)).not.toHaveProperty('requestCert');
    expect(httpsServerOptions({ ...files, clientCa: caFile })).toMatchObject({ requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2' });
  });
});

describe('certificateNames', () => {
  it('lists CN= first, then subjectAltName entries as OpenSSL prints them', () => {
    expect(certificateNames({ subject: { CN: 'billing' }, subjectaltname: 'DNS:billing.internal, URI:spiffe://prod/billing' })).toEqual([
      'CN=billing',
      'DNS:billing.internal',
      'URI:spiffe://prod/billing',
    ]);
    expect(certificateNames({ subject: null })).toEqual([]);
  });
});

/** A request whose socket looks like a TLS socket with the given state. */
function requestWith(socket: Partial<TLSSocket> | Record<string, unknown>): IncomingMessage {
  return { socket } as unknown as IncomingMessage;
}
const peer = (subject: Record<string, string>, san?: string) => ({ subject, ...(san ? { subjectaltname: san } : {}), fingerprint256: 'AA:BB' });

describe('createMtlsAuthenticator', () => {
  const authenticate = createMtlsAuthenticator({ clients: { 'CN=billing': { scopes: ['billing:write'] }, 'DNS:reports.internal': { scopes: ['reports:read'] } } });

  it('maps a verified certificate by CN or subjectAltName to its scopes', async () => {
    expect(await authenticate(requestWith({ authorized: true, getPeerCertificate: () => peer({ CN: 'billing' }) } as never))).toEqual({
      ok: true,
      identity: { subject: 'CN=billing', scopes: ['billing:write'], roles: [], anonymous: false, method: 'mtls' },
    });
    const bySan = await authenticate(requestWith({ authorized: true, getPeerCertificate: () => peer({ CN: 'r1' }, 'DNS:reports.internal') } as never));
    expect(bySan).toMatchObject({ ok: true, identity: { subject: 'DNS:reports.internal', scopes: ['reports:read'] } });
  });

  it('refuses plain HTTP, a missing certificate, an unverified one (401) and an unmapped subject (403)', async () => {
    expect(await authenticate(requestWith(new Socket() as never))).toMatchObject({ ok: false, rejection: { status: 401, presented: false } });
    expect(await authenticate(requestWith({ authorized: false, getPeerCertificate: () => ({}) } as never))).toMatchObject({
      ok: false,
      rejection: { status: 401, description: 'a client certificate is required', presented: false },
    });
    expect(await authenticate(requestWith({ authorized: false, authorizationError: 'CERT_HAS_EXPIRED', getPeerCertificate: () => peer({ CN: 'billing' }) } as never))).toMatchObject({
      ok: false,
      rejection: { status: 401, description: 'the client certificate is not valid (CERT_HAS_EXPIRED)', presented: true },
    });
    expect(await authenticate(requestWith({ authorized: true, getPeerCertificate: () => peer({ CN: 'mallory' }) } as never))).toMatchObject({
      ok: false,
      rejection: { status: 403, presented: true },
    });
  });

  it('maps roles by exact key or `*` pattern; exact wins, a `*` stays within one label, regex characters are literal', async () => {
    const byPattern = createMtlsAuthenticator({
      clients: { 'DNS:*.agents.internal': { roles: ['agent'] }, 'CN=ci-*': { roles: ['ci'], scopes: ['x'] }, 'CN=ci-main': { roles: ['admin'] }, 'CN=a+b': { roles: ['plus'] } },
    });
    const as = (subject: Record<string, string>, san?: string) => byPattern(requestWith({ authorized: true, getPeerCertificate: () => peer(subject, san) } as never));
    expect(await as({ CN: 'ci-main' })).toMatchObject({ ok: true, identity: { subject: 'CN=ci-main', roles: ['admin'], scopes: [] } });
    expect(await as({ CN: 'ci-nightly' })).toMatchObject({ ok: true, identity: { subject: 'CN=ci-nightly', roles: ['ci'], scopes: ['x'] } });
    expect(await as({ CN: 'bot' }, 'DNS:runner-1.agents.internal')).toMatchObject({ ok: true, identity: { subject: 'DNS:runner-1.agents.internal', roles: ['agent'] } });
    expect(await as({ CN: 'bot' }, 'DNS:a.b.agents.internal')).toMatchObject({ ok: false, rejection: { status: 403 } });
    expect(await as({ CN: 'a+b' })).toMatchObject({ ok: true, identity: { roles: ['plus'] } });
    expect(await as({ CN: 'aab' })).toMatchObject({ ok: false, rejection: { status: 403 } });
  });

  it('without a mapping accepts every verified certificate with no scopes', async () => {
    const open = createMtlsAuthenticator();
    expect(await open(requestWith({ authorized: true, getPeerCertificate: () => peer({ CN: 'anyone' }) } as never))).toEqual({
      ok: true,
      identity: { subject: 'CN=anyone', scopes: [], anonymous: false, method: 'mtls' },
    });
  });
});

describe('mtlsAuthenticatorFor', () => {
  it('is only for auth.mode mtls over HTTP, and needs a client CA', () => {
    expect(mtlsAuthenticatorFor({ auth: { mode: 'jwt' } }, { transport: 'http', tlsClientCa: caFile })).toBeUndefined();
    expect(mtlsAuthenticatorFor({ auth: { mode: 'mtls' } }, { transport: 'stdio' })).toBeUndefined();
    expect(() => mtlsAuthenticatorFor({ auth: { mode: 'mtls' } }, { transport: 'http' })).toThrow(/set MCP_TLS_CERT, MCP_TLS_KEY and MCP_TLS_CLIENT_CA/);
    expect(typeof mtlsAuthenticatorFor({ auth: { mode: 'mtls' } }, { transport: 'http', tlsClientCa: caFile })).toBe('function');
  });
});

describe('createTlsReloader', () => {
  const live = { cert: join(dir, 'live.pem'), key: join(dir, 'live-key.pem') };
  writeFileSync(live.cert, first.certPem);
  writeFileSync(live.key, first.keyPem);
  const server = createTlsServer(httpsServerOptions(live), (socket) => socket.end());
  let port = 0;
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const served = () =>
    new Promise<string>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port, ca: ca.certPem, servername: 'localhost' }, () => {
        resolve(socket.getPeerCertificate().fingerprint256);
        socket.destroy();
      });
      socket.once('error', reject);
    });

  it('swaps the certificate for new connections; a broken file keeps the old one and says why', async () => {
    const logged: string[] = [];
    const logger = { info: (_o: unknown, m: string) => logged.push(`info ${m}`), warn: () => {}, error: (_o: unknown, m: string) => logged.push(`error ${m}`) };
    const reloader = createTlsReloader(server, live, logger as never);
    expect(await served()).toBe(describeCertificate(first.certPem).fingerprint256);

    writeFileSync(live.cert, second.certPem);
    writeFileSync(live.key, second.keyPem);
    const ok = reloader.reload();
    expect(ok).toMatchObject({ ok: true, certificate: { fingerprint256: describeCertificate(second.certPem).fingerprint256 } });
    expect(await served()).toBe(describeCertificate(second.certPem).fingerprint256);

    writeFileSync(live.key, 'garbage');
    const bad = reloader.reload();
    expect(bad).toEqual({ ok: false, error: expect.stringContaining('MCP_TLS_KEY (--tls-key)=') });
    expect(await served()).toBe(describeCertificate(second.certPem).fingerprint256);
    expect(logged).toEqual(['info TLS certificate reloaded', expect.stringMatching(/^error TLS reload failed, still serving the previous certificate: /)]);
  });
});
