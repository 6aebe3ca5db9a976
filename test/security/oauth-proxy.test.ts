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
import { WebSocketClientTransport } from '../../runtime/src/transports/websocket-client.js';
import { Browser, TestOAuthClient, freePort, listen, startIdp, startProxy, type Idp, type ProxyServer } from './oauth-proxy-lib.js';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/client/stdio';
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
async function authorizeWithSdk(provider: TestOAuthClient, browser = new Browser()): Promise<Browser> {
  expect(await auth(provider, { serverUrl: proxy.url })).toBe('REDIRECT');
  const back = await browser.run(provider.authorizationUrl!.href, REDIRECT);
  expect(back.searchParams.get('iss')).toBe(proxy.issuer);
  expect(await auth(provider, { serverUrl: proxy.url, authorizationCode: back.searchParams.get('code')!, iss: back.searchParams.get('iss')! })).toBe('AUTHORIZED');
  return browser;
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
  // WebSocket and stateful sessions on too: the same gate holds on every transport.
  proxy = await startProxy(port, idp, { MCP_OAUTH_DEV_ALLOW_HTTP_LOCALHOST: 'on', MCP_OAUTH_CIMD_CA_FILE: certs.ca, MCP_WEBSOCKET: 'on', MCP_HTTP_SESSIONS: 'stateful' });
}, 60_000);

afterAll(async () => {
  await proxy?.server.shutdown();
  await idp?.close();
  cimdServer?.close();
});

