import { defineTool } from '../generated/registry.js';
import { RED_PIXEL_PNG } from '../fixtures/media.js';

export default defineTool('test_image_content', () => ({ content: [{ type: 'image', data: RED_PIXEL_PNG, mimeType: 'image/png' }] }));
