import { defineTool } from '../generated/registry.js';

// `key` names the input request on the wire (the suite expects "user_name"); without it the runtime picks one.
export default defineTool('test_input_required_result_elicitation', async (_input, ctx) => {
  const answer = await ctx.elicit(
    { message: 'What is your name?', requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } },
    { key: 'user_name' },
  );
  return `Hello, ${String(answer.content?.name ?? 'stranger')}!`;
});
