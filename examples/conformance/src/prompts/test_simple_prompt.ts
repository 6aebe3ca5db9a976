import { definePrompt } from '../generated/registry.js';

export default definePrompt('test_simple_prompt', () => 'This is a simple prompt for testing.');
