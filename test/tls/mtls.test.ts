/**
 * Mutual TLS (MCP_TLS_CLIENT_CA): the handshake refuses a client without a certificate, with one
 * from another CA, and with an expired one; a valid client certificate's subject becomes the
 * caller identity in ctx.auth with only the scopes the spec maps to it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../production/lib/server.js';
import { makeCertificates, type TestCertificates } from './lib/certs.js';
import { connectTls, serveTls } from './lib/serve.js';
import { tlsProject } from './lib/tls-project.js';

const AUTH = `auth:
  mode: mtls
  clients:
    "CN=billing-service":
      scopes: [billing:read, billing:write]
    "CN=reporting":
      scopes: [reports:read]
`;

let certs: TestCertificates;
let server: ServerProcess;

beforeAll(async () => {
  certs = makeCertificates(['billing-service', 'reporting', 'stranger']);
  const dir = await tlsProject(AUTH, { scoped: true });
  server = await serveTls(dir, { cert: certs.serverCert, key: certs.serverKey, clientCa: certs.ca });
});
afterAll(async () => {
  await server?.stop();
});

const client = (name: string) => certs.clients.find((c) => c.name === name)!;
const withCert = (files: { cert: string; key: string }) => ({ ca: certs.read(certs.ca), cert: certs.read(files.cert), key: certs.read(files.key) });
/**
 * Under TLS 1.3 the client finishes its side of the handshake before the server checks the client
 * certificate, so a refusal reaches the client as an alert or a closed socket on its first request.
 * It must never be the client's own complaint about the server certificate.
 */
async function refused(attempt: Promise<unknown>): Promise<string> {
  const error = await attempt.then(
    () => undefined,
    (e: Error & { cause?: Error; code?: string }) => `${e.code ?? ''} ${e.message} ${e.cause?.message ?? ''}`,
  );
  expect(error, 'the connection must be refused').toBeDefined();
  expect(error).not.toMatch(/self[- ]signed|unable to verify|altnames/i);
  expect(error).toMatch(/certificate required|alert|ECONNRESET|socket hang up|other side closed/i);
  return error!;
}

describe('mutual TLS with --tls-client-ca', () => {
  it('refuses a client without a certificate', async () => {
    await refused(connectTls(server.url, { ca: certs.read(certs.ca) }));
    // OpenSSL names this refusal; the server logs it at debug.
    await waitForLog(/"code":"ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE".*TLS handshake refused/);
  });

  it('refuses a client certificate signed by another CA, even with a mapped CN', async () => {
    await refused(connectTls(server.url, withCert(certs.foreign)));
  });

  it('refuses an expired client certificate of the trusted CA', async () => {
    await refused(connectTls(server.url, withCert(certs.expired)));
  });

  it('gives a valid certificate its subject as identity and exactly its mapped scopes', async () => {
    const c = await connectTls(server.url, withCert(client('billing-service')));
    try {
      const who = await c.client.callTool({ name: 'whoami', arguments: {} });
      expect(who.structuredContent).toEqual({ subject: 'CN=billing-service', scopes: ['billing:read', 'billing:write'], anonymous: false, method: 'mtls' });
      const charged = await c.client.callTool({ name: 'charge', arguments: {} });
      expect(charged.isError).toBeFalsy();
      expect(charged.content).toEqual([{ type: 'text', text: 'charged by CN=billing-service' }]);
    } finally {
      await c.close();
    }
  });

  it('does not give a client the scopes mapped to another subject', async () => {
    const c = await connectTls(server.url, withCert(client('reporting')));
    try {
      const who = await c.client.callTool({ name: 'whoami', arguments: {} });
      expect(who.structuredContent).toEqual({ subject: 'CN=reporting', scopes: ['reports:read'], anonymous: false, method: 'mtls' });
      // Its scopes do not include billing:write: the tool is hidden and a call is refused.
      expect((await c.client.listTools()).tools.map((t) => t.name)).not.toContain('charge');
      const denied = await c.client.callTool({ name: 'charge', arguments: {} }).then(
        (result) => JSON.stringify(result),
        (error: Error) => error.message,
      );
      expect(denied).toMatch(/billing:write|scope/i);
      expect(denied).not.toContain('charged by');
    } finally {
      await c.close();
    }
  });

  it('refuses (403) a certificate of the trusted CA whose subject is not in auth.clients', async () => {
    const fetch = (await import('./lib/https-fetch.js')).httpsFetch(withCert(client('stranger')));
    try {
      const response = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
      });
      expect(response.status).toBe(403);
      expect(await response.text()).toContain('CN=stranger is not listed in auth.clients');
    } finally {
      fetch.close();
    }
  });
});

async function waitForLog(pattern: RegExp): Promise<void> {
  for (let i = 0; i < 200 && !pattern.test(server.stderr()); i++) await new Promise((resolve) => setTimeout(resolve, 25));
  expect(server.stderr()).toMatch(pattern);
}
