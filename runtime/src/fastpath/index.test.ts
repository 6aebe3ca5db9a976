import { Agent, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeMigrations, makeModules, manifest as notesManifest } from '../__fixtures__/notes.js';
import { createLogger, createMetrics } from '../observability/index.js';
import { createDefineTool, type Manifest, type ServerModules } from '../server/contract.js';
import { createServerFactory, type ServerFactory } from '../server/factory.js';
import { createDatabase, type Storage } from '../storage/index.js';
import { startHttpServer, type HttpServerHandle } from '../transports/index.js';
import { compileValidator } from '../validation/index.js';
import { isFastPathEligible } from './index.js';

// Two extra tools: one the fast path must leave to the SDK (scopes), one returning its own _meta.
const manifest: Manifest = {
  ...notesManifest,
  tools: {
    ...notesManifest.tools,
    scoped: { name: 'scoped', description: 'Needs a scope', inputSchema: { type: 'object', properties: {} }, scopes: ['notes:admin'] },
    raw_meta: { name: 'raw_meta', description: 'Returns a raw result with _meta', inputSchema: { type: 'object', properties: { n: { type: 'integer' } } } },
    ask: { name: 'ask', description: 'Asks the client for a name', inputSchema: { type: 'object', properties: {} } },
  },
};
/** Runs of the `ask` handler, per server (label): an input-required answer must run it once. */
const askRuns = new Map<string, number>();
const defineTool = createDefineTool<{ scoped: { input: object; output: undefined }; raw_meta: { input: { n?: number }; output: undefined }; ask: { input: object; output: undefined } }, unknown>();
function modules(label: string): ServerModules {
  const base = makeModules();
  const v = (schema: object) => async () => ({ default: compileValidator(schema as Record<string, unknown>) });
  base.tools.scoped = { handler: async () => ({ default: defineTool('scoped', () => 'secret') }), validateInput: v(manifest.tools.scoped!.inputSchema) };
  base.tools.raw_meta = {
    handler: async () => ({ default: defineTool('raw_meta', (input) => ({ content: [{ type: 'text', text: `n=${input.n ?? 0}` }], _meta: { 'example/trace': 'abc' } })) }),
    validateInput: v(manifest.tools.raw_meta!.inputSchema),
  };
  base.tools.ask = {
    handler: async () => ({
      default: defineTool('ask', async (_input, ctx) => {
        askRuns.set(label, (askRuns.get(label) ?? 0) + 1);
        const answer = await ctx.elicit({ message: 'Your name?', requestedSchema: { type: 'object', properties: { name: { type: 'string' } } } });
        return `hello ${String(answer.content?.name)}`;
      }),
    }),
    validateInput: v(manifest.tools.ask!.inputSchema),
  };
  return base;
}

interface Served {
  storage: Storage;
  factory: ServerFactory;
  http: HttpServerHandle;
}

async function serve(fastPath: boolean): Promise<Served> {
  const storage = await createDatabase('sqlite::memory:');
  await storage.migrate(makeMigrations());
  const logger = createLogger({ level: 'silent' });
  const metrics = createMetrics();
  // Lazy loading on one side, eager on the other: the answers must not depend on it either.
  // One request-state key for both (as replicas share MCP_REQUEST_STATE_SECRET): input-required answers carry signed state.
  const factory = await createServerFactory({ manifest, modules: modules(fastPath ? 'fast' : 'sdk'), deps: { db: storage.db, logger, metrics }, loading: fastPath ? 'lazy' : 'eager', requestStateSecret: 'difftest-secret' });
  const http = await startHttpServer(factory, { port: 0, logger, metrics, maxBodyBytes: 4096, ...(fastPath ? {} : { fastPath: false }) });
  return { storage, factory, http };
}

const PV = '2026-07-28';
type Meta = Record<string, unknown>;
const envelope = (extra: Meta = {}): Meta => ({
  'io.modelcontextprotocol/protocolVersion': PV,
  'io.modelcontextprotocol/clientInfo': { name: 'difftest', version: '1.0.0' },
  'io.modelcontextprotocol/clientCapabilities': {},
  ...extra,
});
const call = (name: string, args: unknown, id: unknown = 1, meta: Meta = envelope()) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args, _meta: meta } });
const headers = (name: string | undefined, over: Record<string, string | undefined> = {}): Record<string, string> => {
  const h: Record<string, string | undefined> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': PV,
    'mcp-method': 'tools/call',
    'mcp-name': name,
    ...over,
  };
  return Object.fromEntries(Object.entries(h).filter((e): e is [string, string] => e[1] !== undefined));
};

