/**
 * Roles (`auth.roles`): a credential's roles add their scopes, and list filtering and denials follow
 * the effective set exactly as they follow scopes, on every transport (HTTP SDK path 2025-11-25 and
 * fast path 2026-07-28, stateful sessions, WebSocket; stdio's local caller holds every role).
 * Roles come from each real source: a JWT signed with jose (claim path `realm_access.roles`), an API
 * key in the runtime's key store (created with roles after its migrations ran), and a client
 * certificate made by the dev-cert code (mapped by exact subject and by a `CN=ops-*` pattern).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anyOf, createApiKeyAuthenticator, createApiKeyStore, createJwtAuthenticator, migrateApiKeyTable, type Authenticator } from '../../runtime/src/auth/index.js';
import { createDefineTool, type Manifest } from '../../runtime/src/server/contract.js';
import { createMtlsAuthenticator, httpsServerOptions } from '../../runtime/src/tls/index.js';
import { standaloneValidator } from '../../runtime/src/testing/index.js';
import { connectChannel, connectWebSocket, pipelineManifest, pipelineModules, PV_LEGACY, PV_MODERN, readAnswer, startPipeline, type HttpAnswer, type Pipeline } from '../../runtime/src/__fixtures__/pipeline.js';
import { writeDevCertificates } from '../../cli/commands/dev-cert.js';
import { httpsFetch, type HttpsFetch } from '../tls/lib/https-fetch.js';

const SECRET = 'roles-test-secret-that-is-long-enough-0123456789';
const AUDIENCE = 'https://roles.test/mcp';

/** notes:admin guards secret_echo, help:read the prompt, vault:read the vault template. */
const manifest: Manifest = {
  ...pipelineManifest,
  auth: {
    mode: 'jwt',
    roles: { admin: ['notes:admin', 'help:read', 'vault:read'], helper: ['help:read'] },
    jwt: { rolesClaim: 'realm_access.roles' },
  },
  tools: {
    ...pipelineManifest.tools,
    my_roles: { name: 'my_roles', description: 'Shows ctx.auth', inputSchema: { type: 'object', properties: {} } },
  },
};

function modules() {
  const base = pipelineModules();
  const defineTool = createDefineTool<{ my_roles: { input: Record<string, never>; output: undefined } }, unknown>();
  base.tools.my_roles = {
    handler: async () => ({ default: defineTool('my_roles', (_input, ctx) => JSON.stringify({ roles: ctx.auth.roles, scopes: [...ctx.auth.scopes].sort() })) }),
    validateInput: async () => ({ default: standaloneValidator({ type: 'object', properties: {} }) }),
  };
  return base;
}

type Send = (method: string, params: Record<string, unknown>) => Promise<{ status?: number; message?: HttpAnswer['message'] }>;
type FetchLike = (input: string, init: RequestInit) => Promise<Response>;
interface Caller {
  bearer?: string;
  tls?: { ca: Buffer; cert: Buffer; key: Buffer };
}

const envelope = { 'io.modelcontextprotocol/protocolVersion': PV_MODERN, 'io.modelcontextprotocol/clientInfo': { name: 'roles-test', version: '1' }, 'io.modelcontextprotocol/clientCapabilities': {} };

/** The requests of one transport for one caller (raw JSON-RPC: each test sees what the transport answers). */
async function transportFor(kind: 'http-sdk' | 'http-fast' | 'session' | 'websocket', server: Pipeline, caller: Caller): Promise<{ send: Send; close(): Promise<void> }> {
  let agent: HttpsFetch | undefined;
  const fetchImpl: FetchLike = caller.tls ? (agent = httpsFetch({ ...caller.tls, keepAlive: false })) : fetch;
  const auth: Record<string, string> = caller.bearer ? { authorization: `Bearer ${caller.bearer}` } : {};
  const base = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...auth };
  let id = 1;
  if (kind === 'http-sdk' || kind === 'http-fast') {
    return {
      send: async (method, params) => {
        const name = (params.name ?? params.uri) as string | undefined;
        const res = await fetchImpl(server.http.url, {
          method: 'POST',
          headers: { ...base, 'mcp-protocol-version': PV_MODERN, 'mcp-method': method, ...(name !== undefined && method !== 'tools/list' ? { 'mcp-name': name } : {}) },
          body: JSON.stringify({ jsonrpc: '2.0', id: id++, method, params: { ...params, _meta: envelope } }),
        });
        return readAnswer(res);
      },
      close: async () => agent?.close(),
    };
  }
  if (kind === 'session') {
    const init = await fetchImpl(server.http.url, {
      method: 'POST',
      headers: base,
      body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: PV_LEGACY, capabilities: {}, clientInfo: { name: 'roles-test', version: '1' } } }),
    });
    await init.text();
    const session = init.headers.get('mcp-session-id');
    expect(session, 'a stateful session opened').toBeTruthy();
    const headers = { ...base, 'mcp-protocol-version': PV_LEGACY, 'mcp-session-id': session! };
    await fetchImpl(server.http.url, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) }).then((r) => r.text());
    return {
      send: async (method, params) => readAnswer(await fetchImpl(server.http.url, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', id: id++, method, params }) })),
      close: async () => agent?.close(),
    };
  }
  const connection = await connectWebSocket(server.wsUrl, caller.bearer, undefined, caller.tls);
  return {
    send: async (method, params) => ({ message: (await connection.request(method, params)) as HttpAnswer['message'] }),
    close: () => connection.close(),
  };
}

