import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { ToolError } from '../errors/index.js';
import { createDefineTool, type Manifest, type ServerModules } from '../server/contract.js';
import { createTestClient, standaloneValidator, type TestClient } from '../testing/index.js';
import { freshPostgresDatabase, postgresAvailable } from '../__fixtures__/services.js';
import { IDEMPOTENCY_META_KEY, IDEMPOTENT_REPLAY_META_KEY, createCallGuard, hashArguments, isWritingTool } from './index.js';

interface Db {
  entries: { id: string; body: string };
}
type Tools = {
  add_entry: { input: { body: string; fail?: boolean }; output: { id: string; body: string } };
  count_entries: { input: Record<string, never>; output: undefined };
};
const defineTool = createDefineTool<Tools, Db>();
const input = { type: 'object', properties: { body: { type: 'string' }, fail: { type: 'boolean' } }, required: ['body'], additionalProperties: false };
const output = { type: 'object', properties: { id: { type: 'string' }, body: { type: 'string' } }, required: ['id', 'body'] };
const manifest: Manifest = {
  name: 'entries',
  version: '0.0.0',
  layout: 'dev',
  transports: ['http'],
  tools: {
    add_entry: { name: 'add_entry', description: 'adds', inputSchema: input, outputSchema: output, annotations: { readOnlyHint: false, idempotentHint: false } },
    count_entries: { name: 'count_entries', description: 'counts', inputSchema: { type: 'object' }, annotations: { readOnlyHint: true } },
  },
  resources: {},
  prompts: {},
};
const handlers = {
  add_entry: defineTool('add_entry', async (args, ctx) => {
    const row = { id: randomUUID(), body: args.body };
    await ctx.db.insertInto('entries').values(row).execute();
    // Long enough for concurrent duplicates to overlap.
    await new Promise((resolve) => setTimeout(resolve, 30));
    if (args.fail) throw new ToolError('refused after writing');
    return row;
  }),
  count_entries: defineTool('count_entries', async (_args, ctx) => {
    const { rows } = await sql<{ n: number | string }>`select count(*) as n from entries`.execute(ctx.db);
    return String(rows[0]!.n);
  }),
};
const modules: ServerModules = {
  tools: {
    add_entry: { handler: async () => ({ default: handlers.add_entry }), validateInput: async () => ({ default: standaloneValidator(input) }), validateOutput: async () => ({ default: standaloneValidator(output) }) },
    count_entries: { handler: async () => ({ default: handlers.count_entries }), validateInput: async () => ({ default: standaloneValidator({ type: 'object' }) }) },
  },
  resources: {},
  prompts: {},
};
function migrations(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mcpforge-idem-'));
  writeFileSync(join(dir, '0001_entries.sql'), 'CREATE TABLE entries (id TEXT PRIMARY KEY, body TEXT NOT NULL);');
  return dir;
}

describe('isWritingTool and hashArguments', () => {
  const tool = (annotations?: object) => ({ name: 't', description: '', inputSchema: {}, ...(annotations ? { annotations } : {}) });
  it.each([
    [undefined, true],
    [{ readOnlyHint: true }, false],
    [{ idempotentHint: false }, true],
    [{ destructiveHint: true, idempotentHint: true }, true],
    [{ destructiveHint: false, idempotentHint: true }, false],
  ])('annotations %j → writing %s', (annotations, expected) => {
    expect(isWritingTool(tool(annotations))).toBe(expected);
  });
  it('a call without a key is the call itself: its own promise, not one wrapped around it; a synchronous throw still rejects', async () => {
    // No database is touched without a key (the guard never opens a transaction for such a call).
    const guard = createCallGuard({ db: undefined as never, dialect: 'sqlite' });
    const ctx = {} as Parameters<typeof guard.run>[2];
    const pending = Promise.resolve({ content: [] });
    expect(guard.run(tool(), {}, ctx, undefined, () => pending)).toBe(pending);
    expect(guard.run(tool({ readOnlyHint: true }), {}, ctx, { [IDEMPOTENCY_META_KEY]: 'k-1' }, () => pending)).toBe(pending);
    const thrown = guard.run(tool(), {}, ctx, undefined, () => {
      throw new Error('sync');
    });
    await expect(thrown).rejects.toThrow('sync');
  });
  it('hashes arguments independently of key order', () => {
    expect(hashArguments({ a: 1, b: [1, { c: 2, d: 3 }] })).toBe(hashArguments({ b: [1, { d: 3, c: 2 }], a: 1 }));
    expect(hashArguments({ a: 1 })).not.toBe(hashArguments({ a: 2 }));
  });
});

