/**
 * One server, every transport: the harness of the request-pipeline tests. Builds the notes
 * fixture with auth on (a token table whose entries can be revoked or expired while a connection
 * is open), scoped entries, a prompt with a sensitive argument and completers, and serves it over
 * HTTP (fast path on or off), stateful sessions, WebSocket and an in-process stdio-style channel
 * (the SDK's single-channel entry, as `serveStdio` uses). Clients speak raw JSON-RPC so that each
 * test sees exactly what a transport answers (status, headers, close codes).
 */
import { Writable } from 'node:stream';
import { InMemoryTransport, type JSONRPCMessage } from '@modelcontextprotocol/server';
import WebSocket from 'ws';
import { invalidToken, missingCredentials, type Authenticator } from '../auth/types.js';
import { bearerToken } from '../auth/types.js';
import { createLogger, createMetrics, type Metrics } from '../observability/index.js';
import { createDefinePrompt, createDefineResource, createDefineTool, type Manifest, type ServerModules } from '../server/contract.js';
import { createServerFactory, type ServerFactory } from '../server/factory.js';
import { createDatabase, type Storage } from '../storage/index.js';
import { serveTransport } from '../transports/custom.js';
import { startHttpServer, type HttpServerHandle } from '../transports/http.js';
import { standaloneValidator } from '../testing/index.js';
import { makeMigrations, makeModules, manifest as notes } from './notes.js';

export interface Credential {
  subject: string;
  scopes: string[];
  revoked?: boolean;
  /** Epoch seconds; a token past it is refused. */
  expiresAt?: number;
}

/** Bearer tokens for tests: `tokens.get(t)!.revoked = true` takes effect on the next request. */
export function tokenTable(initial: Record<string, Credential>): { tokens: Map<string, Credential>; authenticate: Authenticator } {
  const tokens = new Map(Object.entries(initial));
  const authenticate: Authenticator = async (req) => {
    const token = bearerToken(req);
    if (token === undefined) return missingCredentials();
    const found = token ? tokens.get(token) : undefined;
    if (!found || found.revoked) return invalidToken('Unknown or revoked token');
    if (found.expiresAt !== undefined && found.expiresAt * 1000 <= Date.now()) return invalidToken('Token expired');
    return { ok: true, identity: { subject: found.subject, scopes: found.scopes, anonymous: false, method: 'apiKey' } };
  };
  return { tokens, authenticate };
}

type Tools = { touch: { input: { uri: string }; output: undefined }; wait: { input: { ms?: number }; output: undefined }; secret_echo: { input: { text: string }; output: undefined }; ask: { input: Record<string, never>; output: undefined }; whoami: { input: Record<string, never>; output: undefined }; crash: { input: Record<string, never>; output: undefined } };
type Prompts = { login_help: { args: { user: string; memorable_word?: string } } };
type Resources = { vault: { params: { key: string }; data: undefined } };
const defineTool = createDefineTool<Tools, unknown>();
const definePrompt = createDefinePrompt<Prompts, unknown>();
const defineResource = createDefineResource<Resources, unknown>();

/** Counts of handler runs by entry name (a handler must run exactly once or never per request). */
export const runs = new Map<string, number>();
/** Counts a run under the entry's name and under `name@subject` (concurrent tests count per caller). */
const ran = (name: string, subject?: string) => {
  runs.set(name, (runs.get(name) ?? 0) + 1);
  if (subject !== undefined) runs.set(`${name}@${subject}`, (runs.get(`${name}@${subject}`) ?? 0) + 1);
};
/** The subject each completer saw (per-caller completers must see their own caller). */
export const completedFor: string[] = [];

export const pipelineManifest: Manifest = {
  ...notes,
  auth: { mode: 'apiKey' },
  tools: {
    ...notes.tools,
    secret_echo: { name: 'secret_echo', description: 'Needs notes:admin', inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] }, scopes: ['notes:admin'] },
    ask: { name: 'ask', description: 'Asks the client for a name', inputSchema: { type: 'object', properties: {} } },
    whoami: { name: 'whoami', description: 'Names the caller', inputSchema: { type: 'object', properties: {} }, rateLimit: { perMinute: 2 } },
    wait: { name: 'wait', description: 'Waits until cancelled (or ms)', inputSchema: { type: 'object', properties: { ms: { type: 'integer' } } } },
    crash: { name: 'crash', description: 'Throws before it returns (no promise)', inputSchema: { type: 'object', properties: {} } },
    touch: { name: 'touch', description: 'Announces that a resource changed', inputSchema: { type: 'object', properties: { uri: { type: 'string' } }, required: ['uri'] } },
  },
  resources: {
    ...notes.resources,
    vault: { name: 'vault', uri: 'vault://{key}', template: true, variables: ['key'], scopes: ['vault:read'] },
  },
  prompts: {
    ...notes.prompts,
    login_help: {
      name: 'login_help',
      description: 'Help with a login',
      argsSchema: { type: 'object', properties: { user: { type: 'string', minLength: 2 }, memorable_word: { type: 'string', 'x-sensitive': true } }, required: ['user'] },
      arguments: [
        { name: 'user', required: true },
        { name: 'memorable_word', required: false },
      ],
      scopes: ['help:read'],
    },
  },
};

