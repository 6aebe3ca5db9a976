import { describe, expect, it } from 'vitest';
import type { ResourceManifestEntry } from '../server/contract.js';
import { memoryCollection, memoryResource } from './memory.js';
import { createInProcessMemoryStore } from './memory-store.js';

const entry: ResourceManifestEntry = {
  name: 'sessions',
  uri: 'memory://sessions/{key}',
  template: true,
  variables: ['key'],
  schema: { type: 'object', properties: { user: { type: 'string' } }, required: ['user'], additionalProperties: false },
  source: { kind: 'memory', ttlSeconds: 1 },
};

describe('kind memory (in-process)', () => {
  it('refuses a value that does not match the schema when it is written, and announces each change', async () => {
    const store = createInProcessMemoryStore();
    const changes: string[] = [];
    store.onChange((collection, key) => changes.push(`${collection}/${key}`));
    const sessions = memoryCollection(entry, { kind: 'memory', ttlSeconds: 1 }, store);
    await expect(sessions.set('a', { user: 42 })).rejects.toThrow(/memory "sessions" does not match its schema: .*\/user/);
    await expect(sessions.set('', { user: 'x' })).rejects.toThrow(/1 to 512 characters/);
    expect(changes).toEqual([]);
    const value = { user: 'ada' };
    await sessions.set('a b/c', value);
    value.user = 'changed after set';
    expect(await sessions.get('a b/c')).toEqual({ user: 'ada' });
    expect(changes).toEqual(['sessions/a b/c']);
    const resource = memoryResource(entry, sessions);
    expect(await resource.list!()).toEqual([{ uri: 'memory://sessions/a%20b%2Fc', name: 'a b/c', mimeType: 'application/json' }]);
    expect(await resource.read({ key: 'a%20b%2Fc' }, 'memory://sessions/a%20b%2Fc')).toEqual({ user: 'ada' });
    expect(await sessions.delete('a b/c')).toBe(true);
    expect(await sessions.delete('a b/c')).toBe(false);
    expect(changes).toEqual(['sessions/a b/c', 'sessions/a b/c']);
  });

  it('expires keys after ttlSeconds', async () => {
    const sessions = memoryCollection(entry, { kind: 'memory', ttlSeconds: 1 }, createInProcessMemoryStore());
    await sessions.set('k', { user: 'x' });
    expect(await sessions.keys()).toEqual(['k']);
    await new Promise((resolve) => setTimeout(resolve, 1_050));
    expect(await sessions.keys()).toEqual([]);
    expect(await sessions.get('k')).toBeUndefined();
  });
});
