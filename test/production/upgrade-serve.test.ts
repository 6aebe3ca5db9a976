/**
 * Journey 4 end to end: a dev project holding data written through its tools (SQLite) is upgraded
 * with `mcpforge upgrade --to production --migrate-data`, then the same server, started against a
 * fresh PostgreSQL database and Redis, answers the same tool calls with the same data.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshPostgresDatabase, freshRedisPrefix, postgresAvailable, redisAvailable, REDIS_TEST_URL } from '../../runtime/src/__fixtures__/services.js';
import { buildProject, exampleProject, git, upgrade } from './lib/project.js';
import { callTool, connectClient, startServer, type ServerProcess } from './lib/server.js';

const servicesUp = (await postgresAvailable()) && (await redisAvailable());
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

interface Note {
  id: string;
  title: string;
  body: string;
  tags: string[];
  createdAt: string;
}

/** The reads a user would make: every list, a tag filter, a case-insensitive search, each note as a resource. */
async function observe(client: Client, ids: string[]) {
  const resources = [];
  for (const id of [...ids].sort()) {
    const read = await client.readResource({ uri: `notes://${id}` });
    resources.push(read.contents.map((c) => ('text' in c ? JSON.parse(c.text) : c)));
  }
  return {
    all: await callTool<{ notes: Note[] }>(client, 'list_notes', { limit: 100 }),
    tagged: await callTool<{ notes: Note[] }>(client, 'list_notes', { tag: 'work' }),
    search: await callTool<{ notes: Note[] }>(client, 'search_notes', { query: 'MIGRATE' }),
    resources,
  };
}

describe.skipIf(!servicesUp)('dev data → upgrade --migrate-data → production server on PostgreSQL + Redis', () => {
  let dir: string;
  let ids: string[] = [];
  let before: Awaited<ReturnType<typeof observe>>;
  const base = { PATH: process.env.PATH!, LOG_LEVEL: 'warn', MCP_FAST_PATH: process.env.MCP_FAST_PATH };

  beforeAll(async () => {
    dir = await exampleProject('notes');
    await buildProject(dir);
    // The dev server, on its default SQLite file (data/notes.db), written through the tools.
    const dev = await startServer(['node', 'dist/server.js', '--transport', 'http', '--port', '0'], dir, base);
    cleanups.push(() => dev.stop());
    const client = await connectClient(dev.url);
    for (let i = 0; i < 12; i++) {
      const note = await callTool<Note>(client, 'create_note', {
        title: `note ${i}${i % 4 === 0 ? ' about the Migrate step' : ''}`,
        body: `body ${i} — ünïcödé ✓`,
        tags: i % 3 === 0 ? ['work', `n${i}`] : [`n${i}`],
      });
      ids.push(note.id);
      // Distinct timestamps: the lists are ordered by creation time.
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const deleted = await callTool<{ deleted: boolean }>(client, 'delete_note', { id: ids[5]! });
    expect(deleted.deleted).toBe(true);
    ids = ids.filter((_, i) => i !== 5);
    before = await observe(client, ids);
    await client.close();
    expect(await dev.stop()).toBe(0);
  }, 120_000);

  it('serves the same data, and new writes land in PostgreSQL', async () => {
    expect(before.all.notes).toHaveLength(11);
    expect(before.tagged.notes.length).toBeGreaterThan(0);
    expect(before.search.notes.length).toBeGreaterThan(0);

    const pg = await freshPostgresDatabase();
    cleanups.push(pg.drop);
    const redis = await freshRedisPrefix();
    cleanups.push(redis.cleanup);
    const out = await upgrade(dir, '--migrate-data', '--database-url', pg.url);
    expect(out).toMatch(/notes: 11 rows, checksum [0-9a-f]{16} \(verified\)/);
    expect(readFileSync(join(dir, 'mcpforge.yaml'), 'utf8')).toMatch(/^layout: production$/m);
    // The upgrade touched no source file: the build from before serves production.
    expect((await git(dir, 'status', '--porcelain', '--', 'src')).stdout).toBe('');

    const env = { ...base, DATABASE_URL: pg.url, REDIS_URL: REDIS_TEST_URL, REDIS_KEY_PREFIX: redis.prefix, MCP_MIGRATE: 'skip' };
    const prod: ServerProcess = await startServer(['node', 'dist/server.js', '--transport', 'http', '--port', '0'], dir, env);
    cleanups.push(() => prod.stop());
    const ready = await (await fetch(new URL('/readyz', prod.url))).json();
    expect(ready).toMatchObject({ database: 'up', redis: 'up' });

    const client = await connectClient(prod.url);
    try {
      const after = await observe(client, ids);
      expect(after).toEqual(before);

      const created = await callTool<Note>(client, 'create_note', { title: 'written in production', tags: ['work'] });
      const tagged = await callTool<{ notes: Note[] }>(client, 'list_notes', { tag: 'work' });
      expect(tagged.notes[0]).toEqual(created);
      expect(tagged.notes.slice(1)).toEqual(before.tagged.notes);
    } finally {
      await client.close();
    }
    const { default: pgLib } = await import('pg');
    const db = new pgLib.Client({ connectionString: pg.url });
    await db.connect();
    try {
      const { rows } = await db.query<{ n: string }>('select count(*) as n from notes');
      expect(Number(rows[0]!.n)).toBe(12);
    } finally {
      await db.end();
    }
    expect(await prod.stop()).toBe(0);
  }, 120_000);
});
