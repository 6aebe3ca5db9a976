import { defineTool } from '../generated/registry.js';

// Two questions, two rounds: the first answer travels in the signed requestState of the second round.
export default defineTool('test_input_required_result_multi_round', async (_input, ctx) => {
  const name = await ctx.elicit(
    { message: 'Step 1: What is your name?', requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } },
    { key: 'step1' },
  );
  const color = await ctx.elicit(
    { message: 'Step 2: What is your favorite color?', requestedSchema: { type: 'object', properties: { color: { type: 'string' } }, required: ['color'] } },
    { key: 'step2' },
  );
  return `${String(name.content?.name ?? '?')} likes ${String(color.content?.color ?? '?')}`;
});