const pgUp = await postgresAvailable();
const targets: Array<{ name: string; enabled: boolean }> = [
  { name: 'sqlite', enabled: true },
  { name: 'postgres', enabled: pgUp },
];

describe.each(targets)('idempotency keys on $name', ({ name, enabled }) => {
  let t: TestClient | undefined;
  let drop: (() => Promise<void>) | undefined;
  afterAll(async () => {
    await t?.close();
    await drop?.();
  });
  const connect = async () => {
    if (t) return t;
    let databaseUrl = 'sqlite::memory:';
    if (name === 'postgres') {
      const db = await freshPostgresDatabase();
      databaseUrl = db.url;
      drop = db.drop;
    }
    t = await createTestClient({ manifest, modules, migrations: migrations(), databaseUrl });
    return t;
  };
  const count = async () => Number(((await t!.client.callTool({ name: 'count_entries', arguments: {} })).content as Array<{ text: string }>)[0]!.text);
  const add = (args: Record<string, unknown>, key?: string) => t!.client.callTool({ name: 'add_entry', arguments: args, ...(key ? { _meta: { [IDEMPOTENCY_META_KEY]: key } } : {}) });

  it.skipIf(!enabled)('runs a keyed call once: concurrent and later retries replay the stored result', async () => {
    await connect();
    const before = await count();
    const key = randomUUID();
    const results = await Promise.all(Array.from({ length: 8 }, () => add({ body: 'once' }, key)));
    const ids = new Set(results.map((r) => (r.structuredContent as { id: string }).id));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => r._meta?.[IDEMPOTENT_REPLAY_META_KEY] === true)).toHaveLength(7);
    const later = await add({ body: 'once' }, key);
    expect((later.structuredContent as { id: string }).id).toBe([...ids][0]);
    expect(await count()).toBe(before + 1);
    // Without a key every call writes.
    await add({ body: 'free' });
    await add({ body: 'free' });
    expect(await count()).toBe(before + 3);
  });

  it.skipIf(!enabled)('rolls the write back with an error result and lets the retry run again', async () => {
    await connect();
    const before = await count();
    const key = randomUUID();
    const failed = await add({ body: 'x', fail: true }, key);
    expect(failed.isError).toBe(true);
    expect(await count()).toBe(before);
    const retried = await add({ body: 'x', fail: true }, key);
    expect(retried.isError).toBe(true);
    expect(retried._meta?.[IDEMPOTENT_REPLAY_META_KEY]).toBeUndefined();
    expect(await count()).toBe(before);
  });

  it.skipIf(!enabled)('refuses a key reused with other arguments, and malformed keys', async () => {
    await connect();
    const key = randomUUID();
    expect((await add({ body: 'a' }, key)).isError).toBeFalsy();
    const reused = await add({ body: 'b' }, key);
    expect(reused.isError).toBe(true);
    expect((reused.content as Array<{ text: string }>)[0]!.text).toMatch(/already used for add_entry with different arguments/);
    const bad = await add({ body: 'a' }, 'has space');
    expect(bad.isError).toBe(true);
    expect((bad._meta?.['mcpforge/error'] as { code: string }).code).toBe('invalid_idempotency_key');
  });
});
