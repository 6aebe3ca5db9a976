/**
 * Prepared-statement reuse for Kysely's SQLite driver.
 *
 * Why: Kysely's SQLite driver prepares every query afresh, and a prepare costs more than running a
 * small indexed query (an API-key lookup per HTTP request spent more time in `prepare` than in the
 * lookup). The SQL of Kysely's queries is fixed text with `?` parameters, so one statement per text
 * can be reused. better-sqlite3 statements re-prepare themselves after a schema change, so a cached
 * statement stays correct across migrations.
 */
import { LRUCache } from 'lru-cache';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/** The part of a better-sqlite3 statement this cache needs beyond Kysely's view of it. */
interface CacheableStatement extends SqliteStatement {
  /** True while an `iterate()` over it is open: it cannot run again until that ends. */
  readonly busy?: boolean;
}

/** Distinct SQL texts kept prepared; generated servers run a few dozen. */
export const STATEMENT_CACHE_SIZE = 256;

/**
 * Wraps a better-sqlite3 database for Kysely's `SqliteDialect` so that the same SQL text reuses
 * its prepared statement. A statement still iterating (a streamed query) is not handed out again:
 * the caller gets a fresh one.
 *
 * @example
 * ```ts
 * const db = new Kysely({ dialect: new SqliteDialect({ database: withStatementCache(new Database(path)) }) });
 * ```
 */
export function withStatementCache(database: SqliteDatabase, size = STATEMENT_CACHE_SIZE): SqliteDatabase {
  const statements = new LRUCache<string, CacheableStatement>({ max: size });
  return {
    prepare(sql: string): SqliteStatement {
      const cached = statements.get(sql);
      if (cached && !cached.busy) return cached;
      const statement = database.prepare(sql) as CacheableStatement;
      if (!cached) statements.set(sql, statement);
      return statement;
    },
    close(): void {
      statements.clear();
      database.close();
    },
  };
}
