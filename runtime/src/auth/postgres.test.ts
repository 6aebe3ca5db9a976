import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { postgresAvailable } from '../__fixtures__/services.js';
import { useFreshPostgresStorage } from '../__fixtures__/postgres-storage.js';
import { API_KEYS_TABLE_SQL, createApiKeyAuthenticator, createApiKeyStore, expandRoles, hashApiKey, migrateApiKeyTable } from './index.js';

const up = await postgresAvailable();

describe.skipIf(!up)('API keys on PostgreSQL (real server)', () => {
  const storageOf = useFreshPostgresStorage();

  it('a table made by an older runtime gains the roles column once; its keys keep working with no roles', async () => {
    const { db } = storageOf();
    await sql.raw(API_KEYS_TABLE_SQL).execute(db);
    const oldKey = `mcpk_0123456789ab_${'A'.repeat(43)}`;
    await sql`insert into mcpforge_api_keys (id, name, key_hash, scopes, created_at, revoked_at) values (${'0123456789ab'}, ${'old'}, ${hashApiKey(oldKey)}, ${'a'}, ${new Date().toISOString()}, ${null})`.execute(db);
    const store = createApiKeyStore(db);
    await expect(store.check()).rejects.toThrow('is missing or older than this runtime');
    await migrateApiKeyTable(storageOf());
    await migrateApiKeyTable(storageOf());
    await store.check();
    const applied = (await sql<{ name: string }>`select name from mcpforge_migrations where name like ${'mcpforge:000%api_key%'} order by name`.execute(db)).rows.map((r) => r.name);
    expect(applied).toEqual(['mcpforge:0003_api_keys', 'mcpforge:0004_api_key_roles']);
    const authenticate = createApiKeyAuthenticator(store);
    expect(await authenticate({ headers: { authorization: `Bearer ${oldKey}` } } as never)).toMatchObject({ ok: true, identity: { subject: 'apikey:old', scopes: ['a'], roles: [] } });
  });

  it('create, verify, revoke take effect immediately; roles stored with the key become scopes at the gate', async () => {
    const store = createApiKeyStore(storageOf().db);
    const { key, record } = await store.create('pg-client', ['a'], ['editor', 'editor', 'auditor']);
    expect(record.roles).toEqual(['editor', 'auditor']);
    expect((await store.list()).find((k) => k.name === 'pg-client')?.roles).toEqual(['editor', 'auditor']);
    const authenticate = createApiKeyAuthenticator(store);
    const req = { headers: { authorization: `Bearer ${key}` } } as never;
    expect(await authenticate(req)).toMatchObject({ ok: true, identity: { subject: 'apikey:pg-client', scopes: ['a'], roles: ['editor', 'auditor'] } });
    // auditor is not declared: dropped; editor's scopes join the key's own.
    const gate = expandRoles(authenticate, { editor: ['notes:read', 'notes:write'] });
    expect(await gate(req)).toMatchObject({ ok: true, identity: { scopes: ['a', 'notes:read', 'notes:write'], roles: ['editor'] } });
    await expect(store.create('bad-role', [], ['no spaces allowed'])).rejects.toThrow('role "no spaces allowed" is not valid');
    await store.revoke('pg-client');
    const refused = await authenticate(req);
    expect(!refused.ok && refused.rejection.description).toBe('The API key has been revoked');
  });
});
