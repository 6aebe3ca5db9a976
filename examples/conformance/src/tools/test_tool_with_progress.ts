import { defineTool } from '../generated/registry.js';
import { pause } from '../fixtures/media.js';

// ctx.progress is a no-op unless the client sent a progress token.
export default defineTool('test_tool_with_progress', async (_input, ctx) => {
  await ctx.progress(0, 100);
  await pause(50, ctx.signal);
  await ctx.progress(50, 100);
  await pause(50, ctx.signal);
  await ctx.progress(100, 100);
  return 'Tool with progress executed successfully';
});
