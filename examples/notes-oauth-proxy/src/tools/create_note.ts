import { randomUUID } from 'node:crypto';
import { defineTool } from '../generated/registry.js';

export default defineTool('create_note', async (input, ctx) => {
  const note = {
    id: randomUUID(),
    title: input.title,
    body: input.body ?? '',
    tags: input.tags ?? [],
    createdAt: new Date().toISOString(),
  };
  await ctx.db
    .insertInto('notes')
    .values({ id: note.id, title: note.title, body: note.body, tags: JSON.stringify(note.tags), created_at: note.createdAt })
    .execute();
  ctx.log.info({ noteId: note.id }, 'note created');
  return note;
});
