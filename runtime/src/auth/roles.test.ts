import { sql } from 'kysely';
import { describe, expect, test } from 'vitest';
import { createDatabase } from '../storage/index.js';
import { allowAll, API_KEYS_TABLE_SQL, createApiKeyStore, hashApiKey, migrateApiKeyTable } from './index.js';
import { expandRoles, rolesAtClaim, withRoleScopes } from './roles.js';

describe('rolesAtClaim', () => {
  test('dotted paths, lists and space-separated strings; anything else is no roles', () => {
    expect(rolesAtClaim({ realm_access: { roles: ['a', 'b', 7, ''] } }, 'realm_access.roles')).toEqual(['a', 'b']);
    expect(rolesAtClaim({ roles: 'a  b' }, 'roles')).toEqual(['a', 'b']);
    expect(rolesAtClaim({ 'https://example.com/roles': ['x'] }, 'https://example.com/roles')).toEqual(['x']);
    expect(rolesAtClaim({ realm_access: ['roles'] }, 'realm_access.roles')).toEqual([]);
    expect(rolesAtClaim({ realm_access: { roles: { admin: true } } }, 'realm_access.roles')).toEqual([]);
    expect(rolesAtClaim({}, 'a.b.c')).toEqual([]);
    // Inherited properties are not claims.
    expect(rolesAtClaim({ a: {} }, 'a.constructor')).toEqual([]);
  });
});

describe('withRoleScopes', () => {
  const roles = { editor: ['notes:read', 'notes:write'], reader: ['notes:read'] };
  test('effective scopes are direct ∪ roles; undeclared roles are dropped; duplicates removed', () => {
    expect(withRoleScopes({ subject: 's', scopes: ['x'], roles: ['editor', 'reader', 'offline_access', 'editor'], anonymous: false }, roles)).toEqual({
      subject: 's',
      scopes: ['x', 'notes:read', 'notes:write'],
      roles: ['editor', 'reader'],
      anonymous: false,
    });
  });
  test('an identity without roles gets an empty list; one that already has none is returned as is', () => {
    expect(withRoleScopes({ subject: 's', scopes: [], anonymous: false }, roles).roles).toEqual([]);
    const none = { subject: 's', scopes: [], roles: [], anonymous: false };
    expect(withRoleScopes(none, roles)).toBe(none);
  });
  test('a role named after an Object.prototype member grants nothing', () => {
    expect(withRoleScopes({ subject: 's', scopes: [], roles: ['constructor', 'toString'], anonymous: false }, roles)).toMatchObject({ roles: [], scopes: [] });
  });
  test('expandRoles passes rejections through', async () => {
    const reject = async () => ({ ok: false as const, rejection: { status: 401 as const, description: 'no', presented: false } });
    expect(await expandRoles(reject, roles)({} as never)).toEqual(await reject());
    expect(await expandRoles(allowAll({ subject: 'a', scopes: [], roles: ['reader'], anonymous: false }), roles)({} as never)).toMatchObject({ ok: true, identity: { scopes: ['notes:read'] } });
  });
});

describe('API key roles on SQLite', () => {
  test('an older table gains the roles column through the recorded migration; old keys keep working', async () => {
    const storage = await createDatabase('sqlite::memory:');
    try {
      await sql.raw(API_KEYS_TABLE_SQL).execute(storage.db);
      const oldKey = `mcpk_0123456789ab_${'B'.repeat(43)}`;
      await sql`insert into mcpforge_api_keys (id, name, key_hash, scopes, created_at, revoked_at) values (${'0123456789ab'}, ${'old'}, ${hashApiKey(oldKey)}, ${''}, ${new Date().toISOString()}, ${null})`.execute(storage.db);
      const store = createApiKeyStore(storage.db);
      await expect(store.check()).rejects.toThrow('older than this runtime');
      await migrateApiKeyTable(storage);
      // A second run (the server starting after `mcpforge keys` migrated) applies nothing again.
      await storage.migrate(new URL('file:///nonexistent/none/'), (await import('./api-keys.js')).API_KEY_MIGRATIONS);
      await store.check();
      expect(await store.verify(oldKey)).toMatchObject({ ok: true, record: { name: 'old', roles: [] } });
      const { record } = await store.create('new', ['s'], ['editor']);
      expect(record).toMatchObject({ scopes: ['s'], roles: ['editor'] });
      expect((await store.list()).map((k) => [k.name, k.roles])).toEqual([
        ['old', []],
        ['new', ['editor']],
      ]);
    } finally {
      await storage.close();
    }
  });
});
