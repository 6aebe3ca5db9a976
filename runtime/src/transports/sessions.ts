/**
 * Stateful HTTP sessions for 2025-era clients (`MCP_HTTP_SESSIONS=stateful`).
 *
 * The default HTTP serving is stateless: every request is answered by a fresh server instance, so
 * replicas behind a load balancer need no affinity (server-to-client requests of a stateless call
 * are correlated within the process, see pending-replies.ts). Some 2025 clients need more:
 * resource update notifications, a GET stream, server-to-client requests across replicas. In
 * sessions mode an `initialize` request opens a session (`Mcp-Session-Id`), served by one
 * long-lived instance over the SDK's streamable HTTP transport: POST, GET (SSE) and DELETE carry
 * the header and reach that session. Everything else — 2026-07-28 requests, session-less 2025
 * requests — goes to the stateless handler as before (fast path included).
 *
 * Sessions live in this process: behind several replicas, route by `Mcp-Session-Id` (sticky
 * sessions). Idle sessions are closed after `idleTimeoutMs`; at most `maxSessions` are open.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isInitializeRequest, WebStandardStreamableHTTPServerTransport, type McpServerFactory } from '@modelcontextprotocol/server';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { withOutcomeStatus } from '../limits/http.js';
import { prependChunk } from '../core/streams.js';
import { refuseOversizedBody } from './body-limit.js';
import { ANONYMOUS, callerKey, edgeOfAuthInfo, identityOfAuthInfo, onTransport } from '../core/edge.js';
import type { AuthInfo } from '@modelcontextprotocol/server';
import type { Logger } from 'pino';

export type HttpSessionsMode = 'stateless' | 'stateful';

export const DEFAULT_SESSION_IDLE_TIMEOUT_MS = 30 * 60_000;
export const DEFAULT_MAX_SESSIONS = 10_000;
export const DEFAULT_MAX_SESSIONS_PER_CALLER = 100;
/** What a refused session open tells the client to wait before trying again. */
const SESSION_RETRY_AFTER_SECONDS = 30;

export interface SessionRouterOptions {
  /** Serves everything that is not a session request (the stateless handler, fast path included). */
  fallback: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  /** The SDK's stateless handler, for requests whose body was already read here (it reads bodies as async iterables). */
  sdk: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  maxBodyBytes: number;
  /** Whether answers may turn into a 429 (some rate limit exists): see `withOutcomeStatus`. */
  holdEventStreams?: boolean;
  logger?: Logger;
  /** Errors of the Node adapter (logged by the HTTP transport). */
  onerror?: (error: Error) => void;
  idleTimeoutMs?: number;
  /** Open sessions in this process at most (`MCP_MAX_SESSIONS`); past it, 503 + Retry-After. */
  maxSessions?: number;
  /** Open sessions per caller at most (`MCP_MAX_SESSIONS_PER_CALLER`): the subject, or the peer address when anonymous. */
  maxSessionsPerCaller?: number;
  /**
   * Re-checks the credential of a session's GET stream before each message pushed on it (auth on):
   * a revoked key or an expired token ends the stream instead of receiving the message.
   */
  reauthenticate?: (req: IncomingMessage) => Promise<{ ok: true } | { ok: false; reason: string }>;
}

export interface SessionRouter {
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Open sessions. */
  readonly size: number;
  /** Closes every session (shutdown). */
  close(): Promise<void>;
}

interface Session {
  transport: WebStandardStreamableHTTPServerTransport;
  /** The session's transport behind Node's adapter, with the same outcome → status mapping as stateless HTTP. */
  serve: (req: IncomingMessage, res: ServerResponse, parsedBody?: unknown) => Promise<void>;
  lastSeen: number;
  /** Requests of this session being served now (a session is not idle while one runs). */
  active: number;
  /** The subject that opened it (auth on): any other caller is told the session does not exist. */
  owner: string | undefined;
  /** The key its per-caller cap counts it under. */
  callerKey: string;
  /** The request of the open GET stream (its credential is re-checked per pushed message). */
  stream?: IncomingMessage;
}

