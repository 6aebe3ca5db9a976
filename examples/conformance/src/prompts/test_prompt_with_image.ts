import { definePrompt } from '../generated/registry.js';
import { RED_PIXEL_PNG } from '../fixtures/media.js';

export default definePrompt('test_prompt_with_image', () => ({
  messages: [
    { role: 'user', content: { type: 'image', data: RED_PIXEL_PNG, mimeType: 'image/png' } },
    { role: 'user', content: { type: 'text', text: 'Please analyze the image above.' } },
  ],
}));
