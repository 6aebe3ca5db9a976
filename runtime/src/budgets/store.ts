/**
 * Full results of tool calls cut to their output budget, kept in the project's database (SQLite in
 * dev, PostgreSQL in production) so that any replica answers the `resources/read` of the link, and
 * only for the caller who made the call (the owner key, as for tasks). Rows expire; expired ones
 * are deleted as new ones are stored.
 */
import { sql, type Kysely } from 'kysely';
import { RESULTS_TABLE, RESULTS_TABLE_SQL } from '../storage/shared.js';

/** One item of `resources/read` `contents` (without its uri, which is the link's). */
export interface StoredContent {
  mimeType: string;
  text?: string;
  blob?: string;
}

export interface StoredResult {
  id: string;
  owner: string;
  tool: string;
  contents: StoredContent[];
  expiresAt: number;
}

interface ResultRow {
  result_id: string;
  owner: string;
  tool: string;
  contents: string;
  created_at: number | string;
  expires_at: number | string;
}

interface ResultsDb {
  [RESULTS_TABLE]: ResultRow;
}

export interface ResultStore {
  put(result: Omit<StoredResult, 'expiresAt'> & { ttlMs: number }, now?: number): Promise<StoredResult>;
  /** The owner's result; undefined when missing, another owner's, or expired. */
  get(id: string, owner: string, now?: number): Promise<StoredResult | undefined>;
}

const missingTable = (error: unknown) => /no such table|does not exist/i.test(String((error as Error)?.message));

export function createResultStore(database: Kysely<unknown>): ResultStore {
  const db = database as unknown as Kysely<ResultsDb>;
  // The table is a runtime migration (storage/migrate.ts); a server built on a database that was
  // never migrated (tests, in-memory SQLite) creates it on first use.
  let ensured: Promise<void> | undefined;
  async function ensure(): Promise<void> {
    ensured ??= (async () => {
      for (const statement of RESULTS_TABLE_SQL.split(';')) await sql.raw(statement).execute(db);
    })();
    await ensured;
  }
  async function withTable<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (!missingTable(error)) throw error;
      await ensure();
      return fn();
    }
  }
  return {
    async put(result, now = Date.now()) {
      const stored: StoredResult = { id: result.id, owner: result.owner, tool: result.tool, contents: result.contents, expiresAt: now + result.ttlMs };
      await withTable(async () => {
        await db.deleteFrom(RESULTS_TABLE).where('expires_at', '<=', now).execute();
        await db
          .insertInto(RESULTS_TABLE)
          .values({ result_id: stored.id, owner: stored.owner, tool: stored.tool, contents: JSON.stringify(stored.contents), created_at: now, expires_at: stored.expiresAt })
          .execute();
      });
      return stored;
    },
    async get(id, owner, now = Date.now()) {
      const row = await withTable(() => db.selectFrom(RESULTS_TABLE).selectAll().where('result_id', '=', id).where('owner', '=', owner).executeTakeFirst());
      if (!row || Number(row.expires_at) <= now) return undefined;
      return { id: row.result_id, owner: row.owner, tool: row.tool, contents: JSON.parse(row.contents) as StoredContent[], expiresAt: Number(row.expires_at) };
    },
  };
}
