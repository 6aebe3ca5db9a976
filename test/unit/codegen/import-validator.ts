import { mkdirSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CompiledValidator } from '@mcpforge/runtime';

const ROOT = path.resolve(import.meta.dirname, '../../..');

/**
 * Imports a generated validator module as Node would: written under /work/main/.tmp so its
 * `require("ajv/...")` calls resolve through the toolkit's node_modules.
 */
export async function importValidator(code: string): Promise<CompiledValidator> {
  const dir = path.join(ROOT, '.tmp', 'validators');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${createHash('sha256').update(code).digest('hex').slice(0, 16)}.mjs`);
  writeFileSync(file, code);
  const mod = (await import(/* @vite-ignore */ pathToFileURL(file).href)) as { default: CompiledValidator };
  return mod.default;
}
