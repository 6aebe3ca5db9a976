import { defineTool } from '../generated/registry.js';

// ctx.sample asks the client's model; the handler may run again when the answer arrives (see docs/generated-project.md).
export default defineTool('test_sampling', async (input, ctx) => {
  const result = await ctx.sample({ messages: [{ role: 'user', content: { type: 'text', text: input.prompt } }], maxTokens: 100 });
  const text = result.content.type === 'text' ? result.content.text : `[${result.content.type}]`;
  return `LLM response: ${text}`;
});
