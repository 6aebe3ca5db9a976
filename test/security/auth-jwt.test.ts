/**
 * JWT and OAuth resource-server authentication against running generated servers over HTTP:
 * real jose keys (HS256 secret, RS256 JWKS served by a local HTTP server, ES256 PEM public key),
 * exact statuses and `WWW-Authenticate` headers, RFC 9728 metadata, and config errors that name a
 * bad secret without printing it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, exportSPKI, generateKeyPair, type CryptoKey, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ServerProcess } from '../production/lib/server.js';
import { authProject } from './auth-project.js';
import { bearer, clientWith, failingStart, rpc, serve } from './auth-lib.js';

const SECRET = 'test-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
const ISSUER = 'https://issuer.example.test';
const AUDIENCE = 'https://mcp.example.test/mcp';
const RESOURCE = 'https://mcp.example.test/mcp';
const AS = 'https://auth.example.test';
const METADATA_URL = 'https://mcp.example.test/.well-known/oauth-protected-resource/mcp';

const now = () => Math.floor(Date.now() / 1000);
const WHOAMI = { name: 'whoami', arguments: { nonce: 'jwt' } };

async function hs256(claims: JWTPayload, secret = SECRET, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', ...header }).sign(new TextEncoder().encode(secret));
}

const base = (extra: JWTPayload = {}): JWTPayload => ({ sub: 'user-1', iss: ISSUER, aud: AUDIENCE, iat: now(), exp: now() + 300, scope: 'notes:read', ...extra });

let jwtDir: string;
let oauthDir: string;

beforeAll(async () => {
  [jwtDir, oauthDir] = [await authProject('jwt'), await authProject('oauth')];
});

describe('jwt with an HS256 secret', () => {
  let server: ServerProcess;
  const tokens: string[] = [];
  const sign = async (claims: JWTPayload, secret?: string) => {
    const token = await hs256(claims, secret);
    tokens.push(token);
    return token;
  };
  beforeAll(async () => {
    server = await serve(jwtDir, { MCP_JWT_SECRET: SECRET, MCP_JWT_ISSUER: ISSUER, MCP_JWT_AUDIENCE: AUDIENCE, MCP_JWT_CLOCK_SKEW_SECONDS: '30' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  test('valid token: subject and space-separated `scope` claim reach ctx.auth; the token does not', async () => {
    const token = await sign(base({ scope: 'notes:read notes:write' }));
    const reply = await rpc(server.url, 'tools/call', WHOAMI, bearer(token));
    expect(reply.status).toBe(200);
    expect(reply.body.result.structuredContent).toEqual({
      subject: 'user-1',
      scopes: ['notes:read', 'notes:write'],
      roles: [],
      method: 'jwt',
      authKeys: ['anonymous', 'claims', 'expiresAt', 'method', 'roles', 'scopes', 'subject'],
      nonce: 'jwt',
    });
    expect(reply.text).not.toContain(token);
  });

  test('roles at auth.jwt.rolesClaim (realm_access.roles) add their scopes: lists and denials follow them', async () => {
    const token = await sign(base({ scope: '', realm_access: { roles: ['editor', 'offline_access'] } }));
    const who = await rpc(server.url, 'tools/call', WHOAMI, bearer(token));
    expect(who.body.result.structuredContent).toMatchObject({ roles: ['editor'], scopes: ['notes:read', 'notes:write'] });
    const listed = (await rpc(server.url, 'tools/list', {}, bearer(token))).body.result.tools.map((t: { name: string }) => t.name);
    expect(listed).toEqual(expect.arrayContaining(['create_note', 'list_notes']));
    expect(listed).not.toContain('delete_note');
    expect((await rpc(server.url, 'tools/call', { name: 'delete_note', arguments: { id: 1 } }, bearer(token))).status).toBe(403);
    const plain = await sign(base({ scope: '' }));
    expect((await rpc(server.url, 'tools/list', {}, bearer(plain))).body.result.tools.map((t: { name: string }) => t.name)).not.toContain('create_note');
  });

  test('`scp` list claim is read as scopes', async () => {
    const token = await sign(base({ scope: undefined, scp: ['notes:read', 'notes:admin'] }));
    const reply = await rpc(server.url, 'tools/call', WHOAMI, bearer(token));
    expect(reply.body.result.structuredContent.scopes).toEqual(['notes:read', 'notes:admin']);
  });

  test('invalid signature: 401 invalid_token', async () => {
    const token = await sign(base(), 'another-secret-0123456789-abcdefghijklmnopqrstuvwxyz');
    const reply = await rpc(server.url, 'tools/list', {}, bearer(token));
    expect(reply.status).toBe(401);
    expect(reply.headers.get('www-authenticate')).toBe('Bearer error="invalid_token", error_description="The token signature is invalid"');
  });

  test('expired token (beyond the skew): 401', async () => {
    const reply = await rpc(server.url, 'tools/list', {}, bearer(await sign(base({ exp: now() - 120 }))));
    expect(reply.status).toBe(401);
    expect(reply.body.error_description).toBe('The token has expired');
  });

  test('token not yet valid (nbf beyond the skew): 401', async () => {
    const reply = await rpc(server.url, 'tools/list', {}, bearer(await sign(base({ nbf: now() + 120 }))));
    expect(reply.status).toBe(401);
    expect(reply.body.error_description).toBe('The token is not yet valid (nbf)');
  });

  test('clock skew within the bound is accepted (exp 10 s ago, nbf 10 s ahead, skew 30 s)', async () => {
    const reply = await rpc(server.url, 'tools/call', WHOAMI, bearer(await sign(base({ exp: now() - 10, nbf: now() + 10 }))));
    expect(reply.status).toBe(200);
    expect(reply.body.result.structuredContent.subject).toBe('user-1');
  });

  test('wrong issuer: 401', async () => {
    const reply = await rpc(server.url, 'tools/list', {}, bearer(await sign(base({ iss: 'https://evil.example.test' }))));
    expect(reply.status).toBe(401);
    expect(reply.body.error_description).toBe('The token was issued by an untrusted issuer');
  });

  test('wrong audience: 401', async () => {
    const reply = await rpc(server.url, 'tools/list', {}, bearer(await sign(base({ aud: 'https://other-service.example.test' }))));
    expect(reply.status).toBe(401);
    expect(reply.body.error_description).toBe('The token was not issued for this server (audience mismatch)');
  });

  test('token without exp is refused (a never-expiring bearer token cannot be contained)', async () => {
    const reply = await rpc(server.url, 'tools/list', {}, bearer(await sign(base({ exp: undefined }))));
    expect(reply.status).toBe(401);
    expect(reply.body.error).toBe('invalid_token');
  });

  test('unsigned token (alg none) is refused', async () => {
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const token = `${encode({ alg: 'none', typ: 'JWT' })}.${encode(base({ scope: 'notes:read notes:write notes:admin' }))}.`;
    const reply = await rpc(server.url, 'tools/list', {}, bearer(token));
    expect(reply.status).toBe(401);
    expect(reply.body.error).toBe('invalid_token');
  });

  test('scope escalation with a valid token: 403 insufficient_scope (no resource_metadata outside oauth mode)', async () => {
    const reply = await rpc(server.url, 'tools/call', { name: 'create_note', arguments: { title: 't', body: 'b' } }, bearer(await sign(base())));
    expect(reply.status).toBe(403);
    expect(reply.headers.get('www-authenticate')).toBe('Bearer error="insufficient_scope", error_description="Missing scope: notes:write", scope="notes:write"');
  });

  test('two concurrent subjects never see each other\'s replies', async () => {
    const alice = await clientWith(server.url, bearer(await sign(base({ sub: 'alice' }))), 'alice');
    const bob = await clientWith(server.url, bearer(await sign(base({ sub: 'bob' }))), 'bob');
    try {
      const calls = [];
      for (let i = 0; i < 40; i++) {
        for (const [client, who] of [
          [alice, 'alice'],
          [bob, 'bob'],
        ] as const) {
          const nonce = `${who}-${i}`;
          calls.push(client.callTool({ name: 'whoami', arguments: { nonce } }).then((r) => ({ who, nonce, r })));
        }
      }
      for (const { who, nonce, r } of await Promise.all(calls)) expect(r.structuredContent).toMatchObject({ subject: who, nonce });
    } finally {
      await alice.close();
      await bob.close();
    }
  });

  test('no token appears in the server log', async () => {
    await new Promise((resolve) => setTimeout(resolve, 200));
    const log = server.stderr();
    expect(log).toContain('"event":"auth_failure"');
    expect(tokens.length).toBeGreaterThan(5);
    for (const token of tokens) {
      expect(log).not.toContain(token);
      expect(log).not.toContain(token.split('.')[2]!);
    }
  });
});

describe('jwt with a JWKS URL (RS256, served by a local HTTP server)', () => {
  let server: ServerProcess;
  let jwks: Server;
  let key: CryptoKey;
  let stranger: CryptoKey;
  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    key = pair.privateKey;
    stranger = (await generateKeyPair('RS256')).privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    jwks = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
    server = await serve(jwtDir, { MCP_JWKS_URL: url, MCP_JWT_ISSUER: ISSUER, MCP_JWT_AUDIENCE: AUDIENCE });
  });
  afterAll(async () => {
    await server?.stop();
    await new Promise((resolve) => jwks?.close(resolve));
  });
  const rs256 = (claims: JWTPayload, signer: CryptoKey, kid = 'k1') => new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid }).sign(signer);

  test('token signed by the JWKS key is accepted', async () => {
    const reply = await rpc(server.url, 'tools/call', WHOAMI, bearer(await rs256(base({ sub: 'jwks-user' }), key)));
    expect(reply.status).toBe(200);
    expect(reply.body.result.structuredContent).toMatchObject({ subject: 'jwks-user', method: 'jwt' });
  });

  test('token signed by a key not in the JWKS is refused', async () => {
    const reply = await rpc(server.url, 'tools/list', {}, bearer(await rs256(base(), stranger)));
    expect(reply.status).toBe(401);
    expect(reply.body.error_description).toBe('The token signature is invalid');
  });

  test('an HS256 token (algorithm confusion against the RSA key) is refused', async () => {
    const reply = await rpc(server.url, 'tools/list', {}, bearer(await hs256(base(), SECRET, { kid: 'k1' })));
    expect(reply.status).toBe(401);
    expect(reply.body.error).toBe('invalid_token');
  });
});

describe('oauth resource server (ES256 PEM public key)', () => {
  let server: ServerProcess;
  let key: CryptoKey;
  let token: string;
  const es256 = (claims: JWTPayload) => new SignJWT(claims).setProtectedHeader({ alg: 'ES256' }).sign(key);
  const claims = (extra: JWTPayload = {}) => base({ iss: AS, aud: RESOURCE, ...extra });
  beforeAll(async () => {
    const pair = await generateKeyPair('ES256');
    key = pair.privateKey;
    server = await serve(oauthDir, { MCP_JWT_PUBLIC_KEY: await exportSPKI(pair.publicKey), MCP_RESOURCE_URL: RESOURCE, MCP_AUTHORIZATION_SERVERS: AS });
    token = await es256(claims());
  });
  afterAll(async () => {
    await server?.stop();
  });

  test('protected resource metadata (RFC 9728) at the path-aware well-known URL', async () => {
    const response = await fetch(new URL('/.well-known/oauth-protected-resource/mcp', server.url));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({
      resource: RESOURCE,
      authorization_servers: [AS],
      scopes_supported: ['notes:admin', 'notes:read', 'notes:write'],
      bearer_methods_supported: ['header'],
      resource_name: 'notes',
    });
  });

  test('the same document at the root well-known URL, readable cross-origin', async () => {
    const response = await fetch(new URL('/.well-known/oauth-protected-resource', server.url));
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(((await response.json()) as { resource: string }).resource).toBe(RESOURCE);
  });

  test('401 without a token names the metadata in WWW-Authenticate', async () => {
    const reply = await rpc(server.url, 'tools/list', {});
    expect(reply.status).toBe(401);
    expect(reply.headers.get('www-authenticate')).toBe(`Bearer resource_metadata="${METADATA_URL}"`);
  });

  test('401 with a bad token adds error="invalid_token" to the challenge', async () => {
    const reply = await rpc(server.url, 'tools/list', {}, bearer('not-a-jwt'));
    expect(reply.status).toBe(401);
    expect(reply.headers.get('www-authenticate')).toBe(`Bearer error="invalid_token", error_description="The token is malformed", resource_metadata="${METADATA_URL}"`);
  });

  test('a token issued for another resource (audience) is refused', async () => {
    const reply = await rpc(server.url, 'tools/list', {}, bearer(await es256(claims({ aud: 'https://other.example.test/mcp' }))));
    expect(reply.status).toBe(401);
    expect(reply.body.error_description).toBe('The token was not issued for this server (audience mismatch)');
  });

  test('a token from an issuer other than the authorization server is refused', async () => {
    const reply = await rpc(server.url, 'tools/list', {}, bearer(await es256(claims({ iss: ISSUER }))));
    expect(reply.status).toBe(401);
    expect(reply.body.error_description).toBe('The token was issued by an untrusted issuer');
  });

  test('403 insufficient_scope carries scope and resource_metadata', async () => {
    const reply = await rpc(server.url, 'tools/call', { name: 'create_note', arguments: { title: 't', body: 'b' } }, bearer(token));
    expect(reply.status).toBe(403);
    expect(reply.headers.get('www-authenticate')).toBe(`Bearer error="insufficient_scope", error_description="Missing scope: notes:write", scope="notes:write", resource_metadata="${METADATA_URL}"`);
  });

  test('roles as a space-separated claim string: the role\'s scope lifts the 403 insufficient_scope', async () => {
    const roled = await es256(claims({ realm_access: { roles: 'editor unrelated' } }));
    const reply = await rpc(server.url, 'tools/call', { name: 'create_note', arguments: { title: 't', body: 'b' } }, bearer(roled));
    expect(reply.status).toBe(200);
    expect(reply.body.result.isError).toBeFalsy();
    expect((await rpc(server.url, 'tools/call', WHOAMI, bearer(roled))).body.result.structuredContent).toMatchObject({ method: 'oauth', roles: ['editor'] });
  });

  test('valid token: identity with method oauth, the token is not in ctx.auth nor in the reply', async () => {
    const reply = await rpc(server.url, 'tools/call', WHOAMI, bearer(token));
    expect(reply.status).toBe(200);
    const who = reply.body.result.structuredContent;
    expect(who).toMatchObject({ subject: 'user-1', method: 'oauth', scopes: ['notes:read'] });
    expect(who.authKeys).not.toContain('token');
    expect(reply.text).not.toContain(token);
    expect(server.stderr()).not.toContain(token);
  });
});

describe('configuration errors never print secrets', () => {
  test('a too short MCP_JWT_SECRET is named, its value never printed', async () => {
    const secret = 'short-Secret-Value-77';
    const run = await failingStart(jwtDir, { MCP_JWT_SECRET: secret, MCP_JWT_AUDIENCE: AUDIENCE });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('MCP_JWT_SECRET is too short (21 bytes): use at least 32 random bytes');
    expect(run.stderr).not.toContain(secret);
  });

  test('a MCP_JWT_PUBLIC_KEY that is not PEM is named, its content never printed', async () => {
    const bogus = '-----BEGIN PUBLIC KEY-----\nTOP-SECRET-BYTES\n-----END PUBLIC KEY-----';
    const run = await failingStart(oauthDir, { MCP_JWT_PUBLIC_KEY: bogus, MCP_RESOURCE_URL: RESOURCE, MCP_AUTHORIZATION_SERVERS: AS });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('MCP_JWT_PUBLIC_KEY is not a PEM public key');
    expect(run.stderr).not.toContain('TOP-SECRET-BYTES');
  });

  test('oauth without MCP_RESOURCE_URL and MCP_AUTHORIZATION_SERVERS: both problems at once', async () => {
    const run = await failingStart(oauthDir, { MCP_JWT_SECRET: SECRET });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain("auth mode oauth needs MCP_RESOURCE_URL: the public URL of this server's /mcp endpoint");
    expect(run.stderr).toContain('auth mode oauth needs MCP_AUTHORIZATION_SERVERS');
    expect(run.stderr).not.toContain(SECRET);
  });

  test('jwt mode with no key at all says which variables to set', async () => {
    const run = await failingStart(jwtDir, { MCP_JWT_AUDIENCE: AUDIENCE });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain("auth mode jwt needs the token issuer's key: set MCP_JWKS_URL, MCP_JWT_PUBLIC_KEY or MCP_JWT_SECRET");
  });
});
