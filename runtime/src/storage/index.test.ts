import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresAdapter, SqliteAdapter, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import BetterSqlite3 from 'better-sqlite3';
import { MIGRATIONS_TABLE, MIGRATION_LOCK_TABLE, createDatabase, listMigrations } from './index.js';
import { isPostgres } from './shared.js';

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
    // The runtime's own table is a built-in migration, recorded but not reported.
    expect(rows.map((r) => r.name)).toEqual(['0001_init.sql', '0002_add_tags.sql', 'mcpforge:0001_idempotency', 'mcpforge:0002_tasks', 'mcpforge:0005_results', 'mcpforge:0006_task_input']);
    // A file sorting before applied ones (two branches merged) is applied, not refused.
    writeFileSync(join(dir, '0001_merged.sql'), 'create table merged (id integer);');
    expect(await storage.migrate(dir)).toEqual(['0001_merged.sql']);
    await storage.close();
  });

  it('never calls localeCompare: its first call loads ICU collation data into the server (~2.7 MB resident)', async () => {
    const dir = tmp();
    writeFileSync(join(dir, '0001_init.sql'), 'create table a (id integer);');
    writeFileSync(join(dir, '0002_more.sql'), 'create table b (id integer);');
    const original = String.prototype.localeCompare;
    let calls = 0;
    String.prototype.localeCompare = function (this: string, ...args: Parameters<typeof original>) {
      calls++;
      return original.apply(this, args);
    };
    try {
      const storage = await createDatabase('sqlite::memory:');
      // The second run reads the record, applied in one transaction: equal timestamps, names compared.
      expect(await storage.migrate(dir)).toEqual(['0001_init.sql', '0002_more.sql']);
      expect(await storage.migrate(dir)).toEqual([]);
      await storage.close();
    } finally {
      String.prototype.localeCompare = original;
    }
    expect(calls).toBe(0);
  });

  it('recognises a database migrated before Kysely (record with applied_at) and applies only new files', async () => {
    const dir = tmp();
    const file = join(dir, 'old.db');
    // The layout the pre-Kysely runtime left behind.
    const old = new BetterSqlite3(file);
    old.exec(`create table mcpforge_migrations (name text primary key, applied_at text not null);
      create table mcpforge_idempotency (tool text not null, subject text not null, idempotency_key text not null, request_hash text not null, result text not null, created_at text not null, primary key (tool, subject, idempotency_key));
      create table notes (id integer primary key, title text not null);
      insert into notes (title) values ('kept');
      insert into mcpforge_migrations values ('0001_init.sql', '2025-03-01T10:00:00.000Z');`);
    old.close();
    const migrations = join(dir, 'migrations');
    mkdirSync(migrations);
    // Re-running 0001 would fail (the table exists): recognising it is what the test is about.
    writeFileSync(join(migrations, '0001_init.sql'), 'create table notes (id integer primary key, title text not null);');
    writeFileSync(join(migrations, '0002_add_tags.sql'), "alter table notes add column tags text not null default '[]';");
    const storage = await createDatabase(`sqlite:${file}`);
    expect(await storage.migrate(migrations)).toEqual(['0002_add_tags.sql']);
    expect(await storage.migrate(migrations)).toEqual([]);
    const record = await sql<{ name: string; timestamp: string }>`select name, timestamp from ${sql.table(MIGRATIONS_TABLE)} order by name`.execute(storage.db);
    expect(record.rows[0]).toEqual({ name: '0001_init.sql', timestamp: '2025-03-01T10:00:00.000Z' });
    expect(record.rows.map((r) => r.name)).toEqual(['0001_init.sql', '0002_add_tags.sql', 'mcpforge:0001_idempotency', 'mcpforge:0002_tasks', 'mcpforge:0005_results', 'mcpforge:0006_task_input']);
    const notes = await sql<{ title: string; tags: string }>`select title, tags from notes`.execute(storage.db);
    expect(notes.rows).toEqual([{ title: 'kept', tags: '[]' }]);
    await storage.close();
  });

  it('leaves alone a recorded migration whose file is gone (a newer replica applied it)', async () => {
    const first = tmp();
    writeFileSync(join(first, '0001_a.sql'), 'create table a (id integer);');
    writeFileSync(join(first, '0002_b.sql'), 'create table b (id integer);');
    const storage = await createDatabase('sqlite::memory:');
    expect(await storage.migrate(first)).toEqual(['0001_a.sql', '0002_b.sql']);
    const older = tmp();
    writeFileSync(join(older, '0001_a.sql'), 'create table a (id integer);');
    expect(await storage.migrate(older)).toEqual([]);
    await storage.close();
  });

  it('rolls back a failing migration completely, with the rest of its run', async () => {
    const dir = tmp();
    writeFileSync(join(dir, '0001_init.sql'), 'create table a (id integer);');
    writeFileSync(join(dir, '0002_broken.sql'), 'create table b (id integer);\ninsert into missing_table values (1);');
    const storage = await createDatabase('sqlite::memory:');
    const failed = storage.migrate(dir);
    await expect(failed).rejects.toThrow(/Migration 0002_broken\.sql failed and was rolled back: no such table: missing_table\. Fix .*0002_broken\.sql and start again/);
    await expect(failed).rejects.toThrow(/0001_init\.sql, applied before it in this run, rolled back too/);
    const tables = async () => (await sql<{ name: string }>`select name from sqlite_master where type = 'table' order by name`.execute(storage.db)).rows.map((r) => r.name);
    // One transaction: neither file's table nor the runtime's own table stayed; nothing is recorded.
    expect(await tables()).toEqual([MIGRATIONS_TABLE, MIGRATION_LOCK_TABLE]);
    const { rows } = await sql<{ n: number }>`select count(*) as n from ${sql.table(MIGRATIONS_TABLE)}`.execute(storage.db);
    expect(rows[0]!.n).toBe(0);
    writeFileSync(join(dir, '0002_broken.sql'), 'create table b (id integer);');
    expect(await storage.migrate(dir)).toEqual(['0001_init.sql', '0002_broken.sql']);
    expect(await tables()).toEqual(['a', 'b', 'mcpforge_idempotency', MIGRATIONS_TABLE, MIGRATION_LOCK_TABLE, 'mcpforge_results', 'mcpforge_tasks']);
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

  it('tells PostgreSQL from SQLite, also for a Kysely built with another copy of kysely (the runtime bundles its own)', async () => {
    const withAdapter = (adapter: unknown) => ({ getExecutor: () => ({ adapter }) }) as never;
    // What a project's own kysely copy looks like to the runtime's: same class names, other classes.
    class PostgresAdapterOfAnotherCopy {}
    Object.defineProperty(PostgresAdapterOfAnotherCopy, 'name', { value: 'PostgresAdapter' });
    class ItsSubclass extends PostgresAdapterOfAnotherCopy {}
    expect(isPostgres(withAdapter(new PostgresAdapter()))).toBe(true);
    expect(isPostgres(withAdapter(new PostgresAdapterOfAnotherCopy()))).toBe(true);
    expect(isPostgres(withAdapter(new ItsSubclass()))).toBe(true);
    expect(isPostgres(withAdapter(new SqliteAdapter()))).toBe(false);
    const storage = await createDatabase('sqlite::memory:');
    expect(isPostgres(storage.db)).toBe(false);
    await storage.close();
  });
});
