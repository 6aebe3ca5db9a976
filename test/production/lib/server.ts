/** Starting a built MCP server process over HTTP and talking to it with the official SDK client. */
import { spawn, type ChildProcess } from 'node:child_process';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly url: URL;
  /** Everything the process wrote to stderr so far (its logs). */
  stderr(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
  stop(graceMs?: number): Promise<number | null>;
}

/**
 * Spawns `argv` in `cwd` and waits for the runtime's one `listening on <url>` line on stderr.
 */
export async function startServer(argv: readonly string[], cwd: string, env: Record<string, string | undefined>, timeoutMs = 30_000): Promise<ServerProcess> {
  const [command, ...args] = argv;
  const child = spawn(command === 'node' ? process.execPath : command!, args, { cwd, env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<URL>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "listening on" line within ${timeoutMs} ms:\n${stderr}`)), timeoutMs);
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /listening on (https?:\/\/\S+)/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve(new URL(match[1]!));
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${stderr}`));
    });
  });
  return {
    child,
    url,
    stderr: () => stderr,
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** An official SDK client connected over Streamable HTTP. */
export async function connectClient(url: URL, name = 'mcpforge-production-test'): Promise<Client> {
  const client = new Client({ name, version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(url));
  return client;
}

/** The structured result of a successful tool call (fails loudly on a tool error). */
export async function callTool<T = unknown>(client: Client, name: string, args: Record<string, unknown>, meta?: Record<string, unknown>): Promise<T> {
  const result = await client.callTool({ name, arguments: args, ...(meta ? { _meta: meta } : {}) });
  if (result.isError) throw new Error(`${name} returned a tool error: ${JSON.stringify(result.content)}`);
  return result.structuredContent as T;
}