/** [label, headers, body, served by the fast path?] */
type Case = [string, Record<string, string>, unknown, boolean];
/** A client that declares elicitation (else the SDK refuses to ask it). */
const asking = () => envelope({ 'io.modelcontextprotocol/clientCapabilities': { elicitation: { form: {} } } });
const corpus: Case[] = [
  ['ok echo', headers('echo'), call('echo', { text: 'hi' }), true],
  ['ok string id', headers('echo'), call('echo', { text: 'hi' }, 'req-1'), true],
  ['ok structured output', headers('create_note'), call('create_note', { title: 'a', body: 'b' }), true],
  ['ok raw result with _meta', headers('raw_meta'), call('raw_meta', { n: 3 }), true],
  ['header padded with spaces', headers('echo', { 'mcp-name': '  echo ' }), call('echo', { text: 'pad' }), true],
  ['input invalid', headers('create_note'), call('create_note', { title: '' }), true],
  ['input extra property', headers('create_note'), call('create_note', { title: 'x', nope: 1 }), true],
  ['input wrong type', headers('echo'), call('echo', { text: 5 }), true],
  ['arguments missing', headers('echo'), { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', _meta: envelope() } }, true],
  ['ToolError', headers('explode'), call('explode', { mode: 'tool' }), true],
  ['internal error', headers('explode'), call('explode', { mode: 'internal' }), true],
  ['output breaks its schema', headers('bad_output'), call('bad_output', {}), true],
  ['input required (ctx.elicit)', headers('ask'), call('ask', {}, 1, asking()), true],
  ['input required, client without elicitation', headers('ask'), call('ask', {}), true],
  ['unknown tool', headers('nope'), call('nope', {}), false],
  ['scoped tool (not eligible)', headers('scoped'), call('scoped', {}), false],
  ['Mcp-Name mismatch', headers('explode'), call('echo', { text: 'x' }), false],
  ['Mcp-Name missing', headers(undefined), call('echo', { text: 'x' }), false],
  ['Mcp-Method missing', headers('echo', { 'mcp-method': undefined }), call('echo', { text: 'x' }), false],
  ['protocol header 2025', headers('echo', { 'mcp-protocol-version': '2025-11-25' }), call('echo', { text: 'x' }), false],
  ['protocol header missing', headers('echo', { 'mcp-protocol-version': undefined }), call('echo', { text: 'x' }), false],
  ['envelope missing', headers('echo'), { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { text: 'x' } } }, false],
  ['envelope bad clientInfo', headers('echo'), call('echo', { text: 'x' }, 1, envelope({ 'io.modelcontextprotocol/clientInfo': 5 })), false],
  ['envelope version differs from header', headers('echo'), call('echo', { text: 'x' }, 1, envelope({ 'io.modelcontextprotocol/protocolVersion': '2025-11-25' })), false],
  ['unknown version', headers('echo', { 'mcp-protocol-version': '2099-01-01' }), call('echo', { text: 'x' }, 1, envelope({ 'io.modelcontextprotocol/protocolVersion': '2099-01-01' })), false],
  ['progress token in _meta', headers('echo'), call('echo', { text: 'x' }, 1, envelope({ progressToken: 7 })), false],
  ['extra params key', headers('echo'), { ...call('echo', { text: 'x' }), params: { ...call('echo', { text: 'x' }).params, task: { ttl: 1 } } }, false],
  ['arguments is an array', headers('echo'), call('echo', [1, 2]), false],
  ['arguments is null', headers('echo'), call('echo', null), false],
  ['id null', headers('echo'), call('echo', { text: 'x' }, null), false],
  // The same headers and envelope as 'ok echo' (whose verdict the fast path remembers), with a
  // JSON-RPC shape the SDK refuses: never served from the remembered verdict.
  ['fractional id, envelope seen before', headers('echo'), call('echo', { text: 'x' }, 1.5), false],
  ['id beyond safe integers, envelope seen before', headers('echo'), call('echo', { text: 'x' }, 2 ** 60), false],
  ['id an object, envelope seen before', headers('echo'), call('echo', { text: 'x' }, { a: 1 }), false],
  ['jsonrpc 1.0, envelope seen before', headers('echo'), { ...call('echo', { text: 'x' }), jsonrpc: '1.0' }, false],
  ['extra top-level key, envelope seen before', headers('echo'), { ...call('echo', { text: 'x' }), result: {} }, false],
  ['params name differs from Mcp-Name, envelope seen before', headers('echo'), call('explode', { mode: 'tool' }), false],
  ['method differs from header', headers('echo'), { ...call('echo', { text: 'x' }), method: 'tools/list' }, false],
  ['notification', headers(undefined, { 'mcp-method': 'notifications/cancelled' }), { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1, _meta: envelope() } }, false],
  ['body not JSON', headers('echo'), '{"jsonrpc":', false],
  ['body empty object', headers('echo'), {}, false],
  ['batch', headers('echo'), [call('echo', { text: 'x' })], false],
  ['content-type text/plain', headers('echo', { 'content-type': 'text/plain' }), call('echo', { text: 'x' }), false],
  ['content-type with charset', headers('echo', { 'content-type': 'application/json; charset=utf-8' }), call('echo', { text: 'charset' }), true],
  ['accept missing', headers('echo', { accept: undefined }), call('echo', { text: 'x' }), true],
  ['body too large', headers('echo'), call('echo', { text: 'x'.repeat(5000) }), false],
  ['tools/list', headers(undefined, { 'mcp-method': 'tools/list' }), { jsonrpc: '2.0', id: 2, method: 'tools/list', params: { _meta: envelope() } }, false],
  ['server/discover', headers(undefined, { 'mcp-method': 'server/discover' }), { jsonrpc: '2.0', id: 3, method: 'server/discover', params: { _meta: envelope() } }, false],
  [
    'legacy 2025 call',
    { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' },
    { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { text: 'x' } } },
    false,
  ],
];

