import { mkdtempSync, rmSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { describe, expect, test } from 'vitest';
import { createDatabase } from '../storage/index.js';
import type { Manifest } from '../server/contract.js';
import {
  allowAll,
  anyOf,
  bearerToken,
  buildHttpAuth,
  challengeHeader,
  createApiKeyAuthenticator,
  createApiKeyStore,
  migrateApiKeyTable,
  createJwtAuthenticator,
  expandRoles,
  hashApiKey,
  identityFromAuthInfo,
  localIdentity,
  protectedResource,
  readAuthConfig,
  scopesOf,
  toAuthInfo,
  type Authenticator,
} from './index.js';

const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;
const SECRET = 'unit-test-secret-0123456789abcdefghijklmnop';

const manifest: Manifest = {
  name: 'm',
  version: '1.0.0',
  layout: 'dev',
  transports: ['http'],
  tools: { a: { name: 'a', description: 'a', inputSchema: { type: 'object' }, scopes: ['x:write', 'x:read'] } },
  resources: { r: { name: 'r', uri: 'r://one', template: false, variables: [], scopes: ['x:read'] } },
  prompts: {},
  auth: { mode: 'apiKey' },
};

describe('bearerToken', () => {
  test('reads the token, tolerates case and spaces, tells absent from malformed', () => {
    expect(bearerToken(req({ authorization: 'Bearer abc.def-ghi_~+/=' }))).toBe('abc.def-ghi_~+/=');
    expect(bearerToken(req({ authorization: 'bearer   tok ' }))).toBe('tok');
    expect(bearerToken(req({}))).toBeUndefined();
    expect(bearerToken(req({ authorization: 'Basic xyz' }))).toBeUndefined();
    expect(bearerToken(req({ authorization: 'Bearer' }))).toBeNull();
    expect(bearerToken(req({ authorization: 'Bearer two tokens' }))).toBeNull();
    expect(bearerToken(req({ authorization: 'Bearer "quoted"' }))).toBeNull();
  });
});

describe('anyOf', () => {
  const reject = (presented: boolean, description: string): Authenticator => async () => ({ ok: false, rejection: { status: 401, description, presented, ...(presented ? { error: 'invalid_token' as const } : {}) } });
  test('first identity wins', async () => {
    const outcome = await anyOf(reject(false, 'a'), allowAll({ subject: 's', scopes: [], anonymous: false }))(req({}));
    expect(outcome).toEqual({ ok: true, identity: { subject: 's', scopes: [], anonymous: false } });
  });
  test('a rejection of a presented credential beats "nothing presented"', async () => {
    const outcome = await anyOf(reject(false, 'none'), reject(true, 'bad key'), reject(true, 'later'))(req({}));
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.rejection.description).toBe('bad key');
  });
  test('all "nothing presented": the first rejection', async () => {
    const outcome = await anyOf(reject(false, 'first'), reject(false, 'second'))(req({}));
    expect(!outcome.ok && outcome.rejection.description).toBe('first');
  });
  test('needs at least one authenticator', () => {
    expect(() => anyOf()).toThrow('anyOf needs at least one authenticator');
  });
});

describe('challengeHeader', () => {
  test('quotes and escapes parameters, drops control characters', () => {
    expect(challengeHeader({ status: 401, error: 'invalid_token', description: 'say "hi"\\\n', presented: true }, { resourceMetadataUrl: 'https://x/.well-known/oauth-protected-resource' })).toBe(
      'Bearer error="invalid_token", error_description="say \\"hi\\"\\\\", resource_metadata="https://x/.well-known/oauth-protected-resource"',
    );
    expect(challengeHeader({ status: 401, description: 'missing', presented: false })).toBe('Bearer realm="mcp"');
    expect(challengeHeader({ status: 403, error: 'insufficient_scope', description: 'd', presented: true }, { scope: ['a', 'b'] })).toBe('Bearer error="insufficient_scope", error_description="d", scope="a b"');
  });
});

describe('protectedResource', () => {
  test('path-aware well-known URL, root alias, metadata fields', () => {
    const resource = protectedResource({ resourceUrl: 'https://mcp.example.com/mcp/#frag', authorizationServers: ['https://as.example.com'], scopes: ['a'], name: 'n' });
    expect(resource.metadataUrl).toBe('https://mcp.example.com/.well-known/oauth-protected-resource/mcp');
    expect(resource.paths).toEqual(['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource']);
    expect(resource.metadata).toEqual({
      resource: 'https://mcp.example.com/mcp/',
      authorization_servers: ['https://as.example.com'],
      scopes_supported: ['a'],
      bearer_methods_supported: ['header'],
      resource_name: 'n',
    });
  });
});

