import { join } from 'node:path';
import { TOOLKIT_ROOT } from './toolkit.js';

/**
 * The compilers a generated project meets: the TypeScript that `mcpforge new` declares
 * (templates/app/package.json.hbs; held by the test/typescript-7 workspace) and TypeScript 5, which
 * projects made before the template moved to 7 still declare (the toolkit's own, root node_modules).
 */
export const COMPILERS = [
  { label: 'TypeScript 7 (new projects)', tsc: join(TOOLKIT_ROOT, 'test/typescript-7/node_modules/.bin/tsc') },
  { label: 'TypeScript 5 (older projects)', tsc: join(TOOLKIT_ROOT, 'node_modules/.bin/tsc') },
] as const;
