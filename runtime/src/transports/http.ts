/**
 * Streamable HTTP on node:http.
 *
 * Serves both protocol eras statelessly through the SDK's `createMcpHandler` (2026-07-28, with
 * the 2025-11-25 stateless fallback) and adds what a deployment needs around it: Host/Origin
 * validation (DNS-rebinding protection, on by default), a body size limit, `/healthz`, `/readyz`,
 * `/metrics`, TCP or unix socket, and a graceful close that lets in-flight calls finish.
 */
import { createConnection } from 'node:net';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type ServerOptions as HttpsServerOptions } from 'node:https';
import { lstatSync, unlinkSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createMcpHandler, localhostAllowedHostnames, localhostAllowedOrigins, type McpServerFactory } from '@modelcontextprotocol/server';
import { hostHeaderValidation, originValidation, toNodeHandler } from '@modelcontextprotocol/node';
import type { Logger } from 'pino';
import type { Metrics } from '../observability/index.js';
import { createFastPath, type FastPathTools } from '../fastpath/index.js';
import { gateKnown, gateRequest, reauthenticate, type HttpAuthGate, type ProtectedResource } from '../auth/http.js';
import { expandRoles } from '../auth/roles.js';
import type { Manifest } from '../server/contract.js';
import { countSecurityEvent } from '../audit/index.js';
import type { Authenticator } from '../auth/types.js';
import type { WebSocketHandle, WebSocketOptions } from './websocket.js';
import { createSessionRouter, type HttpSessionsMode } from './sessions.js';
import { withOutcomeStatus } from '../limits/http.js';
import { newEdge, toAuthInfo } from '../core/edge.js';
import { withCancelNotifications } from '../cancel/http.js';
import type { Cancellations } from '../cancel/index.js';
import { waitForDrain } from './drain.js';
import { declaresOversizedBody, refuseOversizedBody } from './body-limit.js';
import { rememberAccepted } from './accepted-headers.js';
import { createOpsEndpoints } from './ops.js';
import { interceptReplies, PendingReplies, withPendingReplies } from './pending-replies.js';
import { createListenEndpoint, type ListenEndpointOptions, type ListenSources } from './listen.js';

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;
export const DEFAULT_HEADERS_TIMEOUT_MS = 20_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;
export const MCP_PATH = '/mcp';