async function send(url: string, h: Record<string, string>, body: unknown) {
  const res = await fetch(url, { method: 'POST', headers: h, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  // Request ids in internal-error messages are random on each side.
  const normalized = text.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<request-id>');
  return { status: res.status, type: res.headers.get('content-type'), body: normalized };
}

describe('fast path: differential test against the SDK', () => {
  let sdk: Served;
  let fast: Served;
  beforeAll(async () => {
    sdk = await serve(false);
    fast = await serve(true);
  });
  afterAll(async () => {
    for (const s of [sdk, fast]) {
      await s?.http.close(1000);
      await s?.storage.close();
    }
  });

  it.each(corpus)('%s: same status, content type and body', async (_label, h, body, servedFast) => {
    const fastBefore = fast.factory.stats.built + fast.factory.stats.reused;
    const sdkBefore = sdk.factory.stats.built + sdk.factory.stats.reused;
    const expected = await send(sdk.http.url, h, body);
    const actual = await send(fast.http.url, h, body);
    expect(actual).toEqual(expected);
    // The SDK took a server instance from the pool for every request that reached a tool.
    const fastUsedSdk = fast.factory.stats.built + fast.factory.stats.reused > fastBefore;
    if (servedFast) {
      expect(fastUsedSdk).toBe(false);
      expect(sdk.factory.stats.built + sdk.factory.stats.reused).toBeGreaterThan(sdkBefore);
    }
    if (!servedFast && sdk.factory.stats.built + sdk.factory.stats.reused > sdkBefore) expect(fastUsedSdk).toBe(true);
  });

  it('runs a handler that asks for input exactly once per request on both paths', async () => {
    askRuns.clear();
    const count = async (s: Served) => Number(/mcp_tool_calls_total\{tool="ask",outcome="ok"\} (\d+)/.exec(await s.factory.metrics.metricsText())?.[1] ?? 0);
    const [sdkBefore, fastBefore] = [await count(sdk), await count(fast)];
    const expected = await send(sdk.http.url, headers('ask'), call('ask', {}, 9, asking()));
    const actual = await send(fast.http.url, headers('ask'), call('ask', {}, 9, asking()));
    expect(actual).toEqual(expected);
    expect(JSON.parse(actual.body).result.resultType).toBe('input_required');
    expect(askRuns.get('sdk')).toBe(1);
    expect(askRuns.get('fast')).toBe(1);
    expect((await count(sdk)) - sdkBefore).toBe(1);
    expect((await count(fast)) - fastBefore).toBe(1);
  });

  it('on one keep-alive connection, an envelope other than the one accepted before is classified afresh', async () => {
    // The fast path remembers the last accepted envelope per connection: every request below goes
    // over the same socket, so each variant is compared with the envelope accepted just before it.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const post = (url: string, h: Record<string, string>, body: unknown) =>
      new Promise<{ status: number; body: string; reused: boolean }>((resolve, reject) => {
        const req = request(url, { method: 'POST', headers: h, agent }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, reused: req.reusedSocket }));
        });
        req.on('error', reject);
        req.end(JSON.stringify(body));
      });
    const sequence: Array<[string, unknown, boolean | undefined]> = [
      ['accepted', call('echo', { text: 'a' }), true],
      ['bad clientInfo', call('echo', { text: 'b' }, 1, envelope({ 'io.modelcontextprotocol/clientInfo': 5 })), false],
      ['accepted again', call('echo', { text: 'c' }), true],
      ['envelope version differs from header', call('echo', { text: 'd' }, 1, envelope({ 'io.modelcontextprotocol/protocolVersion': '2025-11-25' })), false],
      // Whichever way the SDK decides this one, the answer must be the SDK's (classified afresh, not matched).
      ['clientInfo with another version', call('echo', { text: 'e' }, 1, envelope({ 'io.modelcontextprotocol/clientInfo': { name: 'difftest', version: 5 } })), undefined],
      ['accepted once more', call('echo', { text: 'g' }), true],
      ['same envelope, keys in another order', call('echo', { text: 'f' }, 1, { 'io.modelcontextprotocol/clientCapabilities': {}, 'io.modelcontextprotocol/clientInfo': { version: '1.0.0', name: 'difftest' }, 'io.modelcontextprotocol/protocolVersion': PV }), true],
    ];
    try {
      for (const [i, [label, body, servedFast]] of sequence.entries()) {
        const before = fast.factory.stats.built + fast.factory.stats.reused;
        const expected = await send(sdk.http.url, headers('echo'), body);
        const actual = await post(fast.http.url, headers('echo'), body);
        expect({ label, status: actual.status, body: actual.body }).toEqual({ label, status: expected.status, body: expected.body });
        expect({ label, reused: actual.reused }).toEqual({ label, reused: i > 0 });
        // Served here: no SDK server instance taken. Refused: the SDK's refusal (it answers those
        // before taking an instance, so the pool cannot tell), never a result.
        if (servedFast === true) expect({ label, sdkUsed: fast.factory.stats.built + fast.factory.stats.reused > before }).toEqual({ label, sdkUsed: false });
        if (servedFast === false) expect({ label, refused: actual.status !== 200 || !('result' in JSON.parse(actual.body)) }).toEqual({ label, refused: true });
      }
    } finally {
      agent.destroy();
    }
  });

  it('served the successful calls itself with the SDK result envelope', async () => {
    const reply = await send(fast.http.url, headers('echo'), call('echo', { text: 'hi' }));
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toEqual({
      jsonrpc: '2.0',
      id: 1,
      result: { content: [{ type: 'text', text: 'hi (as anonymous)' }], resultType: 'complete', _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'notes', version: '1.2.3' } } },
    });
  });

  it('counts fast-path calls in the metrics like SDK calls', async () => {
    await send(fast.http.url, headers('echo'), call('echo', { text: 'metrics' }));
    await send(fast.http.url, headers('echo'), call('echo', { text: 7 }));
    const text = await fast.factory.metrics.metricsText();
    expect(text).toMatch(/mcp_tool_calls_total\{tool="echo",outcome="ok"\} [1-9]/);
    expect(text).toMatch(/mcp_tool_calls_total\{tool="echo",outcome="invalid"\} [1-9]/);
  });
});

describe('fast path switches', () => {
  it('leaves tools with scopes or x-mcp-header parameters to the SDK', () => {
    expect(isFastPathEligible(manifest.tools.echo!)).toBe(true);
    expect(isFastPathEligible(manifest.tools.scoped!)).toBe(false);
    expect(isFastPathEligible({ name: 'h', description: 'd', inputSchema: { type: 'object', properties: { region: { type: 'string', 'x-mcp-header': 'Region' } } } })).toBe(false);
  });
});
