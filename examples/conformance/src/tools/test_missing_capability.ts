import { defineTool } from '../generated/registry.js';

// Sampling is required: without the client's sampling capability the call fails with -32021.
export default defineTool('test_missing_capability', async (_input, ctx) => {
  const result = await ctx.sample({ messages: [{ role: 'user', content: { type: 'text', text: 'Say hello' } }], maxTokens: 20 });
  return result.content.type === 'text' ? result.content.text : 'sampled';
});
