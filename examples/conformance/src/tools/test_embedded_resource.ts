import { defineTool } from '../generated/registry.js';

export default defineTool('test_embedded_resource', () => ({
  content: [{ type: 'resource', resource: { uri: 'test://embedded-resource', mimeType: 'text/plain', text: 'This is an embedded resource content.' } }],
}));
