/** Reads the files an upgrade plan looks at from a project folder (no writes). */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export function readProjectFiles(dir: string, deploymentPaths: Iterable<string>): Map<string, string> {
  const files = new Map<string, string>();
  for (const path of ['mcpforge.yaml', 'package.json', 'README.md', '.env.example', ...deploymentPaths]) {
    const full = join(dir, path);
    if (existsSync(full)) files.set(path, readFileSync(full, 'utf8'));
  }
  const migrations = join(dir, 'migrations');
  if (existsSync(migrations)) for (const name of readdirSync(migrations)) files.set(`migrations/${name}`, '');
  return files;
}
