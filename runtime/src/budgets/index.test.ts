import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Storage } from '../storage/index.js';
import type { Manifest, ToolManifestEntry } from '../server/contract.js';
import { createOutputBudgets, createResultStore, resultTokens } from './index.js';
import { cutContent, trimStructured } from './truncate.js';

const tool = (extra: Partial<ToolManifestEntry> = {}): ToolManifestEntry => ({ name: 'dump', description: 'd', inputSchema: { type: 'object' }, ...extra });
const manifest = (extra: Partial<Manifest> = {}): Manifest => ({ name: 's', version: '1', layout: 'dev', transports: ['stdio'], tools: { dump: tool() }, resources: {}, prompts: {}, ...extra }) as Manifest;

let storage: Storage;
beforeAll(async () => {
  storage = await createDatabase('sqlite::memory:');
});
afterAll(async () => {
  await storage.close();
});

describe('token estimate and cuts', () => {
  it('counts characters / 4 of what the model reads, structured JSON once', () => {
    expect(resultTokens({ content: [{ type: 'text', text: 'x'.repeat(401) }] })).toBe(101);
    const value = { a: 'y'.repeat(100) };
    expect(resultTokens({ content: [{ type: 'text', text: JSON.stringify(value) }], structuredContent: value })).toBe(Math.ceil(JSON.stringify(value).length / 4));
  });
  it('cuts text at the budget and never inside a surrogate pair', () => {
    const cut = cutContent([{ type: 'text', text: `ab😀cd` }], 3);
    expect(cut.content).toEqual([{ type: 'text', text: 'ab' }]);
    expect(cut.kept).toContain('2 of 6 characters');
  });
  it('trims the largest array so the JSON stays whole and valid; refuses when the schema cannot take less', () => {
    const value = { total: 500, items: Array.from({ length: 500 }, (_, i) => ({ id: i, name: `item ${i}` })) };
    const cut = trimStructured(value, 2000, () => true)!;
    expect(JSON.stringify(cut.structuredContent).length).toBeLessThanOrEqual(2000);
    expect((cut.structuredContent!.items as unknown[]).length).toBeGreaterThan(10);
    expect(cut.kept).toContain('of 500 items of /items');
    expect(trimStructured(value, 2000, (v) => (v as { items: unknown[] }).items.length === 500)).toBeUndefined();
  });
});

describe('budget of a call', () => {
  it('tool over server default, capped by the profile; off turns all off', () => {
    const m = manifest({ limits: { maxOutputTokens: 40_000 }, tools: { dump: tool(), small: tool({ name: 'small', maxOutputTokens: 1000 }) } });
    const b = createOutputBudgets({ manifest: m, db: storage.db });
    expect(b.budgetOf(m.tools.dump!, 'full')).toBe(40_000);
    expect(b.budgetOf(m.tools.dump!, 'claude')).toBe(25_000);
    expect(b.budgetOf(m.tools.small!, 'claude')).toBe(1000);
    expect(createOutputBudgets({ manifest: m, db: storage.db, serverDefault: 5000 }).budgetOf(m.tools.dump!, 'full')).toBe(5000);
    const off = createOutputBudgets({ manifest: m, db: storage.db, serverDefault: 'off' });
    expect(off.active).toBe(false);
    expect(off.budgetOf(m.tools.small!, 'claude')).toBeUndefined();
    // A fixed profile without a cap and no budget anywhere: nothing to cut, no results template.
    expect(createOutputBudgets({ manifest: manifest(), db: storage.db, profile: 'gemini' }).active).toBe(false);
  });

  it('a result over budget is cut with a note, its whole stored for its owner only, and fits the budget', async () => {
    const b = createOutputBudgets({ manifest: manifest(), db: storage.db, serverDefault: 300 });
    const text = 'word '.repeat(2000);
    const result = await b.apply(tool(), { content: [{ type: 'text', text }] }, { owner: 'sub:alice', profile: 'full' });
    expect(resultTokens(result)).toBeLessThanOrEqual(300);
    expect((result.content[0] as { text: string }).text).toMatch(/^\[Output truncated: .* about 2500 tokens, over the output budget of 300 tokens/);
    const link = result.content.at(-1) as { type: string; uri: string };
    expect(link.type).toBe('resource_link');
    const id = link.uri.split('/').pop()!;
    const store = createResultStore(storage.db);
    expect((await store.get(id, 'sub:alice'))!.contents).toEqual([{ mimeType: 'text/plain', text }]);
    expect(await store.get(id, 'sub:mallory')).toBeUndefined();
    expect(await store.get(id, 'sub:alice', Date.now() + 3_600_001)).toBeUndefined();
    const small = { content: [{ type: 'text' as const, text: 'ok' }] };
    expect(await b.apply(tool(), small, { owner: 'sub:alice', profile: 'full' })).toBe(small);
  });
});