describe('the MCP SDK client completes the flow', () => {
  test('DCR: register, sign in upstream, consent, call a scoped tool with the upstream token used on-behalf-of', async () => {
    const provider = new TestOAuthClient(REDIRECT, 'DCR Test Client');
    const browser = await authorizeWithSdk(provider);
    // The browser's side of one flow (paths only: no codes, states or tokens), for the record.
    console.log(`browser requests of one flow:\n${browser.visited.map((line) => line.replace(proxy.issuer, '<server>').replace(idp.issuer, '<idp>')).join('\n')}`);
    expect(browser.visited.filter((line) => line.includes(proxy.issuer)).map((line) => line.replace(proxy.issuer, ''))).toEqual(['GET /oauth/authorize', 'GET /oauth/callback', 'GET /oauth/consent', 'POST /oauth/consent']);
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

/** POST a form to one of the proxy's endpoints. */
async function post(path: string, form: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${proxy.issuer}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function mcpStatus(accessToken: string): Promise<{ status: number; challenge: string | null }> {
  const res = await fetch(proxy.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${accessToken}`, 'mcp-protocol-version': '2025-11-25' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
  });
  await res.text();
  return { status: res.status, challenge: res.headers.get('www-authenticate') };
}

async function registerClient(redirectUris = [REDIRECT]): Promise<string> {
  const res = await fetch(`${proxy.issuer}/oauth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ client_name: 'Raw Client', redirect_uris: redirectUris, token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'] }) });
  expect(res.status).toBe(201);
  return ((await res.json()) as { client_id: string }).client_id;
}

function authorizeUrl(clientId: string, overrides: Record<string, string | undefined> = {}): { url: string; verifier: string } {
  const verifier = randomToken();
  const params: Record<string, string | undefined> = {
    response_type: 'code',
    client_id: clientId,
    redirect_uri: REDIRECT,
    code_challenge: pkceChallenge(verifier),
    code_challenge_method: 'S256',
    state: 'client-state-1',
    scope: 'notes:read',
    resource: proxy.url,
    ...overrides,
  };
  const url = new URL(`${proxy.issuer}/oauth/authorize`);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  return { url: url.href, verifier };
}

/** A code through the real IdP and consent page, without the SDK. */
async function codeFor(clientId: string): Promise<{ code: string; verifier: string }> {
  const { url, verifier } = authorizeUrl(clientId);
  const back = await new Browser().run(url, REDIRECT);
  expect(back.searchParams.get('state')).toBe('client-state-1');
  return { code: back.searchParams.get('code')!, verifier };
}

async function exchange(clientId: string, code: string, verifier?: string, extra: Record<string, string> = {}) {
  return post('/oauth/token', { grant_type: 'authorization_code', client_id: clientId, code, redirect_uri: REDIRECT, ...(verifier ? { code_verifier: verifier } : {}), ...extra });
}

async function securityEvents(): Promise<number> {
  const text = await proxy.server.factory.metrics.metricsText();
  return Number(/mcp_security_events_total\{type="auth_failure"\} (\d+)/.exec(text)?.[1] ?? 0);
}

describe('CIMD, refresh and revocation', () => {
  test('CIMD: the client id is its metadata URL; the flow completes and a scoped tool answers', async () => {
    const provider = new TestOAuthClient(REDIRECT, 'CIMD Test Client', cimdUrl);
    await authorizeWithSdk(provider);
    expect(provider.clientInformation()?.client_id).toBe(cimdUrl);
    const client = await connect(provider);
    expect(whoami(await client.callTool({ name: 'whoami', arguments: {} }))).toMatchObject({ subject: 'alice', scopes: expect.arrayContaining(['notes:read', 'notes:admin']) });
    await client.close();
  }, 30_000);

  test('a scope not granted is refused (insufficient_scope) while the granted one works', async () => {
    const clientId = await registerClient();
    const { code, verifier } = await codeFor(clientId);
    const tokens = (await exchange(clientId, code, verifier)).body;
    expect(tokens.scope).toBe('notes:read');
    const res = await fetch(proxy.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${tokens.access_token}`, 'mcp-protocol-version': '2025-11-25' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'admin', arguments: {} } }),
    });
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
    expect(await res.json()).toMatchObject({ error: 'insufficient_scope', error_description: 'Missing scope: notes:admin' });
    expect((await mcpStatus(tokens.access_token as string)).status).toBe(200);
  }, 30_000);

  test('refresh rotates the refresh token; reusing the old one revokes the grant', async () => {
    const clientId = await registerClient();
    const { code, verifier } = await codeFor(clientId);
    const first = (await exchange(clientId, code, verifier)).body;
    const refreshed = await post('/oauth/token', { grant_type: 'refresh_token', client_id: clientId, refresh_token: first.refresh_token as string });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refresh_token).not.toBe(first.refresh_token);
    expect((await mcpStatus(refreshed.body.access_token as string)).status).toBe(200);
    const reused = await post('/oauth/token', { grant_type: 'refresh_token', client_id: clientId, refresh_token: first.refresh_token as string });
    expect(reused).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect((await mcpStatus(refreshed.body.access_token as string)).status).toBe(401);
    expect(await auditRows('token')).toContainEqual({ outcome: 'denied', error_code: 'invalid_grant' });
  }, 30_000);

  test('SDK client: a refused access token is refreshed by the SDK; then revocation stops access on the next request', async () => {
    const provider = new TestOAuthClient(REDIRECT, 'Revoking Client');
    await authorizeWithSdk(provider);
    const before = provider.tokens()!;
    // The access token no longer works (as after expiry): the SDK's 401 handling refreshes with the refresh token.
    provider.saveTokens({ ...before, access_token: 'expired.access.token' });
    const client = await connect(provider);
    expect(whoami(await client.callTool({ name: 'whoami', arguments: {} }))).toMatchObject({ subject: 'alice' });
    expect(provider.tokens()!.access_token).not.toBe('expired.access.token');
    expect(provider.tokens()!.refresh_token).not.toBe(before.refresh_token);
    const revoked = await post('/oauth/revoke', { client_id: provider.clientInformation()!.client_id, token: provider.tokens()!.access_token });
    expect(revoked.status).toBe(200);
    expect(await mcpStatus(provider.tokens()!.access_token)).toMatchObject({ status: 401 });
    expect((await mcpStatus(provider.tokens()!.access_token)).challenge).toContain('revoked');
    await client.close().catch(() => {});
  }, 30_000);
});

describe('adversarial requests are refused and audited', () => {
  let clientId: string;
  beforeAll(async () => {
    clientId = await registerClient();
  });

  test('redirect URI mismatch: an error page, no redirect', async () => {
    const res = await fetch(authorizeUrl(clientId, { redirect_uri: 'http://127.0.0.1:8976/other' }).url, { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toContain('redirect_uri is missing or not registered');
    expect(await auditRows('authorize')).toContainEqual({ outcome: 'denied', error_code: 'invalid_redirect_uri' });
  });

  test('open redirect attempts: a foreign host, a prefix trick, a javascript: URI at registration', async () => {
    for (const uri of ['https://evil.example/callback', `${REDIRECT}.evil.example`, `${REDIRECT}/../../evil`]) {
      const res = await fetch(authorizeUrl(clientId, { redirect_uri: uri }).url, { redirect: 'manual' });
      expect(res.status).toBe(400);
      expect(res.headers.get('location')).toBeNull();
    }
    const reg = await fetch(`${proxy.issuer}/oauth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ redirect_uris: ['javascript:alert(1)'] }) });
    expect(reg.status).toBe(400);
    expect(await reg.json()).toMatchObject({ error: 'invalid_redirect_uri' });
    const http = await fetch(`${proxy.issuer}/oauth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ redirect_uris: ['http://evil.example/cb'] }) });
    expect(await http.json()).toMatchObject({ error: 'invalid_redirect_uri' });
    expect(await auditRows('register')).toContainEqual({ outcome: 'denied', error_code: 'invalid_redirect_uri' });
  });

  test('PKCE: plain method and a missing challenge are refused at /authorize', async () => {
    for (const overrides of [{ code_challenge_method: 'plain' }, { code_challenge: undefined, code_challenge_method: undefined }]) {
      const res = await fetch(authorizeUrl(clientId, overrides).url, { redirect: 'manual' });
      expect(res.status).toBe(302);
      const location = new URL(res.headers.get('location')!);
      expect(location.href.startsWith(REDIRECT)).toBe(true);
      expect(location.searchParams.get('error')).toBe('invalid_request');
      expect(location.searchParams.get('state')).toBe('client-state-1');
    }
    expect(await auditRows('authorize')).toContainEqual({ outcome: 'denied', error_code: 'invalid_request' });
  });

  test('PKCE: a missing or wrong code_verifier is refused at /token', async () => {
    const { code } = await codeFor(clientId);
    expect(await exchange(clientId, code)).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    const second = await codeFor(clientId);
    expect(await exchange(clientId, second.code, randomToken())).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    // A redirect_uri other than the authorization request's is refused too.
    const third = await codeFor(clientId);
    expect(await exchange(clientId, third.code, third.verifier, { redirect_uri: 'http://127.0.0.1:8976/other' })).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(await auditRows('token')).toContainEqual({ outcome: 'denied', error_code: 'invalid_request' });
  }, 30_000);

  test('code replay: refused, and the tokens issued for the code stop working', async () => {
    const { code, verifier } = await codeFor(clientId);
    const first = await exchange(clientId, code, verifier);
    expect(first.status).toBe(200);
    expect((await mcpStatus(first.body.access_token as string)).status).toBe(200);
    const replay = await exchange(clientId, code, verifier);
    expect(replay).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(String(replay.body.error_description)).toContain('already used');
    expect((await mcpStatus(first.body.access_token as string)).status).toBe(401);
    const refresh = await post('/oauth/token', { grant_type: 'refresh_token', client_id: clientId, refresh_token: first.body.refresh_token as string });
    expect(refresh.body.error).toBe('invalid_grant');
  }, 30_000);

  test('wrong resource: invalid_target at /authorize and at /token', async () => {
    const res = await fetch(authorizeUrl(clientId, { resource: 'https://other.example/mcp' }).url, { redirect: 'manual' });
    expect(new URL(res.headers.get('location')!).searchParams.get('error')).toBe('invalid_target');
    const { code, verifier } = await codeFor(clientId);
    expect(await exchange(clientId, code, verifier, { resource: 'https://other.example/mcp' })).toMatchObject({ status: 400, body: { error: 'invalid_target' } });
    expect(await auditRows('token')).toContainEqual({ outcome: 'denied', error_code: 'invalid_target' });
  }, 30_000);

  test('a token for another audience, signed with the proxy key, is refused (401) and counted', async () => {
    const before = await securityEvents();
    const key = createPrivateKey(proxy.signingKey);
    const foreign = await new SignJWT({ scope: 'notes:read', gid: 'x' })
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer(proxy.issuer)
      .setAudience('https://other.example/mcp')
      .setSubject('alice')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(key);
    const res = await mcpStatus(foreign);
    expect(res.status).toBe(401);
    expect(res.challenge).toContain('audience mismatch');
    expect(await securityEvents()).toBeGreaterThan(before);
  });

  test('CIMD at a private address and an oversized CIMD document are refused', async () => {
    const priv = await fetch(authorizeUrl('https://10.0.0.1/client.json').url, { redirect: 'manual' });
    expect(priv.status).toBe(400);
    expect(await priv.text()).toContain('private or reserved address');
    const big = await fetch(authorizeUrl(oversizedUrl).url, { redirect: 'manual' });
    expect(big.status).toBe(400);
    expect(await big.text()).toContain('larger than');
    const mapped = await fetch(authorizeUrl('https://[::ffff:192.168.1.1]/client.json').url, { redirect: 'manual' });
    expect(await mapped.text()).toContain('private or reserved address');
    expect(await auditRows('authorize')).toContainEqual({ outcome: 'denied', error_code: 'invalid_client' });
  });

  test('state tampering at the callback: unknown state, and a state from another browser', async () => {
    const unknown = await fetch(`${proxy.issuer}/oauth/callback?state=${randomToken()}&code=abc`, { redirect: 'manual' });
    expect(unknown.status).toBe(400);
    // A real login's state, replayed by a browser without the login's cookie (login CSRF).
    const browser = new Browser();
    const first = await browser.request(authorizeUrl(clientId).url);
    const state = new URL(first.headers.get('location')!).searchParams.get('state')!;
    const other = await fetch(`${proxy.issuer}/oauth/callback?state=${state}&code=abc`, { redirect: 'manual' });
    expect(other.status).toBe(400);
    expect(await other.text()).toContain('another browser');
    expect(await auditRows('callback')).toContainEqual({ outcome: 'denied', error_code: 'invalid_state' });
  });

  test('nonce tampering: an ID token minted for another nonce is refused at the callback', async () => {
    const { url } = authorizeUrl(clientId);
    // The redirect to the IdP carries the login's nonce; an attacker swaps it for one of its own.
    const back = await new Browser().run(url, REDIRECT, undefined, (location) => {
      const target = new URL(location);
      if (target.origin === idp.issuer && target.searchParams.has('nonce')) target.searchParams.set('nonce', randomToken());
      return target.href;
    });
    expect(back.searchParams.get('code')).toBeNull();
    expect(back.searchParams.get('error')).toBe('server_error');
    expect(back.searchParams.get('error_description')).toContain('nonce does not match');
    expect(back.searchParams.get('state')).toBe('client-state-1');
    expect(await auditRows('callback')).toContainEqual({ outcome: 'denied', error_code: 'invalid_nonce' });
  }, 30_000);

  test('consent CSRF: a forged token is refused (403) and no code is issued', async () => {
    const browser = new Browser();
    const attempt = browser.run(authorizeUrl(clientId).url, REDIRECT, (_html, fields) => {
      if ('csrf' in fields) fields.csrf = randomToken();
    });
    await expect(attempt).rejects.toMatchObject({ status: 403 });
    expect(await auditRows('consent')).toContainEqual({ outcome: 'denied', error_code: 'csrf' });
  }, 30_000);

  test('metadata: RFC 8414 document, OIDC alias, JWKS, and the RFC 9728 document pointing at this issuer', async () => {
    const meta = (await (await fetch(`${proxy.issuer}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
    expect(meta).toMatchObject({ issuer: proxy.issuer, code_challenge_methods_supported: ['S256'], client_id_metadata_document_supported: true, authorization_response_iss_parameter_supported: true, registration_endpoint: `${proxy.issuer}/oauth/register` });
    expect(await (await fetch(`${proxy.issuer}/.well-known/openid-configuration`)).json()).toEqual(meta);
    const jwks = (await (await fetch(`${proxy.issuer}/oauth/jwks`)).json()) as { keys: Array<Record<string, unknown>> };
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', alg: 'ES256', use: 'sig' });
    expect(jwks.keys[0]).not.toHaveProperty('d');
    const prm = (await (await fetch(`${proxy.issuer}/.well-known/oauth-protected-resource/mcp`)).json()) as Record<string, unknown>;
    expect(prm).toMatchObject({ resource: proxy.url, authorization_servers: [proxy.issuer] });
  });
});

describe('every transport: the proxy\'s tokens work, and a revocation takes effect on the next message', () => {
  test('HTTP fast path, a stateful 2025 session and WebSocket', async () => {
    const clientId = await registerClient();
    const { code, verifier } = await codeFor(clientId);
    const tokens = (await exchange(clientId, code, verifier)).body;
    const auth = { authorization: `Bearer ${tokens.access_token as string}` };
    const call = { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'whoami', arguments: {} } };
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...auth };

    // Plain stateless tools/call (the fast path's shape).
    const fast = async () => fetch(proxy.url, { method: 'POST', headers: { ...headers, 'mcp-protocol-version': '2025-11-25' }, body: JSON.stringify(call) });
    const fastOk = await fast();
    expect(fastOk.status).toBe(200);
    expect(await fastOk.text()).toContain('alice');

    // A 2025 client's session.
    const init = await fetch(proxy.url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 's', version: '1' } } }),
    });
    await init.text();
    const session = init.headers.get('mcp-session-id');
    expect(session).toBeTruthy();
    const inSession = async () => fetch(proxy.url, { method: 'POST', headers: { ...headers, 'mcp-session-id': session!, 'mcp-protocol-version': '2025-06-18' }, body: JSON.stringify(call) });
    const sessionOk = await inSession();
    expect(sessionOk.status).toBe(200);
    expect(await sessionOk.text()).toContain('alice');

    // WebSocket: authenticated at the upgrade, re-checked per message.
    const ws = new Client({ name: 'ws', version: '1.0.0' });
    await ws.connect(new WebSocketClientTransport(new URL('/ws', proxy.issuer.replace(/^http/, 'ws')), { headers: auth }));
    expect(whoami(await ws.callTool({ name: 'whoami', arguments: {} }))).toMatchObject({ subject: 'alice' });

    expect((await post('/oauth/revoke', { client_id: clientId, token: tokens.refresh_token as string })).status).toBe(200);

    expect((await fast()).status).toBe(401);
    expect((await inSession()).status).toBe(401);
    const after = await ws.callTool({ name: 'whoami', arguments: {} }).then(
      (r) => JSON.stringify(r),
      (e: unknown) => String(e),
    );
    // The WebSocket transport closes a connection whose credential stopped being accepted (close code 4401).
    expect(after).toMatch(/Connection closed/);
    expect(after).not.toContain('alice');
    await ws.close().catch(() => {});
  }, 30_000);
});

