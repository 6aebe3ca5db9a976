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
    const { rows } = await sql<{ name: string }>`select name from ${sql.table(MIGRATIONS_TABLE)}`.execute(storage.db);
    expect(rows.map((r) => r.name)).toEqual(['0001_create_notes.sql']);
    await sql`insert into notes (id, title, created_at) values ('a', 'first', '2026-01-01T00:00:00Z')`.execute(storage.db);
    const notes = await sql<{ id: string; body: string; tags: string }>`select id, body, tags from notes`.execute(storage.db);
    expect(notes.rows).toEqual([{ id: 'a', body: '', tags: '[]' }]);
  });

  it('rolls back a failing migration completely', async () => {
    const storage = await open();
    const dir = mkdtempSync(join(tmpdir(), 'mcpforge-pgmig-'));
    writeFileSync(join(dir, '0001_ok.sql'), 'create table pg_ok (id integer primary key);');
    writeFileSync(join(dir, '0002_broken.sql'), 'create table pg_half (id integer);\ninsert into missing_table values (1);');
    await expect(storage.migrate(dir)).rejects.toThrow(/Migration 0002_broken\.sql failed and was rolled back: relation "missing_table" does not exist/);
    const { rows } = await sql<{ t: string | null }>`select to_regclass('pg_half')::text as t`.execute(storage.db);
    expect(rows[0]!.t).toBeNull();
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
