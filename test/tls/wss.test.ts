/**
 * WSS: the WebSocket transport rides the HTTPS listener, so the same certificate, TLS 1.2+ and
 * mutual TLS apply. A client that trusts the CA and presents a mapped certificate connects over
 * wss:// and is that certificate's subject in ctx.auth; one without a certificate is refused.
 */
import { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketClientTransport } from '../../runtime/src/transports/index.js';
import type { ServerProcess } from '../production/lib/server.js';
import { makeCertificates, type TestCertificates } from './lib/certs.js';
import { serveTls } from './lib/serve.js';
import { tlsProject } from './lib/tls-project.js';

let certs: TestCertificates;
let server: ServerProcess;
let wssUrl: URL;

beforeAll(async () => {
  certs = makeCertificates(['billing-service']);
  const dir = await tlsProject('auth:\n  mode: mtls\n  clients:\n    "CN=billing-service":\n      scopes: [billing:read]\n', { websocket: true });
  server = await serveTls(dir, { cert: certs.serverCert, key: certs.serverKey, clientCa: certs.ca }, { MCP_TRANSPORT: 'websocket' });
  for (let i = 0; i < 200 && !/websocket on (\S+)/.test(server.stderr()); i++) await new Promise((resolve) => setTimeout(resolve, 25));
  wssUrl = new URL(/websocket on (\S+)/.exec(server.stderr())![1]!);
});
afterAll(async () => {
  await server?.stop();
});

describe('MCP over WebSocket on the TLS listener', () => {
  it('announces a wss:// URL on the HTTPS port', () => {
    expect(wssUrl.protocol).toBe('wss:');
    expect(wssUrl.port).toBe(server.url.port);
  });

  it('serves a client that trusts the CA and presents a mapped certificate, as that identity', async () => {
    const billing = certs.clients[0]!;
    const client = new Client({ name: 'wss-test', version: '1.0.0' });
    await client.connect(new WebSocketClientTransport(wssUrl, { ws: { ca: certs.read(certs.ca), cert: certs.read(billing.cert), key: certs.read(billing.key) } }));
    try {
      const who = await client.callTool({ name: 'whoami', arguments: {} });
      expect(who.structuredContent).toEqual({ subject: 'CN=billing-service', scopes: ['billing:read'], anonymous: false, method: 'mtls' });
    } finally {
      await client.close();
    }
  });

  it('refuses a wss:// client without a certificate, and one that does not trust the CA', async () => {
    const bare = new Client({ name: 'wss-test', version: '1.0.0' });
    await expect(bare.connect(new WebSocketClientTransport(wssUrl, { ws: { ca: certs.read(certs.ca) } }))).rejects.toThrow();
    const other = makeCertificates([]);
    const untrusting = new Client({ name: 'wss-test', version: '1.0.0' });
    await expect(untrusting.connect(new WebSocketClientTransport(wssUrl, { ws: { ca: other.read(other.ca) } }))).rejects.toThrow(/self[- ]signed|unable to verify|certificate/i);
  });
});