const names = (answer: { message?: HttpAnswer['message'] }, key: string) => ((answer.message?.result?.[key] as Array<{ name: string }> | undefined) ?? []).map((e) => e.name).sort();

/** Denied the way the transport shows a missing scope: HTTP 403 challenge, or the insufficient_scope tool error. */
function denied(answer: { status?: number; message?: HttpAnswer['message'] }): boolean {
  if (answer.status === 403) return true;
  const meta = answer.message?.result?._meta as Record<string, { code?: string }> | undefined;
  return meta?.['mcpforge/error']?.code === 'insufficient_scope' || /Missing scope/.test(answer.message?.error?.message ?? '');
}

const text = (answer: { message?: HttpAnswer['message'] }) => ((answer.message?.result?.content as Array<{ text: string }> | undefined) ?? [])[0]?.text ?? '';

const TRANSPORTS = ['http-sdk', 'http-fast', 'session', 'websocket'] as const;

/** The same checks for every source and transport: a helper sees and may use only help:read entries; an admin everything. */
async function checkRoles(server: (kind: (typeof TRANSPORTS)[number]) => Pipeline, helper: Caller, admin: Caller, label: string): Promise<void> {
  for (const kind of TRANSPORTS) {
    const at = `${label} over ${kind}`;
    const h = await transportFor(kind, server(kind), helper);
    try {
      const tools = names(await h.send('tools/list', {}), 'tools');
      expect(tools, `${at}: helper's tools/list`).not.toContain('secret_echo');
      expect(tools, `${at}: helper's tools/list`).toContain('whoami');
      expect(names(await h.send('prompts/list', {}), 'prompts'), `${at}: helper's prompts/list (help:read by role)`).toContain('login_help');
      expect(names(await h.send('resources/templates/list', {}), 'resourceTemplates'), `${at}: helper's templates`).not.toContain('vault');
      expect(denied(await h.send('tools/call', { name: 'secret_echo', arguments: { text: 'x' } })), `${at}: helper calling secret_echo`).toBe(true);
      const prompt = await h.send('prompts/get', { name: 'login_help', arguments: { user: 'ada' } });
      expect(prompt.message?.error, `${at}: helper's prompt`).toBeUndefined();
      expect(JSON.parse(text(await h.send('tools/call', { name: 'my_roles', arguments: {} }))), `${at}: helper's ctx.auth`).toEqual({ roles: ['helper'], scopes: ['help:read'] });
    } finally {
      await h.close();
    }
    const a = await transportFor(kind, server(kind), admin);
    try {
      expect(names(await a.send('tools/list', {}), 'tools'), `${at}: admin's tools/list`).toContain('secret_echo');
      expect(names(await a.send('resources/templates/list', {}), 'resourceTemplates'), `${at}: admin's templates`).toContain('vault');
      const echoed = await a.send('tools/call', { name: 'secret_echo', arguments: { text: 'x' } });
      expect(denied(echoed), `${at}: admin calling secret_echo`).toBe(false);
      expect(text(echoed), `${at}: admin calling secret_echo`).toBe('secret x');
      const me = JSON.parse(text(await a.send('tools/call', { name: 'my_roles', arguments: {} }))) as { roles: string[]; scopes: string[] };
      expect(me.roles, `${at}: admin's ctx.auth.roles`).toEqual(['admin']);
      expect(me.scopes, `${at}: admin's effective scopes`).toEqual(expect.arrayContaining(['help:read', 'notes:admin', 'vault:read']));
    } finally {
      await a.close();
    }
  }
}

/** Audit lines of secret_echo by role: the admin's allowed call and the helper's denial both name the roles. */
function auditRoles(server: Pipeline): Array<{ outcome: unknown; roles: unknown }> {
  return server.lines.filter((l) => l.msg === 'audit' && l.tool === 'secret_echo').map((l) => ({ outcome: l.outcome, roles: l.roles }));
}