export function pipelineModules(): ServerModules {
  const base = makeModules();
  const v = (schema: object) => async () => ({ default: standaloneValidator(schema as Record<string, unknown>) });
  const t = pipelineManifest.tools;
  base.tools.secret_echo = { handler: async () => ({ default: defineTool('secret_echo', (input, ctx) => (ran('secret_echo', ctx.auth.subject), `secret ${input.text}`)) }), validateInput: v(t.secret_echo!.inputSchema) };
  base.tools.ask = {
    handler: async () => ({
      default: defineTool('ask', async (_input, ctx) => {
        ran('ask', ctx.auth.subject);
        const answer = await ctx.elicit({ message: 'Your name?', requestedSchema: { type: 'object', properties: { name: { type: 'string' } } } });
        return `hello ${String(answer.content?.name)}`;
      }),
    }),
    validateInput: v(t.ask!.inputSchema),
  };
  base.tools.touch = {
    handler: async () => ({ default: defineTool('touch', async (input, ctx) => (await ctx.resources.updated(input.uri), 'announced')) }),
    validateInput: v(t.touch!.inputSchema),
  };
  base.tools.wait = {
    handler: async () => ({
      default: defineTool('wait', async (input, ctx) => {
        ran('wait');
        await new Promise<void>((resolve) => {
          const onAbort = () => (clearTimeout(timer), ran('wait:aborted'), resolve());
          // Only an abort while waiting counts (the request's signal also fires when its exchange ends).
          const timer = setTimeout(() => (ctx.signal.removeEventListener('abort', onAbort), resolve()), input.ms ?? 10_000);
          ctx.signal.addEventListener('abort', onAbort, { once: true });
        });
        return ctx.signal.aborted ? 'aborted' : 'finished';
      }),
    }),
    validateInput: v(t.wait!.inputSchema),
  };
  // Throws synchronously, so the error leaves the synchronous lane of the call stages, not a rejected promise.
  base.tools.crash = {
    handler: async () => ({
      default: defineTool('crash', (_input, ctx) => {
        ran('crash', ctx.auth.subject);
        throw new Error('password=hunter2 at crash.ts:1');
      }),
    }),
    validateInput: v(t.crash!.inputSchema),
  };
  base.tools.whoami = { handler: async () => ({ default: defineTool('whoami', (_input, ctx) => (ran('whoami', ctx.auth.subject), ctx.auth.subject)) }), validateInput: v(t.whoami!.inputSchema) };
  base.resources.vault = {
    handler: async () => ({
      default: defineResource('vault', {
        read: (params: { key: string }, ctx: { auth: { subject: string } }) => `${params.key} for ${ctx.auth.subject}`,
        complete: {
          key(value: string, ctx: { auth: { subject: string } }) {
            completedFor.push(ctx.auth.subject);
            return [`${value}-${ctx.auth.subject}`];
          },
        },
      } as never),
    }),
  };
  base.prompts.login_help = {
    handler: async () => ({
      default: definePrompt('login_help', (args, ctx) => (ran('login_help', ctx.auth.subject), `Help ${args.user}`), {
        complete: {
          user(value: string, ctx: { auth: { subject: string } }) {
            completedFor.push(ctx.auth.subject);
            return [`${value}-${ctx.auth.subject}`];
          },
        },
      } as never),
    }),
    validateArgs: v(pipelineManifest.prompts.login_help!.argsSchema!),
  };
  return base;
}

export interface Pipeline {
  factory: ServerFactory;
  http: HttpServerHandle;
  metrics: Metrics;
  storage: Storage;
  /** Log lines written so far (parsed JSON), audit lines included. */
  lines: Array<Record<string, unknown>>;
  wsUrl: string;
  close(): Promise<void>;
}

export interface PipelineOptions {
  authenticate?: Authenticator;
  fastPath?: boolean;
  sessions?: boolean;
  manifest?: Manifest;
  maxSessions?: number;
  maxSessionsPerCaller?: number;
  /** Shared cancellations registry (tests of cross-replica cancel attach Redis to it). */
  cancellations?: import('../cancel/index.js').Cancellations;
  /** Traces requests (telemetry tests). */
  tracing?: import('../telemetry/index.js').Tracing;
  /** Handlers (default `pipelineModules()`): tests add their own entries. */
  modules?: ServerModules;
  /** Serve HTTPS (and WSS) with these options (mutual-TLS tests). */
  tls?: import('node:https').ServerOptions;
}

