import { defineTool } from '../generated/registry.js';

export default defineTool('test_input_required_result_sampling', async (_input, ctx) => {
  const result = await ctx.sample(
    { messages: [{ role: 'user', content: { type: 'text', text: 'What is the capital of France?' } }], maxTokens: 100 },
    { key: 'capital_question' },
  );
  return `Sampling answer: ${result.content.type === 'text' ? result.content.text : `[${result.content.type}]`}`;
});
