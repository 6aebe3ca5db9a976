/**
 * Copies a dev SQLite database into PostgreSQL (`mcpforge upgrade --migrate-data`).
 *
 * The target gets the project's migrations first, so every table exists with its production types;
 * then each table of the source (the migration record and its lock table excepted) is copied in one
 * transaction and verified: row counts and an order-independent checksum of every row must match on
 * both sides, or the copy is rolled back. A target table that already holds rows is refused unless
 * `force` (then it is emptied first, in the same transaction).
 */
import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { MIGRATIONS_TABLE, MIGRATION_LOCK_TABLE, type Storage, type StorageOptions } from './shared.js';

export interface CopyOptions {
  /** `sqlite:<path>`. */
  from: string;
  /** `postgres://...`. */
  to: string;
  /** The project's migrations folder, applied to the target first. */
  migrations: string | URL;
  /** Empty non-empty target tables instead of refusing. */
  force?: boolean;
}

export interface TableCopyReport {
  table: string;
  rows: number;
  /** SHA-256 over the sorted per-row hashes; equal on both sides. */
  checksum: string;
}

const BATCH = 500;

/** `copyDatabase` with the driver opener passed in (index.ts binds `createDatabase`). */
export async function copyWith(createDatabase: (url: string, options?: StorageOptions) => Promise<Storage>, options: CopyOptions): Promise<TableCopyReport[]> {
  if (!options.from.startsWith('sqlite:')) throw new Error(`--migrate-data copies from SQLite; got ${options.from}`);
  if (!/^postgres(ql)?:/.test(options.to)) throw new Error('--migrate-data copies into PostgreSQL: set DATABASE_URL (or --database-url) to a postgres:// URL');
  const source = await createDatabase(options.from);
  const target = await createDatabase(options.to, { poolSize: 2 });
  try {
    await target.migrate(options.migrations);
    const tables = (
      await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name`.execute(source.db)
    ).rows
      .map((r) => r.name)
      .filter((name) => name !== MIGRATIONS_TABLE && name !== MIGRATION_LOCK_TABLE);
    const plan: Array<{ table: string; columns: string[] }> = [];
    for (const table of tables) {
      const columns = (await sql<{ name: string }>`select name from pragma_table_info(${table}) order by cid`.execute(source.db)).rows.map((r) => r.name);
      plan.push({ table, columns });
    }
    return await target.transaction(async (trx) => {
      const reports: TableCopyReport[] = [];
      for (const { table, columns } of plan) {
        const exists = await sql<{ t: string | null }>`select to_regclass(${table})::text as t`.execute(trx);
        if (exists.rows[0]?.t == null) throw new Error(`Table ${table} exists in SQLite but not in PostgreSQL after the migrations; add it to migrations/.`);
        const present = Number((await sql<{ n: string }>`select count(*) as n from ${sql.table(table)}`.execute(trx)).rows[0]!.n);
        if (present > 0) {
          if (!options.force) throw new Error(`PostgreSQL table ${table} already has ${present} rows; refusing to copy into it. Pass --force to replace them.`);
          await sql`delete from ${sql.table(table)}`.execute(trx);
        }
        const rows = (await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(source.db)).rows;
        for (let i = 0; i < rows.length; i += BATCH) {
          await (trx as Kysely<Record<string, Record<string, unknown>>>).insertInto(table).values(rows.slice(i, i + BATCH)).execute();
        }
        const copied = (await sql<Record<string, unknown>>`select ${sql.join(columns.map((c) => sql.ref(c)))} from ${sql.table(table)}`.execute(trx)).rows;
        const expected = checksum(rows, columns);
        const actual = checksum(copied, columns);
        if (copied.length !== rows.length || expected !== actual) {
          throw new Error(`Verification of ${table} failed (SQLite ${rows.length} rows, checksum ${expected}; PostgreSQL ${copied.length} rows, checksum ${actual}); nothing was copied.`);
        }
        reports.push({ table, rows: rows.length, checksum: expected });
      }
      return reports;
    });
  } finally {
    await source.close();
    await target.close();
  }
}

/** Order-independent: each row is hashed from its values in column order, and the sorted hashes are hashed. */
export function checksum(rows: Array<Record<string, unknown>>, columns: string[]): string {
  const hashes = rows.map((row) => createHash('sha256').update(JSON.stringify(columns.map((c) => normalise(row[c])))).digest('hex')).sort();
  return createHash('sha256').update(hashes.join('\n')).digest('hex');
}

function normalise(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (Buffer.isBuffer(value)) return `\\x${value.toString('hex')}`;
  if (value instanceof Date) return value.toISOString();
  return String(value);
}
