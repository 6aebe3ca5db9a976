/**
 * `auth.mode: oauth-proxy` on a fresh PostgreSQL database of its own: the same tables (a built-in
 * migration), the SDK client's DCR flow through the real IdP, a scoped tool call, code replay
 * revoking on PostgreSQL's `update ... returning`, and pruning of expired rows.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Client, StreamableHTTPClientTransport, auth } from '@modelcontextprotocol/client';
import { freshPostgresDatabase, postgresAvailable } from '../../runtime/src/__fixtures__/services.js';
import { Browser, TestOAuthClient, freePort, startIdp, startProxy, type Idp, type ProxyServer } from './oauth-proxy-lib.js';

const REDIRECT = 'http://127.0.0.1:8977/callback';
const up = await postgresAvailable();

describe.skipIf(!up)('oauth-proxy on PostgreSQL', () => {
  let idp: Idp;
  let proxy: ProxyServer;
  let db: Awaited<ReturnType<typeof freshPostgresDatabase>>;

  beforeAll(async () => {
    db = await freshPostgresDatabase();
    const port = await freePort();
    idp = await startIdp(`http://127.0.0.1:${port}/oauth/callback`);
    proxy = await startProxy(port, idp, { DATABASE_URL: db.url });
  }, 60_000);

  afterAll(async () => {
    await proxy?.server.shutdown();
    await idp?.close();
    await db?.drop();
  });

  test('SDK client flow, scoped tool call, code replay revokes, expired rows pruned', async () => {
    expect(proxy.server.storage.dialect).toBe('postgres');
    const provider = new TestOAuthClient(REDIRECT, 'PG Client');
    expect(await auth(provider, { serverUrl: proxy.url })).toBe('REDIRECT');
    const back = await new Browser().run(provider.authorizationUrl!.href, REDIRECT);
    const code = back.searchParams.get('code')!;
    expect(await auth(provider, { serverUrl: proxy.url, authorizationCode: code, iss: back.searchParams.get('iss')! })).toBe('AUTHORIZED');
    const client = new Client({ name: 'pg', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(proxy.url), { authProvider: provider }));
    const result = (await client.callTool({ name: 'whoami', arguments: {} })) as { content: Array<{ text: string }> };
    expect(JSON.parse(result.content[0]!.text)).toMatchObject({ subject: 'alice', upstreamEmail: 'alice@corp.example' });
    await client.close();

    // The upstream token is stored sealed, not in clear.
    const db = proxy.server.storage.db as never;
    const grants = await sql<{ upstream_sealed: string }>`select upstream_sealed from mcpforge_oauth_grants`.execute(db);
    expect(grants.rows).toHaveLength(1);
    expect(grants.rows[0]!.upstream_sealed).toMatch(/^v1\./);

    const replay = await fetch(`${proxy.issuer}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', client_id: provider.clientInformation()!.client_id, code, redirect_uri: REDIRECT, code_verifier: provider.codeVerifier() }),
    });
    expect(await replay.json()).toMatchObject({ error: 'invalid_grant' });
    const revoked = await sql<{ revoked_at: string | null }>`select revoked_at from mcpforge_oauth_grants`.execute(db);
    expect(revoked.rows[0]!.revoked_at).not.toBeNull();

    await sql`update mcpforge_oauth_codes set expires_at = 0`.execute(db);
    const { rows } = await sql<{ n: string }>`select count(*) as n from mcpforge_oauth_codes`.execute(db);
    expect(Number(rows[0]!.n)).toBe(1);
    const { prune } = await import('../../runtime/src/oauth-proxy/store.js').then((m) => ({ prune: m.createOAuthStore(db).prune }));
    expect(await prune()).toBeGreaterThanOrEqual(1);
    const after = await sql<{ n: string }>`select count(*) as n from mcpforge_oauth_codes`.execute(db);
    expect(Number(after.rows[0]!.n)).toBe(0);
  }, 60_000);
});