describe('AuthInfo round trip', () => {
  test('never carries the token; the identity comes back', () => {
    const identity = { subject: 'u', scopes: ['a'], anonymous: false, method: 'jwt', expiresAt: 10 };
    const info = toAuthInfo(identity, 'https://m');
    expect(info.token).toBe('[not forwarded]');
    expect(info).toMatchObject({ clientId: 'u', scopes: ['a'], expiresAt: 10, resourceMetadataUrl: 'https://m' });
    expect(identityFromAuthInfo(info)).toBe(identity);
    expect(identityFromAuthInfo(undefined)).toBeUndefined();
    expect(identityFromAuthInfo({ token: 't', clientId: 'c', scopes: [], extra: { identity: 'nope' } })).toBeUndefined();
  });
  test('the local (stdio) identity holds every scope of the manifest', () => {
    expect(localIdentity(manifest)).toEqual({ subject: 'local', scopes: ['x:read', 'x:write'], roles: [], anonymous: false, method: 'local' });
  });
});

describe('scopesOf', () => {
  test('scope string, scp list, scp string, none', () => {
    expect(scopesOf({ scope: 'a  b' })).toEqual(['a', 'b']);
    expect(scopesOf({ scp: ['a', 3, '', 'b'] })).toEqual(['a', 'b']);
    expect(scopesOf({ scp: 'a b' })).toEqual(['a', 'b']);
    expect(scopesOf({})).toEqual([]);
  });
});

