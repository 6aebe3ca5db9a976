/**
 * `auth.mode: custom`: generate creates the user-owned src/auth.ts once (never overwritten), the
 * runtime calls its hook before any MCP handling, and the identity it returns reaches handlers
 * (ctx.auth), scope checks and the audit log. The server runs the generated example hook as is.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mcpforge } from '../production/lib/project.js';
import { startServer, type ServerProcess } from '../production/lib/server.js';
import { tlsProject } from './lib/tls-project.js';

const SECRET = 'correct-horse-battery-staple-0123456789';
let dir: string;
let server: ServerProcess;

beforeAll(async () => {
  // The project and its src/auth.ts come from the real `mcpforge new --auth custom`.
  dir = await tlsProject('', { scoped: true, newArgs: ['--auth', 'custom'] });
  server = await startServer(['node', 'dist/server.js'], dir, {
    PATH: process.env.PATH,
    MCP_TRANSPORT: 'http',
    MCP_PORT: '0',
    DATABASE_URL: 'sqlite::memory:',
    LOG_LEVEL: 'info',
    DEMO_AUTH_SECRET: SECRET,
  });
});
afterAll(async () => {
  await server?.stop();
});

async function connect(headers: Record<string, string>): Promise<Client> {
  const client = new Client({ name: 'custom-auth-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(server.url, { requestInit: { headers } }));
  return client;
}

async function post(headers: Record<string, string>): Promise<{ status: number; body: string; challenge: string | null }> {
  const response = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
  });
  return { status: response.status, body: await response.text(), challenge: response.headers.get('www-authenticate') };
}

describe('auth.mode: custom', () => {
  it('`new --auth custom` wrote the mode, src/auth.ts with a typed defineAuthenticator hook, and a loader for it', () => {
    expect(readFileSync(join(dir, 'mcpforge.yaml'), 'utf8')).toMatch(/^auth:\n {2}mode: custom$/m);
    const hook = readFileSync(join(dir, 'src', 'auth.ts'), 'utf8');
    expect(hook).toContain("import { defineAuthenticator, reject } from '@mcpforge/runtime/custom-auth';");
    expect(hook).toContain('export default defineAuthenticator(async (request) => {');
    expect(readFileSync(join(dir, 'src', 'generated', 'handlers.ts'), 'utf8')).toContain("authenticator: () => import('../auth.js')");
  });

  it('rejects as its code says: no header and a wrong secret get 401 with its message, before any MCP handling', async () => {
    const missing = await post({});
    expect(missing.status).toBe(401);
    expect(missing.body).toContain('send the X-Demo-Auth header');
    expect(missing.challenge).toMatch(/^Bearer\b/);
    const wrong = await post({ 'x-demo-auth': 'wrong' });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toContain('unknown X-Demo-Auth secret');
    expect(wrong.body).not.toContain('whoami');
  });

  it('accepts as its code says; its identity reaches the handler and the audit log', async () => {
    const client = await connect({ 'x-demo-auth': SECRET });
    try {
      const who = await client.callTool({ name: 'whoami', arguments: {} });
      expect(who.structuredContent).toEqual({ subject: 'demo-user', scopes: [], anonymous: false, method: 'custom' });
      let line: Record<string, unknown> | undefined;
      for (let i = 0; i < 200 && !line; i++) {
        line = server
          .stderr()
          .split('\n')
          .filter((l) => l.includes('"msg":"audit"') && l.includes('"tool":"whoami"'))
          .map((l) => JSON.parse(l) as Record<string, unknown>)[0];
        if (!line) await new Promise((resolve) => setTimeout(resolve, 25));
      }
      expect(line).toMatchObject({ subject: 'demo-user', kind: 'tool', tool: 'whoami', outcome: 'ok' });
    } finally {
      await client.close();
    }
  });

  it('composes with scopes: the hook grants none, so a tool that needs billing:write is refused', async () => {
    const client = await connect({ 'x-demo-auth': SECRET });
    try {
      expect((await client.listTools()).tools.map((t) => t.name)).not.toContain('charge');
      const denied = await client.callTool({ name: 'charge', arguments: {} }).then(
        (result) => JSON.stringify(result),
        (error: Error) => error.message,
      );
      expect(denied).toMatch(/billing:write|scope/i);
      expect(denied).not.toContain('charged by');
    } finally {
      await client.close();
    }
  });

  it('generate never overwrites the user-owned src/auth.ts', async () => {
    const file = join(dir, 'src', 'auth.ts');
    const edited = `${readFileSync(file, 'utf8')}\n// my own change\n`;
    writeFileSync(file, edited);
    const again = await mcpforge(dir, 'generate');
    expect(again.exitCode, again.all).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(edited);
  });
});
