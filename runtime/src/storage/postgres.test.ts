import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshPostgresDatabase, postgresAvailable } from '../__fixtures__/services.js';
import { MIGRATIONS_TABLE, createDatabase, type Storage } from './index.js';

const NOTES_MIGRATIONS = fileURLToPath(new URL('../../../templates/examples/notes/migrations/', import.meta.url));
const up = await postgresAvailable();

describe.skipIf(!up)('storage on PostgreSQL (real server)', () => {
  let db: Awaited<ReturnType<typeof freshPostgresDatabase>>;
  const opened: Storage[] = [];
  const open = async (poolSize?: number) => {
    const storage = await createDatabase(db.url, poolSize === undefined ? {} : { poolSize });
    opened.push(storage);
    return storage;
  };
  beforeAll(async () => {
    db = await freshPostgresDatabase();
  });
  afterAll(async () => {
    for (const storage of opened) await storage.close();
    await db?.drop();
  });

  it('survives a connection killed mid-transaction: the transaction fails, the process does not, the pool recovers', async () => {
    const errors: Error[] = [];
    const storage = await createDatabase(db.url, { poolSize: 2, onPoolError: (error) => errors.push(error) });
    opened.push(storage);
    const pg = (await import('pg')).default;
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    try {
      const failed = storage.db.transaction().execute(async (trx) => {
        const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
        await admin.query('select pg_terminate_backend($1)', [rows[0]!.pid]);
        // Between two statements the client is checked out and idle: this is where it used to emit
        // an 'error' nobody listened to, which ended the process.
        await new Promise((resolve) => setTimeout(resolve, 200));
        await sql`select 1`.execute(trx);
      });
      await expect(failed).rejects.toThrow(/terminat|Connection/i);
      expect(errors.length).toBeGreaterThan(0);
      await storage.check();
      const { rows } = await sql<{ n: number }>`select 2 as n`.execute(storage.db);
      expect(rows).toEqual([{ n: 2 }]);
    } finally {
      await admin.end();
    }
  });

  it('applies the same SQL migrations as SQLite, once, even when replicas start together', async () => {
    const replicas = await Promise.all([open(), open(), open()]);
    expect(replicas[0]!.dialect).toBe('postgres');
    const applied = await Promise.all(replicas.map((s) => s.migrate(NOTES_MIGRATIONS)));
    // Exactly one replica applied the file; the others waited on the lock and found nothing to do.
    expect(applied.flat()).toEqual(['0001_create_notes.sql']);
    const storage = replicas[0]!;
    const { rows } = await sql<{ name: string }>`select name from ${sql.table(MIGRATIONS_TABLE)} order by name`.execute(storage.db);
    expect(rows.map((r) => r.name)).toEqual(['0001_create_notes.sql', 'mcpforge:0001_idempotency', 'mcpforge:0002_tasks', 'mcpforge:0005_results', 'mcpforge:0006_task_input']);
    await sql`insert into notes (id, title, created_at) values ('a', 'first', '2026-01-01T00:00:00Z')`.execute(storage.db);
    const notes = await sql<{ id: string; body: string; tags: string }>`select id, body, tags from notes`.execute(storage.db);
    expect(notes.rows).toEqual([{ id: 'a', body: '', tags: '[]' }]);
  });

  it('rolls back a failing migration completely', async () => {
    const storage = await open();
    const dir = mkdtempSync(join(tmpdir(), 'mcpforge-pgmig-'));
    writeFileSync(join(dir, '0001_ok.sql'), 'create table pg_ok (id integer primary key);');
    writeFileSync(join(dir, '0002_broken.sql'), 'create table pg_half (id integer);\ninsert into missing_table values (1);');
    const failed = storage.migrate(dir);
    await expect(failed).rejects.toThrow(/Migration 0002_broken\.sql failed and was rolled back: relation "missing_table" does not exist/);
    await expect(failed).rejects.toThrow(/0001_ok\.sql, applied before it in this run, rolled back too/);
    const { rows } = await sql<{ half: string | null; ok: string | null }>`select to_regclass('pg_half')::text as half, to_regclass('pg_ok')::text as ok`.execute(storage.db);
    expect(rows[0]).toEqual({ half: null, ok: null });
    const recorded = await sql<{ name: string }>`select name from ${sql.table(MIGRATIONS_TABLE)} where name like '000%_%' order by name`.execute(storage.db);
    expect(recorded.rows.map((r) => r.name)).toEqual(['0001_create_notes.sql']);
  });

  it('recognises a database migrated before Kysely, with three replicas upgrading it at once', async () => {
    const legacy = await freshPostgresDatabase();
    const pg = (await import('pg')).default;
    const admin = new pg.Client({ connectionString: legacy.url });
    await admin.connect();
    const replicas: Storage[] = [];
    try {
      // The layout the pre-Kysely runtime left behind: record (name, applied_at), its idempotency table, the project's.
      await admin.query(`create table mcpforge_migrations (name text primary key, applied_at text not null);
        create table mcpforge_idempotency (tool text not null, subject text not null, idempotency_key text not null, request_hash text not null, result text not null, created_at text not null, primary key (tool, subject, idempotency_key));
        create table notes (id text primary key, title text not null);
        insert into notes values ('a', 'kept');
        insert into mcpforge_migrations values ('0001_notes.sql', '2025-03-01T10:00:00.000Z');`);
      const dir = mkdtempSync(join(tmpdir(), 'mcpforge-pglegacy-'));
      // Re-running 0001 would fail (the table exists); 0002 is not idempotent (a second run fails on the column).
      writeFileSync(join(dir, '0001_notes.sql'), 'create table notes (id text primary key, title text not null);');
      writeFileSync(join(dir, '0002_tags.sql'), "alter table notes add column tags text not null default '[]';\ninsert into notes (id, title) values ('b', 'added');");
      for (let i = 0; i < 3; i++) replicas.push(await createDatabase(legacy.url));
      const applied = await Promise.all(replicas.map((s) => s.migrate(dir)));
      expect(applied.flat()).toEqual(['0002_tags.sql']);
      const record = await admin.query<{ name: string; timestamp: string }>(`select name, timestamp from mcpforge_migrations order by name`);
      expect(record.rows[0]).toEqual({ name: '0001_notes.sql', timestamp: '2025-03-01T10:00:00.000Z' });
      expect(record.rows.map((r) => r.name)).toEqual(['0001_notes.sql', '0002_tags.sql', 'mcpforge:0001_idempotency', 'mcpforge:0002_tasks', 'mcpforge:0005_results', 'mcpforge:0006_task_input']);
      const notes = await admin.query(`select id, title, tags from notes order by id`);
      expect(notes.rows).toEqual([
        { id: 'a', title: 'kept', tags: '[]' },
        { id: 'b', title: 'added', tags: '[]' },
      ]);
      expect(await replicas[0]!.migrate(dir)).toEqual([]);
    } finally {
      for (const replica of replicas) await replica.close();
      await admin.end();
      await legacy.drop();
    }
  });

  it('an upgrading replica waits for an old-version replica that is still migrating (the old lock)', async () => {
    const legacy = await freshPostgresDatabase();
    const pg = (await import('pg')).default;
    const old = new pg.Client({ connectionString: legacy.url });
    await old.connect();
    let storage: Storage | undefined;
    try {
      // An old runtime mid-migration: holds its advisory lock, has created its record, not yet committed a file.
      await old.query('create table mcpforge_migrations (name text primary key, applied_at text not null)');
      await old.query('select pg_advisory_lock($1)', [0x6d6370]);
      await old.query('begin');
      await old.query('create table notes (id text primary key)');
      await old.query(`insert into mcpforge_migrations values ('0001_notes.sql', '2025-03-01T10:00:00.000Z')`);
      const dir = mkdtempSync(join(tmpdir(), 'mcpforge-pgrolling-'));
      writeFileSync(join(dir, '0001_notes.sql'), 'create table notes (id text primary key);');
      storage = await createDatabase(legacy.url);
      const migrating = storage.migrate(dir);
      // The new replica is blocked on the old lock (visible in pg_locks), not racing the old one.
      const waiting = async () =>
        Number((await old.query(`select count(*) as n from pg_locks where locktype = 'advisory' and objid = $1 and not granted`, [0x6d6370])).rows[0].n);
      while ((await waiting()) === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      await old.query('commit');
      await old.query('select pg_advisory_unlock($1)', [0x6d6370]);
      // It then sees 0001 as applied (re-running it would fail: notes exists).
      expect(await migrating).toEqual([]);
    } finally {
      await storage?.close();
      await old.end();
      await legacy.drop();
    }
  });

  it('retries serialization failures: conflicting serializable transactions all commit', async () => {
    const storage = await open(8);
    await sql`create table counters (id integer primary key, n integer not null)`.execute(storage.db);
    await sql`insert into counters values (1, 0)`.execute(storage.db);
    let attempts = 0;
    await Promise.all(
      Array.from({ length: 6 }, () =>
        storage.transaction(async (trx) => {
          attempts++;
          await sql`set transaction isolation level serializable`.execute(trx);
          const { rows } = await sql<{ n: number }>`select n from counters where id = 1`.execute(trx);
          await new Promise((resolve) => setTimeout(resolve, 20));
          await sql`update counters set n = ${rows[0]!.n + 1} where id = 1`.execute(trx);
        }),
      ),
    );
    const { rows } = await sql<{ n: number }>`select n from counters where id = 1`.execute(storage.db);
    expect(rows[0]!.n).toBe(6);
    // Some transactions collided and ran again.
    expect(attempts).toBeGreaterThan(6);
  });

  it('sizes the pool from config', async () => {
    const storage = await open(2);
    const started = Date.now();
    await Promise.all(Array.from({ length: 6 }, () => sql`select pg_sleep(0.2)`.execute(storage.db)));
    // Six 200 ms queries on two connections need three rounds.
    expect(Date.now() - started).toBeGreaterThanOrEqual(580);
  });
});
