import { ToolError } from '@mcpforge/runtime';
import { sql } from 'kysely';
import { defineResource } from '../generated/registry.js';
import { likePrefix, toNote } from '../notes/rows.js';

export default defineResource('note', {
  async read(params, ctx) {
    const row = await ctx.db.selectFrom('notes').selectAll().where('id', '=', params.id).executeTakeFirst();
    if (!row) throw new ToolError(`No note with id "${params.id}". List notes with the list_notes tool.`);
    return toNote(row);
  },
  async list(ctx) {
    const rows = await ctx.db.selectFrom('notes').select(['id', 'title']).orderBy('created_at', 'desc').limit(100).execute();
    return rows.map((row) => ({ uri: `notes://${row.id}`, name: row.title, mimeType: 'application/json' }));
  },
  complete: {
    async id(value, ctx) {
      // Escaped: a "%" or "_" typed by the client matches itself, not every id.
      const rows = await ctx.db.selectFrom('notes').select('id').where(sql<boolean>`id LIKE ${likePrefix(value)} ESCAPE '\\'`).limit(20).execute();
      return rows.map((row) => row.id);
    },
  },
});
