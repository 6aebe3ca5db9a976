import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS_TABLE, createDatabase, listMigrations } from './index.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'mcpforge-storage-'));

describe('storage', () => {
  it('creates the data folder and a WAL database file', async () => {
    const dir = tmp();
    const file = join(dir, 'data', 'nested', 'app.db');
    const storage = await createDatabase(`sqlite:${file}`);
    await storage.check();
    expect(existsSync(file)).toBe(true);
    const { rows } = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(storage.db);
    expect(rows[0]?.journal_mode).toBe('wal');
    await storage.close();
    await storage.close(); // twice is fine
    await expect(storage.check()).rejects.toThrow();
  });

  it('applies migrations in name order, each once, and records them', async () => {
    const dir = tmp();
    writeFileSync(join(dir, '0002_add_tags.sql'), 'alter table notes add column tags text;\ninsert into notes (title) values (\'second\');');
    writeFileSync(join(dir, '0001_init.sql'), 'create table notes (id integer primary key, title text not null);');
    writeFileSync(join(dir, 'README.md'), 'not a migration');
    const storage = await createDatabase('sqlite::memory:');
    expect(await storage.migrate(dir)).toEqual(['0001_init.sql', '0002_add_tags.sql']);
    expect(await storage.migrate(dir)).toEqual([]);
    const { rows } = await sql<{ name: string }>`select name from ${sql.table(MIGRATIONS_TABLE)} order by name`.execute(storage.db);
    expect(rows.map((r) => r.name)).toEqual(['0001_init.sql', '0002_add_tags.sql']);
    await storage.close();
  });

  it('rolls back a failing migration completely', async () => {
    const dir = tmp();
    writeFileSync(join(dir, '0001_init.sql'), 'create table a (id integer);');
    writeFileSync(join(dir, '0002_broken.sql'), 'create table b (id integer);\ninsert into missing_table values (1);');
    const storage = await createDatabase('sqlite::memory:');
    await expect(storage.migrate(dir)).rejects.toThrow(/Migration 0002_broken\.sql failed and was rolled back: no such table: missing_table/);
    const { rows } = await sql<{ name: string }>`select name from sqlite_master where type = 'table' order by name`.execute(storage.db);
    expect(rows.map((r) => r.name)).toEqual(['a', 'mcpforge_idempotency', MIGRATIONS_TABLE]);
    await storage.close();
  });

  it('treats a missing folder as no migrations and rejects badly named files', () => {
    expect(listMigrations(join(tmp(), 'nope'))).toEqual([]);
    const dir = tmp();
    writeFileSync(join(dir, 'init.sql'), '');
    expect(() => listMigrations(dir)).toThrow(/init\.sql is not named NNNN_name\.sql/);
  });

  it('refuses unsupported URLs with a clear message', async () => {
    await expect(createDatabase('postgres://u:pw@db')).rejects.toThrow('DATABASE_URL=postgres://u:***@db: give a database name');
    await expect(createDatabase('mysql://u:pw@db/app')).rejects.toThrow(/must start with "sqlite:" or "postgres:\/\/"/);
    await expect(createDatabase('sqlite:')).rejects.toThrow(/give a file path/);
  });
});