export interface HttpServerOptions {
  /** Bind address (default 127.0.0.1). Ignored with `socket`. */
  host?: string;
  /** TCP port (default 3000; 0 picks a free one). Ignored with `socket`. */
  port?: number;
  /** Unix socket path; a stale socket file there is removed first. */
  socket?: string;
  /** Host names accepted besides the localhost names; `*` turns Host validation off. */
  allowedHosts?: string[];
  /** Origin host names accepted besides the localhost names; `*` turns Origin validation off. */
  allowedOrigins?: string[];
  /** Largest accepted request body in bytes (default 1 MiB); larger gets 413. */
  maxBodyBytes?: number;
  /** Slow clients (slowloris): a connection whose request headers take longer is dropped (default 20 s; Node's own default is 60 s). */
  headersTimeoutMs?: number;
  /** Slow clients: a connection whose whole request takes longer to arrive is dropped with 408 (default 60 s; Node's is 300 s). */
  requestTimeoutMs?: number;
  /**
   * Readiness check for `/readyz` (for example the database's `select 1`); throws when not ready.
   * An object it returns (or an error's `details`) is added to the JSON body, e.g. `{ database: 'up', redis: 'down' }`.
   */
  readiness?: () => Promise<void | Record<string, unknown>>;
  /** Served at `/metrics`; 404 there without it. Who may read it: ops.ts. */
  metrics?: Metrics;
  /** The metrics credential (MCP_METRICS_TOKEN): `/metrics` and `/readyz` details need it as a Bearer token. */
  metricsToken?: string;
  /** A metrics listener (MCP_METRICS_PORT) serves `/metrics`: this one does not without the token. */
  metricsListener?: boolean;
  logger?: Logger;
  /**
   * Tools the fast path serves modern stateless `tools/call` for (DESIGN §8); defaults to the
   * factory's own (`createServerFactory` provides them). `false` sends every request through the
   * SDK (`runServer` passes it for `MCP_FAST_PATH=off`).
   */
  fastPath?: FastPathTools | false;
  /** Serve HTTPS with these options (see `httpsServerOptions` in the `tls` module); plain HTTP without. */
  tls?: HttpsServerOptions;
  /** Also serve MCP over WebSocket (non-standard; websocket.ts) on this listener, at `/ws` unless a path is given. */
  websocket?: boolean | WebSocketOptions;
  /** `stateful`: 2025 clients get `Mcp-Session-Id` sessions (push-style sampling/elicitation, GET stream); default `stateless`. */
  sessions?: HttpSessionsMode;
  /** Idle sessions are closed after this long (default 30 minutes). */
  sessionIdleTimeoutMs?: number;
  /** Open sessions at most (default 10,000); past it a new session gets 503 + Retry-After. */
  maxSessions?: number;
  /** Open sessions per caller at most (default 100): the subject, or the peer address when anonymous. */
  maxSessionsPerCaller?: number;
  /**
   * Decides who is calling, before any MCP handling (see the `auth` module); a rejection answers
   * 400/401 with a `WWW-Authenticate` challenge. Without it every caller is anonymous.
   */
  authenticate?: Authenticator;
  /** OAuth resource-server mode: the RFC 9728 document served at its well-known paths and named in challenges. */
  protectedResource?: ProtectedResource;
  /** `subscriptions/listen` streams: keepalive interval, task status poll interval, stream cap. */
  listen?: Pick<ListenEndpointOptions, 'keepAliveMs' | 'taskPollMs' | 'maxStreams'>;
  /** The auth mode's own endpoints outside /mcp (`auth.mode: oauth-proxy`: the authorization server); see `HttpAuthGate.endpoints`. */
  authEndpoints?: HttpAuthGate['endpoints'];
}

