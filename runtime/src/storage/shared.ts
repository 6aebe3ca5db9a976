/**
 * What the storage drivers share (SQLite in index.ts, PostgreSQL in postgres.ts, the copier in
 * copy.ts, the migrator in migrate.ts): the runtime's own tables, migration files, retryable errors,
 * the `Storage` contract.
 * A leaf of the storage module, so that the drivers never import its entry point.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PostgresAdapter, type Kysely } from 'kysely';

/**
 * Whether a Kysely instance talks to PostgreSQL (else SQLite). The class name along the adapter's
 * prototype chain counts as well as `instanceof`: the runtime's build carries its own copy of kysely
 * (scripts/bundle.mjs), and an instance a project built with its own copy is not an instance of the
 * runtime's class.
 */
export function isPostgres(db: Pick<Kysely<unknown>, 'getExecutor'>): boolean {
  const adapter: unknown = db.getExecutor().adapter;
  if (adapter instanceof PostgresAdapter) return true;
  for (let proto = Object.getPrototypeOf(adapter) as object | null; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto) as object | null) {
    if ((proto as { constructor?: { name?: string } }).constructor?.name === 'PostgresAdapter') return true;
  }
  return false;
}

/** The table that records applied migrations (Kysely's layout: `name`, `timestamp`). */
export const MIGRATIONS_TABLE = 'mcpforge_migrations';
/** Kysely's Migrator creates it; on SQLite and PostgreSQL its lock does not use it (advisory lock). */
export const MIGRATION_LOCK_TABLE = 'mcpforge_migrations_lock';

/** Tables the runtime itself keeps next to the project's (a built-in migration, see migrate.ts). */
export const IDEMPOTENCY_TABLE = 'mcpforge_idempotency';
export const RUNTIME_TABLES_SQL = `create table if not exists ${IDEMPOTENCY_TABLE} (
  tool text not null,
  subject text not null,
  idempotency_key text not null,
  request_hash text not null,
  result text not null,
  created_at text not null,
  primary key (tool, subject, idempotency_key)
)`;

/** Task state of the tasks extension (see `tasks`): any replica answers `tasks/get` from it. */
export const TASKS_TABLE = 'mcpforge_tasks';
export const TASKS_TABLE_SQL = `create table if not exists ${TASKS_TABLE} (
  task_id text primary key,
  owner text not null,
  tool text not null,
  status text not null,
  status_message text,
  result text,
  error text,
  arguments text,
  created_at bigint not null,
  updated_at bigint not null,
  ttl_ms bigint,
  expires_at bigint,
  poll_interval_ms integer,
  runner text,
  lease_until bigint,
  cancel_requested integer not null default 0,
  attempts integer not null default 1
);
create index if not exists ${TASKS_TABLE}_lease on ${TASKS_TABLE} (status, lease_until);
create index if not exists ${TASKS_TABLE}_expiry on ${TASKS_TABLE} (expires_at)`;

/** Full results of tool calls cut to their output budget (see `budgets`): read back through their resource link. */
export const RESULTS_TABLE = 'mcpforge_results';
export const RESULTS_TABLE_SQL = `create table if not exists ${RESULTS_TABLE} (
  result_id text primary key,
  owner text not null,
  tool text not null,
  contents text not null,
  created_at bigint not null,
  expires_at bigint not null
);
create index if not exists ${RESULTS_TABLE}_expiry on ${RESULTS_TABLE} (expires_at)`;
/** What an `input_required` task asks the client, and the answers `tasks/update` delivered so far. */
export const TASKS_INPUT_SQL = `alter table ${TASKS_TABLE} add column input_requests text;
alter table ${TASKS_TABLE} add column input_responses text`;

export type Dialect = 'sqlite' | 'postgres';

export interface StorageOptions {
  /** PostgreSQL: most connections in the pool (default 10). */
  poolSize?: number;
  /** PostgreSQL: errors of idle pooled connections (for example when the server restarts). */
  onPoolError?: (error: Error) => void;
  /**
   * A query failed (tracing: ends its span with the error's class). Set only when wanted: it turns
   * on Kysely's log hook, one function call per query.
   */
  onQueryError?: (queryId: object, error: unknown) => void;
}

/** Kysely's `log` option for `onQueryError` (nothing when unset). */
export function queryErrorLog(onQueryError: StorageOptions['onQueryError']): { log?: (event: { level: string; error?: unknown; query: { queryId: object } }) => void } {
  if (!onQueryError) return {};
  return {
    log: (event) => {
      if (event.level === 'error') onQueryError(event.query.queryId, event.error);
    },
  };
}

export interface Storage<DB = unknown> {
  readonly db: Kysely<DB>;
  readonly dialect: Dialect;
  /**
   * Runs `fn` in a transaction and commits; on PostgreSQL a serialization failure or a deadlock
   * (SQLSTATE 40001, 40P01) rolls back and runs `fn` again (jittered exponential backoff, up to 10 attempts).
   */
  transaction<T>(fn: (trx: Kysely<DB>) => Promise<T>): Promise<T>;
  /** Throws when the database does not answer `select 1` (used by `/readyz`). */
  check(): Promise<void>;
  /**
   * Applies pending migrations from a folder; returns the names applied now, in order. `runtime`
   * adds built-in migrations of optional runtime modules (name → SQL both dialects accept, e.g. the
   * OAuth proxy's tables), recorded like the runtime's own and never reported.
   */
  migrate(folder: string | URL, runtime?: Readonly<Record<string, string>>): Promise<string[]>;
  /** Closes the connection; further queries fail. Safe to call twice. */
  close(): Promise<void>;
  /**
   * SQLite only (absent on PostgreSQL): SQLite's `PRAGMA data_version`, a number that changes
   * when another connection — another process such as `mcpforge keys revoke` — has committed
   * since the last call; this connection's own writes do not change it. Synchronous and cheap
   * (one prepared statement), so a reader may cache rows only other connections change and
   * check it per request.
   */
  dataVersion?(): number;
}

export interface MigrationFile {
  name: string;
  path: string;
}

const MIGRATION_NAME = /^\d{4,}_[A-Za-z0-9_.-]+\.sql$/;

/**
 * Lists the migration files of a folder in the order they apply. A missing folder means "no
 * migrations"; a `.sql` file not named `NNNN_name.sql` is an error (it would otherwise be skipped
 * silently or applied out of order).
 */
export function listMigrations(folder: string | URL): MigrationFile[] {
  const dir = typeof folder === 'string' ? folder : fileURLToPath(folder);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const files: MigrationFile[] = [];
  for (const name of names.sort()) {
    if (!name.endsWith('.sql')) continue;
    if (!MIGRATION_NAME.test(name)) {
      throw new Error(`Migration file ${join(dir, name)} is not named NNNN_name.sql (for example 0002_add_tags.sql); rename it so its order is explicit.`);
    }
    files.push({ name, path: join(dir, name) });
  }
  return files;
}

const RETRYABLE = new Set(['40001', '40P01']);

/** True for a PostgreSQL serialization failure or deadlock: the transaction may simply be retried. */
export function isRetryableTransactionError(error: unknown): boolean {
  return RETRYABLE.has(String((error as { code?: unknown } | null)?.code));
}

