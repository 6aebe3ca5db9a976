import { defineTool } from '../generated/registry.js';
import { pause } from '../fixtures/media.js';

// ctx.clientLog goes to the client (notifications/message, filtered by its logging/setLevel) and to the server log.
export default defineTool('test_tool_with_logging', async (_input, ctx) => {
  await ctx.clientLog('info', 'Tool execution started');
  await pause(50, ctx.signal);
  await ctx.clientLog('info', 'Tool processing data');
  await pause(50, ctx.signal);
  await ctx.clientLog('info', 'Tool execution completed');
  return 'Tool with logging executed successfully';
});
