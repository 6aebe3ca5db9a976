/**
 * Certificate reload on SIGHUP: the files are swapped and the signal sent while calls are in
 * flight; no call fails, new connections get the new certificate, and a broken file keeps the
 * previous certificate (logged) instead of taking the server down.
 */
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeCertificate } from '../../runtime/src/tls/index.js';
import type { ServerProcess } from '../production/lib/server.js';
import { makeCertificates, type TestCertificates } from './lib/certs.js';
import { connectTls, serveTls } from './lib/serve.js';
import { tlsProject } from './lib/tls-project.js';

let certs: TestCertificates;
let server: ServerProcess;
let live: { cert: string; key: string };

beforeAll(async () => {
  certs = makeCertificates([]);
  const dir = await tlsProject();
  // The server reads these paths; the test replaces their contents like a certificate renewal would.
  const folder = mkdtempSync(join(tmpdir(), 'mcpforge-live-cert-'));
  live = { cert: join(folder, 'tls.crt'), key: join(folder, 'tls.key') };
  copyFileSync(certs.serverCert, live.cert);
  copyFileSync(certs.serverKey, live.key);
  server = await serveTls(dir, live);
});
afterAll(async () => {
  await server?.stop();
});

const fingerprint = (file: string) => describeCertificate(certs.read(file)).fingerprint256;
const count = (text: string, needle: string) => text.split(needle).length - 1;

async function waitFor(predicate: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (predicate()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}; server log:\n${server.stderr()}`);
}

async function newConnectionFingerprint(): Promise<string> {
  const fresh = await connectTls(server.url, { ca: certs.read(certs.ca) });
  try {
    await fresh.client.listTools();
    return fresh.fetch.serverFingerprints[0]!;
  } finally {
    await fresh.close();
  }
}

describe('SIGHUP reloads the TLS certificate', () => {
  it('keeps in-flight calls and serves new connections the new certificate', async () => {
    const first = fingerprint(certs.serverCert);
    const second = fingerprint(certs.nextServer.cert);
    expect(first).not.toBe(second);
    expect(await newConnectionFingerprint()).toBe(first);

    // Several clients, each with a call held in the slow tool on its own connection.
    const clients = await Promise.all([0, 1, 2].map(() => connectTls(server.url, { ca: certs.read(certs.ca) })));
    try {
      const started = count(server.stderr(), 'slow call started');
      const logBefore = server.stderr().length;
      const calls = clients.map((c) => c.client.callTool({ name: 'slow', arguments: { ms: 3000 } }));
      await waitFor(() => count(server.stderr(), 'slow call started') >= started + 3, 'three slow calls in flight');

      copyFileSync(certs.nextServer.cert, live.cert);
      copyFileSync(certs.nextServer.key, live.key);
      const reloaded = count(server.stderr(), 'TLS certificate reloaded');
      server.child.kill('SIGHUP');
      await waitFor(() => count(server.stderr(), 'TLS certificate reloaded') > reloaded, 'the reload log line');

      const results = await Promise.all(calls);
      for (const result of results) {
        expect(result.isError).toBeFalsy();
        expect(result.content).toEqual([{ type: 'text', text: 'slept 3000 ms' }]);
      }
      // The reload happened while the three calls were running: its log line comes before any of
      // their completions (audit lines, written when a call ends). The log is buffered: a reply can
      // reach the client before its audit line reaches stderr, so wait for the lines first.
      const audited = /"tool":"slow"[^\n]*"msg":"audit"|"msg":"audit"[^\n]*"tool":"slow"/;
      await waitFor(() => audited.test(server.stderr().slice(logBefore)), "the slow calls' audit lines");
      const log = server.stderr().slice(logBefore);
      const reloadAt = log.indexOf('TLS certificate reloaded');
      const firstDone = log.search(audited);
      expect(reloadAt).toBeGreaterThan(-1);
      expect(firstDone).toBeGreaterThan(reloadAt);
      expect(server.child.exitCode).toBeNull();
      expect(await newConnectionFingerprint()).toBe(second);
      // The connections opened before the reload kept the certificate they negotiated.
      for (const c of clients) {
        expect(c.fetch.serverFingerprints.length).toBeGreaterThan(0);
        expect(new Set(c.fetch.serverFingerprints)).toEqual(new Set([first]));
      }
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  });

  it('keeps the previous certificate when the new files are broken, and logs why', async () => {
    const before = await newConnectionFingerprint();
    writeFileSync(live.key, '-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n');
    const failed = count(server.stderr(), 'TLS reload failed');
    server.child.kill('SIGHUP');
    await waitFor(() => count(server.stderr(), 'TLS reload failed') > failed, 'the reload failure log line');
    expect(server.stderr()).toMatch(/TLS reload failed, still serving the previous certificate: .*tls\.key/);
    expect(server.child.exitCode).toBeNull();
    expect(await newConnectionFingerprint()).toBe(before);

    // A key that does not belong to the certificate is refused the same way.
    copyFileSync(certs.serverKey, live.key);
    copyFileSync(certs.nextServer.cert, live.cert);
    const mismatched = count(server.stderr(), 'TLS reload failed');
    server.child.kill('SIGHUP');
    await waitFor(() => count(server.stderr(), 'TLS reload failed') > mismatched, 'the mismatch log line');
    expect(server.stderr()).toMatch(/key must be the private key of the certificate/);
    expect(await newConnectionFingerprint()).toBe(before);
  });
});
