/**
 * `kind: sql`: a named read-only query whose `:name` parameters are the URI template's variables,
 * converted to their declared types and always bound as values (never spliced into the text), run
 * in a read-only transaction: PostgreSQL `READ ONLY`, SQLite `PRAGMA query_only` on the one
 * connection for the duration of the query. The query text was checked at generate time
 * (sql-text.ts) and is checked again here, so a hand-edited manifest cannot slip a write in.
 */
import { UriTemplate } from '@modelcontextprotocol/server';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { isPostgres } from '../storage/shared.js';
import { ToolError } from '../errors/index.js';
import type { ResourceListing, ResourceManifestEntry, SqlParamType } from '../server/contract.js';
import { decodeVariable, type DeclarativeOptions, type DeclarativeResource } from './shared.js';
import { parseSqlText, readOnlyProblem } from './sql-text.js';

type SqlSource = Extract<NonNullable<ResourceManifestEntry['source']>, { kind: 'sql' }>;

/** Most rows one read or list returns: a bound against a query that returns a whole table. */
export const MAX_SQL_ROWS = 1_000;

export function sqlResource(entry: ResourceManifestEntry, source: SqlSource, options: DeclarativeOptions): DeclarativeResource {
  for (const [what, text] of [['query', source.query], ['listQuery', source.listQuery]] as const) {
    if (text === undefined) continue;
    const problem = readOnlyProblem(text);
    if (problem) throw new Error(`Resource "${entry.name}": its ${what} is refused: ${problem}. Fix it in mcpforge.yaml and run \`mcpforge generate\`.`);
  }
  const query = parseSqlText(source.query);
  const unknown = query.names.find((n) => !entry.variables.includes(n));
  if (unknown) throw new Error(`Resource "${entry.name}": the query's :${unknown} is not a variable of ${entry.uri}.`);
  const types = source.params ?? {};
  const postgres = isPostgres(options.db);
  const template = entry.template ? new UriTemplate(entry.uri) : undefined;

  function bind(values: Record<string, unknown>): RawBuilder<unknown> {
    const parts: Array<RawBuilder<unknown>> = [sql.raw(query.pieces[0]!)];
    query.names.forEach((name, i) => {
      const value = values[name];
      // better-sqlite3 binds no booleans: SQLite stores them as 1 and 0 anyway.
      parts.push(sql.val(!postgres && typeof value === 'boolean' ? Number(value) : value), sql.raw(query.pieces[i + 1]!));
    });
    return sql.join(parts, sql.raw(''));
  }

  async function readOnly<T>(db: Kysely<unknown>, run: (db: Kysely<unknown>) => Promise<T>): Promise<T> {
    if (postgres) return db.transaction().setAccessMode('read only').execute((trx) => run(trx));
    return db.connection().execute(async (conn) => {
      await sql`PRAGMA query_only = ON`.execute(conn);
      try {
        return await run(conn);
      } finally {
        await sql`PRAGMA query_only = OFF`.execute(conn);
      }
    });
  }

  async function rows(text: RawBuilder<unknown>): Promise<unknown[]> {
    const result = await readOnly(options.db, (db) => text.execute(db));
    return (result.rows as unknown[]).slice(0, MAX_SQL_ROWS);
  }

  return {
    async read(params, uri) {
      const values: Record<string, unknown> = {};
      for (const name of entry.variables) values[name] = convert(decodeVariable(params[name], name), types[name] ?? 'string', name);
      const found = await rows(bind(values));
      // With a schema the runtime validates the rows and serialises them (server/results.ts).
      if (entry.schema) return found;
      return { contents: [{ uri, mimeType: entry.mimeType ?? 'application/json', text: JSON.stringify(found) }] };
    },
    ...(source.listQuery && template
      ? {
          async list(): Promise<ResourceListing[]> {
            const found = (await rows(sql.raw(source.listQuery!))) as Array<Record<string, unknown>>;
            return found.map((row) => {
              const uri = template.expand(Object.fromEntries(entry.variables.map((v) => [v, String(row[v] ?? '')])));
              const name = typeof row.name === 'string' ? row.name : entry.variables.map((v) => String(row[v] ?? '')).join('/');
              return { uri, name, mimeType: entry.mimeType ?? 'application/json' };
            });
          },
        }
      : {}),
  };
}

/** The URI text of a variable as its declared type, or the caller's error (never a database error). */
function convert(text: string, type: SqlParamType, name: string): string | number | boolean {
  switch (type) {
    case 'integer':
      if (!/^-?\d{1,15}$/.test(text)) throw invalid(name, 'an integer', text);
      return Number(text);
    case 'number': {
      const n = Number(text);
      if (text.trim() === '' || !Number.isFinite(n)) throw invalid(name, 'a number', text);
      return n;
    }
    case 'boolean':
      if (text !== 'true' && text !== 'false') throw invalid(name, 'true or false', text);
      return text === 'true';
    default:
      return text;
  }
}

function invalid(name: string, what: string, text: string): ToolError {
  return new ToolError(`The URI's "${name}" must be ${what}, got ${JSON.stringify(text.slice(0, 100))}.`, { code: 'invalid_uri' });
}