/** Who is calling: the authenticated subject (the session's owner), and the key caps count under. */
function callerOfRequest(req: IncomingMessage): { owner: string | undefined; key: string } {
  const authInfo = (req as IncomingMessage & { auth?: AuthInfo }).auth;
  const identity = identityOfAuthInfo(authInfo);
  const key = callerKey(identity ?? ANONYMOUS, edgeOfAuthInfo(authInfo)?.peer);
  return { owner: identity ? `${identity.method ?? 'auth'}:${identity.subject}` : undefined, key };
}

export function createSessionRouter(factory: McpServerFactory, options: SessionRouterOptions): SessionRouter {
  const sessions = new Map<string, Session>();
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_SESSION_IDLE_TIMEOUT_MS;
  const maxSessions = options.maxSessions ?? DEFAULT_MAX_SESSIONS;
  const maxPerCaller = options.maxSessionsPerCaller ?? DEFAULT_MAX_SESSIONS_PER_CALLER;
  const perCaller = new Map<string, number>();
  const countFor = (key: string, delta: number) => {
    const n = (perCaller.get(key) ?? 0) + delta;
    if (n <= 0) perCaller.delete(key);
    else perCaller.set(key, n);
  };
  const forget = (id: string) => {
    const session = sessions.get(id);
    if (!session) return;
    sessions.delete(id);
    countFor(session.callerKey, -1);
  };
  const log = options.logger;

  // Sweeps idle sessions; unref'd so it never keeps the process alive.
  const sweeper = setInterval(() => {
    const now = Date.now();
    for (const [id, session] of sessions) {
      if (session.active === 0 && now - session.lastSeen > idleTimeoutMs) {
        log?.info({ sessionId: id }, 'closing idle MCP session');
        void session.transport.close().catch(() => {});
      }
    }
  }, Math.min(idleTimeoutMs, 60_000));
  sweeper.unref();

  async function serveSession(session: Session, req: IncomingMessage, res: ServerResponse, body?: unknown): Promise<void> {
    const withAuth = req as IncomingMessage & { auth?: AuthInfo };
    withAuth.auth = onTransport(withAuth.auth, 'session');
    if (req.method === 'GET') session.stream = req;
    session.active++;
    session.lastSeen = Date.now();
    try {
      await session.serve(req, res, body);
    } finally {
      session.active--;
      session.lastSeen = Date.now();
    }
  }

  async function open(req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
    const caller = callerOfRequest(req);
    const busy = { 'retry-after': String(SESSION_RETRY_AFTER_SECONDS) };
    if (sessions.size >= maxSessions) {
      log?.warn({ sessions: sessions.size }, 'refused a new MCP session: MCP_MAX_SESSIONS reached');
      return sendJson(res, 503, { jsonrpc: '2.0', error: { code: -32000, message: `Too many open sessions (${maxSessions}); retry later` }, id: null }, busy);
    }
    if ((perCaller.get(caller.key) ?? 0) >= maxPerCaller) {
      log?.warn({ caller: caller.key }, 'refused a new MCP session: MCP_MAX_SESSIONS_PER_CALLER reached');
      return sendJson(res, 503, { jsonrpc: '2.0', error: { code: -32000, message: `Too many open sessions for this caller (${maxPerCaller}); close one (DELETE) or retry later` }, id: null }, busy);
    }
    const server = await factory({ era: 'legacy' });
    let session: Session | undefined;
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        if (session) {
          sessions.set(id, session);
          countFor(session.callerKey, 1);
        }
        log?.debug({ sessionId: id }, 'MCP session opened');
      },
      onsessionclosed: (id) => {
        forget(id);
        log?.debug({ sessionId: id }, 'MCP session closed by the client');
      },
    });
    const serve = toNodeHandler(withOutcomeStatus(openingGetStreams({ fetch: (request, opts) => transport.handleRequest(request, opts) }), { holdEventStreams: options.holdEventStreams ?? true }), {
      maxRequestBodySize: options.maxBodyBytes,
      ...(options.onerror ? { onerror: options.onerror } : {}),
    }) as Session['serve'];
    session = { transport, serve, lastSeen: Date.now(), active: 0, owner: caller.owner, callerKey: caller.key };
    const reauthenticate = options.reauthenticate;
    if (reauthenticate) {
      // Messages pushed on the GET stream (no related request) reach whoever holds it: its
      // credential is checked again first, as every POST's is.
      const send = transport.send.bind(transport);
      const own = session;
      transport.send = async (message, sendOptions) => {
        const stream = own.stream;
        if (sendOptions?.relatedRequestId === undefined && stream) {
          const outcome = await reauthenticate(stream);
          if (!outcome.ok) {
            log?.info({ sessionId: transport.sessionId, reason: outcome.reason }, 'closing a session GET stream: its credential is no longer accepted');
            own.stream = undefined;
            transport.closeStandaloneSSEStream();
            return;
          }
        }
        return send(message, sendOptions);
      };
    }
    transport.onclose = () => {
      if (transport.sessionId) forget(transport.sessionId);
    };
    await server.connect(transport);
    await serveSession(session, req, res, body);
    // A failed initialize leaves no session id behind: release the instance.
    if (!transport.sessionId) await transport.close().catch(() => {});
  }

  return {
    get size() {
      return sessions.size;
    },
    async handle(req, res) {
      const id = header(req.headers['mcp-session-id']);
      if (id !== undefined) {
        const found = sessions.get(id);
        // Bound to its owner: to anyone else a session id is as good as unknown (no oracle either).
        const session = found && found.owner === callerOfRequest(req).owner ? found : undefined;
        if (!session) {
          return sendJson(res, 404, { jsonrpc: '2.0', error: { code: -32001, message: 'Session not found; initialize a new session' }, id: null });
        }
        return serveSession(session, req, res);
      }
      // Only a session-less POST without a protocol-version header can be a 2025 `initialize`
      // (later 2025 requests and every 2026-07-28 request carry the header): only those are read here.
      if (req.method !== 'POST' || header(req.headers['mcp-protocol-version']) !== undefined) return options.fallback(req, res);
      const raw = await readBody(req, options.maxBodyBytes);
      if (raw === undefined) {
        return refuseOversizedBody(req, res, options.maxBodyBytes);
      }
      let body: unknown;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        body = undefined;
      }
      const initialize = Array.isArray(body) ? body.some((m) => isInitializeRequest(m)) : isInitializeRequest(body);
      if (initialize) return open(req, res, body);
      return options.sdk(replay(req, raw), res);
    },
    async close() {
      clearInterval(sweeper);
      await Promise.all([...sessions.values()].map((s) => s.transport.close().catch(() => {})));
      sessions.clear();
      perCaller.clear();
    },
  };
}

