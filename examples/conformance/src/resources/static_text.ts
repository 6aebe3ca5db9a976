import { defineResource } from '../generated/registry.js';

export default defineResource('static_text', { read: () => 'This is the content of the static text resource.' });
