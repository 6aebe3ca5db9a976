import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSettings } from '../config/settings.js';
import { createDatabase } from '../storage/index.js';
import { addressClass, fetchClientMetadata } from './cimd.js';
import { readOAuthProxyConfig } from './config.js';
import { pkceChallenge, seal, unseal } from './crypto.js';
import { createOAuthStore, OAUTH_PROXY_MIGRATIONS } from './store.js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { sql } from 'kysely';
import { createJwtAuthenticator } from '../auth/jwt.js';
import { createSigner, loadSigningKey } from './keys.js';
import { createOAuthProxy } from './index.js';

describe('SSRF fence of client metadata documents', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['::1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'private'],
    ['100.64.0.1', 'private'],
    ['0.0.0.0', 'private'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['fd00::1', 'private'],
    ['fe80::1', 'private'],
    ['8.8.8.8', 'public'],
    ['2606:4700::1111', 'public'],
  ])('%s is %s', (address, kind) => {
    expect(addressClass(address)).toBe(kind);
  });

  it('refuses http, loopback and private hosts, credentials and fragments before connecting', async () => {
    const strict = { allowHttpLocalhost: false, allowPrivate: false };
    await expect(fetchClientMetadata('http://client.example/meta.json', strict)).rejects.toThrow('must use https');
    await expect(fetchClientMetadata('https://127.0.0.1/meta.json', strict)).rejects.toThrow('loopback');
    await expect(fetchClientMetadata('https://169.254.169.254/latest/meta-data', strict)).rejects.toThrow('private or reserved');
    await expect(fetchClientMetadata('https://user:pw@client.example/meta.json', strict)).rejects.toThrow('credentials');
    await expect(fetchClientMetadata('https://client.example/', strict)).rejects.toThrow('must have a path');
    await expect(fetchClientMetadata('http://localhost:1/meta.json', { allowHttpLocalhost: true, allowPrivate: false })).rejects.toThrow('could not be fetched');
  });
});

