import { sql } from 'kysely';
import { defineTool } from '../generated/registry.js';
import { likePattern, toNote } from '../notes/rows.js';

export default defineTool('search_notes', async (input, ctx) => {
  const pattern = likePattern(input.query.toLowerCase());
  const rows = await ctx.db
    .selectFrom('notes')
    .selectAll()
    // lower() on both sides: LIKE is case-insensitive in SQLite but not in PostgreSQL.
    .where(({ or }) =>
      or([
        sql<boolean>`lower(title) LIKE ${pattern} ESCAPE '\\'`,
        sql<boolean>`lower(body) LIKE ${pattern} ESCAPE '\\'`,
      ]),
    )
    .orderBy('created_at', 'desc')
    .limit(input.limit ?? 20)
    .execute();
  return { notes: rows.map(toNote) };
});
