import { describe, expect, it } from 'vitest';
import { postgresAvailable } from '../__fixtures__/services.js';
import { useFreshPostgresStorage } from '../__fixtures__/postgres-storage.js';
import type { Manifest } from '../server/contract.js';
import { createOutputBudgets, createResultStore } from './index.js';

const up = await postgresAvailable();

describe.skipIf(!up)('stored results on PostgreSQL (real server)', () => {
  const storageOf = useFreshPostgresStorage();
  const manifest = { name: 's', version: '1', layout: 'dev', transports: ['http'], tools: {}, resources: {}, prompts: {} } as unknown as Manifest;
  const tool = { name: 'dump', description: 'd', inputSchema: { type: 'object' } };

  it('a cut result is stored for its owner, readable by any replica (another store on the same database), expiring', async () => {
    const budgets = createOutputBudgets({ manifest, db: storageOf().db, serverDefault: 300, ttlMs: 60_000 });
    const value = { rows: Array.from({ length: 400 }, (_, i) => ({ id: i, note: `row ${i}` })) };
    const result = await budgets.apply(tool, { content: [{ type: 'text', text: JSON.stringify(value) }], structuredContent: value }, { owner: 'sub:alice', profile: 'full' });
    expect((result.structuredContent as typeof value).rows.length).toBeLessThan(400);
    const uri = (result.content.at(-1) as { uri: string }).uri;
    const id = uri.slice(uri.lastIndexOf('/') + 1);
    const replica = createResultStore(storageOf().db);
    const stored = await replica.get(id, 'sub:alice');
    expect(JSON.parse(stored!.contents[0]!.text!)).toEqual(value);
    expect(await replica.get(id, 'sub:bob')).toBeUndefined();
    expect(await replica.get(id, 'sub:alice', Date.now() + 60_001)).toBeUndefined();
  });
});
