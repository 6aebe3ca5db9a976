/**
 * The operational endpoints over real HTTP: `/metrics` behind its credential or its own listener,
 * `/readyz` details only to that credential, and the Host check on every endpoint.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeMigrations, makeModules, manifest } from '../__fixtures__/notes.js';
import { createLogger, createMetrics, type Metrics } from '../observability/index.js';
import { createServerFactory, type ServerFactory } from '../server/factory.js';
import { createDatabase, type Storage } from '../storage/index.js';
import type { Authenticator } from '../auth/types.js';
import { startHttpServer, startMetricsListener, type HttpServerHandle, type HttpServerOptions } from './index.js';

const TOKEN = 'metrics-token-0123456789abcdef';
const silent = createLogger({ level: 'silent' });
// Any auth mode: what matters is that the server authenticates its MCP callers.
const authenticate: Authenticator = async (req) =>
  req.headers['x-api-key'] === 'caller-key' ? { ok: true, identity: { subject: 'caller', scopes: [], anonymous: false } } : { ok: false, rejection: { status: 401, description: 'send X-API-Key', presented: false } };

let storage: Storage;
let factory: ServerFactory;
let metrics: Metrics;
const servers: Array<{ close(): Promise<unknown> }> = [];

beforeAll(async () => {
  storage = await createDatabase('sqlite::memory:');
  await storage.migrate(makeMigrations());
  metrics = createMetrics();
  factory = await createServerFactory({ manifest, modules: makeModules(), deps: { db: storage.db, metrics, logger: silent } });
});

afterAll(async () => {
  for (const server of servers) await server.close();
  await storage?.close();
});

async function serve(options: HttpServerOptions): Promise<HttpServerHandle> {
  const http = await startHttpServer(factory, { port: 0, metrics, readiness: async () => ({ database: 'up' }), logger: silent, ...options });
  servers.push({ close: () => http.close(1000) });
  return http;
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** GET with any headers, Host included (fetch does not let a caller choose the Host header). */
function get(port: number, path: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end();
  });
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('operational endpoints of a server with an auth mode', () => {
  it('/metrics never answers without the metrics credential or listener (regression: served to anyone in apiKey/jwt mode)', async () => {
    const http = await serve({ authenticate });
    const refused = await get(http.port!, '/metrics');
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.text).error).toContain('MCP_METRICS_TOKEN');
    expect(refused.text).not.toContain('mcp_tool_calls_total');
    // An MCP caller's own credential is not the metrics credential.
    expect((await get(http.port!, '/metrics', { 'x-api-key': 'caller-key' })).status).toBe(403);
  });

  it('/readyz answers its status to anyone and its details only to the metrics credential (regression: database and Redis state leaked)', async () => {
    const open = await serve({ authenticate });
    const anonymous = await get(open.port!, '/readyz');
    expect(anonymous.status).toBe(200);
    expect(JSON.parse(anonymous.text)).toEqual({ status: 'ok' });

    const withToken = await serve({ authenticate, metricsToken: TOKEN });
    expect(JSON.parse((await get(withToken.port!, '/readyz')).text)).toEqual({ status: 'ok' });
    expect(JSON.parse((await get(withToken.port!, '/readyz', bearer(TOKEN))).text)).toEqual({ status: 'ok', database: 'up' });
  });

  it('/metrics answers the Bearer metrics token and 401s anything else', async () => {
    const http = await serve({ authenticate, metricsToken: TOKEN });
    const missing = await get(http.port!, '/metrics');
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer realm="metrics"');
    expect((await get(http.port!, '/metrics', bearer(`${TOKEN}x`))).status).toBe(401);
    expect((await get(http.port!, '/metrics', bearer(TOKEN.slice(0, 8)))).status).toBe(401);
    expect((await get(http.port!, '/metrics', { authorization: `Basic ${TOKEN}` })).status).toBe(401);
    const ok = await get(http.port!, '/metrics', bearer(TOKEN));
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('mcp_tool_calls_total');
  });

  it('the metrics token is required even without an auth mode once it is set', async () => {
    const http = await serve({ metricsToken: TOKEN });
    expect((await get(http.port!, '/metrics')).status).toBe(401);
    expect((await get(http.port!, '/metrics', bearer(TOKEN))).status).toBe(200);
  });
});

describe('the Host check on every endpoint (regression: only /mcp checked it)', () => {
  it('refuses /healthz, /readyz, /metrics and the protected-resource document for a foreign Host', async () => {
    const http = await serve({
      metricsToken: TOKEN,
      authenticate,
      protectedResource: { paths: ['/.well-known/oauth-protected-resource'], metadata: { resource: 'http://localhost/mcp' } } as never,
    });
    for (const path of ['/healthz', '/readyz', '/metrics', '/.well-known/oauth-protected-resource']) {
      const foreign = await get(http.port!, path, { host: `attacker.example:${http.port}`, ...bearer(TOKEN) });
      expect(foreign.status, path).toBe(403);
      const local = await get(http.port!, path, { host: `localhost:${http.port}`, ...bearer(TOKEN) });
      expect(local.status, path).toBe(200);
    }
  });

  it('accepts a Host named in allowedHosts', async () => {
    const http = await serve({ allowedHosts: ['mcp.example.com'] });
    expect((await get(http.port!, '/healthz', { host: 'mcp.example.com' })).status).toBe(200);
    expect((await get(http.port!, '/healthz', { host: 'other.example.com' })).status).toBe(403);
  });
});

describe('the metrics listener (MCP_METRICS_PORT)', () => {
  it('serves /metrics and detailed /readyz on loopback while the MCP listener refuses /metrics', async () => {
    const http = await serve({ authenticate, metricsListener: true });
    const listener = await startMetricsListener({ port: 0, metrics, readiness: async () => ({ database: 'up' }), logger: silent });
    servers.push(listener);
    expect(listener.url).toBe(`http://127.0.0.1:${listener.port}/metrics`);

    const scraped = await get(listener.port, '/metrics');
    expect(scraped.status).toBe(200);
    expect(scraped.text).toContain('mcp_tool_calls_total');
    expect(JSON.parse((await get(listener.port, '/readyz')).text)).toEqual({ status: 'ok', database: 'up' });
    expect((await get(listener.port, '/healthz')).status).toBe(200);
    expect((await get(listener.port, '/mcp')).status).toBe(404);
    // DNS rebinding: a loopback listener checks the Host header too.
    expect((await get(listener.port, '/metrics', { host: 'attacker.example' })).status).toBe(403);

    const refused = await get(http.port!, '/metrics');
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.text).error).toContain('MCP_METRICS_PORT');
  });

  it('needs the token there too when one is set', async () => {
    const listener = await startMetricsListener({ port: 0, metrics, metricsToken: TOKEN, logger: silent });
    servers.push(listener);
    expect((await get(listener.port, '/metrics')).status).toBe(401);
    expect((await get(listener.port, '/metrics', bearer(TOKEN))).status).toBe(200);
  });
});