describe('sealing upstream tokens', () => {
  it('round-trips, and refuses another key or another row', () => {
    const key = randomBytes(32);
    const sealed = seal(key, 'upstream-access-token', 'grant:1');
    expect(sealed).not.toContain('upstream-access-token');
    expect(unseal(key, sealed, 'grant:1')).toBe('upstream-access-token');
    expect(() => unseal(key, sealed, 'grant:2')).toThrow();
    expect(() => unseal(randomBytes(32), sealed, 'grant:1')).toThrow();
  });

  it('PKCE S256 is the unpadded base64url SHA-256 of the verifier (43 characters)', () => {
    const challenge = pkceChallenge('a'.repeat(43));
    expect(challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(pkceChallenge('b'.repeat(43))).not.toBe(challenge);
  });
});

describe('settings', () => {
  const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const read = (env: Record<string, string>) => {
    const problems: string[] = [];
    const config = readOAuthProxyConfig(readSettings(env, problems), env.MCP_RESOURCE_URL, problems);
    return { config, problems };
  };

  it('names each missing variable, never a secret value', () => {
    const { config, problems } = read({ MCP_OAUTH_UPSTREAM: 'keycloak', MCP_OAUTH_ENCRYPTION_KEY: 'c2hvcnQ=', MCP_OAUTH_SIGNING_KEY: 'not-a-key-secret-value' });
    expect(config).toBeUndefined();
    expect(problems.join('\n')).toContain('MCP_RESOURCE_URL');
    expect(problems.join('\n')).toContain('MCP_OAUTH_UPSTREAM_ISSUER (https://<host>/realms/<realm>)');
    expect(problems.join('\n')).toContain('MCP_OAUTH_UPSTREAM_CLIENT_ID');
    expect(problems.join('\n')).toContain('MCP_OAUTH_ENCRYPTION_KEY must be 32 bytes');
    expect(problems.join('\n')).toContain('MCP_OAUTH_SIGNING_KEY is not a PEM private key');
    expect(problems.join('\n')).not.toContain('not-a-key-secret-value');
  });

  it('a complete configuration: issuer from the resource URL, defaults for lifetimes', () => {
    const { config, problems } = read({
      MCP_RESOURCE_URL: 'https://mcp.example.com/mcp',
      MCP_OAUTH_UPSTREAM: 'github',
      MCP_OAUTH_UPSTREAM_CLIENT_ID: 'Iv1.abc',
      MCP_OAUTH_UPSTREAM_CLIENT_SECRET: 'secret',
      MCP_OAUTH_SIGNING_KEY: pem,
      MCP_OAUTH_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    });
    expect(problems).toEqual([]);
    expect(config).toMatchObject({ issuer: 'https://mcp.example.com', accessTokenTtl: 3600, refreshTokenTtl: 30 * 86_400, upstream: { preset: 'github', clientId: 'Iv1.abc' } });
  });
});

describe('storage', () => {
  it('the tables come with the migrator; a code is used once; expired rows are pruned', async () => {
    const storage = await createDatabase(`sqlite:${join(mkdtempSync(join(tmpdir(), 'mcpforge-oauth-')), 'o.db')}`);
    try {
      expect(await storage.migrate(mkdtempSync(join(tmpdir(), 'mcpforge-oauth-m-')), OAUTH_PROXY_MIGRATIONS)).toEqual([]);
      // Applied once: a second start changes nothing.
      await storage.migrate(mkdtempSync(join(tmpdir(), 'mcpforge-oauth-m-')), OAUTH_PROXY_MIGRATIONS);
      const store = createOAuthStore(storage.db);
      await store.putCode('h1', 'g1', 'c1', 'https://app.example/cb', 'x', Math.floor(Date.now() / 1000) + 60);
      expect((await store.useCode('h1')).row?.grant_id).toBe('g1');
      expect(await store.useCode('h1')).toMatchObject({ replayed: true, row: { grant_id: 'g1' } });
      await store.putRefreshToken('r1', 'g1', 1);
      expect(await store.prune()).toBe(1);
    } finally {
      await storage.close();
    }
  });
});

const ecPem = () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

describe('signing key rotation', () => {
  it('a token signed with the previous key verifies while that key is still published; not after', async () => {
    const [oldKey, newKey] = [await loadSigningKey(ecPem()), await loadSigningKey(ecPem())];
    const token = await createSigner(oldKey).sign({ scope: 'a' }, { issuer: 'https://as.example', audience: 'https://mcp.example/mcp', subject: 'u', expiresInSeconds: 60, jti: 'j' });
    const req = { headers: { authorization: `Bearer ${token}` } } as never;
    const verify = (jwks: ReturnType<typeof createSigner>['jwks']) => createJwtAuthenticator({ jwks, issuer: 'https://as.example', audience: 'https://mcp.example/mcp' })(req);
    expect(await verify(createSigner(newKey, [oldKey]).jwks)).toMatchObject({ ok: true, identity: { subject: 'u', scopes: ['a'] } });
    expect(await verify(createSigner(newKey).jwks)).toMatchObject({ ok: false, rejection: { status: 401 } });
  });
});

describe('rate limits and audit of the endpoints', () => {
  it('past MCP_OAUTH_RATE_LIMIT_PER_MINUTE a client address gets 429, audited as rate_limited', async () => {
    const storage = await createDatabase('sqlite::memory:');
    await storage.migrate(mkdtempSync(join(tmpdir(), 'mcpforge-oauth-m-')), OAUTH_PROXY_MIGRATIONS);
    const proxy = await createOAuthProxy({
      config: {
        issuer: 'http://127.0.0.1:1',
        resourceUrl: 'http://127.0.0.1:1/mcp',
        upstream: { preset: 'oidc', issuer: 'http://127.0.0.1:1', clientId: 'x', scopes: [] },
        signingKeys: [ecPem()],
        encryptionKey: randomBytes(32),
        allowHttpLocalhost: false,
        cimdAllowPrivate: false,
        accessTokenTtl: 60,
        refreshTokenTtl: 3600,
        ratePerMinute: 2,
      },
      db: storage.db,
      dialect: 'sqlite',
      scopes: ['a'],
      serverName: 't',
      logger: pino({ level: 'silent' }),
      auditTable: true,
    });
    const server = createServer((req, res) => void proxy.gate.endpoints(req, res, req.url!.split('?')[0]!).then((handled) => handled || res.writeHead(404).end()));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth/register`;
    try {
      const register = () => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ redirect_uris: ['http://127.0.0.1:9/cb'], token_endpoint_auth_method: 'none' }) });
      expect((await register()).status).toBe(201);
      expect((await register()).status).toBe(201);
      const third = await register();
      expect(third.status).toBe(429);
      expect(await third.json()).toMatchObject({ error: 'rate_limited' });
      await proxy.audit.flush();
      const { rows } = await sql<{ outcome: string }>`select outcome from mcpforge_audit where kind = 'oauth' and name = 'register' order by at`.execute(storage.db);
      expect(rows.map((r) => r.outcome)).toEqual(['ok', 'ok', 'rate_limited']);
    } finally {
      server.close();
      await proxy.close();
      await storage.close();
    }
  });
});

