import { defineTool } from '../generated/registry.js';

// ctx.input asks several questions in one round and returns the answers by key.
export default defineTool('test_input_required_result_multiple_inputs', async (_input, ctx) => {
  const answers = await ctx.input({
    user_name: { elicit: { message: 'What is your name?', requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } } },
    greeting: { sample: { messages: [{ role: 'user', content: { type: 'text', text: 'Generate a greeting' } }], maxTokens: 50 } },
    client_roots: { roots: true },
  });
  return `Received ${Object.keys(answers).length} answers: ${Object.keys(answers).join(', ')}`;
});