describe('roles from a JWT claim and from API keys', () => {
  let fast: Pipeline;
  let sdk: Pipeline;
  const keys: Record<string, string> = {};
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    const jwt = createJwtAuthenticator({ secret: SECRET, audience: AUDIENCE, rolesClaim: 'realm_access.roles' });
    // One key store shared by both servers (the API keys live in the first server's database).
    let apiKey: Authenticator | undefined;
    const authenticate: Authenticator = (req) => anyOf(jwt, apiKey!)(req);
    fast = await startPipeline({ manifest, modules: modules(), authenticate, sessions: true });
    sdk = await startPipeline({ manifest, modules: modules(), authenticate, fastPath: false });
    await migrateApiKeyTable(fast.storage);
    const store = createApiKeyStore(fast.storage.db);
    apiKey = createApiKeyAuthenticator(store);
    keys.helper = (await store.create('helper-key', [], ['helper'])).key;
    keys.admin = (await store.create('admin-key', [], ['admin'])).key;
    const sign = (sub: string, claims: Record<string, unknown>) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setAudience(AUDIENCE).setIssuedAt().setExpirationTime('10m').sign(new TextEncoder().encode(SECRET));
    // Keycloak's shape: realm roles nested under realm_access, with roles this server does not declare.
    tokens.helper = await sign('jwt-helper', { realm_access: { roles: ['helper', 'offline_access'] } });
    tokens.admin = await sign('jwt-admin', { realm_access: { roles: ['admin'] }, scope: '' });
  });
  afterAll(async () => {
    await fast?.close();
    await sdk?.close();
  });

  const serverFor = (kind: string) => (kind === 'http-sdk' ? sdk : fast);

  it('JWT: roles at realm_access.roles filter lists and deny exactly like scopes, on every transport', async () => {
    await checkRoles(serverFor, { bearer: tokens.helper }, { bearer: tokens.admin }, 'JWT');
  });

  it('API key: roles stored with the key filter lists and deny exactly like scopes, on every transport', async () => {
    await checkRoles(serverFor, { bearer: keys.helper }, { bearer: keys.admin }, 'API key');
  });

  it('audit lines carry the roles of allowed and denied calls', () => {
    const lines = [...auditRoles(fast), ...auditRoles(sdk)];
    expect(lines).toContainEqual({ outcome: 'ok', roles: ['admin'] });
    expect(lines).toContainEqual({ outcome: 'denied', roles: ['helper'] });
  });

  it('a key with a role name the spec does not declare gets nothing from it', async () => {
    const store = createApiKeyStore(fast.storage.db);
    const { key } = await store.create('stray-role', [], ['auditor']);
    const t = await transportFor('http-fast', fast, { bearer: key });
    expect(JSON.parse(text(await t.send('tools/call', { name: 'my_roles', arguments: {} })))).toEqual({ roles: [], scopes: [] });
    expect(denied(await t.send('tools/call', { name: 'secret_echo', arguments: { text: 'x' } }))).toBe(true);
  });

  it('stdio: the local user holds every declared role and sees every entry', async () => {
    const connection = await connectChannel(fast.factory);
    try {
      const listed = (await connection.request('tools/list', {})) as HttpAnswer['message'];
      expect(names({ message: listed }, 'tools')).toContain('secret_echo');
      const me = (await connection.request('tools/call', { name: 'my_roles', arguments: {} })) as HttpAnswer['message'];
      expect(JSON.parse(text({ message: me })).roles).toEqual(['admin', 'helper']);
    } finally {
      await connection.close();
    }
  });
});

describe('roles from mutual-TLS client certificates', () => {
  let fast: Pipeline;
  let sdk: Pipeline;
  let ca: Buffer;
  const clients: Record<string, { cert: Buffer; key: Buffer }> = {};

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcpforge-roles-tls-'));
    const made = writeDevCertificates({ out: dir, hosts: 'localhost,127.0.0.1', client: ['ops-admin', 'ops-helper', 'intruder'] });
    ca = readFileSync(made.ca);
    for (const c of made.clients) clients[c.name] = { cert: readFileSync(c.cert), key: readFileSync(c.key) };
    const tls = httpsServerOptions({ cert: made.serverCert, key: made.serverKey, clientCa: made.ca });
    // Exact subject first, then the pattern: ops-admin is an admin, every other ops-* a helper.
    const authenticate = createMtlsAuthenticator({ clients: { 'CN=ops-admin': { roles: ['admin'] }, 'CN=ops-*': { roles: ['helper'] } } });
    const mtls: Manifest = { ...manifest, auth: { ...manifest.auth!, mode: 'mtls' } };
    fast = await startPipeline({ manifest: mtls, modules: modules(), authenticate, sessions: true, tls });
    sdk = await startPipeline({ manifest: mtls, modules: modules(), authenticate, fastPath: false, tls });
  });
  afterAll(async () => {
    await fast?.close();
    await sdk?.close();
  });

  const caller = (name: string): Caller => ({ tls: { ca, cert: clients[name]!.cert, key: clients[name]!.key } });

  it('certificate subjects map to roles (exact and pattern) that filter lists and deny exactly like scopes, on every transport', async () => {
    await checkRoles((kind) => (kind === 'http-sdk' ? sdk : fast), caller('ops-helper'), caller('ops-admin'), 'mTLS');
  });

  it('a certificate matching no subject or pattern is refused', async () => {
    const t = await transportFor('http-fast', fast, caller('intruder'));
    expect((await t.send('tools/list', {})).status).toBe(403);
    await t.close();
  });
});
