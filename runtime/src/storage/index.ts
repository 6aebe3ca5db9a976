/**
 * Storage: Kysely over better-sqlite3 (dev) or pg (production), plus SQL-file migrations.
 *
 * Drivers are imported dynamically (better-sqlite3 here, pg in ./postgres.ts), so importing the
 * runtime's root export never loads a driver, and a dev project need not install pg. Migrations are
 * plain portable `.sql` files (`NNNN_name.sql`) shared by SQLite and PostgreSQL; each runs in its own
 * transaction together with its row in `mcpforge_migrations`, so a failing file leaves no
 * half-applied state.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { checkDatabaseUrl } from '../config/index.js';

export { IDEMPOTENCY_TABLE, MIGRATIONS_TABLE, RUNTIME_TABLES_SQL, isRetryableTransactionError, listMigrations, type Dialect, type MigrationFile, type Storage, type StorageOptions } from './shared.js';
import { MIGRATIONS_TABLE, RUNTIME_TABLES_SQL, listMigrations, type Storage, type StorageOptions } from './shared.js';

interface SqliteHandle {
  exec(source: string): unknown;
  prepare(source: string): { run(...params: unknown[]): unknown; all(...params: unknown[]): unknown[] };
  transaction<F extends (...args: never[]) => unknown>(fn: F): F;
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

  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: handle as never }) });
  let closed = false;

  return {
    db,
    dialect: 'sqlite',
    transaction(fn) {
      // One connection: Kysely's SQLite driver serialises transactions; busy_timeout covers other processes.
      return db.transaction().execute(fn);
    },
    async check() {
      await sql`select 1`.execute(db);
    },
    async migrate(folder) {
      return applySqliteMigrations(handle, folder);
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

function applySqliteMigrations(handle: SqliteHandle, folder: string | URL): string[] {
  handle.exec(`create table if not exists ${MIGRATIONS_TABLE} (name text primary key, applied_at text not null)`);
  handle.exec(RUNTIME_TABLES_SQL);
  const applied = new Set((handle.prepare(`select name from ${MIGRATIONS_TABLE}`).all() as Array<{ name: string }>).map((r) => r.name));
  const record = handle.prepare(`insert into ${MIGRATIONS_TABLE} (name, applied_at) values (?, ?)`);
  const done: string[] = [];
  for (const file of listMigrations(folder)) {
    if (applied.has(file.name)) continue;
    const source = readFileSync(file.path, 'utf8');
    // better-sqlite3's exec runs a multi-statement script; the transaction wraps the script and its
    // record, so a failing statement rolls back the whole file.
    const apply = handle.transaction(() => {
      handle.exec(source);
      record.run(file.name, new Date().toISOString());
    });
    try {
      apply();
    } catch (error) {
      throw new Error(`Migration ${file.name} failed and was rolled back: ${(error as Error).message}. Fix ${file.path} and start again.`, {
        cause: error,
      });
    }
    done.push(file.name);
  }
  return done;
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
