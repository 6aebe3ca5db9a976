import { defineTool } from '../generated/registry.js';

// The runtime signs requestState and rejects a forged one before this handler runs, so reaching the
// return below means the state came back intact.
export default defineTool('test_input_required_result_request_state', async (_input, ctx) => {
  const answer = await ctx.elicit(
    { message: 'Please confirm', requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] } },
    { key: 'confirm' },
  );
  return `state-ok: confirmed=${String(answer.content?.ok ?? false)}`;
});