export interface HttpServerHandle {
  readonly server: Server;
  /** `http://HOST:PORT/mcp`, or `unix:PATH` for a socket. */
  readonly url: string;
  /** The TCP port actually bound (undefined for a socket). */
  readonly port: number | undefined;
  /** Requests currently being served on `/mcp`. */
  readonly inFlight: number;
  /**
   * Stops accepting connections, waits up to `timeoutMs` for in-flight requests, then drops the
   * remaining connections. Resolves `drained: false` when the wait timed out.
   */
  close(timeoutMs?: number): Promise<{ drained: boolean }>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/**
 * @example
 * ```ts
 * const http = await startHttpServer(factory, { port: 3000, readiness: () => storage.check(), metrics });
 * console.error(`listening on ${http.url}`);
 * ```
 */
export async function startHttpServer(factory: McpServerFactory, options: HttpServerOptions = {}): Promise<HttpServerHandle> {
  const host = options.host ?? '127.0.0.1';
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const log = options.logger;
  const onerror = (error: Error) => log?.warn({ err: error }, 'MCP HTTP request failed');
  // The WebSocket module (and `ws`) only when asked for: most servers never serve it, and loaded it
  // was RSS at start in every one. Imported before listening, so no upgrade arrives before its handler.
  const attachWebSocket = options.websocket ? (await import('./websocket.js')).attachWebSocket : undefined;

  // `auto`: a plain JSON body unless the handler sends progress or log messages first, then SSE
  // (the fast path never streams: requests with a progress token go to the SDK).
  // Server-to-client requests of stateless 2025 calls, waiting for the client's reply POST (pending-replies.ts).
  const replies = new PendingReplies();
  const mcp = quietly(() => createMcpHandler(withPendingReplies(factory, replies), { legacy: 'stateless', responseMode: 'auto', maxRequestBodySize: maxBodyBytes, onerror }));
  // withOutcomeStatus: a rate-limited call answers 429 + Retry-After (limits/http.ts).
  // withCancelNotifications: a 2025 client's `notifications/cancelled` aborts its call wherever it runs (cancel/).
  const cancellations = (factory as { cancellations?: Cancellations }).cancellations;
  const sdkHandler = cancellations ? withCancelNotifications(mcp, cancellations) : mcp;
  // A factory without any rate limit never answers 429: event streams need not be held for it.
  const holdEventStreams = (factory as { rateLimited?: boolean }).rateLimited !== false;
  const nodeHandler = toNodeHandler(withOutcomeStatus(interceptReplies(sdkHandler, replies), { holdEventStreams }), { maxRequestBodySize: maxBodyBytes, onerror }) as (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  const fastTools = options.fastPath ?? (factory as { fastPath?: FastPathTools }).fastPath;
  // The kill switch (MCP_FAST_PATH=off) is read once at start by runServer and arrives as `fastPath: false`.
  const fastOrSdk = fastTools ? createFastPath({ tools: fastTools, fallback: nodeHandler as never, maxBodyBytes }) : (nodeHandler as (req: IncomingMessage, res: ServerResponse) => Promise<void>);
  log?.debug({ fastPath: fastOrSdk !== nodeHandler }, 'HTTP tools/call fast path');
  // 2026-07-28 `subscriptions/listen` (listen.ts): the caller's resource updates and task statuses.
  const listen = createListenEndpoint({
    sources: factory as unknown as ListenSources,
    fallback: fastOrSdk as never,
    maxBodyBytes,
    ...(log ? { logger: log } : {}),
    ...(options.listen ?? {}),
    ...(options.authenticate ? { reauthenticate: async (req: IncomingMessage) => (authGate ? reauthenticate(authGate, req, 'http') : { ok: true as const }) } : {}),
  });
  const serveMcp = listen.handle;
  // MCP_HTTP_SESSIONS=stateful: 2025 clients get Mcp-Session-Id sessions (sessions.ts); the rest stays stateless.
  const sessionRouter =
    options.sessions === 'stateful'
      ? createSessionRouter(factory, { fallback: serveMcp, sdk: nodeHandler, maxBodyBytes, onerror, holdEventStreams, ...(log ? { logger: log } : {}), ...(options.sessionIdleTimeoutMs === undefined ? {} : { idleTimeoutMs: options.sessionIdleTimeoutMs }),
          ...(options.maxSessions === undefined ? {} : { maxSessions: options.maxSessions }),
          ...(options.maxSessionsPerCaller === undefined ? {} : { maxSessionsPerCaller: options.maxSessionsPerCaller }),
          ...(options.authenticate ? { reauthenticate: async (req: IncomingMessage) => (authGate ? reauthenticate(authGate, req, 'session') : { ok: true as const }) } : {}),
        })
      : undefined;
  const serve = sessionRouter ? sessionRouter.handle : serveMcp;

  if (!options.socket && !LOOPBACK.has(host) && !(options.allowedHosts ?? []).length) {
    log?.warn(
      { host },
      'bound to a non-loopback address but MCP_ALLOWED_HOSTS is empty: only localhost Host headers are accepted on /mcp; set MCP_ALLOWED_HOSTS to the names clients use',
    );
  }
  const validateHost = rememberAccepted(hostValidator(options.allowedHosts ?? [], hostHeaderValidation, localhostAllowedHostnames()), 'host');
  const validateOrigin = rememberAccepted(hostValidator(options.allowedOrigins ?? [], originValidation, localhostAllowedOrigins()), 'origin');

  // One gate for /mcp and WebSocket upgrades; refusals are counted as security events for alerting.
  const metricsRegistry = options.metrics?.registry;
  // Roles become scopes here, once per request, for every way in (SDK path, fast path, sessions,
  // WebSocket): the policy stage then checks one effective scope set and never sees roles.
  const roles = (factory as { manifest?: Manifest }).manifest?.auth?.roles ?? {};
  const authGate: HttpAuthGate | undefined = options.authenticate
    ? {
        authenticate: expandRoles(options.authenticate, roles),
        ...(options.protectedResource ? { protectedResource: options.protectedResource } : {}),
        ...(metricsRegistry ? { onRejected: () => countSecurityEvent(metricsRegistry, 'auth_failure') } : {}),
      }
    : undefined;
  if (metricsRegistry && authGate) countSecurityEvent(metricsRegistry, 'auth_failure', 0);

  let inFlight = 0;
  let closing = false;
  const drainWaiters = new Set<() => void>();
  // /metrics answers without its token only on a dev server: no auth mode, no metrics listener.
  const ops = createOpsEndpoints({
    metricsOpen: !authGate && !options.metricsListener,
    refusal: options.metricsListener
      ? '/metrics is served on the metrics listener (MCP_METRICS_PORT), or here with Authorization: Bearer <MCP_METRICS_TOKEN>'
      : 'this server authenticates its callers, so /metrics needs its own credential: set MCP_METRICS_TOKEN (send it as a Bearer token) or MCP_METRICS_PORT (a separate listener, loopback by default)',
    closing: () => closing,
    ...(options.metricsToken === undefined ? {} : { metricsToken: options.metricsToken }),
    ...(options.metrics ? { metrics: options.metrics } : {}),
    ...(options.readiness ? { readiness: options.readiness } : {}),
    ...(options.protectedResource ? { protectedResource: options.protectedResource } : {}),
    ...(log ? { logger: log } : {}),
  });

  /**
   * Serves one request. Never rejects: the last line of defence is inside, so the listener hands
   * the promise nothing (a `.catch` per request was one more closure and promise on every call).
   */
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      const path = (req.url ?? '/').split('?', 1)[0];
      if (path === MCP_PATH) {
        if (req.method !== 'POST' && req.method !== 'GET' && req.method !== 'DELETE') {
          return sendJson(res, 405, { error: `Method ${req.method} is not allowed on ${MCP_PATH}; use POST` }, { allow: 'POST, GET, DELETE' });
        }
        if (closing) {
          return sendJson(res, 503, { jsonrpc: '2.0', error: { code: -32000, message: 'Server is shutting down; retry on another replica' }, id: null }, { connection: 'close' });
        }
        if (!validateHost(req, res) || !validateOrigin(req, res)) return;
        inFlight++;
        try {
          // The request's edge travels as a value with its identity (core/edge.ts); a client's own
          // `auth` property cannot exist on a Node request, so nothing here can be forged.
          const edge = newEdge('http', req.socket.remoteAddress, req.headers);
          // Counted as in flight: an authenticator may be reading the database a shutdown waits for.
          if (authGate) {
            // A credential proven before (an API key answered from memory) passes without a promise.
            if (!gateKnown(authGate, req, edge) && !(await gateRequest(authGate, req, res, log, edge))) return;
          } else (req as IncomingMessage & { auth?: unknown }).auth = toAuthInfo(undefined, edge);
          // Refused here, before any layer starts reading, so the 413 can linger (body-limit.ts); a
          // chunked body with no declared length is still counted by the layer that reads it.
          if (req.method === 'POST' && declaresOversizedBody(req, maxBodyBytes)) return refuseOversizedBody(req, res, maxBodyBytes);
          await serve(req, res);
        } finally {
          inFlight--;
          if (inFlight === 0) for (const resolve of drainWaiters) resolve();
        }
        return;
      }
      // The Host check (DNS rebinding) covers every endpoint, not only /mcp.
      if (!validateHost(req, res)) return;
      // The auth mode's endpoints (authorization server: forms and token requests are POSTs).
      if (options.authEndpoints && !closing && (await options.authEndpoints(req, res, path!))) return;
      if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: `Method ${req.method} is not allowed on ${path}` }, { allow: 'GET' });
      if (await ops(req, res, path!)) return;
      return sendJson(res, 404, { error: `No route for ${path}; the MCP endpoint is ${MCP_PATH}` });
    } catch (error) {
      // A bug here must cost one request, never the process.
      log?.error({ err: error }, 'unhandled error while serving an HTTP request');
      if (!res.headersSent) sendJson(res, 500, { jsonrpc: '2.0', error: { code: -32603, message: 'Internal server error' }, id: null });
      else res.destroy();
    }
  };

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    void handle(req, res);
  };
  // Slow clients (slowloris) hold a socket by trickling headers or body; Node drops them once these
  // timeouts pass, checked every `connectionsCheckingInterval` (a tenth of the headers timeout, so a
  // drop comes soon after the deadline rather than up to 30 s later).
  const headersTimeout = options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS;
  const slowClients = { headersTimeout, requestTimeout: Math.max(options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS, headersTimeout), connectionsCheckingInterval: Math.max(100, Math.min(5_000, Math.floor(headersTimeout / 10))) };
  const server: Server = options.tls ? createHttpsServer({ ...options.tls, ...slowClients }, listener) : createServer(slowClients, listener);
  // Malformed HTTP (not JSON): answer 400 and drop the socket instead of emitting an error.
  // A slow client past headersTimeout/requestTimeout gets 408 instead.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    const status = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
    if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    else socket.destroy();
  });

  if (options.socket) await removeStaleSocket(options.socket);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const done = () => {
      server.off('error', reject);
      resolve();
    };
    if (options.socket) server.listen(options.socket, done);
    else server.listen(options.port ?? 3000, host, done);
  });
  server.on('error', (error) => log?.error({ err: error }, 'HTTP server error'));
  // WebSocket upgrades on this same listener (so HTTPS gives WSS) pass the same gate as /mcp before being accepted.
  const webSocket: WebSocketHandle | undefined = attachWebSocket && options.websocket
    ? attachWebSocket(server, factory, { maxMessageBytes: maxBodyBytes, ...(options.websocket === true ? {} : options.websocket), ...(log ? { logger: log } : {}), admit: async (req, res) => validateHost(req, res) && validateOrigin(req, res) && (!authGate || gateKnown(authGate, req) || (await gateRequest(authGate, req, res, log))),
        ...(authGate ? { reauthenticate: (req: IncomingMessage) => reauthenticate(authGate, req, 'websocket') } : {}),
      })
    : undefined;

  const address = server.address();
  const port = typeof address === 'object' && address ? (address as AddressInfo).port : undefined;
  const urlHost = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  const url = options.socket ? `unix:${options.socket}` : `${options.tls ? 'https' : 'http'}://${urlHost}:${port}${MCP_PATH}`;

  let closed: Promise<{ drained: boolean }> | undefined;
  return {
    server,
    url,
    port,
    get inFlight() {
      return inFlight;
    },
    close(timeoutMs = DEFAULT_SHUTDOWN_TIMEOUT_MS) {
      closed ??= (async () => {
        closing = true;
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        // Sessions hold open GET streams and listen streams stay open until told: close them first.
        listen.closeAll();
        await sessionRouter?.close();
        const webSocketClosed = webSocket?.close(timeoutMs);
        let drained = inFlight > 0 ? await waitForDrain(drainWaiters, timeoutMs) : true;
        if (webSocketClosed && !(await webSocketClosed).drained) drained = false;
        server.closeAllConnections();
        await stopped;
        await mcp.close().catch(() => {});
        replies.clear();
        if (options.socket) removeSocketFile(options.socket);
        return { drained };
      })();
      return closed;
    },
  };
}

