import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const TOOLKIT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = join(TOOLKIT_ROOT, 'bin', 'mcpforge.js');
