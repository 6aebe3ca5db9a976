import { definePrompt } from '../generated/registry.js';

export default definePrompt('test_prompt_with_arguments', (args) => `Prompt with arguments: arg1='${args.arg1}', arg2='${args.arg2}'`, {
  // completion/complete for arg1 (what the conformance suite asks for) and arg2.
  complete: {
    arg1: (value) => ['paris', 'park', 'party'].filter((word) => word.startsWith(value)),
    arg2: (value, ctx) => [`${ctx.args.arg1 ?? ''}-${value}`],
  },
});