export async function startPipeline(options: PipelineOptions = {}): Promise<Pipeline> {
  const storage = await createDatabase('sqlite::memory:');
  await storage.migrate(makeMigrations());
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const logger = createLogger({ level: 'info', destination: sink });
  const metrics = createMetrics();
  const manifest = options.manifest ?? pipelineManifest;
  const factory = await createServerFactory({ manifest, modules: options.modules ?? pipelineModules(), deps: { db: storage.db, logger, metrics, ...(options.tracing ? { tracing: options.tracing } : {}) }, ...(options.cancellations ? { cancellations: options.cancellations } : {}) });
  const http = await startHttpServer(factory, {
    port: 0,
    logger,
    metrics,
    websocket: true,
    ...(options.authenticate ? { authenticate: options.authenticate } : {}),
    ...(options.fastPath === false ? { fastPath: false as const } : {}),
    ...(options.sessions ? { sessions: 'stateful' as const } : {}),
    ...(options.tls ? { tls: options.tls } : {}),
    ...(options.maxSessions === undefined ? {} : { maxSessions: options.maxSessions }),
    ...(options.maxSessionsPerCaller === undefined ? {} : { maxSessionsPerCaller: options.maxSessionsPerCaller }),
  });
  const wsUrl = http.url.replace(/^http/, 'ws').replace(/\/mcp$/, '/ws');
  return {
    factory,
    http,
    metrics,
    storage,
    lines,
    wsUrl,
    async close() {
      await http.close(1000);
      await storage.close();
    },
  };
}

export const PV_MODERN = '2026-07-28';
export const PV_LEGACY = '2025-11-25';

export interface HttpAnswer {
  status: number;
  headers: Headers;
  /** The JSON-RPC message (JSON body, or the last `data:` of an event stream); undefined for 202/empty. */
  message: { id?: unknown; result?: Record<string, unknown>; error?: { code: number; message: string; data?: unknown } } | undefined;
}

export async function readAnswer(res: Response): Promise<HttpAnswer> {
  const text = await res.text();
  let message: HttpAnswer['message'];
  if (res.headers.get('content-type')?.includes('text/event-stream')) {
    const data = text.split('\n').filter((l) => l.startsWith('data: ') && l.length > 6);
    // The answer is the event carrying an id (notifications and requests to the client come before it).
    for (const line of data) {
      const parsed = JSON.parse(line.slice(6)) as NonNullable<HttpAnswer['message']> & { method?: string };
      if (parsed.method === undefined) message = parsed;
    }
  } else if (text) {
    try {
      message = JSON.parse(text) as HttpAnswer['message'];
    } catch {
      message = undefined;
    }
  }
  return { status: res.status, headers: res.headers, message };
}

const envelope = (caps: Record<string, unknown> = {}) => ({
  'io.modelcontextprotocol/protocolVersion': PV_MODERN,
  'io.modelcontextprotocol/clientInfo': { name: 'pipeline-test', version: '1.0.0' },
  'io.modelcontextprotocol/clientCapabilities': caps,
});

/** A 2026-07-28 stateless request (what the fast path may serve when the method is tools/call). */
export async function modernRequest(url: string, method: string, params: Record<string, unknown>, token?: string, id: number | string = 1, caps: Record<string, unknown> = {}): Promise<HttpAnswer> {
  const name = (params.name ?? (params.ref as { name?: string; uri?: string } | undefined)?.name ?? params.uri) as string | undefined;
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': PV_MODERN,
      'mcp-method': method,
      ...(name !== undefined && (method === 'tools/call' || method === 'prompts/get' || method === 'resources/read') ? { 'mcp-name': name } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ jsonrpc: '2.0', id, method, params: { ...params, _meta: envelope(caps) } }),
  });
  return readAnswer(res);
}

