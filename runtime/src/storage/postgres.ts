/**
 * PostgreSQL storage: Kysely over a pg pool, the same SQL migrations as SQLite.
 *
 * Loaded only by `createDatabase` for a `postgres://` URL (dynamic import), so dev projects never
 * load pg. Replicas may start together: migrations run under a session advisory lock, so exactly one
 * process applies each file and the others wait and then find nothing to do.
 */
import { readFileSync } from 'node:fs';
import { Kysely, PostgresDialect, sql } from 'kysely';
import type { Pool, PoolClient } from 'pg';
import { MIGRATIONS_TABLE, RUNTIME_TABLES_SQL, isRetryableTransactionError, listMigrations, type Storage, type StorageOptions } from './shared.js';

/** Arbitrary but fixed: every mcpforge process takes this advisory lock around migrations. */
const MIGRATION_LOCK = 0x6d6370; // "mcp"
const MAX_ATTEMPTS = 10;

export async function createPostgresDatabase<DB = unknown>(url: string, options: StorageOptions = {}): Promise<Storage<DB>> {
  const pg = (await import('pg')).default;
  const pool: Pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 5_000,
  });
  // An idle client losing its connection emits on the pool; unhandled, it would end the process.
  pool.on('error', (error) => options.onPoolError?.(error));
  // A checked-out client (inside a transaction, between two statements) that loses its connection
  // emits 'error' on itself, where the pool does not listen: with no listener of its own the whole
  // process would crash when PostgreSQL restarts under load. The statement in flight or the next
  // one fails with the same error (the transaction rolls back, the caller sees it), and the pool
  // discards the broken client when it is released.
  pool.on('connect', (client) => {
    client.on('error', (error) => options.onPoolError?.(error));
  });
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  let closed = false;

  return {
    db,
    dialect: 'postgres',
    async transaction<T>(fn: (trx: Kysely<DB>) => Promise<T>): Promise<T> {
      for (let attempt = 1; ; attempt++) {
        try {
          return await db.transaction().execute(fn);
        } catch (error) {
          if (attempt >= MAX_ATTEMPTS || !isRetryableTransactionError(error)) throw error;
          // Jittered backoff so the transactions that collided do not collide again.
          await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(500, 10 * 2 ** attempt)));
        }
      }
    },
    async check() {
      await sql`select 1`.execute(db);
    },
    async migrate(folder) {
      const client = await pool.connect();
      try {
        return await applyPostgresMigrations(client, folder);
      } finally {
        client.release();
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      // Kysely's destroy ends the pool.
      await db.destroy();
    },
  };
}

async function applyPostgresMigrations(client: PoolClient, folder: string | URL): Promise<string[]> {
  const files = listMigrations(folder);
  await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
  try {
    await client.query(`create table if not exists ${MIGRATIONS_TABLE} (name text primary key, applied_at text not null)`);
    await client.query(RUNTIME_TABLES_SQL);
    const applied = new Set((await client.query<{ name: string }>(`select name from ${MIGRATIONS_TABLE}`)).rows.map((r) => r.name));
    const done: string[] = [];
    for (const file of files) {
      if (applied.has(file.name)) continue;
      const source = readFileSync(file.path, 'utf8');
      try {
        await client.query('begin');
        // No parameters: the simple query protocol runs a multi-statement script.
        await client.query(source);
        await client.query(`insert into ${MIGRATIONS_TABLE} (name, applied_at) values ($1, $2)`, [file.name, new Date().toISOString()]);
        await client.query('commit');
      } catch (error) {
        await client.query('rollback').catch(() => {});
        throw new Error(`Migration ${file.name} failed and was rolled back: ${(error as Error).message}. Fix ${file.path} and start again.`, {
          cause: error,
        });
      }
      done.push(file.name);
    }
    return done;
  } finally {
    await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
  }
}
