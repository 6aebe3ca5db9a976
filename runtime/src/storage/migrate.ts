/**
 * The one migrator for SQLite and PostgreSQL: Kysely's `Migrator` over the project's `.sql` files.
 *
 * Kysely does the bookkeeping: the record of applied migrations (`mcpforge_migrations`), the
 * replica lock on PostgreSQL (a session advisory lock, so replicas starting together apply each file
 * once), and one transaction around the run (every pending file and its record commit together or
 * not at all). What is ours: the provider that turns `NNNN_name.sql` files into migrations (a file
 * runs as one multi-statement script, which each driver executes its own way), the runtime's own
 * table as a built-in migration, tolerance for recorded names without a file (as before), and the
 * upgrade of the record kept by runtimes before Kysely.
 */
import { readFileSync } from 'node:fs';
import { Migrator, sql, type Kysely, type Migration, type MigrationResult } from 'kysely';
import { MIGRATIONS_TABLE, MIGRATION_LOCK_TABLE, RESULTS_TABLE_SQL, RUNTIME_TABLES_SQL, TASKS_INPUT_SQL, TASKS_TABLE_SQL, listMigrations, type Dialect } from './shared.js';

/** Runs a whole `.sql` file (several statements) inside the migration transaction. */
export type RunScript = (db: Kysely<unknown>, source: string) => Promise<void>;

/**
 * The runtime's own tables, recorded like a project migration. The prefix keeps the name apart from
 * `NNNN_name.sql` files and out of the names `migrate()` reports.
 */
const RUNTIME_PREFIX = 'mcpforge:';
const RUNTIME_MIGRATIONS: Readonly<Record<string, string>> = {
  [`${RUNTIME_PREFIX}0001_idempotency`]: RUNTIME_TABLES_SQL,
  [`${RUNTIME_PREFIX}0002_tasks`]: TASKS_TABLE_SQL,
  [`${RUNTIME_PREFIX}0005_results`]: RESULTS_TABLE_SQL,
  [`${RUNTIME_PREFIX}0006_task_input`]: TASKS_INPUT_SQL,
};

/** Before Kysely the record's second column was `applied_at`; Kysely reads and writes `timestamp`. */
const LEGACY_COLUMN = 'applied_at';
/** The advisory lock id the pre-Kysely runtime held while migrating (see upgradeLegacyRecord). */
const LEGACY_LOCK = 0x6d6370; // "mcp"

/**
 * Applies the pending migrations of `folder` (and the runtime's own); returns the project files
 * applied now, in order. Throws, naming the file, when one fails: nothing of the run is kept.
 */
export async function applyMigrations(db: Kysely<unknown>, dialect: Dialect, folder: string | URL, runtime: Readonly<Record<string, string>> | undefined, runScript: RunScript): Promise<string[]> {
  const files = listMigrations(folder);
  await upgradeLegacyRecord(db, dialect);
  for (let attempt = 1; ; attempt++) {
    const migrations: Record<string, Migration> = {};
    // As before Kysely, a recorded migration without a file is left alone rather than refused: an
    // older replica restarting during a rolling upgrade must start although a newer one applied
    // files it does not have. Read outside the lock; a file recorded in between is retried below.
    for (const name of await recordedNames(db, dialect)) migrations[name] = { up: async () => {} };
    for (const [name, source] of Object.entries(RUNTIME_MIGRATIONS)) migrations[name] = { up: (trx) => runScript(trx, source) };
    // Optional modules' tables (e.g. oauth-proxy), under the same prefix: applied once, not reported.
    for (const [name, source] of Object.entries(runtime ?? {})) migrations[`${RUNTIME_PREFIX}${name}`] = { up: (trx) => runScript(trx, source) };
    for (const file of files) migrations[file.name] = { up: (trx) => runScript(trx, readFileSync(file.path, 'utf8')) };
    const migrator = new Migrator({
      db,
      provider: { getMigrations: async () => migrations },
      migrationTableName: MIGRATIONS_TABLE,
      migrationLockTableName: MIGRATION_LOCK_TABLE,
      // As before Kysely: a file whose name sorts before one already applied (two branches merged)
      // is applied, not refused.
      allowUnorderedMigrations: true,
      // Kysely orders pending migrations by code unit, and the record's rows of one timestamp by
      // localeCompare: its first call loads ICU's collation data into every server that starts
      // (~2.7 MB of resident memory, against a 100 MiB budget). Code units for both.
      nameComparator: (a, b) => (a < b ? -1 : a > b ? 1 : 0),
    });
    const { error, results = [] } = await migrator.migrateToLatest();
    if (error === undefined) return results.filter((r) => r.status === 'Success' && !r.migrationName.startsWith(RUNTIME_PREFIX)).map((r) => r.migrationName);
    if (attempt < 3 && results.length === 0 && /previously executed migration .+ is missing/.test(String((error as Error)?.message))) continue;
    throw explain(error, results, files);
  }
}