/** A 2025-era HTTP session: `initialize` opens it; `request` posts into it. */
export async function openSession(url: string, token?: string, sessionHeaders: Record<string, string> = {}): Promise<{ status: number; id: string | null; request(method: string, params: Record<string, unknown>, as?: string, id?: number): Promise<HttpAnswer>; raw(init: RequestInit, as?: string): Promise<Response> }> {
  const auth = (t: string | undefined): Record<string, string> => (t ? { authorization: `Bearer ${t}` } : {});
  const init = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...auth(token), ...sessionHeaders },
    body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: PV_LEGACY, capabilities: {}, clientInfo: { name: 'pipeline-test', version: '1' } } }),
  });
  await init.text();
  const id = init.headers.get('mcp-session-id');
  const headersFor = (as: string | undefined) => ({ 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': PV_LEGACY, ...(id ? { 'mcp-session-id': id } : {}), ...auth(as) });
  if (id) await fetch(url, { method: 'POST', headers: headersFor(token), body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) }).then((r) => r.text());
  let next = 1;
  return {
    status: init.status,
    id,
    async request(method, params, as = token, requestId = next++) {
      const res = await fetch(url, { method: 'POST', headers: headersFor(as), body: JSON.stringify({ jsonrpc: '2.0', id: requestId, method, params }) });
      return readAnswer(res);
    },
    raw(requestInit, as = token) {
      return fetch(url, { ...requestInit, headers: { ...headersFor(as), ...(requestInit.headers as Record<string, string> | undefined) } });
    },
  };
}

/** A connection (WebSocket or in-process channel) speaking raw JSON-RPC, 2025 handshake done. */
export interface Connection {
  request(method: string, params: Record<string, unknown>): Promise<{ result?: Record<string, unknown>; error?: { code: number; message: string; data?: unknown } }>;
  /** Resolves with the close code and reason (WebSocket), or never for a channel. */
  readonly closed: Promise<{ code: number; reason: string }>;
  close(): Promise<void>;
}

/** Server-to-client requests the raw clients received (they decline elicitations, as a cautious user). */
export const asked: string[] = [];

function correlate(send: (message: JSONRPCMessage) => void) {
  const waiting = new Map<unknown, (message: Record<string, unknown>) => void>();
  let next = 100;
  return {
    receive(message: Record<string, unknown>) {
      if (message.id !== undefined && message.method === undefined) waiting.get(message.id)?.(message);
      else if (message.id !== undefined && typeof message.method === 'string') {
        asked.push(message.method);
        const result = message.method === 'elicitation/create' ? { action: 'decline' } : undefined;
        send((result ? { jsonrpc: '2.0', id: message.id, result } : { jsonrpc: '2.0', id: message.id, error: { code: -32601, message: 'not supported by this test client' } }) as JSONRPCMessage);
      }
    },
    request(method: string, params: Record<string, unknown>) {
      const id = next++;
      return new Promise<Record<string, unknown>>((resolve) => {
        waiting.set(id, resolve);
        send({ jsonrpc: '2.0', id, method, params } as JSONRPCMessage);
      });
    },
    failAll(reason: string) {
      for (const resolve of waiting.values()) resolve({ error: { code: -1, message: reason } });
      waiting.clear();
    },
  };
}

async function handshake(c: Connection): Promise<void> {
  await c.request('initialize', { protocolVersion: PV_LEGACY, capabilities: { elicitation: {} }, clientInfo: { name: 'pipeline-test', version: '1' } });
}

/**
 * A WebSocket client; `localAddress` picks the loopback address it connects from (its peer), `tls`
 * the CA and client certificate of a `wss:` URL.
 */
export async function connectWebSocket(url: string, token?: string, localAddress?: string, tls?: { ca: string | Buffer; cert?: string | Buffer; key?: string | Buffer }): Promise<Connection> {
  const ws = new WebSocket(url, 'mcp', { ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}), ...(localAddress ? { localAddress } : {}), ...(tls ?? {}) });
  const c = correlate((message) => ws.send(JSON.stringify(message)));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => (c.failAll('closed'), resolve({ code, reason: reason.toString('utf8') }))));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
  });
  ws.on('message', (data) => c.receive(JSON.parse(data.toString('utf8')) as Record<string, unknown>));
  const connection: Connection = {
    request: (method, params) => c.request(method, params) as never,
    closed,
    async close() {
      ws.close();
      await Promise.race([closed, new Promise((r) => setTimeout(r, 500))]);
    },
  };
  await handshake(connection);
  return connection;
}

/** The stdio-style channel: the SDK's single-channel entry over an in-memory pair (the local caller). */
export async function connectChannel(factory: ServerFactory): Promise<Connection> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const served = serveTransport(factory, serverSide, { name: 'stdio-test' });
  const c = correlate((message) => void clientSide.send(message));
  clientSide.onmessage = (message) => c.receive(message as Record<string, unknown>);
  await clientSide.start();
  const connection: Connection = {
    request: (method, params) => c.request(method, params) as never,
    closed: new Promise(() => {}),
    async close() {
      await served.close();
    },
  };
  await handshake(connection);
  return connection;
}

/** A 2025-era stateless request (no session): what `legacy: 'stateless'` serves. */
export async function legacyRequest(url: string, message: Record<string, unknown>, token?: string): Promise<HttpAnswer> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': PV_LEGACY, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ jsonrpc: '2.0', ...message }),
  });
  return readAnswer(res);
}
