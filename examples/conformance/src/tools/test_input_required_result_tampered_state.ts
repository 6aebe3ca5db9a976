import { defineTool } from '../generated/registry.js';

// A retry whose requestState was altered is answered -32602 by the runtime before this runs again.
export default defineTool('test_input_required_result_tampered_state', async (_input, ctx) => {
  await ctx.elicit({ message: 'Please confirm', requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] } }, { key: 'confirm' });
  return 'state-ok';
});
