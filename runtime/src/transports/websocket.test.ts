import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/client';
import WebSocket from 'ws';
import { makeMigrations, makeModules, manifest } from '../__fixtures__/notes.js';
import { createLogger, createMetrics } from '../observability/index.js';
import { createServerFactory, type ServerFactory } from '../server/factory.js';
import { createDatabase, type Storage } from '../storage/index.js';
import type { Authenticator } from '../auth/types.js';
import { ConfigError, loadConfig } from '../config/index.js';
import { InMemoryTransport, type McpServer } from '@modelcontextprotocol/server';
import { startHttpServer, withAuthInfo, WebSocketClientTransport, WebSocketUpgradeError, type HttpServerHandle } from './index.js';

const MAX = 64 * 1024;
let storage: Storage;
let factory: ServerFactory;
let http: HttpServerHandle;
let wsUrl: string;

beforeAll(async () => {
  storage = await createDatabase('sqlite::memory:');
  await storage.migrate(makeMigrations());
  factory = await createServerFactory({ manifest, modules: makeModules(), deps: { db: storage.db, metrics: createMetrics(), logger: createLogger({ level: 'silent' }) } });
  http = await startHttpServer(factory, { port: 0, maxBodyBytes: MAX, websocket: true, logger: createLogger({ level: 'silent' }) });
  wsUrl = `ws://127.0.0.1:${http.port}/ws`;
});

afterAll(async () => {
  await http?.close(1000);
  await storage?.close();
});

async function connect(mode: 'legacy' | 'auto', url = wsUrl): Promise<Client> {
  const client = new Client({ name: 'ws-it', version: '1.0.0' }, { versionNegotiation: { mode } });
  await client.connect(new WebSocketClientTransport(url));
  return client;
}

/** A raw socket speaking subprotocol `mcp`, collecting every frame it receives. */
async function rawSocket(options: WebSocket.ClientOptions = {}): Promise<{ ws: WebSocket; next(): Promise<Record<string, unknown>>; closed: Promise<number> }> {
  const ws = new WebSocket(wsUrl, ['mcp'], options);
  const queue: Array<Record<string, unknown>> = [];
  const waiters: Array<(value: Record<string, unknown>) => void> = [];
  ws.on('message', (data) => {
    const value = JSON.parse(String(data)) as Record<string, unknown>;
    const waiter = waiters.shift();
    if (waiter) waiter(value);
    else queue.push(value);
  });
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return {
    ws,
    closed,
    next: () => (queue.length > 0 ? Promise.resolve(queue.shift()!) : new Promise((resolve) => waiters.push(resolve))),
  };
}

describe.each([
  ['2025 (initialize handshake)', 'legacy' as const, '2025-11-25'],
  ['2026 (server/discover)', 'auto' as const, '2026-07-28'],
])('MCP over WebSocket with a %s client', (_label, mode, version) => {
  let client: Client;
  beforeAll(async () => {
    client = await connect(mode);
  });
  afterAll(async () => {
    await client?.close();
  });

  it('negotiates the era on the one connection', () => {
    expect(client.getNegotiatedProtocolVersion()).toBe(version);
  });

  it('lists tools with their schemas', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['bad_output', 'create_note', 'echo', 'explode']);
    expect(tools.find((t) => t.name === 'create_note')?.inputSchema).toEqual(manifest.tools.create_note!.inputSchema);
  });

  it('calls tools: structured content, and validation errors naming the field', async () => {
    const created = await client.callTool({ name: 'create_note', arguments: { title: `over ws ${mode}` } });
    expect(created.isError).toBeFalsy();
    expect(created.structuredContent).toMatchObject({ title: `over ws ${mode}` });
    const invalid = await client.callTool({ name: 'create_note', arguments: { title: '' } });
    expect(invalid.isError).toBe(true);
    expect((invalid.content as Array<{ text: string }>)[0]!.text).toContain('/title must NOT have fewer than 1 characters');
  });

  it('serves several calls at once on one socket', async () => {
    const results = await Promise.all(['a', 'b', 'c', 'd'].map((text) => client.callTool({ name: 'echo', arguments: { text } })));
    // Each answer goes to its own request (the echo fixture may add who called).
    expect(results.map((r) => (r.content as Array<{ text: string }>)[0]!.text.split(' ')[0])).toEqual(['a', 'b', 'c', 'd']);
  });
});

