/**
 * The production layout with TLS: a real nginx runs deploy/nginx.conf as `upgrade --tls` renders
 * it. `terminate`: nginx holds the certificate, redirects HTTP to HTTPS, sends HSTS and proxies MCP
 * calls to plain-HTTP replicas. `passthrough`: nginx forwards TLS untouched to replicas that
 * terminate it, so a client certificate reaches the replica (mutual TLS end to end).
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeCertificate } from '../../runtime/src/tls/index.js';
import { startServer, type ServerProcess } from '../production/lib/server.js';
import { makeCertificates, type TestCertificates } from './lib/certs.js';
import { httpsFetch } from './lib/https-fetch.js';
import { connectTls, serveTls } from './lib/serve.js';
import { tlsNginx, type TlsNginx } from './lib/tls-nginx.js';
import { tlsProject } from './lib/tls-project.js';
import { servicesFor } from '../helpers/services.js';

const problem = (await servicesFor('the nginx TLS tests', ['nginx'])) ? undefined : 'nginx is not installed';
// Passthrough needs nginx's stream module (built into the official image; a separate package on Debian).
const streamProblem = problem ?? ((await servicesFor('the nginx TLS passthrough test', ['nginx-stream'])) ? undefined : 'no stream module');

const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

let certs: TestCertificates;
let dir: string;
beforeAll(async () => {
  if (problem) return;
  certs = makeCertificates(['billing-service']);
  dir = await tlsProject();
});

function plainGet(url: URL): Promise<{ status: number; location?: string }> {
  return new Promise((resolve, reject) => {
    request(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, ...(res.headers.location ? { location: res.headers.location } : {}) });
    })
      .on('error', reject)
      .end('{}');
  });
}

describe.skipIf(Boolean(problem))('nginx --tls terminate', () => {
  let nginx: TlsNginx;
  const replicas: ServerProcess[] = [];
  beforeAll(async () => {
    const env = { PATH: process.env.PATH, MCP_TRANSPORT: 'http', MCP_PORT: '0', DATABASE_URL: 'sqlite::memory:', LOG_LEVEL: 'info' };
    for (let i = 0; i < 2; i++) replicas.push(await startServer(['node', 'dist/server.js'], dir, env));
    cleanups.push(() => Promise.all(replicas.map((r) => r.stop())));
    nginx = await tlsNginx('none', replicas.map((r) => `127.0.0.1:${r.url.port}`), 'terminate', { cert: certs.serverCert, key: certs.serverKey });
    cleanups.push(() => nginx.stop());
  });

  it('passes nginx -t', () => {
    expect(nginx.test).toMatch(/syntax is ok/);
    expect(nginx.test).toMatch(/test is successful/);
    expect(nginx.conf).toMatch(/ssl_protocols TLSv1\.2 TLSv1\.3;/);
  });

  it('proxies MCP calls from the official SDK client over HTTPS to the replicas', async () => {
    const c = await connectTls(nginx.httpsUrl, { ca: certs.read(certs.ca) });
    try {
      expect((await c.client.listTools()).tools.map((t) => t.name)).toContain('whoami');
      for (let i = 0; i < 4; i++) {
        const result = await c.client.callTool({ name: 'slow', arguments: { ms: i } });
        expect(result.content).toEqual([{ type: 'text', text: `slept ${i} ms` }]);
      }
      // nginx presented the certificate it was configured with.
      expect(c.fetch.serverFingerprints[0]).toBe(describeCertificate(certs.read(certs.serverCert)).fingerprint256);
    } finally {
      await c.close();
    }
    // Round robin: both replicas served calls.
    for (const replica of replicas) expect(replica.stderr()).toMatch(/"tool":"slow"|slow call started/);
  });

  it('sends HSTS on HTTPS and redirects plain HTTP with 308 (a POST stays a POST)', async () => {
    const fetch = httpsFetch({ ca: certs.read(certs.ca) });
    try {
      const health = await fetch(new URL('/healthz', nginx.httpsUrl));
      expect(health.status).toBe(200);
      expect(health.headers.get('strict-transport-security')).toBe('max-age=63072000; includeSubDomains');
    } finally {
      fetch.close();
    }
    const redirect = await plainGet(new URL('/mcp', nginx.httpUrl));
    expect(redirect).toEqual({ status: 308, location: 'https://127.0.0.1/mcp' });
  });
});

describe.skipIf(Boolean(streamProblem))('nginx --tls passthrough (mutual TLS end to end)', () => {
  let nginx: TlsNginx;
  const replicas: ServerProcess[] = [];
  beforeAll(async () => {
    for (let i = 0; i < 2; i++) replicas.push(await serveTls(dir, { cert: certs.serverCert, key: certs.serverKey, clientCa: certs.ca }));
    cleanups.push(() => Promise.all(replicas.map((r) => r.stop())));
    nginx = await tlsNginx('none', replicas.map((r) => `127.0.0.1:${r.url.port}`), 'passthrough', { cert: certs.serverCert, key: certs.serverKey });
    cleanups.push(() => nginx.stop());
  });

  it('passes nginx -t with a stream block and no certificate of its own', () => {
    expect(nginx.test).toMatch(/test is successful/);
    expect(nginx.conf).toMatch(/stream \{/);
    expect(nginx.conf).not.toMatch(/ssl_certificate/);
  });

  it('carries a client certificate through to the replicas, and refuses a client without one', async () => {
    const billing = certs.clients[0]!;
    const c = await connectTls(nginx.httpsUrl, { ca: certs.read(certs.ca), cert: certs.read(billing.cert), key: certs.read(billing.key) });
    try {
      for (let i = 0; i < 4; i++) {
        const result = await c.client.callTool({ name: 'slow', arguments: { ms: i } });
        expect(result.content).toEqual([{ type: 'text', text: `slept ${i} ms` }]);
      }
      // The TLS peer was the replica itself (nginx has no certificate in this layout).
      expect(c.fetch.serverFingerprints[0]).toBe(describeCertificate(certs.read(certs.serverCert)).fingerprint256);
    } finally {
      await c.close();
    }
    await expect(connectTls(nginx.httpsUrl, { ca: certs.read(certs.ca) })).rejects.toThrow();
    const refused = () => replicas.some((r) => r.stderr().includes('ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE'));
    for (let i = 0; i < 200 && !refused(); i++) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(refused()).toBe(true);
  });

  it('redirects plain HTTP to HTTPS', async () => {
    expect(await plainGet(new URL('/mcp', nginx.httpUrl))).toEqual({ status: 308, location: 'https://127.0.0.1/mcp' });
  });
});