function header(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** Reads the body up to `limit` bytes; undefined when it is larger (the rest is discarded). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) over = true;
      if (!over) chunks.push(chunk);
    });
    req.once('end', () => resolve(over ? undefined : Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

/**
 * The request again with its body already read, for the stateless handler (it reads the body as
 * an async iterable, through `toNodeHandler`).
 */
function replay(req: IncomingMessage, body: Buffer): IncomingMessage {
  const copy = Object.create(req) as IncomingMessage;
  Object.defineProperty(copy, Symbol.asyncIterator, {
    value: async function* () {
      yield body;
    },
  });
  return copy;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

/**
 * Node sends response headers with the first body bytes, and a session's GET stream may stay
 * silent until its first notification (or the SDK's 15 s keep-alive): the client would wait that
 * long for the stream to open. An SSE comment line (ignored by every SSE reader) goes first.
 */
function openingGetStreams<H extends { fetch(request: Request, options?: never): Promise<Response> }>(handler: H): H {
  return {
    ...handler,
    async fetch(request: Request, options?: never) {
      const response = await handler.fetch(request, options);
      if (request.method !== 'GET' || !response.body || !response.headers.get('content-type')?.startsWith('text/event-stream')) return response;
      const opened = prependChunk(new TextEncoder().encode(': stream open\n\n'), response.body.getReader());
      return new Response(opened, { status: response.status, statusText: response.statusText, headers: response.headers });
    },
  } as H;
}
