/**
 * Serve-time shaping end to end: a real server process (the built runtime's `runServer`) and the
 * official SDK client with the clientInfo of each profile, over stdio (2025 initialize), HTTP with
 * 2026-07-28 (clientInfo in each request's envelope; the fast path serves the calls) and HTTP with
 * 2025 stateful sessions. Each client sees its profile's schemas in tools/list, calls tools the way
 * a model would through them, and the handler receives arguments valid for the full schema.
 * WebSocket (2025 initialize on one socket) too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/client/stdio';
import { WebSocketClientTransport } from '../../runtime/src/transports/index.js';
import { writeManifestServer } from './manifest-server.js';
import { CASES, manifest } from './serve-fixture.js';

const root = mkdtempSync(join(tmpdir(), 'mcpforge-profiles-'));
const entry = join(root, 'server.mjs');

beforeAll(() => {
  // Every tool echoes the arguments it receives (after validation against the full schema).
  writeManifestServer(root, manifest, { handler: '(input) => JSON.stringify(input)' });
});

const env = (extra: Record<string, string> = {}) => ({ ...getDefaultEnvironment(), PROJECT_ROOT: pathToFileURL(root + '/').href, DATABASE_URL: 'sqlite::memory:', LOG_LEVEL: 'warn', ...extra });

async function exercise(client: Client, profile: string): Promise<void> {
  const c = CASES[profile]!;
  const { tools } = await client.listTools();
  c.shows(Object.fromEntries(tools.map((t) => [t.name, t.inputSchema as Record<string, unknown>])));
  for (const [tool, sent, received] of c.calls) {
    const result = await client.callTool({ name: tool, arguments: sent });
    const text = (result.content as Array<{ text: string }>)[0]!.text;
    expect(result.isError ?? false, `${profile} ${tool}: ${text}`).toBe(false);
    expect(JSON.parse(text), `${profile} ${tool}`).toEqual(received);
  }
}

const PROFILES = Object.keys(CASES);

describe('stdio (clientInfo from initialize)', () => {
  it.each(PROFILES)('%s', async (profile) => {
    const transport = new StdioClientTransport({ command: process.execPath, args: [entry], env: env(), stderr: 'pipe' });
    const client = new Client({ name: CASES[profile]!.clientName, version: '1.0.0' });
    await client.connect(transport);
    try {
      await exercise(client, profile);
    } finally {
      await client.close();
    }
  });
});

describe('stdio, 2026-07-28 (clientInfo in each envelope; the first tools/list answered before the runtime loads)', () => {
  it.each(PROFILES)('%s', async (profile) => {
    const transport = new StdioClientTransport({ command: process.execPath, args: [entry], env: env(), stderr: 'pipe' });
    const client = new Client({ name: CASES[profile]!.clientName, version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
    await client.connect(transport);
    try {
      await exercise(client, profile);
    } finally {
      await client.close();
    }
  });
});

function startHttp(extra: Record<string, string> = {}): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [entry, '--transport', 'http', '--port', '0'], { env: env(extra), stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /^listening on (http:\/\/127\.0\.0\.1:\d+\/mcp)$/m.exec(stderr);
      if (match) resolve({ child, url: match[1]! });
    });
    child.once('exit', () => reject(new Error(`server exited:\n${stderr}`)));
  });
}

describe.each([
  ['2026-07-28 stateless (clientInfo in each envelope; fast path)', 'auto' as const, {}],
  ['2025 stateful sessions (clientInfo from initialize)', 'legacy' as const, { MCP_HTTP_SESSIONS: 'stateful' }],
])('HTTP, %s', (_label, mode, extra) => {
  let server: { child: ChildProcess; url: string };
  beforeAll(async () => {
    server = await startHttp(extra);
  });
  afterAll(() => {
    server?.child.kill('SIGKILL');
  });
  it.each(PROFILES)('%s', async (profile) => {
    const client = new Client({ name: CASES[profile]!.clientName, version: '1.0.0' }, { versionNegotiation: { mode } });
    await client.connect(new StreamableHTTPClientTransport(new URL(server.url)));
    try {
      await exercise(client, profile);
    } finally {
      await client.close();
    }
  });
});

describe('WebSocket (clientInfo from initialize on the long-lived socket)', () => {
  let server: { child: ChildProcess; url: string };
  beforeAll(async () => {
    server = await startHttp({ MCP_WEBSOCKET: 'on' });
  });
  afterAll(() => {
    server?.child.kill('SIGKILL');
  });
  it.each(PROFILES)('%s', async (profile) => {
    const client = new Client({ name: CASES[profile]!.clientName, version: '1.0.0' });
    await client.connect(new WebSocketClientTransport(new URL(server.url.replace('http:', 'ws:').replace(/\/mcp$/, '/ws'))));
    try {
      await exercise(client, profile);
    } finally {
      await client.close();
    }
  });
});

describe('MCP_CLIENT_PROFILE fixes the profile for every client', () => {
  it('a client calling itself claude-code gets gemini schemas over 2025 stateless HTTP', async () => {
    const server = await startHttp({ MCP_CLIENT_PROFILE: 'gemini' });
    try {
      const client = new Client({ name: 'claude-code', version: '1.0.0' }, { versionNegotiation: { mode: 'legacy' } });
      await client.connect(new StreamableHTTPClientTransport(new URL(server.url)));
      await exercise(client, 'gemini');
      await client.close();
    } finally {
      server.child.kill('SIGKILL');
    }
  });
});

describe('progressive discovery (MCP_DISCOVERY=progressive)', () => {
  async function discover(client: Client): Promise<void> {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['call_tool', 'describe_tool', 'search_tools']);
    const found = await client.callTool({ name: 'search_tools', arguments: { query: 'look up one thing by name', limit: 5 } });
    expect((found.structuredContent as { tools: Array<{ name: string }> }).tools[0]!.name).toBe('lookup');
    const described = await client.callTool({ name: 'describe_tool', arguments: { name: 'search' } });
    const schema = JSON.parse((described.content as Array<{ text: string }>)[0]!.text).inputSchema as { properties: Record<string, { enum?: unknown[] }> };
    // The caller is a Gemini client: the schema it is shown is the Gemini one.
    expect(schema.properties.level!.enum).toEqual(['1', '2', '3']);
    const called = await client.callTool({ name: 'call_tool', arguments: { name: 'search', arguments: { query: 'cats', level: '2' } } });
    expect(JSON.parse((called.content as Array<{ text: string }>)[0]!.text)).toEqual({ query: 'cats', level: 2 });
    // Validated like a direct call: the full schema's pattern still applies.
    const invalid = await client.callTool({ name: 'call_tool', arguments: { name: 'search', arguments: { query: 'NOT lower case' } } });
    expect(invalid.isError).toBe(true);
    expect((invalid.content as Array<{ text: string }>)[0]!.text).toContain('/query');
    const unknown = await client.callTool({ name: 'describe_tool', arguments: { name: 'nope' } });
    expect(unknown.isError).toBe(true);
  }

  it('over stdio', async () => {
    const transport = new StdioClientTransport({ command: process.execPath, args: [entry], env: env({ MCP_DISCOVERY: 'progressive' }), stderr: 'pipe' });
    const client = new Client({ name: 'gemini-cli-mcp-client', version: '1.0.0' });
    await client.connect(transport);
    try {
      await discover(client);
    } finally {
      await client.close();
    }
  });

  it('over HTTP (2026-07-28)', async () => {
    const server = await startHttp({ MCP_DISCOVERY: 'progressive' });
    try {
      const client = new Client({ name: 'gemini-cli-mcp-client', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
      await client.connect(new StreamableHTTPClientTransport(new URL(server.url)));
      await discover(client);
      await client.close();
    } finally {
      server.child.kill('SIGKILL');
    }
  });
});
