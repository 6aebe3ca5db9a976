/**
 * Storage: Kysely over better-sqlite3 (dev) or pg (production), plus SQL-file migrations.
 *
 * Drivers are imported dynamically (better-sqlite3 here, pg in ./postgres.ts), so importing the
 * runtime's root export never loads a driver, and a dev project need not install pg. Migrations are
 * plain portable `.sql` files (`NNNN_name.sql`) shared by SQLite and PostgreSQL, applied by one
 * migrator (migrate.ts, Kysely's Migrator): the pending files and their rows in `mcpforge_migrations`
 * commit together, so a failing file leaves no half-applied state.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Kysely, SqliteAdapter, SqliteDialect, sql, type DialectAdapter, type SqliteDatabase } from 'kysely';
import { withStatementCache } from './sqlite-statements.js';
import { checkDatabaseUrl } from '../config/index.js';
import { applyMigrations } from './migrate.js';

export { IDEMPOTENCY_TABLE, MIGRATIONS_TABLE, MIGRATION_LOCK_TABLE, RUNTIME_TABLES_SQL, TASKS_INPUT_SQL, TASKS_TABLE, TASKS_TABLE_SQL, isRetryableTransactionError, listMigrations, type Dialect, type MigrationFile, type Storage, type StorageOptions } from './shared.js';
import { queryErrorLog, type Storage, type StorageOptions } from './shared.js';

interface SqliteHandle {
  exec(source: string): unknown;
  prepare(source: string): { run(...params: unknown[]): unknown; all(...params: unknown[]): unknown[]; pluck(): { get(): unknown } };
  pragma(source: string): unknown;
  close(): unknown;
  readonly open: boolean;
}

/**
 * Opens a database from a URL: `sqlite:<path>` (the folder is created if missing),
 * `sqlite::memory:` or `postgres://user:password@host:port/database`.
 *
 * @example
 * ```ts
 * const storage = await createDatabase<Database>('sqlite:./data/notes.db');
 * await storage.migrate(new URL('../migrations/', import.meta.url));
 * const rows = await storage.db.selectFrom('notes').selectAll().execute();
 * ```
 */
export async function createDatabase<DB = unknown>(url: string, options: StorageOptions = {}): Promise<Storage<DB>> {
  const problem = checkDatabaseUrl(url);
  if (problem) throw new Error(problem);
  if (/^postgres(ql)?:/.test(url)) {
    const { createPostgresDatabase } = await import('./postgres.js');
    return createPostgresDatabase<DB>(url, options);
  }
  const path = url === 'sqlite::memory:' ? ':memory:' : url.slice('sqlite:'.length);
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });

  const { default: BetterSqlite3 } = await import('better-sqlite3');
  let handle: SqliteHandle;
  try {
    handle = new BetterSqlite3(path) as unknown as SqliteHandle;
  } catch (error) {
    throw new Error(`Cannot open SQLite database at ${path}: ${(error as Error).message}. Check DATABASE_URL and the folder's permissions.`, {
      cause: error,
    });
  }
  if (path !== ':memory:') {
    // WAL lets readers proceed during a write; busy_timeout waits instead of failing on a lock.
    handle.pragma('journal_mode = WAL');
  }
  handle.pragma('busy_timeout = 5000');
  handle.pragma('foreign_keys = ON');

  const db = new Kysely<DB>({ dialect: new TransactionalSqliteDialect({ database: withStatementCache(handle as unknown as SqliteDatabase) }), ...queryErrorLog(options.onQueryError) });
  let closed = false;
  const dataVersion = handle.prepare('pragma data_version').pluck();

  return {
    db,
    dialect: 'sqlite',
    dataVersion: () => dataVersion.get() as number,
    transaction(fn) {
      // One connection: Kysely's SQLite driver serialises transactions; busy_timeout covers other processes.
      return db.transaction().execute(fn);
    },
    async check() {
      await sql`select 1`.execute(db);
    },
    async migrate(folder, runtime) {
      // Kysely runs statements one by one (prepare); better-sqlite3's exec runs a whole script. Same
      // connection, so the script is inside the migrator's transaction.
      return applyMigrations(db as Kysely<unknown>, 'sqlite', folder, runtime, async (_trx, source) => {
        handle.exec(source);
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      // Kysely's destroy closes the better-sqlite3 handle through the dialect.
      await db.destroy();
      if (handle.open) handle.close();
    },
  };
}

/**
 * SQLite rolls DDL back like any statement, but Kysely's SQLite adapter says it does not, and then
 * its Migrator runs without a transaction: a failing file would stay half applied.
 */
class TransactionalSqliteDialect extends SqliteDialect {
  override createAdapter(): DialectAdapter {
    return new TransactionalSqliteAdapter();
  }
}
class TransactionalSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

/** SQLSTATEs after which PostgreSQL asks the client to run the transaction again. */
export { checksum } from './copy.js';
import { copyWith, type CopyOptions, type TableCopyReport } from './copy.js';

/**
 * Copies every table of one database into another (`mcpforge upgrade --migrate-data`), see copy.ts.
 */
export function copyDatabase(options: CopyOptions): Promise<TableCopyReport[]> {
  return copyWith(createDatabase, options);
}
export type { CopyOptions, TableCopyReport } from './copy.js';