/**
 * Runs `fn` with `console.warn` muted. The SDK warns on stderr, unconditionally, that JSON response
 * mode drops mid-call notifications; that mode is a deliberate choice here (DESIGN §8), and stderr
 * must hold only log lines and the single "listening on" line.
 */
function quietly<T>(fn: () => T): T {
  const warn = console.warn;
  console.warn = () => {};
  try {
    return fn();
  } finally {
    console.warn = warn;
  }
}

type Validator = (req: IncomingMessage, res: ServerResponse) => boolean;

function hostValidator(extra: string[], make: (names: string[]) => Validator, defaults: string[]): Validator {
  if (extra.includes('*')) return () => true;
  return make([...defaults, ...extra]);
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

/** Removes a socket file left by a crashed server; refuses a live socket or a non-socket file. */
async function removeStaleSocket(path: string): Promise<void> {
  let stat;
  try {
    stat = lstatSync(path);
  } catch {
    return;
  }
  if (!stat.isSocket()) throw new Error(`${path} exists and is not a socket; refusing to replace it. Choose another MCP_SOCKET path.`);
  const live = await new Promise<boolean>((resolve) => {
    const probe = createConnection(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (live) throw new Error(`Another server is listening on ${path}; stop it or choose another MCP_SOCKET path.`);
  removeSocketFile(path);
}

function removeSocketFile(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}