describe('API keys', () => {
  test('create, verify, list, revoke; the stored hash is not the key', async () => {
    const storage = await createDatabase('sqlite::memory:');
    try {
      const store = createApiKeyStore(storage.db);
      await migrateApiKeyTable(storage);
      await migrateApiKeyTable(storage);
      const { key, record } = await store.create('ci', ['a', 'b', 'a']);
      expect(key).toMatch(/^mcpk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
      expect(record.scopes).toEqual(['a', 'b']);
      const rows = (await storage.db.selectFrom('mcpforge_api_keys' as never).selectAll().execute()) as Array<Record<string, unknown>>;
      expect(rows[0]!.key_hash).toBe(hashApiKey(key));
      expect(JSON.stringify(rows)).not.toContain(key);
      const authenticate = createApiKeyAuthenticator(store);
      expect(await authenticate(req({ authorization: `Bearer ${key}` }))).toEqual({
        ok: true,
        identity: { subject: 'apikey:ci', scopes: ['a', 'b'], roles: [], anonymous: false, method: 'apiKey', clientId: 'ci' },
      });
      await expect(store.create('ci', [])).rejects.toThrow(`a key named "ci" already exists (id ${record.id}); choose another name`);
      await expect(store.create('bad name', [])).rejects.toThrow('key name "bad name" is not valid');
      await expect(store.create('x', ['has space'])).rejects.toThrow('scope "has space" is not valid');
      expect((await store.revoke(record.id))?.revokedAt).toMatch(/^\d{4}-/);
      const refused = await authenticate(req({ 'x-api-key': key }));
      expect(!refused.ok && refused.rejection).toEqual({ status: 401, error: 'invalid_token', description: 'The API key has been revoked', presented: true });
      expect(await store.revoke('nope')).toBeUndefined();
      expect((await store.list()).map((k) => k.name)).toEqual(['ci']);
    } finally {
      await storage.close();
    }
  });

  test('SQLite: a verified key is remembered until another connection commits, checked every recheckMs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcpforge-keys-'));
    const url = `sqlite:${join(dir, 'keys.db')}`;
    const server = await createDatabase(url);
    const cli = await createDatabase(url);
    try {
      await migrateApiKeyTable(server);
      // Counts the store's queries (raw SQL passes through plugins too).
      let queries = 0;
      const counted = server.db.withPlugin({
        transformQuery: (args) => {
          queries += 1;
          return args.node;
        },
        transformResult: async (args) => args.result,
      });
      let clock = 0;
      const store = createApiKeyStore(counted, { dataVersion: server.dataVersion!, recheckMs: 100, now: () => clock });
      const other = createApiKeyStore(cli.db);
      const { key } = await other.create('ci', ['a']);
      const { key: second } = await other.create('ci2', ['b']);

      expect(await store.verify(key)).toMatchObject({ ok: true, record: { name: 'ci' } });
      const afterFirst = queries;
      expect(afterFirst).toBe(1);
      expect(await store.verify(key)).toMatchObject({ ok: true, record: { name: 'ci', scopes: ['a'] } });
      expect(await store.verify(key)).toMatchObject({ ok: true });
      expect(queries).toBe(afterFirst);
      // A wrong secret with a known id is never answered from memory.
      expect(await store.verify(`${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`)).toEqual({ ok: false, reason: 'unknown' });

      // `mcpforge keys revoke` is another process: its commit moves data_version, read again once
      // recheckMs has passed.
      await other.revoke('ci');
      clock += 99;
      expect(await store.verify(key)).toMatchObject({ ok: true });
      clock += 1;
      expect(await store.verify(key)).toEqual({ ok: false, reason: 'revoked' });
      expect(await store.verify(second)).toMatchObject({ ok: true, record: { name: 'ci2' } });
      const beforeOwn = queries;
      expect(await store.verify(second)).toMatchObject({ ok: true });
      expect(queries).toBe(beforeOwn);
      // The store's own writes (which data_version does not count) forget too.
      await store.revoke('ci2');
      expect(await store.verify(second)).toEqual({ ok: false, reason: 'revoked' });

      // The authenticator's synchronous answer (the HTTP gate's first try) comes from the same
      // memory: a remembered key only, never a wrong secret, and a revocation ends it.
      const { key: fourth } = await other.create('ci4', ['d']);
      const authenticate = expandRoles(createApiKeyAuthenticator(store), { reader: ['notes:read'] });
      const fourthReq = req({ authorization: `Bearer ${fourth}` });
      clock += 100;
      expect(authenticate.known?.(fourthReq)).toBeUndefined();
      expect(await authenticate(fourthReq)).toMatchObject({ ok: true, identity: { subject: 'apikey:ci4' } });
      const before4 = queries;
      expect(authenticate.known?.(fourthReq)).toEqual({
        ok: true,
        identity: { subject: 'apikey:ci4', scopes: ['d'], roles: [], anonymous: false, method: 'apiKey', clientId: 'ci4' },
      });
      expect(authenticate.known?.(req({ 'x-api-key': fourth }))).toMatchObject({ ok: true });
      expect(queries).toBe(before4);
      // A new identity object per request: one handler's ctx.auth is not another's.
      expect(authenticate.known?.(fourthReq)).not.toBe(authenticate.known?.(fourthReq));
      expect(authenticate.known?.(req({ authorization: `Bearer ${fourth.slice(0, -1)}${fourth.endsWith('A') ? 'B' : 'A'}` }))).toBeUndefined();
      expect(authenticate.known?.(req({}))).toBeUndefined();
      expect(authenticate.known?.(req({ authorization: 'Bearer' }))).toBeUndefined();
      await other.revoke('ci4');
      clock += 100;
      expect(authenticate.known?.(fourthReq)).toBeUndefined();
      const refused = await authenticate(fourthReq);
      expect(!refused.ok && refused.rejection.description).toBe('The API key has been revoked');
      expect(authenticate.known?.(fourthReq)).toBeUndefined();

      // Without a change counter (PostgreSQL) every verification reads the row.
      const { key: third } = await other.create('ci3', []);
      const uncached = createApiKeyStore(counted);
      // ...and the authenticator has no synchronous answer: the gate always asks verify.
      expect(uncached.known).toBeUndefined();
      expect(createApiKeyAuthenticator(uncached).known).toBeUndefined();
      const before = queries;
      await uncached.verify(third);
      await uncached.verify(third);
      expect(queries - before).toBe(2);
    } finally {
      await cli.close();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('JWT authenticator', () => {
  const sign = (claims: Record<string, unknown>) => new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(SECRET));
  const authenticate = createJwtAuthenticator({ secret: SECRET, audience: 'aud', issuer: 'iss', clockToleranceSeconds: 5 });
  const now = () => Math.floor(Date.now() / 1000);

  test('verified claims become the identity; the token is nowhere in it', async () => {
    const token = await sign({ sub: 'u1', aud: 'aud', iss: 'iss', exp: now() + 60, scope: 'a b', client_id: 'app' });
    const outcome = await authenticate(req({ authorization: `Bearer ${token}` }));
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.identity).toMatchObject({ subject: 'u1', scopes: ['a', 'b'], method: 'jwt', clientId: 'app' });
    expect(JSON.stringify(outcome.identity)).not.toContain(token);
  });

  test('refusals: no sub, expired, wrong audience, missing', async () => {
    const reason = async (claims: Record<string, unknown>) => {
      const outcome = await authenticate(req({ authorization: `Bearer ${await sign(claims)}` }));
      return outcome.ok ? 'accepted' : outcome.rejection.description;
    };
    expect(await reason({ aud: 'aud', iss: 'iss', exp: now() + 60 })).toBe('The token has no subject (sub)');
    expect(await reason({ sub: 'u', aud: 'aud', iss: 'iss', exp: now() - 60 })).toBe('The token has expired');
    expect(await reason({ sub: 'u', aud: 'other', iss: 'iss', exp: now() + 60 })).toBe('The token was not issued for this server (audience mismatch)');
    const missing = await authenticate(req({}));
    expect(!missing.ok && missing.rejection).toMatchObject({ status: 401, presented: false });
  });

  test('needs a key', () => {
    expect(() => createJwtAuthenticator({})).toThrow('JWT verification needs a key');
  });
});

describe('readAuthConfig', () => {
  const read = (env: Record<string, string>, mode: string) => {
    const problems: string[] = [];
    const config = readAuthConfig(env, mode, problems);
    return { config, problems };
  };
  test('names a short secret without printing it', () => {
    const { problems } = read({ MCP_JWT_SECRET: 'hunter2-hunter2', MCP_JWT_AUDIENCE: 'a' }, 'jwt');
    expect(problems).toEqual(['MCP_JWT_SECRET is too short (15 bytes): use at least 32 random bytes, e.g. `openssl rand -base64 48`']);
    expect(problems.join('\n')).not.toContain('hunter2');
  });
  test('oauth: the issuer defaults to the only authorization server; http only for localhost', () => {
    const ok = read({ MCP_JWT_SECRET: SECRET, MCP_RESOURCE_URL: 'http://localhost:3000/mcp', MCP_AUTHORIZATION_SERVERS: 'https://as.example' }, 'oauth');
    expect(ok.problems).toEqual([]);
    expect(ok.config.jwtIssuer).toBe('https://as.example');
    const bad = read({ MCP_JWT_SECRET: SECRET, MCP_RESOURCE_URL: 'http://mcp.example/mcp', MCP_AUTHORIZATION_SERVERS: 'https://a,https://b' }, 'oauth');
    expect(bad.problems).toEqual([
      'with several MCP_AUTHORIZATION_SERVERS, set MCP_JWT_ISSUER to the one whose tokens this server accepts',
      'MCP_RESOURCE_URL must be an https:// URL (http:// is accepted only for localhost)',
    ]);
  });
  test('one key source only; list mode and skew checked', () => {
    const { problems } = read({ MCP_JWT_SECRET: SECRET, MCP_JWKS_URL: 'https://x/jwks', MCP_JWT_AUDIENCE: 'a', MCP_AUTH_LIST: 'some', MCP_JWT_CLOCK_SKEW_SECONDS: '999' }, 'jwt');
    expect(problems).toEqual([
      'MCP_JWT_CLOCK_SKEW_SECONDS=999: must be an integer from 0 to 300',
      'MCP_AUTH_LIST=some: must be "filter" or "all"',
      'set only one of MCP_JWKS_URL, MCP_JWT_PUBLIC_KEY and MCP_JWT_SECRET',
    ]);
  });
  test('mode none needs nothing', () => {
    expect(read({}, 'none').problems).toEqual([]);
  });
});

describe('buildHttpAuth', () => {
  test('none: no gate; apiKey: needs its table (created with the migrations); custom authenticator replaces the mode', async () => {
    const storage = await createDatabase('sqlite::memory:');
    try {
      const config = readAuthConfig({}, 'none', []);
      expect(await buildHttpAuth({ manifest: { ...manifest, auth: { mode: 'none' } }, config, db: storage.db })).toBeUndefined();
      await expect(buildHttpAuth({ manifest, config, db: storage.db })).rejects.toThrow('the API key table mcpforge_api_keys is missing');
      await migrateApiKeyTable(storage);
      const gate = await buildHttpAuth({ manifest, config, db: storage.db });
      expect(gate?.protectedResource).toBeUndefined();
      expect(await createApiKeyStore(storage.db).list()).toEqual([]);
      const custom = allowAll({ subject: 'c', scopes: [], anonymous: false });
      expect((await buildHttpAuth({ manifest: { ...manifest, auth: { mode: 'custom' } }, config, db: storage.db, authenticator: custom }))?.authenticate).toBe(custom);
      await expect(buildHttpAuth({ manifest: { ...manifest, auth: { mode: 'custom' } }, config, db: storage.db })).rejects.toThrow('auth mode "custom" has no built-in authenticator');
    } finally {
      await storage.close();
    }
  });
});

describe('in-process / stdio callers and log redaction', () => {
  test('with auth on, a caller without an HTTP identity is the local user holding every scope', async () => {
    const { createTestClient } = await import('../testing/index.js');
    const fixture = await import('../__fixtures__/notes.js');
    const scoped: Manifest = {
      ...fixture.manifest,
      tools: { ...fixture.manifest.tools, echo: { ...fixture.manifest.tools.echo!, scopes: ['notes:admin'] } },
      auth: { mode: 'oauth', scopeWindows: { 'notes:admin': { days: ['mon'], from: '00:00', to: '00:01' } } },
    };
    const { client, close } = await createTestClient({ manifest: scoped, modules: fixture.makeModules() });
    try {
      // Scope held (local = all scopes), window ignored (local trust model).
      const result = await client.callTool({ name: 'echo', arguments: { text: 'hi' } });
      expect(result.isError).toBeFalsy();
      expect(result.content).toEqual([{ type: 'text', text: 'hi (as local)' }]);
      expect((await client.listTools()).tools.map((t) => t.name)).toContain('echo');
    } finally {
      await close();
    }
  });

  test('pino redacts Authorization headers, API keys and tokens', async () => {
    const { createLogger } = await import('../observability/index.js');
    const lines: string[] = [];
    const logger = createLogger({ destination: { write: (line: string) => void lines.push(line) } });
    logger.info({ headers: { authorization: 'Bearer SECRET-1', 'x-api-key': 'SECRET-2' }, req: { headers: { authorization: 'Bearer SECRET-3' } }, token: 'SECRET-4', auth: { token: 'SECRET-5' } }, 'request');
    const text = lines.join('');
    expect(text).not.toMatch(/SECRET-\d/);
    expect(text.match(/\[redacted\]/g)).toHaveLength(5);
  });
});

describe('identity on both HTTP paths', () => {
  test('the fast path and the SDK path both hand the authenticated identity to ctx.auth', async () => {
    const { startHttpServer } = await import('../transports/index.js');
    const { createServerFactory } = await import('../server/factory.js');
    const { createLogger } = await import('../observability/index.js');
    const fixture = await import('../__fixtures__/notes.js');
    const storage = await createDatabase('sqlite::memory:');
    await storage.migrate(fixture.makeMigrations());
    const logger = createLogger({ level: 'silent' });
    const factory = await createServerFactory({ manifest: fixture.manifest, modules: fixture.makeModules(), deps: { db: storage.db, logger } });
    const http = await startHttpServer(factory, { port: 0, logger, authenticate: allowAll({ subject: 'fast-user', scopes: [], anonymous: false, method: 'custom' }) });
    try {
      const modern = {
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: {
          name: 'echo',
          arguments: { text: 'hi' },
          _meta: {
            'io.modelcontextprotocol/protocolVersion': '2026-07-28',
            'io.modelcontextprotocol/clientInfo': { name: 't', version: '1' },
            'io.modelcontextprotocol/clientCapabilities': {},
          },
        },
      };
      const before = factory.stats.built + factory.stats.reused;
      const fast = await fetch(http.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'echo' },
        body: JSON.stringify(modern),
      });
      expect(((await fast.json()) as { result: { content: unknown } }).result.content).toEqual([{ type: 'text', text: 'hi (as fast-user)' }]);
      // No McpServer instance was lent: the fast path answered.
      expect(factory.stats.built + factory.stats.reused).toBe(before);
      const legacy = await fetch(http.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { text: 'yo' } } }),
      });
      expect(await legacy.text()).toContain('yo (as fast-user)');
      expect(factory.stats.built + factory.stats.reused).toBeGreaterThan(before);
    } finally {
      await http.close();
      await storage.close();
    }
  });
});
