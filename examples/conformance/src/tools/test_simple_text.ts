import { defineTool } from '../generated/registry.js';

export default defineTool('test_simple_text', () => 'This is a simple text response for testing.');
