import { sql } from 'kysely';
import { defineTool } from '../generated/registry.js';
import { likePattern, toNote } from '../notes/rows.js';

export default defineTool('list_notes', async (input, ctx) => {
  let query = ctx.db.selectFrom('notes').selectAll().orderBy('created_at', 'desc').limit(input.limit ?? 20);
  if (input.tag !== undefined) {
    // Tags are stored as a JSON array: match the quoted tag so "art" does not match "party".
    query = query.where(sql<boolean>`tags LIKE ${likePattern(JSON.stringify(input.tag))} ESCAPE '\\'`);
  }
  const rows = await query.execute();
  return { notes: rows.map(toNote) };
});
