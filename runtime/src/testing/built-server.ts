/**
 * The project's built server (`dist/server.js`) as a real process, with the official SDK client
 * connected over stdio or Streamable HTTP: what a smoke test needs to show that the program a
 * user ships starts, speaks MCP on both transports and lists its tools.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

export interface BuiltServerOptions {
  /** The project folder (holds package.json, tsconfig.json and dist/): `new URL('..', import.meta.url)`. */
  projectRoot: string | URL;
  transport: 'stdio' | 'http';
  /**
   * Added to the environment. By default the server gets `DATABASE_URL=sqlite::memory:` (a test
   * never touches the project's data) and `LOG_LEVEL=warn`; pass values here to override them.
   */
  env?: Record<string, string>;
  /** `if-stale` (default): build first (see `buildProject`) when dist/server.js is missing or older than src/. */
  build?: 'if-stale' | 'never';
  /** How long to wait for the HTTP server's `listening on` line (default 30 s). */
  startTimeoutMs?: number;
}

export interface BuiltServer {
  client: Client;
  /** The MCP endpoint (HTTP only). */
  url?: URL;
  /** What the server wrote to stderr so far (its logs). */
  stderr(): string;
  /** Closes the client and stops the server (SIGTERM, then SIGKILL after 5 s). */
  close(): Promise<void>;
}

export async function startBuiltServer(options: BuiltServerOptions): Promise<BuiltServer> {
  const root = typeof options.projectRoot === 'string' ? options.projectRoot : fileURLToPath(options.projectRoot);
  if ((options.build ?? 'if-stale') === 'if-stale' && isStale(root)) buildProject(root);
  const entry = join(root, 'dist', 'server.js');
  if (!existsSync(entry)) throw new Error(`${entry} does not exist: run \`npm run build\` first`);
  const env: Record<string, string> = { ...(process.env as Record<string, string>), DATABASE_URL: 'sqlite::memory:', LOG_LEVEL: 'warn', ...options.env };
  const client = new Client({ name: 'mcpforge-smoke-test', version: '0.0.0' });

  if (options.transport === 'stdio') {
    const transport = new StdioClientTransport({ command: process.execPath, args: [entry, '--transport', 'stdio'], cwd: root, env, stderr: 'pipe' });
    let stderr = '';
    transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      await client.connect(transport);
    } catch (error) {
      await transport.close().catch(() => {});
      throw new Error(`the server did not answer over stdio: ${(error as Error).message}\n${stderr}`);
    }
    return { client, stderr: () => stderr, close: () => client.close() };
  }

  const child = spawn(process.execPath, [entry, '--transport', 'http', '--host', '127.0.0.1', '--port', '0'], { cwd: root, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    const url = await new Promise<URL>((resolve, reject) => {
      const timeoutMs = options.startTimeoutMs ?? 30_000;
      const timer = setTimeout(() => reject(new Error(`no "listening on" line within ${timeoutMs} ms`)), timeoutMs);
      child.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const match = /listening on (http:\/\/\S+)/.exec(stderr);
        if (match) {
          clearTimeout(timer);
          resolve(new URL(match[1]!));
        }
      });
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`the server exited with ${child.exitCode} before listening`));
      });
    });
    await client.connect(new StreamableHTTPClientTransport(url));
    return {
      client,
      url,
      stderr: () => stderr,
      async close() {
        await client.close().catch(() => {});
        await stop();
      },
    };
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n${stderr}`);
  }
}

/**
 * What the project's `npm run build` does: `tsc -p tsconfig.json` with the project's own
 * TypeScript (throws with the compiler output), then the validators' JavaScript, which tsc does
 * not read, copied into dist/.
 */
export function buildProject(projectRoot: string | URL): void {
  const root = typeof projectRoot === 'string' ? projectRoot : fileURLToPath(projectRoot);
  const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: root, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`\`tsc -p tsconfig.json\` failed in ${root}:\n${result.stdout}${result.stderr}`);
  copyValidators(join(root, 'src', 'generated', 'validators'), join(root, 'dist', 'generated', 'validators'));
}

/**
 * The validator modules (`.js`, not their `.d.ts`) missing in `to` or newer in `from` (the same
 * copy as `mcpforge dev`'s, cli/dev-steps.ts). A project whose tsconfig still has `allowJs` (made
 * before the copy step) gets them from tsc, newer than their source: skipped.
 */
function copyValidators(from: string, to: string): void {
  if (!existsSync(from)) return;
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isDirectory()) copyValidators(source, target);
    else if (entry.name.endsWith('.js') && !(existsSync(target) && statSync(target).mtimeMs >= statSync(source).mtimeMs)) copyFileSync(source, target);
  }
}

/** dist/server.js is missing, or a file under src/ (or tsconfig.json) changed after it was built. */
function isStale(root: string): boolean {
  const entry = join(root, 'dist', 'server.js');
  if (!existsSync(entry)) return true;
  const built = statSync(entry).mtimeMs;
  const newer = (path: string): boolean => {
    const info = statSync(path);
    if (!info.isDirectory()) return info.mtimeMs > built;
    return readdirSync(path).some((name) => newer(join(path, name)));
  };
  return newer(join(root, 'src')) || newer(join(root, 'tsconfig.json'));
}
