import { checkClaude } from './claude.js';
import { checkCursor } from './cursor.js';
import { checkGemini } from './gemini.js';
import { checkOpenAiStrict } from './openai-strict.js';
import { checkVsCode } from './vscode.js';
import type { Node } from './walk.js';

/** One independent rule checker per profile (`full` takes any valid JSON Schema). */
export const CHECKERS: Record<string, (schema: Node) => string[]> = {
  full: () => [],
  claude: checkClaude,
  'openai-strict': checkOpenAiStrict,
  gemini: checkGemini,
  vscode: checkVsCode,
  cursor: checkCursor,
};