describe('mcp-remote (the stdio bridge many desktop clients use) completes the flow', () => {
  test('registers, the user signs in and consents, its callback gets the code, a tool call goes through', async () => {
    const callbackPort = await freePort();
    const configDir = mkdtempSync(join(tmpdir(), 'mcpforge-mcp-remote-'));
    // No desktop here: a no-op opener; the test is the browser and reads the URL mcp-remote prints.
    const binDir = mkdtempSync(join(tmpdir(), 'mcpforge-opener-'));
    writeFileSync(join(binDir, 'xdg-open'), '#!/bin/sh\nexit 0\n');
    chmodSync(join(binDir, 'xdg-open'), 0o755);
    const entry = createRequire(import.meta.url).resolve('mcp-remote/dist/proxy.js');
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [entry, proxy.url, String(callbackPort), '--allow-http', '--host', '127.0.0.1'],
      env: { ...getDefaultEnvironment(), MCP_REMOTE_CONFIG_DIR: configDir, PATH: `${binDir}:${process.env.PATH ?? ''}` },
      stderr: 'pipe',
    });
    let stderr = '';
    const authorizationUrl = new Promise<string>((resolve) => {
      transport.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const match = /Please authorize this client by visiting:\s*(\S+)/.exec(stderr);
        if (match) resolve(match[1]!);
      });
    });
    const client = new Client({ name: 'via-mcp-remote', version: '1.0.0' });
    const connecting = client.connect(transport);
    try {
      const callback = `http://127.0.0.1:${callbackPort}/oauth/callback`;
      const back = await new Browser().run(await authorizationUrl, callback);
      expect(back.searchParams.get('code')).toBeTruthy();
      // The browser's last hop: mcp-remote's own callback listener receives the code.
      expect((await fetch(back)).status).toBe(200);
      await connecting;
      expect(whoami(await client.callTool({ name: 'whoami', arguments: {} }))).toMatchObject({ subject: 'alice', upstreamEmail: 'alice@corp.example' });
    } catch (error) {
      throw new Error(`${(error as Error).message}\nmcp-remote stderr:\n${stderr}`);
    } finally {
      await client.close().catch(() => {});
    }
  }, 60_000);
});

