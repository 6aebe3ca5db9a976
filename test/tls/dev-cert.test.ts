/**
 * `mcpforge dev-cert` through the real CLI: a CA, a server certificate for the given hosts and
 * client certificates that chain to it, private keys readable by the owner only, the env vars to
 * use printed, the CA reused by a second run, and bad input refused with the flag named.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mcpforge } from '../production/lib/project.js';

const cert = (dir: string, file: string) => new X509Certificate(readFileSync(join(dir, file)));

describe('mcpforge dev-cert', () => {
  it('writes a CA, a server certificate for --hosts and one client certificate per --client', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'mcpforge-devcert-'));
    const run = await mcpforge(cwd, 'dev-cert', '--out', 'certs', '--hosts', 'mcp.test,10.1.2.3', '--client', 'billing-service', '--client', 'reporting');
    expect(run.exitCode, run.all).toBe(0);
    const dir = join(cwd, 'certs');
    const ca = cert(dir, 'ca.pem');
    expect(ca.ca).toBe(true);
    expect(ca.subject).toContain('CN=mcpforge dev CA');

    const server = cert(dir, 'server.pem');
    expect(server.ca).toBe(false);
    expect(server.verify(ca.publicKey)).toBe(true);
    expect(server.checkIssued(ca)).toBe(true);
    expect(server.subjectAltName).toBe('DNS:mcp.test, IP Address:10.1.2.3');
    expect(server.checkHost('mcp.test')).toBe('mcp.test');
    expect(server.checkIP('10.1.2.3')).toBe('10.1.2.3');
    expect(server.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(server.checkPrivateKey(createPrivateKey(readFileSync(join(dir, 'server-key.pem'))))).toBe(true);

    for (const name of ['billing-service', 'reporting']) {
      const client = cert(dir, `client-${name}.pem`);
      expect(client.subject).toBe(`CN=${name}`);
      expect(client.verify(ca.publicKey)).toBe(true);
      expect(client.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
      expect(statSync(join(dir, `client-${name}-key.pem`)).mode & 0o777).toBe(0o600);
    }
    expect(statSync(join(dir, 'ca-key.pem')).mode & 0o777).toBe(0o600);
    expect(run.stdout).toContain(`MCP_TLS_CERT=${join(dir, 'server.pem')} MCP_TLS_KEY=${join(dir, 'server-key.pem')}`);
    expect(run.stdout).toContain(`MCP_TLS_CLIENT_CA=${join(dir, 'ca.pem')}`);
    expect(run.stdout).toContain(`NODE_EXTRA_CA_CERTS=${join(dir, 'ca.pem')}`);

    // A second run keeps the CA, so certificates issued before stay valid.
    const again = await mcpforge(cwd, 'dev-cert', '--out', 'certs', '--client', 'third');
    expect(again.exitCode, again.all).toBe(0);
    expect(again.stdout).toContain('Reused the CA');
    expect(cert(dir, 'ca.pem').fingerprint256).toBe(ca.fingerprint256);
    expect(cert(dir, 'client-third.pem').verify(ca.publicKey)).toBe(true);
    expect(cert(dir, 'server.pem').subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
  });

  it('refuses a client name that cannot be a file name or CN, and writes nothing', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'mcpforge-devcert-'));
    const run = await mcpforge(cwd, 'dev-cert', '--client', '../evil');
    expect(run.exitCode).toBe(1);
    expect(run.all).toContain('--client ../evil: use 1 to 64 letters, digits, ".", "_" or "-"');
    expect(() => statSync(join(cwd, '.certs'))).toThrow();
  });
});
