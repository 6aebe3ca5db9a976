import { sql } from 'kysely';
import { defineTool } from '../generated/registry.js';
import { toNote } from '../notes/rows.js';

export default defineTool('search_notes', async (input, ctx) => {
  const query = input.query.toLowerCase();
  // A substring test both SQLite and PostgreSQL read the same way, without LIKE: SQLite's LIKE
  // stops at a U+0000 in the pattern (so `a\0b` would match every value containing "a"), and the
  // query needs no wildcard escaping. lower() on both sides: the search is case-insensitive.
  const contains = (column: 'title' | 'body') =>
    sql<boolean>`replace(lower(${sql.ref(column)}), ${query}, '') <> lower(${sql.ref(column)})`;
  const rows = await ctx.db
    .selectFrom('notes')
    .selectAll()
    .where(({ or }) => or([contains('title'), contains('body')]))
    .orderBy('created_at', 'desc')
    .limit(input.limit ?? 20)
    .execute();
  return { notes: rows.map(toNote) };
});
