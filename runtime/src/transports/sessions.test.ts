/**
 * HTTP sessions mode (MCP_HTTP_SESSIONS=stateful) on the wire, with raw 2025-era requests: an
 * `initialize` opens a session, requests with its id reach it, DELETE ends it, unknown ids get
 * 404; the default mode hands out no session ids.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { makeModules, manifest } from '../__fixtures__/notes.js';
import { ConfigError, loadConfig } from '../config/index.js';
import { createLogger } from '../observability/index.js';
import { createServerFactory } from '../server/factory.js';
import { createDatabase } from '../storage/index.js';
import { startHttpServer, type HttpServerHandle } from './http.js';

const INIT = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};
const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

let close: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const fn of close.reverse()) await fn().catch(() => {});
  close = [];
});

async function serve(sessions?: 'stateful'): Promise<HttpServerHandle> {
  const storage = await createDatabase('sqlite::memory:');
  const factory = await createServerFactory({ manifest, modules: makeModules(), deps: { db: storage.db, logger: createLogger({ level: 'silent' }) } });
  const http = await startHttpServer(factory, { port: 0, ...(sessions ? { sessions } : {}) });
  close.push(() => storage.close(), () => http.close(1000));
  return http;
}

/** The JSON-RPC message of a JSON or single-event SSE response. */
async function message(res: Response): Promise<{ result?: Record<string, unknown>; error?: { code: number } }> {
  const body = await res.text();
  const data = res.headers.get('content-type')?.includes('text/event-stream') ? body.split('\n').find((l) => l.startsWith('data: '))!.slice(6) : body;
  return JSON.parse(data) as { result?: Record<string, unknown> };
}

describe('HTTP sessions', () => {
  it('opens a session on initialize, serves it by id, and ends it on DELETE', async () => {
    const http = await serve('stateful');
    const init = await fetch(http.url, { method: 'POST', headers: HEADERS, body: JSON.stringify(INIT) });
    expect(init.status).toBe(200);
    const id = init.headers.get('mcp-session-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect((await message(init)).result?.protocolVersion).toBe('2025-11-25');

    const session = { ...HEADERS, 'mcp-session-id': id!, 'mcp-protocol-version': '2025-11-25' };
    await fetch(http.url, { method: 'POST', headers: session, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) });
    const list = await fetch(http.url, { method: 'POST', headers: session, body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }) });
    expect(list.status).toBe(200);
    expect(((await message(list)).result?.tools as unknown[]).length).toBe(Object.keys(manifest.tools).length);

    const ended = await fetch(http.url, { method: 'DELETE', headers: session });
    expect(ended.status).toBe(200);
    const after = await fetch(http.url, { method: 'POST', headers: session, body: JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/list' }) });
    expect(after.status).toBe(404);
    expect((await message(after)).error?.code).toBe(-32001);
  });

  it('answers 404 for an unknown session id', async () => {
    const http = await serve('stateful');
    const res = await fetch(http.url, { method: 'POST', headers: { ...HEADERS, 'mcp-session-id': 'nope', 'mcp-protocol-version': '2025-11-25' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }) });
    expect(res.status).toBe(404);
  });

  it('hands out no session id in the default stateless mode', async () => {
    const http = await serve();
    const init = await fetch(http.url, { method: 'POST', headers: HEADERS, body: JSON.stringify(INIT) });
    expect(init.status).toBe(200);
    expect(init.headers.get('mcp-session-id')).toBeNull();
    expect((await message(init)).result?.protocolVersion).toBe('2025-11-25');
  });
});

describe('MCP_HTTP_SESSIONS', () => {
  const base = { name: 'notes', projectRoot: '/srv/notes', argv: [] as string[] };
  it('turns sessions on from the environment or the flag, and names a bad value', () => {
    const fromEnv = loadConfig({ ...base, env: { MCP_HTTP_SESSIONS: 'stateful', MCP_SESSION_IDLE_TIMEOUT_MS: '5000' } });
    expect(fromEnv.help === false && fromEnv.config.httpSessions).toBe('stateful');
    expect(fromEnv.help === false && fromEnv.config.sessionIdleTimeoutMs).toBe(5000);
    const fromFlag = loadConfig({ ...base, argv: ['--http-sessions', 'stateful'], env: {} });
    expect(fromFlag.help === false && fromFlag.config.httpSessions).toBe('stateful');
    expect(() => loadConfig({ ...base, env: { MCP_HTTP_SESSIONS: 'sticky' } })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, env: { MCP_HTTP_SESSIONS: 'sticky' } })).toThrow(/MCP_HTTP_SESSIONS=sticky: must be stateless or stateful/);
  });
});
