import { ToolError } from '@mcpforge/runtime';
import { defineTool } from '../generated/registry.js';

export default defineTool('hello', async (input, ctx) => {
  // input: HelloInput (already validated); return a string or a CallToolResult.
  // ctx has db (Kysely), cache, log, auth, signal and progress().
  throw new ToolError('not implemented yet: edit src/tools/hello.ts');
});