describe('bad frames never crash the server', () => {
  it('answers non-JSON, binary, batch and non-JSON-RPC frames with errors and keeps the socket open', async () => {
    const { ws, next } = await rawSocket();
    ws.send('{not json');
    expect(await next()).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32700 } });
    ws.send(Buffer.from([0xff, 0x00, 0x01]), { binary: true });
    expect(await next()).toMatchObject({ id: null, error: { code: -32700, message: expect.stringContaining('text frame') } });
    // As on stdio (one envelope check, core/jsonrpc.ts): each request of a batch is answered by its id.
    ws.send('[{"jsonrpc":"2.0","id":1,"method":"ping"}]');
    expect(await next()).toMatchObject({ id: 1, error: { code: -32600, message: expect.stringContaining('batches') } });
    ws.send('[]');
    expect(await next()).toMatchObject({ id: null, error: { code: -32600, message: expect.stringContaining('batches') } });
    ws.send('{"jsonrpc":"2.0","id":7,"nomethod":true}');
    expect(await next()).toMatchObject({ id: 7, error: { code: -32600 } });
    ws.send('"just a string"');
    expect(await next()).toMatchObject({ id: null, error: { code: -32600 } });

    // The same socket still speaks MCP.
    ws.send(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
      }),
    );
    expect(await next()).toMatchObject({ id: 1, result: { serverInfo: { name: 'notes' } } });
    ws.close();
  });

  it('closes only the offending socket with 1009 on an oversized frame', async () => {
    const { ws, closed } = await rawSocket();
    ws.send('x'.repeat(MAX + 1));
    expect(await closed).toBe(1009);
    const client = await connect('auto');
    expect((await client.listTools()).tools.length).toBe(4);
    await client.close();
  });
});

describe('upgrade checks', () => {
  const refusal = async (url: string, headers: Record<string, string> = {}) => {
    const error = await new WebSocketClientTransport(url, { headers }).start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WebSocketUpgradeError);
    return error as WebSocketUpgradeError;
  };

  it('refuses a foreign Origin with 403 (the same check as /mcp)', async () => {
    const error = await refusal(wsUrl, { Origin: 'http://evil.example' });
    expect(error.status).toBe(403);
    expect(error.body).toContain('evil.example');
  });

  it('refuses a foreign Host with 403', async () => {
    const error = await refusal(wsUrl, { Host: 'rebind.example' });
    expect(error.status).toBe(403);
  });

  it('refuses other paths with 404 and a missing mcp subprotocol with 400', async () => {
    expect((await refusal(`ws://127.0.0.1:${http.port}/mcp`)).status).toBe(404);
    const noProtocol = new WebSocket(wsUrl);
    noProtocol.on('error', () => {});
    const status = await new Promise<number>((resolve) => {
      noProtocol.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      noProtocol.once('open', () => resolve(101));
    });
    expect(status).toBe(400);
  });

  it('accepts a localhost Origin', async () => {
    const client = new Client({ name: 'ws-origin', version: '1.0.0' });
    await client.connect(new WebSocketClientTransport(wsUrl, { headers: { Origin: `http://localhost:${http.port}` } }));
    expect((await client.listTools()).tools.length).toBe(4);
    await client.close();
  });
});

describe('authentication on upgrade', () => {
  // The HTTP transport's authenticator runs before the socket is accepted; its identity reaches handlers.
  const authenticate: Authenticator = async (req) =>
    req.headers.authorization === 'Bearer good'
      ? { ok: true, identity: { subject: 'alice', scopes: [], anonymous: false, method: 'test' } }
      : { ok: false, rejection: { status: 401, error: 'invalid_token', description: 'bad token', presented: true } };
  let server: HttpServerHandle;
  let url: string;
  beforeAll(async () => {
    server = await startHttpServer(factory, { port: 0, websocket: true, authenticate });
    url = `ws://127.0.0.1:${server.port}/ws`;
  });
  afterAll(async () => {
    await server?.close(1000);
  });

  it('refuses a bad credential with 401 and a challenge, before any MCP message', async () => {
    const error = await new WebSocketClientTransport(url, { headers: { Authorization: 'Bearer bad' } }).start().then(
      () => undefined,
      (e: unknown) => e as WebSocketUpgradeError,
    );
    expect(error).toBeInstanceOf(WebSocketUpgradeError);
    expect(error!.status).toBe(401);
    expect(error!.body).toContain('bad token');
  });

  it("hands the connection's identity to every handler call on it (both eras)", async () => {
    for (const mode of ['legacy', 'auto'] as const) {
      const client = new Client({ name: 'ws-auth', version: '1.0.0' }, { versionNegotiation: { mode } });
      await client.connect(new WebSocketClientTransport(url, { headers: { Authorization: 'Bearer good' } }));
      const results = await Promise.all([1, 2].map(() => client.callTool({ name: 'echo', arguments: { text: 'who' } })));
      for (const result of results) expect((result.content as Array<{ text: string }>)[0]!.text).toContain('alice');
      await client.close();
    }
  });
});

