import { definePrompt } from '../generated/registry.js';

export default definePrompt('test_prompt_with_embedded_resource', (args) => ({
  messages: [
    { role: 'user', content: { type: 'resource', resource: { uri: args.resourceUri, mimeType: 'text/plain', text: 'Embedded resource content for testing.' } } },
    { role: 'user', content: { type: 'text', text: 'Please process the embedded resource above.' } },
  ],
}));
