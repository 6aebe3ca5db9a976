import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { makeMigrations, makeModules, manifest } from '../__fixtures__/notes.js';
import { createLogger, createMetrics } from '../observability/index.js';
import { createServerFactory, type ServerFactory } from '../server/factory.js';
import { createDatabase, type Storage } from '../storage/index.js';
import { startHttpServer, type HttpServerHandle } from './index.js';

let storage: Storage;
let factory: ServerFactory;
let http: HttpServerHandle;
let base: string;

beforeAll(async () => {
  storage = await createDatabase('sqlite::memory:');
  await storage.migrate(makeMigrations());
  const metrics = createMetrics();
  factory = await createServerFactory({ manifest, modules: makeModules(), deps: { db: storage.db, metrics, logger: createLogger({ level: 'silent' }) } });
  http = await startHttpServer(factory, { port: 0, metrics, readiness: () => storage.check(), maxBodyBytes: 64 * 1024, logger: createLogger({ level: 'silent' }) });
  base = `http://127.0.0.1:${http.port}`;
});

afterAll(async () => {
  await http?.close(1000);
  await storage?.close();
});

async function connect(mode: 'legacy' | 'auto'): Promise<Client> {
  const client = new Client({ name: 'it', version: '1.0.0' }, { versionNegotiation: { mode } });
  await client.connect(new StreamableHTTPClientTransport(new URL(http.url)));
  return client;
}

describe.each([
  ['2025 (legacy stateless fallback)', 'legacy' as const],
  ['2026 (modern, negotiated)', 'auto' as const],
])('MCP over HTTP with a %s client', (_label, mode) => {
  let client: Client;
  beforeAll(async () => {
    client = await connect(mode);
  });
  afterAll(async () => {
    await client?.close();
  });

  it('negotiates the expected era', () => {
    const version = client.getNegotiatedProtocolVersion();
    if (mode === 'legacy') expect(version).toBe('2025-11-25');
    else expect(version).toBe('2026-07-28');
  });

  it('lists tools with their schemas byte-for-byte', async () => {
    const { tools } = await client.listTools();
    const create = tools.find((t) => t.name === 'create_note');
    expect(create?.inputSchema).toEqual(manifest.tools.create_note!.inputSchema);
    expect(create?.outputSchema).toEqual(manifest.tools.create_note!.outputSchema);
    expect(create?.title).toBe('Create a note');
    expect(tools.map((t) => t.name).sort()).toEqual(['bad_output', 'create_note', 'echo', 'explode']);
  });

  it('calls a tool with valid input and gets structured content', async () => {
    const result = await client.callTool({ name: 'create_note', arguments: { title: `hello ${mode}` } });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ title: `hello ${mode}` });
    expect(typeof (result.structuredContent as { id: unknown }).id).toBe('number');
    expect(JSON.parse((result.content as Array<{ text: string }>)[0]!.text)).toEqual(result.structuredContent);
  });

  it('rejects invalid input with the JSON pointer and rule', async () => {
    const short = await client.callTool({ name: 'create_note', arguments: { title: '' } });
    expect(short.isError).toBe(true);
    const text = (short.content as Array<{ text: string }>)[0]!.text;
    expect(text).toContain('create_note');
    expect(text).toContain('/title must NOT have fewer than 1 characters');

    const missing = await client.callTool({ name: 'create_note', arguments: {} });
    expect((missing.content as Array<{ text: string }>)[0]!.text).toContain("must have required property 'title'");
  });

  it('reads a templated resource as JSON', async () => {
    const created = await client.callTool({ name: 'create_note', arguments: { title: 'readable', body: 'b' } });
    const id = (created.structuredContent as { id: number }).id;
    const read = await client.readResource({ uri: `notes://notes/${id}` });
    const content = read.contents[0] as { text: string; mimeType: string };
    expect(content.mimeType).toBe('application/json');
    expect(JSON.parse(content.text)).toEqual({ id, title: 'readable', body: 'b' });
  });

  it('gets a prompt as one user message', async () => {
    const prompt = await client.getPrompt({ name: 'summarize', arguments: { topic: 'cats' } });
    expect(prompt.messages).toEqual([{ role: 'user', content: { type: 'text', text: 'Summarize my notes about cats.' } }]);
  });
});

