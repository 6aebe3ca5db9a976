import { defineTool } from '../generated/registry.js';

export default defineTool('test_streaming_elicitation', async (_input, ctx) => {
  const answer = await ctx.elicit({ message: 'Pick a value', requestedSchema: { type: 'object', properties: { value: { type: 'string' } }, required: ['value'] } });
  return `value=${String(answer.content?.value ?? '')}`;
});
