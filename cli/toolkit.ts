/** Locates the mcpforge package itself (templates/, runtime/), from source or from dist/. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function toolkitRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'mcpforge') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the mcpforge package root (package.json named "mcpforge")');
    dir = parent;
  }
}

export function toolkitVersion(): string {
  return (JSON.parse(readFileSync(join(toolkitRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}
