/**
 * Tracing end to end: a real `runServer` over HTTP with PostgreSQL and Redis, a real upstream HTTP
 * server, and an OTLP/HTTP receiver that decodes the protobuf export. One call must give one
 * connected trace: the caller's HTTP span → `tools/call` → validate / handler → db, cache, upstream
 * fetch, with the upstream receiving the fetch span as its `traceparent` parent. The same on the
 * stdio channel (trace context from `_meta`).
 */
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDefinePrompt, createDefineResource, createDefineTool, type Manifest, type ServerModules } from '../server/contract.js';
import { runServer, type RunningServer } from '../server/run.js';
import { createServerFactory } from '../server/factory.js';
import { createDatabase } from '../storage/index.js';
import { createLogger } from '../observability/index.js';
import { standaloneValidator } from '../testing/index.js';
import { connectChannel, connectWebSocket, openSession, PV_MODERN, readAnswer, startPipeline, tokenTable } from '../__fixtures__/pipeline.js';
import { freshPostgresDatabase, freshRedisPrefix, postgresAvailable, redisAvailable, REDIS_TEST_URL } from '../__fixtures__/services.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../__fixtures__/otlp-receiver.js';
import { OTEL_INSTALL_COMMAND, startTracing, traceParentOf } from './index.js';

type Tools = { lookup: { input: { id: number; password?: string }; output: undefined } };
const defineTool = createDefineTool<Tools, { items: { id: number; label: string } }>();
const defineResource = createDefineResource<{ readme: { params: Record<string, never>; data: undefined } }, unknown>();
const definePrompt = createDefinePrompt<{ hello: { args: Record<string, never> } }, unknown>();
let upstreamUrl = '';
const upstreamSaw: Array<string | undefined> = [];

const manifest: Manifest = {
  name: 'traced',
  version: '0.0.1',
  layout: 'production',
  transports: ['http', 'stdio'],
  tools: {
    lookup: {
      name: 'lookup',
      description: 'Reads a row, caches it and asks the upstream',
      // Counted on the rate limiter (Redis): its span is part of the trace.
      rateLimit: { perMinute: 10_000 },
      inputSchema: { type: 'object', properties: { id: { type: 'integer' }, password: { type: 'string', 'x-sensitive': true } }, required: ['id'] },
    },
  },
  resources: { readme: { name: 'readme', uri: 'traced://readme', template: false, variables: [], mimeType: 'text/plain' } },
  prompts: { hello: { name: 'hello', description: 'Says hello', arguments: [] } },
};

const modules: ServerModules = {
  tools: {
    lookup: {
      handler: async () => ({
        default: defineTool('lookup', async (input, ctx) => {
          // A negative id: a query that fails (the table does not exist), with an argument as its parameter.
          if (input.id < 0) await ctx.db.selectFrom('no_such_table' as 'items').selectAll().where('label', '=', input.password ?? '').execute();
          const rows = await ctx.db.selectFrom('items').select(['id', 'label']).where('id', '=', input.id).execute();
          await ctx.cache.set(`item:${input.id}`, rows, 30);
          // The upstream client `mcpforge import openapi` writes (templates/openapi/client.ts), as imported tools call it.
          const upstream = upstreamUrl.startsWith('http')
            ? await upstreamClient.callUpstream<{ ok: boolean }>(api(), ctx, {}, { method: 'GET', path: '/thing', output: 'json' })
            : ((await (await fetch(upstreamUrl)).json()) as { ok: boolean });
          return JSON.stringify({ rows: rows.length, upstream: upstream.ok });
        }),
      }),
      validateInput: async () => ({ default: standaloneValidator(manifest.tools.lookup!.inputSchema) }),
    },
  },
  resources: { readme: { handler: async () => ({ default: defineResource('readme', { read: () => 'hi' }) }) } },
  prompts: { hello: { handler: async () => ({ default: definePrompt('hello', () => 'Say hello.') }) } },
};

const hex = (n: number) => randomBytes(n).toString('hex');

