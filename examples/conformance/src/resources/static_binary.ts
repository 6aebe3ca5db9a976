import { defineResource } from '../generated/registry.js';
import { RED_PIXEL_PNG } from '../fixtures/media.js';

export default defineResource('static_binary', {
  read: (_params, ctx) => ({ contents: [{ uri: ctx.uri, mimeType: 'image/png', blob: RED_PIXEL_PNG }] }),
});
