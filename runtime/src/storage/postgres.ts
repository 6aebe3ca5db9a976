/**
 * PostgreSQL storage: Kysely over a pg pool, the same SQL migrations as SQLite.
 *
 * Loaded only by `createDatabase` for a `postgres://` URL (dynamic import), so dev projects never
 * load pg. Replicas may start together: the migrator (migrate.ts) holds Kysely's session advisory
 * lock, so exactly one process applies each file and the others wait and then find nothing to do.
 */
import { Kysely, PostgresDialect, sql } from 'kysely';
import type { Pool } from 'pg';
import { applyMigrations } from './migrate.js';
import { isRetryableTransactionError, queryErrorLog, type Storage, type StorageOptions } from './shared.js';

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
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }), ...queryErrorLog(options.onQueryError) });
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
    async migrate(folder, runtime) {
      // No parameters: pg uses the simple query protocol, which runs a multi-statement script.
      return applyMigrations(db as Kysely<unknown>, 'postgres', folder, runtime, async (trx, source) => {
        await sql.raw(source).execute(trx);
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      // Kysely's destroy ends the pool.
      await db.destroy();
    },
  };
}
