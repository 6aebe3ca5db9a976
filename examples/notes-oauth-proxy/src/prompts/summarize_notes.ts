import { definePrompt } from '../generated/registry.js';
import { toNote } from '../notes/rows.js';

export default definePrompt('summarize_notes', async (args, ctx) => {
  const rows = await ctx.db.selectFrom('notes').selectAll().orderBy('created_at', 'desc').limit(50).execute();
  const notes = rows.map(toNote).filter((note) => args.tag === undefined || note.tags.includes(args.tag));
  if (notes.length === 0) return 'There are no notes yet. Say so, and suggest creating one with the create_note tool.';
  const listing = notes.map((note) => `- ${note.title}${note.tags.length ? ` [${note.tags.join(', ')}]` : ''}: ${note.body}`);
  return `Summarize these ${notes.length} notes in a few sentences, grouping related ones:\n\n${listing.join('\n')}`;
});
