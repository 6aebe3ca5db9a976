/**
 * Loads a module of @mcpforge/runtime for commands that work on a project's data (`keys`,
 * `upgrade --migrate-data`). The CLI's own copy first; an mcpforge installed from its tarball has
 * none while the registry lacks the runtime (it is an optional dependency), so then the copy the
 * project installed, which is the version its database was made with anyway.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UserError } from './output.js';

interface RuntimeModules {
  storage: typeof import('@mcpforge/runtime/storage');
  auth: typeof import('@mcpforge/runtime/auth');
}

function notFound(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

export async function importRuntime<K extends keyof RuntimeModules>(module: K, projectDir: string): Promise<RuntimeModules[K]> {
  const specifier = `@mcpforge/runtime/${module}`;
  try {
    return (await import(specifier)) as RuntimeModules[K];
  } catch (error) {
    if (!notFound(error)) throw error;
  }
  let path: string;
  try {
    path = createRequire(join(projectDir, 'package.json')).resolve(specifier);
  } catch {
    throw new UserError(`${specifier} is not installed in ${projectDir}: run \`npm install\` there first.`);
  }
  return (await import(pathToFileURL(path).href)) as RuntimeModules[K];
}
