/**
 * HTTPS in the runtime: a generated server started with MCP_TLS_CERT/MCP_TLS_KEY serves Streamable
 * HTTP over TLS 1.2+ to the official SDK client that trusts the dev CA, and to nobody who does not.
 */
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeCertificate } from '../../runtime/src/tls/index.js';
import type { ServerProcess } from '../production/lib/server.js';
import { makeCertificates, type TestCertificates } from './lib/certs.js';
import { httpsFetch } from './lib/https-fetch.js';
import { connectTls, serveTls } from './lib/serve.js';
import { tlsProject } from './lib/tls-project.js';

let certs: TestCertificates;
let server: ServerProcess;

beforeAll(async () => {
  certs = makeCertificates();
  const dir = await tlsProject();
  server = await serveTls(dir, { cert: certs.serverCert, key: certs.serverKey });
});
afterAll(async () => {
  await server?.stop();
});

/** The TLS handshake alone: the negotiated protocol, or the error that ended it. */
function handshake(options: { minVersion?: 'TLSv1' | 'TLSv1.2'; maxVersion?: 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3'; ciphers?: string }): Promise<{ protocol: string | null } | { error: string }> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port: Number(server.url.port), servername: 'localhost', ca: certs.read(certs.ca), ...options });
    socket.once('secureConnect', () => {
      resolve({ protocol: socket.getProtocol() });
      socket.destroy();
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve({ error: `${error.code ?? ''} ${error.message}` }));
  });
}

describe('HTTPS with --tls-cert/--tls-key', () => {
  it('prints an https:// URL and serves the official SDK client that trusts the test CA', async () => {
    expect(server.url.protocol).toBe('https:');
    const { client, fetch, close } = await connectTls(server.url, { ca: certs.read(certs.ca) });
    try {
      const tools = await client.listTools();
      expect(tools.tools.map((t) => t.name).sort()).toEqual(['hello', 'slow', 'whoami']);
      const result = await client.callTool({ name: 'slow', arguments: { ms: 0 } });
      expect(result.content).toEqual([{ type: 'text', text: 'slept 0 ms' }]);
      // The certificate the client saw is the one in MCP_TLS_CERT.
      expect(fetch.serverFingerprints[0]).toBe(describeCertificate(certs.read(certs.serverCert)).fingerprint256);
    } finally {
      await close();
    }
  });

  it('is refused by a client that does not trust the CA (no silent downgrade to HTTP)', async () => {
    const otherCa = makeCertificates([]);
    await expect(connectTls(server.url, { ca: otherCa.read(otherCa.ca) })).rejects.toThrow(/self[- ]signed|unable to verify|certificate/i);
  });

  it('negotiates TLS 1.3 by default, accepts TLS 1.2 and refuses TLS 1.1', async () => {
    expect(await handshake({})).toEqual({ protocol: 'TLSv1.3' });
    expect(await handshake({ maxVersion: 'TLSv1.2' })).toEqual({ protocol: 'TLSv1.2' });
    const old = await handshake({ minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' });
    expect(old).toHaveProperty('error');
    // The server's protocol_version alert, not a client-side refusal to offer the version.
    expect((old as { error: string }).error).toMatch(/alert protocol version/i);
  });

  it('answers /healthz over HTTPS', async () => {
    const fetch = httpsFetch({ ca: certs.read(certs.ca) });
    try {
      const response = await fetch(new URL('/healthz', server.url));
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'ok' });
    } finally {
      fetch.close();
    }
  });
});
