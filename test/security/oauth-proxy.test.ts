/**
 * `auth.mode: oauth-proxy` end to end: a real OpenID Provider (oidc-provider) as the corporate
 * IdP, the official MCP SDK client's OAuth flow completed headless (redirects followed, the IdP's
 * login and consent forms and the proxy's consent page submitted), on SQLite. Then the adversarial
 * cases, each refused with its OAuth error and found in the audit table.
 */
import { createServer as createHttpsServer } from 'node:https';
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { createPrivateKey } from 'node:crypto';
import { sql } from 'kysely';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Client, StreamableHTTPClientTransport, auth } from '@modelcontextprotocol/client';
import { writeDevCertificates } from '../../cli/commands/dev-cert.js';
import { Browser, TestOAuthClient, freePort, listen, startIdp, startProxy, type Idp, type ProxyServer } from './oauth-proxy-lib.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pkceChallenge, randomToken } from '../../runtime/src/oauth-proxy/crypto.js';

const REDIRECT = 'http://127.0.0.1:8976/callback';

let idp: Idp;
let proxy: ProxyServer;
let cimdServer: Server;
let cimdUrl: string;
let oversizedUrl: string;

async function connect(provider: TestOAuthClient): Promise<Client> {
  const client = new Client({ name: 'oauth-proxy-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(proxy.url), { authProvider: provider }));
  return client;
}

/** The SDK's auth() up to the redirect, the headless browser through IdP and consent, then auth() with the code. */
async function authorizeWithSdk(provider: TestOAuthClient, browser = new Browser()): Promise<void> {
  expect(await auth(provider, { serverUrl: proxy.url })).toBe('REDIRECT');
  const back = await browser.run(provider.authorizationUrl!.href, REDIRECT);
  expect(back.searchParams.get('iss')).toBe(proxy.issuer);
  expect(await auth(provider, { serverUrl: proxy.url, authorizationCode: back.searchParams.get('code')!, iss: back.searchParams.get('iss')! })).toBe('AUTHORIZED');
}

function whoami(result: unknown): Record<string, unknown> {
  const content = (result as { content: Array<{ type: string; text: string }> }).content;
  return JSON.parse(content[0]!.text) as Record<string, unknown>;
}

async function auditRows(name: string): Promise<Array<{ outcome: string; error_code: string | null }>> {
  await new Promise((r) => setTimeout(r, 20));
  const { rows } = await sql<{ outcome: string; error_code: string | null }>`select outcome, error_code from mcpforge_audit where kind = 'oauth' and name = ${name}`.execute(proxy.server.storage.db as never);
  return rows;
}

beforeAll(async () => {
  const port = await freePort();
  idp = await startIdp(`http://127.0.0.1:${port}/oauth/callback`);
  // The CIMD document over HTTPS on loopback (the SDK requires an https client id URL), trusted through MCP_OAUTH_CIMD_CA_FILE.
  const certs = writeDevCertificates({ out: mkdtempSync(join(tmpdir(), 'mcpforge-oauth-cimd-')), hosts: 'localhost,127.0.0.1', client: [] });
  cimdServer = createHttpsServer({ cert: readFileSync(certs.serverCert), key: readFileSync(certs.serverKey) }, (req, res) => {
    if (req.url === '/big.json') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ client_id: oversizedUrl, redirect_uris: [REDIRECT], padding: 'x'.repeat(20_000) }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ client_id: cimdUrl, client_name: 'CIMD Test Client', redirect_uris: [REDIRECT], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none' }));
  });
  const cimdPort = await listen(cimdServer as unknown as Server);
  cimdUrl = `https://localhost:${cimdPort}/client.json`;
  oversizedUrl = `https://localhost:${cimdPort}/big.json`;
  proxy = await startProxy(port, idp, { MCP_OAUTH_DEV_ALLOW_HTTP_LOCALHOST: 'on', MCP_OAUTH_CIMD_CA_FILE: certs.ca });
}, 60_000);

afterAll(async () => {
  await proxy?.server.shutdown();
  await idp?.close();
  cimdServer?.close();
});

describe('the MCP SDK client completes the flow', () => {
  test('DCR: register, sign in upstream, consent, call a scoped tool with the upstream token used on-behalf-of', async () => {
    const provider = new TestOAuthClient(REDIRECT, 'DCR Test Client');
    await authorizeWithSdk(provider);
    expect(provider.clientInformation()?.client_id).toMatch(/^mcpc_/);
    const client = await connect(provider);
    const result = await client.callTool({ name: 'whoami', arguments: {} });
    expect(result.isError).toBeFalsy();
    expect(whoami(result)).toMatchObject({ subject: 'alice', upstreamEmail: 'alice@corp.example' });
    // The upstream token never reaches the client.
    expect(JSON.stringify(provider.tokens())).not.toContain('upstream');
    await client.close();
  }, 30_000);
});
