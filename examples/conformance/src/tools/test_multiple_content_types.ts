import { defineTool } from '../generated/registry.js';
import { RED_PIXEL_PNG } from '../fixtures/media.js';

export default defineTool('test_multiple_content_types', () => ({
  content: [
    { type: 'text', text: 'Multiple content types test:' },
    { type: 'image', data: RED_PIXEL_PNG, mimeType: 'image/png' },
    { type: 'resource', resource: { uri: 'test://mixed-content-resource', mimeType: 'application/json', text: JSON.stringify({ test: 'data', value: 123 }) } },
  ],
}));
