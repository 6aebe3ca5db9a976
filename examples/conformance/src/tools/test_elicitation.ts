import { defineTool } from '../generated/registry.js';

export default defineTool('test_elicitation', async (input, ctx) => {
  const answer = await ctx.elicit({
    message: input.message,
    requestedSchema: {
      type: 'object',
      properties: {
        username: { type: 'string', description: "User's response" },
        email: { type: 'string', description: "User's email address" },
      },
      required: ['username', 'email'],
    },
  });
  return `User response: action=${answer.action}, content=${JSON.stringify(answer.content ?? {})}`;
});
