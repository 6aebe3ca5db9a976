import { defineTool } from '../generated/registry.js';

// ctx.clientLog respects the level the request asked for; without one nothing is sent to the client.
export default defineTool('test_logging_tool', async (_input, ctx) => {
  await ctx.clientLog('info', 'first log message');
  await ctx.clientLog('warning', 'second log message');
  return 'logged';
});
