import { definePrompt } from '../generated/registry.js';

// Prompts can ask too (prompts/get is a multi-round-trip request).
export default definePrompt('test_input_required_result_prompt', async (_args, ctx) => {
  const answer = await ctx.elicit(
    { message: 'What context should the prompt use?', requestedSchema: { type: 'object', properties: { context: { type: 'string' } }, required: ['context'] } },
    { key: 'user_context' },
  );
  return `Use this context: ${String(answer.content?.context ?? '')}`;
});
