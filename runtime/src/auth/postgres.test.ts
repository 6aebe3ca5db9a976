import { describe, expect, it } from 'vitest';
import { postgresAvailable } from '../__fixtures__/services.js';
import { useFreshPostgresStorage } from '../__fixtures__/postgres-storage.js';
import { createApiKeyAuthenticator, createApiKeyStore, migrateApiKeyTable } from './index.js';

const up = await postgresAvailable();

describe.skipIf(!up)('API keys on PostgreSQL (real server)', () => {
  const storageOf = useFreshPostgresStorage();

  it('the same table SQL works; create, verify, revoke take effect immediately', async () => {
    const store = createApiKeyStore(storageOf().db);
    await expect(store.check()).rejects.toThrow('the API key table mcpforge_api_keys is missing');
    await migrateApiKeyTable(storageOf());
    await migrateApiKeyTable(storageOf());
    await store.check();
    const { key } = await store.create('pg-client', ['a']);
    const authenticate = createApiKeyAuthenticator(store);
    const req = { headers: { authorization: `Bearer ${key}` } } as never;
    expect(await authenticate(req)).toMatchObject({ ok: true, identity: { subject: 'apikey:pg-client', scopes: ['a'] } });
    await store.revoke('pg-client');
    const refused = await authenticate(req);
    expect(!refused.ok && refused.rejection.description).toBe('The API key has been revoked');
  });
});