/** Names in the record; none when there is no record yet. */
async function recordedNames(db: Kysely<unknown>, dialect: Dialect): Promise<string[]> {
  const exists =
    dialect === 'sqlite'
      ? (await sql<{ n: number }>`select count(*) as n from sqlite_master where type = 'table' and name = ${MIGRATIONS_TABLE}`.execute(db)).rows[0]?.n
      : (await sql<{ n: string }>`select count(*) as n from (select to_regclass(${MIGRATIONS_TABLE}) as t) r where t is not null`.execute(db)).rows[0]?.n;
  if (!Number(exists)) return [];
  return (await sql<{ name: string }>`select name from ${sql.table(MIGRATIONS_TABLE)}`.execute(db)).rows.map((r) => r.name);
}

function explain(error: unknown, results: MigrationResult[], files: ReturnType<typeof listMigrations>): Error {
  const message = error instanceof Error ? error.message : String(error);
  const failed = results.find((r) => r.status === 'Error')?.migrationName;
  if (failed === undefined) {
    return new Error(
      `Migrations could not run: ${message}. If the database user may not create tables, run the migrate step as the owner role (MCP_MIGRATE=only) and serve with MCP_MIGRATE=skip.`,
      { cause: error },
    );
  }
  const path = files.find((f) => f.name === failed)?.path ?? failed;
  const undone = results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
  const also = undone.length === 0 ? '' : ` (one transaction: ${undone.join(', ')}, applied before it in this run, rolled back too)`;
  return new Error(`Migration ${failed} failed and was rolled back: ${message}. Fix ${path} and start again${also}.`, { cause: error });
}

/**
 * A database migrated by a runtime before Kysely keeps its record as `(name, applied_at)`: rename
 * the column so Kysely recognises every applied file instead of applying it again. On PostgreSQL
 * under the advisory lock the old runtime migrated under, so the rename waits for an old replica
 * still migrating (a rolling upgrade) and runs once among new replicas starting together.
 */
async function upgradeLegacyRecord(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const rename = sql`alter table ${sql.table(MIGRATIONS_TABLE)} rename column ${sql.ref(LEGACY_COLUMN)} to ${sql.ref('timestamp')}`;
  if (dialect === 'sqlite') {
    const { rows } = await sql<{ n: number }>`select count(*) as n from pragma_table_info(${MIGRATIONS_TABLE}) where name = ${LEGACY_COLUMN}`.execute(db);
    if (Number(rows[0]?.n) > 0) await rename.execute(db);
    return;
  }
  await db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${LEGACY_LOCK})`.execute(trx);
    const { rows } = await sql<{ n: string }>`select count(*) as n from pg_attribute
      where attrelid = to_regclass(${MIGRATIONS_TABLE}) and attname = ${LEGACY_COLUMN} and not attisdropped`.execute(trx);
    if (Number(rows[0]?.n) > 0) await rename.execute(trx);
  });
}
