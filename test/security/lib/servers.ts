/**
 * Running generated servers for the adversarial suite: a golden example copied into a temp git
 * repository (node_modules linked, see test/production/lib/project.ts), compiled once per test
 * file, then served over HTTP (a child process on a free port) or stdio (a child process whose
 * stdin/stdout the raw driver in stdio.ts speaks JSON-RPC lines over).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { buildProject, exampleProject } from '../../production/lib/project.js';
import { startServer, type ServerProcess } from '../../production/lib/server.js';
import { StdioDriver } from './stdio.js';

export type Example = 'notes' | 'files' | 'all';

/** Copies and builds an example (about 4 s); returns its folder. */
export async function builtExample(name: Example): Promise<string> {
  const dir = await exampleProject(name);
  await buildProject(dir);
  return dir;
}

/** The environment every server here gets: an in-memory database, quiet-ish logs, no inherited MCP_* knobs. */
export function serverEnv(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('MCP_') && key !== 'DATABASE_URL' && key !== 'REDIS_URL') env[key] = value;
  return { ...env, DATABASE_URL: 'sqlite::memory:', LOG_LEVEL: 'info', ...extra };
}

/** `node dist/server.js --transport http --port 0` in `dir`; resolves once it is listening. */
export function startHttp(dir: string, env: Record<string, string | undefined> = {}): Promise<ServerProcess> {
  return startServer(['node', join(dir, 'dist', 'server.js'), '--transport', 'http', '--port', '0'], dir, serverEnv(env));
}

/** `node dist/server.js --transport stdio` in `dir`, with a raw JSON-RPC line driver on its pipes. */
export function startStdio(dir: string, env: Record<string, string | undefined> = {}): StdioDriver {
  const child = spawn(process.execPath, [join(dir, 'dist', 'server.js'), '--transport', 'stdio'], {
    cwd: dir,
    env: serverEnv(env) as NodeJS.ProcessEnv,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  return new StdioDriver(child);
}

/** Whether a child process is still running (no exit code, no signal). */
export function alive(server: { child: { exitCode: number | null; signalCode: NodeJS.Signals | null } }): boolean {
  return server.child.exitCode === null && server.child.signalCode === null;
}
