import { defineTool } from '../generated/registry.js';

export default defineTool('delete_note', async (input, ctx) => {
  const result = await ctx.db.deleteFrom('notes').where('id', '=', input.id).executeTakeFirst();
  const deleted = Number(result.numDeletedRows) > 0;
  if (deleted) ctx.log.info({ noteId: input.id }, 'note deleted');
  return { deleted };
});
