/**
 * `mcpforge upgrade --auth <mode>`: sets `auth.mode` in mcpforge.yaml, documents the mode's
 * variables in .env.example and regenerates, so the next build serves with that mode.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAuthMode, withAuthEnv, withAuthMode } from '../../generators/upgrade/auth.js';
import { UserError } from '../output.js';

export async function upgradeAuth(dir: string, value: string, dryRun: boolean): Promise<void> {
  let mode;
  try {
    mode = parseAuthMode(value);
  } catch (error) {
    throw new UserError((error as Error).message);
  }
  const specPath = join(dir, 'mcpforge.yaml');
  if (!existsSync(specPath)) throw new UserError(`${specPath} not found: run \`mcpforge upgrade --auth\` in the project folder (or pass --dir)`);
  const envPath = join(dir, '.env.example');
  let spec: string;
  try {
    spec = withAuthMode(readFileSync(specPath, 'utf8'), mode);
  } catch (error) {
    throw new UserError(`${specPath}: ${(error as Error).message}`);
  }
  const env = withAuthEnv(existsSync(envPath) ? readFileSync(envPath, 'utf8') : '', mode);
  if (dryRun) {
    process.stdout.write(`Would set auth.mode: ${mode} in mcpforge.yaml, document its variables in .env.example and run \`mcpforge generate\`.\n`);
    return;
  }
  writeFileSync(specPath, spec);
  writeFileSync(envPath, env);
  process.stdout.write(`  update mcpforge.yaml (auth.mode: ${mode})\n  update .env.example (auth variables)\n`);
  const { generateCommand } = await import('./generate.js');
  await generateCommand({ spec: specPath });
  if (mode === 'apiKey') process.stdout.write('Create a key with `mcpforge keys create --name <name> --scopes a,b` (shown once).\n');
  if (mode === 'jwt' || mode === 'oauth' || mode === 'oauth-proxy') process.stdout.write('Set the variables documented in .env.example; the server refuses to start without them and says which are missing.\n');
}