describe('ctx.auth.upstreamToken() refreshes an expired upstream token at the provider', () => {
  let shortIdp: Idp;
  let shortProxy: ProxyServer;
  beforeAll(async () => {
    const port = await freePort();
    // Upstream access tokens that are already inside the refresh margin when issued.
    shortIdp = await startIdp(`http://127.0.0.1:${port}/oauth/callback`, { accessTokenTtl: 5 });
    shortProxy = await startProxy(port, shortIdp);
  }, 60_000);
  afterAll(async () => {
    await shortProxy?.server.shutdown();
    await shortIdp?.close();
  });

  test('the handler gets a fresh token the provider accepts; the grant keeps the new one, sealed', async () => {
    const provider = new TestOAuthClient(REDIRECT, 'Refreshing Upstream');
    expect(await auth(provider, { serverUrl: shortProxy.url })).toBe('REDIRECT');
    const back = await new Browser().run(provider.authorizationUrl!.href, REDIRECT);
    expect(await auth(provider, { serverUrl: shortProxy.url, authorizationCode: back.searchParams.get('code')!, iss: back.searchParams.get('iss')! })).toBe('AUTHORIZED');
    const db = shortProxy.server.storage.db as never;
    const sealed = async () => (await sql<{ upstream_sealed: string }>`select upstream_sealed from mcpforge_oauth_grants`.execute(db)).rows.map((r) => r.upstream_sealed);
    const before = await sealed();
    expect(before).toHaveLength(1);
    process.env.TEST_IDP_ISSUER = shortIdp.issuer;
    const client = new Client({ name: 'refresh-upstream', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(shortProxy.url), { authProvider: provider }));
    try {
      expect(whoami(await client.callTool({ name: 'whoami', arguments: {} }))).toMatchObject({ subject: 'alice', upstreamEmail: 'alice@corp.example' });
      const after = await sealed();
      expect(after[0]).not.toBe(before[0]);
      expect(after[0]).toMatch(/^v1\./);
    } finally {
      process.env.TEST_IDP_ISSUER = idp.issuer;
      await client.close();
    }
  }, 30_000);
});

