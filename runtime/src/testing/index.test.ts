import { describe, expect, it } from 'vitest';
import { makeMigrations, makeModules, manifest } from '../__fixtures__/notes.js';
import { createTestClient, standaloneValidator } from './index.js';

describe('createTestClient', () => {
  it('connects the real SDK client in memory, with migrations applied', async () => {
    const t = await createTestClient({ manifest, modules: makeModules(), migrations: makeMigrations() });
    expect(t.client.getServerVersion()).toMatchObject({ name: 'notes', version: '1.2.3' });
    const result = await t.client.callTool({ name: 'create_note', arguments: { title: 'in memory' } });
    expect(result.structuredContent).toEqual({ id: 1, title: 'in memory' });
    await t.close();
    await t.close();
    await expect(t.storage.check()).rejects.toThrow();
  });

  it('closes the database when the server cannot be built', async () => {
    const modules = makeModules({ echo: 'not a definition' });
    await expect(createTestClient({ manifest, modules })).rejects.toThrow(/src\/tools\/echo\.ts: the default export must be `defineTool\('echo', \.\.\.\)`/);
  });

  it('standaloneValidator returns a working ajv standalone function with errors', () => {
    const validate = standaloneValidator({ type: 'object', properties: { n: { type: 'integer', minimum: 1 } } });
    expect(validate({ n: 2 })).toBe(true);
    expect(validate({ n: 0 })).toBe(false);
    expect(validate.errors?.[0]).toMatchObject({ instancePath: '/n', keyword: 'minimum' });
  });
});
