/** Raw HTTP and SDK helpers for the auth suites (exact statuses and headers need raw fetch). */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { execa } from 'execa';
import { CLI } from '../helpers/toolkit.js';
import { startServer, type ServerProcess } from '../production/lib/server.js';

export interface RpcReply {
  status: number;
  headers: Headers;
  /** The JSON-RPC message (from a JSON or an SSE body), or the JSON error body of a refusal. */
  body: any;
  text: string;
}

let nextId = 1;

/** One 2025-11-25 stateless JSON-RPC request (no session needed). */
export async function rpc(url: URL | string, method: string, params: Record<string, unknown>, headers: Record<string, string> = {}): Promise<RpcReply> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25', ...headers },
    body: JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params }),
  });
  const text = await response.text();
  let body: any;
  const data = /^data: (.*)$/m.exec(text);
  try {
    body = JSON.parse(data ? data[1]! : text);
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, body, text };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** An official SDK client that sends `headers` on every request. */
export async function clientWith(url: URL, headers: Record<string, string>, name = 'auth-suite'): Promise<Client> {
  const client = new Client({ name, version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers } }));
  return client;
}

/** The metrics credential every server here gets: with an auth mode, /metrics answers nothing else. */
export const METRICS_TOKEN = 'auth-suite-metrics-token-0123456789';

/** Starts the built project over HTTP with only the given environment (plus PATH and the metrics token). */
export function serve(dir: string, env: Record<string, string>): Promise<ServerProcess> {
  return startServer(['node', 'dist/server.js', '--transport', 'http', '--port', '0'], dir, { PATH: process.env.PATH, LOG_LEVEL: 'debug', MCP_METRICS_TOKEN: METRICS_TOKEN, ...env });
}

/** Runs the toolkit CLI in `dir` with a clean DATABASE_URL (the project's default SQLite file). */
export function cli(dir: string, ...args: string[]) {
  const env: Record<string, string | undefined> = { ...process.env };
  delete env.DATABASE_URL;
  return execa(process.execPath, [CLI, ...args], { cwd: dir, reject: false, all: true, env, extendEnv: false });
}

/** Creates an API key with the real CLI and returns it. */
export async function createKey(dir: string, name: string, scopes: string[]): Promise<string> {
  const run = await cli(dir, 'keys', 'create', '--name', name, ...(scopes.length > 0 ? ['--scopes', scopes.join(',')] : []));
  if (run.exitCode !== 0) throw new Error(`keys create failed:\n${run.all}`);
  return run.stdout.trim();
}

/** Runs the built server expecting it to refuse to start; returns exit code and stderr. */
export async function failingStart(dir: string, env: Record<string, string>): Promise<{ exitCode: number | undefined; stderr: string }> {
  const run = await execa(process.execPath, ['dist/server.js', '--transport', 'http', '--port', '0'], {
    cwd: dir,
    reject: false,
    env: { PATH: process.env.PATH, ...env },
    extendEnv: false,
    timeout: 30_000,
  });
  return { exitCode: run.exitCode, stderr: run.stderr };
}
