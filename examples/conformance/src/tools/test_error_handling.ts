import { ToolError } from '@mcpforge/runtime';
import { defineTool } from '../generated/registry.js';

// A ToolError's message reaches the client as an `isError` result; other errors become a generic internal error.
export default defineTool('test_error_handling', () => {
  throw new ToolError('This tool intentionally returns an error for testing');
});