describe('withAuthInfo', () => {
  it('wraps only the connect of one connection; the pooled instance is unchanged afterwards', async () => {
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    const info = { token: 'redacted', clientId: 'c', scopes: [], extra: { identity: { subject: 'bob', scopes: [], anonymous: false } } };
    const product = (await withAuthInfo(factory, info)({ era: 'legacy' })) as McpServer;
    expect(Object.hasOwn(product, 'connect')).toBe(true);
    await product.connect(serverSide);
    expect(Object.hasOwn(product, 'connect')).toBe(false);
    const client = new Client({ name: 'mem', version: '1.0.0' }, { versionNegotiation: { mode: 'legacy' } });
    await client.connect(clientSide);
    const result = await client.callTool({ name: 'echo', arguments: { text: 'x' } });
    expect((result.content as Array<{ text: string }>)[0]!.text).toContain('bob');
    await client.close();
    await product.close();
  });
});

describe('keep-alive and shutdown', () => {
  it('drops a peer that stops answering pings', async () => {
    const server = await startHttpServer(factory, { port: 0, websocket: { pingIntervalMs: 40 } });
    try {
      const deaf = new WebSocket(`ws://127.0.0.1:${server.port}/ws`, ['mcp'], { autoPong: false });
      const code = await new Promise<number>((resolve) => deaf.once('close', (c) => resolve(c)));
      // Terminated without a closing handshake: the client sees 1006.
      expect(code).toBe(1006);
      const healthy = new Client({ name: 'ws-alive', version: '1.0.0' });
      await healthy.connect(new WebSocketClientTransport(`ws://127.0.0.1:${server.port}/ws`));
      // A socket that answers pings survives several intervals.
      for (let i = 0; i < 4; i++) {
        await new Promise((resolve) => setTimeout(resolve, 40));
        await healthy.ping();
      }
      await healthy.close();
    } finally {
      await server.close(1000);
    }
  });

  it('lets an in-flight call finish, refuses new upgrades, then closes sockets with 1001', async () => {
    const server = await startHttpServer(factory, { port: 0, websocket: true });
    const url = `ws://127.0.0.1:${server.port}/ws`;
    const transport = new WebSocketClientTransport(url);
    const client = new Client({ name: 'ws-shutdown', version: '1.0.0' });
    await client.connect(transport);
    let closedByServer = false;
    const previous = transport.onclose;
    transport.onclose = () => {
      closedByServer = true;
      previous?.();
    };
    const slow = client.callTool({ name: 'explode', arguments: { mode: 'slow' } });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closing = server.close(5000);
    const result = await slow;
    expect((result.content as Array<{ text: string }>)[0]!.text).toBe('slow done, aborted=false');
    expect(await closing).toEqual({ drained: true });
    expect(closedByServer).toBe(true);
    await expect(new WebSocketClientTransport(url).start()).rejects.toThrow();
  });
});

describe('configuration', () => {
  const load = (argv: string[], env: Record<string, string> = {}, offered: Array<'stdio' | 'http' | 'websocket'> = ['stdio', 'http', 'websocket']) =>
    loadConfig({ argv, env, name: 'notes', projectRoot: '/tmp/p', offered });
  const problems = (run: () => unknown) => {
    try {
      run();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as ConfigError).message;
    }
    throw new Error('expected a ConfigError');
  };

  it('--transport websocket is the HTTP listener with /ws; MCP_WEBSOCKET=on adds /ws to --transport http', () => {
    expect(load(['--transport', 'websocket'])).toMatchObject({ config: { transport: 'http', websocket: true } });
    expect(load(['--transport', 'http'], { MCP_WEBSOCKET: 'on' })).toMatchObject({ config: { transport: 'http', websocket: true } });
    const plain = load(['--transport', 'http']);
    expect(plain.help === false && plain.config.websocket).toBeFalsy();
    // A spec that offers only websocket defaults to it.
    expect(load([], {}, ['websocket'])).toMatchObject({ config: { transport: 'http', websocket: true } });
  });

  it('refuses websocket when the spec does not offer it, a bad switch value, and WebSocket without HTTP', () => {
    expect(problems(() => load(['--transport', 'websocket'], {}, ['stdio', 'http']))).toContain('add websocket to `transports` in mcpforge.yaml');
    expect(problems(() => load(['--transport', 'http'], { MCP_WEBSOCKET: 'on' }, ['stdio', 'http']))).toContain("spec does not offer websocket");
    expect(problems(() => load(['--transport', 'http'], { MCP_WEBSOCKET: 'maybe' }))).toContain('MCP_WEBSOCKET=maybe: must be on or off');
    expect(problems(() => load(['--transport', 'stdio'], { MCP_WEBSOCKET: 'on' }))).toContain('use --transport http');
  });
});
