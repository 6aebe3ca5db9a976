import type { InputAsk } from '@mcpforge/runtime';
import { defineTool } from '../generated/registry.js';

// Only ask what the client declared it supports.
export default defineTool('test_input_required_result_capabilities', async (_input, ctx) => {
  const caps = ctx.clientCapabilities;
  const asks: Record<string, InputAsk> = {};
  if (caps?.sampling) asks.summary = { sample: { messages: [{ role: 'user', content: { type: 'text', text: 'Say hello' } }], maxTokens: 20 } };
  if (caps?.elicitation) asks.user_name = { elicit: { message: 'What is your name?', requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } } };
  if (Object.keys(asks).length === 0) return 'The client supports neither sampling nor elicitation.';
  const answers = await ctx.input(asks);
  return `Answered: ${Object.keys(answers).join(', ')}`;
});