describe('HTTP endpoints around /mcp', () => {
  it('/healthz answers ok', async () => {
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('/metrics exposes per-tool counters after calls', async () => {
    const client = await connect('legacy');
    await client.callTool({ name: 'echo', arguments: { text: 'm' } });
    await client.callTool({ name: 'echo', arguments: {} });
    await client.close();
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/mcp_tool_calls_total\{tool="echo",outcome="ok"\} [1-9]/);
    expect(text).toMatch(/mcp_tool_calls_total\{tool="echo",outcome="invalid"\} [1-9]/);
    expect(text).toContain('mcp_tool_call_duration_seconds_bucket');
  });

  it('unknown paths get 404 and wrong methods 405', async () => {
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    expect((await fetch(`${base}/mcp`, { method: 'PUT' })).status).toBe(405);
  });

  it('reuses pooled server instances across requests the SDK serves', async () => {
    const before = factory.stats;
    const client = await connect('auto');
    for (let i = 0; i < 5; i++) await client.listTools();
    const afterLists = factory.stats;
    expect(afterLists.reused - before.reused).toBeGreaterThanOrEqual(5);
    expect(afterLists.built - before.built).toBeLessThanOrEqual(2);
    // Modern tools/call goes through the fast path: no server instance at all.
    for (let i = 0; i < 5; i++) await client.callTool({ name: 'echo', arguments: { text: String(i) } });
    await client.close();
    const afterCalls = factory.stats;
    expect(afterCalls.built + afterCalls.reused).toBe(afterLists.built + afterLists.reused);
  });
});

describe('bad requests never crash the server', () => {
  const post = (body: string | Buffer, headers: Record<string, string> = {}) =>
    fetch(`${base}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
      body,
    });

  it('malformed JSON gets a JSON-RPC parse error', async () => {
    const res = await post('{"jsonrpc": "2.0", "id": 1,');
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    const body = (await res.json()) as { error: { code: number } };
    expect(body.error.code).toBe(-32700);
  });

  it('a wrong content type is refused with 415', async () => {
    const res = await post('hello', { 'content-type': 'text/plain' });
    expect(res.status).toBe(415);
  });

  it('a body over the limit gets 413 (declared and chunked)', async () => {
    const big = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { pad: 'x'.repeat(100 * 1024) } });
    expect((await post(big)).status).toBe(413);
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${base}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'transfer-encoding': 'chunked' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      for (let i = 0; i < 10; i++) req.write(Buffer.alloc(16 * 1024, 'a'));
      req.end();
    });
    expect(status).toBe(413);
  });

  it('a foreign Host header is refused with 403 (DNS rebinding protection)', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${base}/mcp`, { method: 'POST', headers: { host: 'evil.example', 'content-type': 'application/json' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end('{}');
    });
    expect(status).toBe(403);
  });

  it('a foreign Origin is refused with 403', async () => {
    const res = await post(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }), { origin: 'https://evil.example' });
    expect(res.status).toBe(403);
  });

  it('still serves after all of that', async () => {
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
  });
});

describe('the last line of defence', () => {
  it('answers 500 when serving a request throws, logs it, leaves no unhandled rejection and keeps serving', async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'error', destination: { write: (line: string) => void lines.push(line) } });
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const server = await startHttpServer(factory, {
      port: 0,
      logger,
      authEndpoints: async (_req, _res, path) => {
        if (path === '/boom') throw new Error('endpoint bug');
        return false;
      },
    });
    try {
      const res = await fetch(`http://127.0.0.1:${server.port}/boom`);
      expect(res.status).toBe(500);
      expect(await res.json()).toEqual({ jsonrpc: '2.0', error: { code: -32603, message: 'Internal server error' }, id: null });
      expect((await fetch(`http://127.0.0.1:${server.port}/healthz`)).status).toBeLessThan(500);
      await new Promise((r) => setTimeout(r, 20));
      expect(unhandled).toEqual([]);
      expect(lines.some((l) => l.includes('unhandled error while serving an HTTP request') && l.includes('endpoint bug'))).toBe(true);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await server.close(1000);
    }
  });
});

describe('readiness, unix sockets and shutdown', () => {
  it('/readyz turns 503 when the database is closed', async () => {
    const db = await createDatabase('sqlite::memory:');
    const server = await startHttpServer(factory, { port: 0, readiness: () => db.check() });
    try {
      expect((await fetch(`http://127.0.0.1:${server.port}/readyz`)).status).toBe(200);
      await db.close();
      const res = await fetch(`http://127.0.0.1:${server.port}/readyz`);
      expect(res.status).toBe(503);
    } finally {
      await server.close(1000);
    }
  });

  it('serves on a unix socket, replacing a stale socket file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcpforge-sock-'));
    const path = join(dir, 'mcp.sock');
    const first = await startHttpServer(factory, { socket: path });
    // Simulate a crash: the socket file stays behind when the server stops without cleanup.
    await new Promise<void>((resolve) => first.server.close(() => resolve()));
    writeFileSync(join(dir, 'marker'), '');
    const second = await startHttpServer(factory, { socket: path });
    try {
      expect(second.url).toBe(`unix:${path}`);
      const body = await new Promise<string>((resolve, reject) => {
        const req = httpRequest({ socketPath: path, path: '/healthz' }, (res) => {
          let data = '';
          res.on('data', (c) => (data += c));
          res.on('end', () => resolve(data));
        });
        req.on('error', reject);
        req.end();
      });
      expect(JSON.parse(body)).toEqual({ status: 'ok' });
    } finally {
      await second.close(1000);
    }
    expect(existsSync(path)).toBe(false);
  });

  it('refuses to replace a file that is not a socket', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcpforge-sock-'));
    const path = join(dir, 'not-a-socket');
    writeFileSync(path, 'data');
    await expect(startHttpServer(factory, { socket: path })).rejects.toThrow(/not a socket/);
  });

  it('close() lets an in-flight call finish, then refuses new connections', async () => {
    const server = await startHttpServer(factory, { port: 0 });
    const client = new Client({ name: 'it', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(server.url)));
    const slow = client.callTool({ name: 'explode', arguments: { mode: 'slow' } });
    // Poll (bounded) until the call reaches the server: a fixed sleep is flaky under load.
    for (let i = 0; i < 500 && server.inFlight === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(server.inFlight).toBe(1);
    const closing = server.close(5000);
    const result = await slow;
    expect((result.content as Array<{ text: string }>)[0]!.text).toBe('slow done, aborted=false');
    expect(await closing).toEqual({ drained: true });
    await expect(fetch(`http://127.0.0.1:${server.port}/healthz`)).rejects.toThrow();
    await client.close().catch(() => {});
  });
});
