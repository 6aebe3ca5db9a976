import { defineTool } from '../generated/registry.js';

export default defineTool('test_input_required_result_list_roots', async (_input, ctx) => {
  const roots = await ctx.listRoots({ key: 'client_roots' });
  return `Client roots: ${roots.map((root) => root.uri).join(', ') || '(none)'}`;
});