/** templates/openapi/client.ts, loaded by path (it is a project template, outside the runtime's sources). */
interface UpstreamClient {
  callUpstream<T>(api: object, ctx: { signal: AbortSignal }, input: object, op: { method: string; path: string; output: 'json' }): Promise<T>;
}
const clientPath = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'templates', 'openapi', 'client.ts');
const upstreamClient = (await import(clientPath)) as UpstreamClient;
const api = () => ({ title: 'Upstream', baseUrlEnv: 'TRACED_UPSTREAM_URL', defaultBaseUrl: upstreamUrl.replace(/\/thing$/, ''), timeoutEnv: 'TRACED_UPSTREAM_TIMEOUT_MS', defaultTimeoutMs: 5000, securitySchemes: {} });
const services = (await postgresAvailable()) && (await redisAvailable());

describe.skipIf(!services)('tracing over HTTP (PostgreSQL, Redis, upstream fetch)', () => {
  let receiver: OtlpReceiver;
  let upstream: Server;
  let running: RunningServer;
  let drop: () => Promise<void>;
  let cleanRedis: () => Promise<void>;
  let root: string;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    upstream = createServer((req, res) => {
      upstreamSaw.push(req.headers.traceparent as string | undefined);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as { port: number }).port}/thing`;
    const db = await freshPostgresDatabase();
    drop = db.drop;
    const redis = await freshRedisPrefix();
    cleanRedis = redis.cleanup;
    root = mkdtempSync(join(tmpdir(), 'mcpforge-otel-'));
    mkdirSync(join(root, 'migrations'));
    writeFileSync(join(root, 'migrations', '0001_items.sql'), "create table items (id integer primary key, label text not null);\ninsert into items values (1, 'one');\n");
    running = await runServer({
      manifest,
      modules,
      projectRoot: `${root}/`,
      argv: [],
      manageProcess: false,
      env: {
        MCP_TRANSPORT: 'http',
        MCP_PORT: '0',
        DATABASE_URL: db.url,
        REDIS_URL: REDIS_TEST_URL,
        REDIS_KEY_PREFIX: redis.prefix,
        LOG_LEVEL: 'silent',
        MCP_AUDIT_LOG: 'off',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_SERVICE_NAME: 'traced-test',
      },
    });
  }, 60_000);

  afterAll(async () => {
    await running?.shutdown();
    await receiver?.close();
    await new Promise((r) => upstream?.close(r));
    await cleanRedis?.();
    await drop?.();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  async function call(headers: Record<string, string>, meta: Record<string, unknown> = {}, fastPath = true, args: Record<string, unknown> = { id: 1, password: 'hunter2-secret' }) {
    const res = await fetch(running.http!.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: fastPath ? 'application/json, text/event-stream' : 'text/event-stream, application/json',
        'mcp-protocol-version': PV_MODERN,
        'mcp-method': 'tools/call',
        'mcp-name': 'lookup',
        ...headers,
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: {
          name: 'lookup',
          arguments: args,
          _meta: { 'io.modelcontextprotocol/protocolVersion': PV_MODERN, 'io.modelcontextprotocol/clientInfo': { name: 't', version: '1' }, 'io.modelcontextprotocol/clientCapabilities': {}, ...meta },
        },
      }),
    });
    return readAnswer(res);
  }

  function trace(traceId: string): Promise<ReceivedSpan[]> {
    return running
      .tracing!.flush()
      .then(() => receiver.waitFor((spans) => spans.filter((s) => s.traceId === traceId && s.name.startsWith('GET')).length > 0))
      .then((spans) => spans.filter((s) => s.traceId === traceId));
  }

  it('one call is one connected trace: traceparent header → tools/call → validate, handler → db, cache, upstream via the imported-OpenAPI client (with traceparent)', async () => {
    const traceId = hex(16);
    const callerSpan = hex(8);
    const answer = await call({ traceparent: `00-${traceId}-${callerSpan}-01` });
    expect(answer.message?.result?.content).toEqual([{ type: 'text', text: '{"rows":1,"upstream":true}' }]);
    const spans = await trace(traceId);
    const byName = (name: string) => spans.find((s) => s.name === name) ?? expect.fail(`no span "${name}" in ${spans.map((s) => s.name).join(', ')}`);
    const request = byName('tools/call lookup');
    expect(request.parentSpanId).toBe(callerSpan);
    expect(request.kind).toBe(2); // SERVER
    expect(request.serviceName).toBe('traced-test');
    expect(request.attributes).toMatchObject({ 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': 'lookup', 'enduser.id': 'anonymous', 'mcp.transport': 'http', 'mcp.outcome': 'ok' });
    const handler = byName('handler');
    expect(byName('validate').parentSpanId).toBe(request.spanId);
    expect(handler.parentSpanId).toBe(request.spanId);
    const db = spans.filter((s) => s.name === 'db SELECT');
    expect(db).toHaveLength(1);
    expect(db[0]!.parentSpanId).toBe(handler.spanId);
    expect(db[0]!.attributes).toMatchObject({ 'db.system.name': 'postgresql', 'db.response.returned_rows': 1 });
    expect(byName('cache set')).toMatchObject({ parentSpanId: handler.spanId, attributes: { 'db.system.name': 'redis' } });
    // The policy stage's rate-limit count on Redis, under the request span.
    expect(byName('ratelimit hit')).toMatchObject({ parentSpanId: request.spanId, kind: 3, attributes: { 'db.system.name': 'redis', 'mcp.rate_limit.allowed': true } });
    const fetchSpan = spans.find((s) => s.name.startsWith('GET'))!;
    expect(fetchSpan.parentSpanId).toBe(handler.spanId);
    expect(fetchSpan.kind).toBe(3); // CLIENT
    // The upstream saw this trace, with the fetch span as its parent.
    expect(upstreamSaw.at(-1)).toBe(`00-${traceId}-${fetchSpan.spanId}-01`);
    // No argument (and so no secret) reaches any span.
    expect(JSON.stringify(spans)).not.toContain('hunter2');
    expect(receiver.contentTypes.every((t) => t === 'application/x-protobuf')).toBe(true);
  });

  it('_meta.traceparent (SEP-414) wins over the header; the SDK path traces like the fast path', async () => {
    const traceId = hex(16);
    const parent = hex(8);
    await call({ traceparent: `00-${hex(16)}-${hex(8)}-01` }, { traceparent: `00-${traceId}-${parent}-01`, tracestate: 'vendor=1' }, false);
    const spans = await trace(traceId);
    const request = spans.find((s) => s.name === 'tools/call lookup')!;
    expect(request.parentSpanId).toBe(parent);
    expect(spans.map((s) => s.name)).toEqual(expect.arrayContaining(['validate', 'handler', 'db SELECT', 'cache set']));
  });

  it('a failed query has its span: status error, the error class and SQLSTATE, never the parameters', async () => {
    const traceId = hex(16);
    const answer = await call({ traceparent: `00-${traceId}-${hex(8)}-01` }, {}, true, { id: -1, password: 'hunter2-secret' });
    expect(answer.message?.result?.isError).toBe(true);
    await running.tracing!.flush();
    const spans = (await receiver.waitFor((all) => all.some((s) => s.traceId === traceId && s.name === 'db SELECT'))).filter((s) => s.traceId === traceId);
    const failed = spans.find((s) => s.name === 'db SELECT')!;
    expect(failed.statusCode).toBe(2);
    expect(failed.attributes).toMatchObject({ 'db.system.name': 'postgresql', 'error.type': 'DatabaseError', 'db.response.status_code': '42P01' });
    expect(failed.parentSpanId).toBe(spans.find((s) => s.name === 'handler')!.spanId);
    expect(JSON.stringify(spans)).not.toMatch(/hunter2|no_such_table/);
  });

  it('list requests have their request span (tools/list, resources/list, prompts/list) with the listing size', async () => {
    const traceId = hex(16);
    const parent = hex(8);
    for (const method of ['tools/list', 'resources/list', 'prompts/list']) {
      const res = await fetch(running.http!.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': PV_MODERN, 'mcp-method': method, traceparent: `00-${traceId}-${parent}-01` },
        body: JSON.stringify({ jsonrpc: '2.0', id: 2, method, params: { _meta: { 'io.modelcontextprotocol/protocolVersion': PV_MODERN, 'io.modelcontextprotocol/clientInfo': { name: 't', version: '1' }, 'io.modelcontextprotocol/clientCapabilities': {} } } }),
      });
      expect((await readAnswer(res)).message?.result).toBeDefined();
    }
    await running.tracing!.flush();
    const spans = (await receiver.waitFor((all) => all.filter((s) => s.traceId === traceId).length >= 3)).filter((s) => s.traceId === traceId);
    expect(spans.map((s) => [s.name, s.parentSpanId, s.kind, s.attributes['mcp.list.size'], s.attributes['mcp.outcome'], s.attributes['mcp.transport']])).toEqual(
      expect.arrayContaining([
        ['tools/list', parent, 2, 1, 'ok', 'http'],
        ['resources/list', parent, 2, 1, 'ok', 'http'],
        ['prompts/list', parent, 2, 1, 'ok', 'http'],
      ]),
    );
  });

  it('a call without trace context starts a new trace (root request span)', async () => {
    const before = new Set(receiver.spans.map((s) => s.traceId));
    await call({});
    await running.tracing!.flush();
    const spans = await receiver.waitFor((all) => all.some((s) => s.name === 'tools/call lookup' && !before.has(s.traceId)));
    const request = spans.find((s) => s.name === 'tools/call lookup' && !before.has(s.traceId))!;
    expect(request.parentSpanId).toBe('');
  });
});

describe('tracing on the stdio channel (trace context from _meta)', () => {
  it('the request span continues the _meta trace; a malformed traceparent is ignored', async () => {
    const receiver = await startOtlpReceiver();
    const tracing = (await startTracing({ endpoint: receiver.url, serviceName: 'stdio-traced' }))!;
    const storage = await createDatabase('sqlite::memory:');
    await storage.db.schema.createTable('items').addColumn('id', 'integer').addColumn('label', 'text').execute();
    upstreamUrl = 'data:application/json,{"ok":true}';
    try {
      const factory = await createServerFactory({ manifest, modules, deps: { db: tracing.db(storage.db), logger: createLogger({ level: 'silent' }), tracing } });
      const connection = await connectChannel(factory);
      const traceId = hex(16);
      const parent = hex(8);
      await connection.request('tools/call', { name: 'lookup', arguments: { id: 1 }, _meta: { traceparent: `00-${traceId}-${parent}-01` } });
      await connection.request('tools/call', { name: 'lookup', arguments: { id: 1 }, _meta: { traceparent: 'not-a-traceparent' } });
      await tracing.flush();
      const spans = await receiver.waitFor((all) => all.filter((s) => s.name === 'tools/call lookup').length >= 2);
      const requests = spans.filter((s) => s.name === 'tools/call lookup');
      const traced = requests.find((s) => s.traceId === traceId)!;
      expect(traced.parentSpanId).toBe(parent);
      expect(traced.attributes['mcp.transport']).toBe('stdio');
      const db = spans.find((s) => s.name === 'db SELECT' && s.traceId === traceId)!;
      expect(db.attributes['db.system.name']).toBe('sqlite');
      expect(requests.find((s) => s.traceId !== traceId)!.parentSpanId).toBe('');
      // Resource reads and prompt gets have their request span too.
      const other = hex(16);
      await connection.request('resources/read', { uri: 'traced://readme', _meta: { traceparent: `00-${other}-${parent}-01` } });
      await connection.request('prompts/get', { name: 'hello', _meta: { traceparent: `00-${other}-${parent}-01` } });
      await connection.request('tools/list', { _meta: { traceparent: `00-${other}-${parent}-01` } });
      await tracing.flush();
      const entries = await receiver.waitFor((all) => all.filter((s) => s.traceId === other).length >= 3);
      expect(entries.filter((s) => s.traceId === other).map((s) => [s.name, s.parentSpanId, s.attributes['mcp.outcome']])).toEqual(
        expect.arrayContaining([
          ['resources/read readme', parent, 'ok'],
          ['prompts/get hello', parent, 'ok'],
          ['tools/list', parent, 'ok'],
        ]),
      );
      await connection.close();
    } finally {
      await tracing.shutdown();
      await storage.close();
      await receiver.close();
    }
  });
});

describe('tracing on stateful sessions and WebSocket (authenticated caller)', () => {
  it('the session keeps the HTTP traceparent; WebSocket messages carry theirs in _meta; the subject is recorded, never the token', async () => {
    const receiver = await startOtlpReceiver();
    const tracing = (await startTracing({ endpoint: receiver.url, serviceName: 'pipeline-traced' }))!;
    const token = 'tok-alice-0123456789';
    const pipeline = await startPipeline({ sessions: true, tracing, authenticate: tokenTable({ [token]: { subject: 'alice', scopes: ['notes:admin'] } }).authenticate });
    try {
      const session = await openSession(pipeline.http.url, token);
      expect(session.id).toBeTruthy();
      const viaSession = hex(16);
      const parent = hex(8);
      const res = await session.raw({
        method: 'POST',
        headers: { traceparent: `00-${viaSession}-${parent}-01` },
        body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'secret_echo', arguments: { text: 'sshh-secret-text' } } }),
      });
      expect(res.status).toBe(200);
      await res.text();
      const ws = await connectWebSocket(pipeline.wsUrl, token);
      const viaWs = hex(16);
      await ws.request('tools/call', { name: 'secret_echo', arguments: { text: 'sshh-secret-text' }, _meta: { traceparent: `00-${viaWs}-${parent}-01` } });
      await ws.close();
      await tracing.flush();
      const spans = await receiver.waitFor((all) => all.some((s) => s.traceId === viaSession) && all.some((s) => s.traceId === viaWs));
      const sessionSpan = spans.find((s) => s.traceId === viaSession && s.name === 'tools/call secret_echo')!;
      expect(sessionSpan).toMatchObject({ parentSpanId: parent, attributes: { 'mcp.transport': 'session', 'enduser.id': 'alice' } });
      const wsSpan = spans.find((s) => s.traceId === viaWs && s.name === 'tools/call secret_echo')!;
      expect(wsSpan).toMatchObject({ parentSpanId: parent, attributes: { 'mcp.transport': 'websocket', 'enduser.id': 'alice' } });
      expect(JSON.stringify(spans)).not.toMatch(/sshh-secret-text|tok-alice/);
    } finally {
      await pipeline.close();
      await tracing.shutdown();
      await receiver.close();
    }
  });
});

describe('tracing off costs nothing', () => {
  it('startTracing without an endpoint resolves undefined', async () => {
    expect(await startTracing({ serviceName: 'x' })).toBeUndefined();
  });

  it('no runtime module imports OpenTelemetry or Sentry statically except the lazily loaded ones', () => {
    const src = join(dirname(fileURLToPath(import.meta.url)), '..');
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !path.includes('__fixtures__')) {
          const text = readFileSync(path, 'utf8');
          // Static value imports only (`import type` is erased; `await import()` is lazy).
          if (/^import (?!type )[^;]*from '@(opentelemetry|sentry)\//m.test(text)) offenders.push(path.slice(src.length + 1));
        }
      }
    };
    walk(src);
    // otel.ts and sentry.ts are reached only through `await import()` when their setting is on.
    expect(offenders.sort()).toEqual(['telemetry/otel.ts', ...(offenders.includes('telemetry/sentry.ts') ? ['telemetry/sentry.ts'] : [])]);
    const index = readFileSync(join(src, 'telemetry', 'index.ts'), 'utf8');
    expect(index).not.toMatch(/^import (?!type )[^;]*from '\.\/otel\.js'/m);
  });

  it('the install command printed when the SDK is missing names every package otel.ts imports, at the runtime peer ranges', () => {
    const src = join(dirname(fileURLToPath(import.meta.url)), '..');
    const imported = new Set([...readFileSync(join(src, 'telemetry', 'otel.ts'), 'utf8').matchAll(/from '(@opentelemetry\/[^']+)'/g)].map((m) => m[1]!));
    const peers = (JSON.parse(readFileSync(join(src, '..', 'package.json'), 'utf8')) as { peerDependencies: Record<string, string> }).peerDependencies;
    const listed = Object.fromEntries(OTEL_INSTALL_COMMAND.replace(/^npm install /, '').split(' ').map((spec) => [spec.slice(0, spec.lastIndexOf('@')), spec.slice(spec.lastIndexOf('@') + 1)]));
    expect(Object.keys(listed).sort()).toEqual([...imported].sort());
    for (const [name, range] of Object.entries(listed)) expect(peers[name], name).toBe(range);
  });

  it('traceParentOf: _meta first, then the edge; malformed values ignored', () => {
    const tp = `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`;
    const other = `00-${'c'.repeat(32)}-${'d'.repeat(16)}-01`;
    expect(traceParentOf({ traceparent: tp, tracestate: 'x=1' }, { transport: 'http', peer: undefined, traceparent: other })).toEqual({ traceparent: tp, tracestate: 'x=1' });
    expect(traceParentOf({ traceparent: 'garbage' }, { transport: 'http', peer: undefined, traceparent: other })).toEqual({ traceparent: other });
    expect(traceParentOf(undefined, undefined)).toBeUndefined();
  });
});
