/**
 * MCP over WebSocket: a custom, NON-STANDARD transport (docs/transports.md).
 *
 * One MCP connection per WebSocket, one JSON-RPC message per text frame, subprotocol `mcp`. It is
 * served on the HTTP transport's own listener through the `upgrade` event (`attachWebSocket`), so
 * the Host/Origin checks (and whatever else the HTTP transport's gate does) run before a socket is
 * accepted, and an HTTPS listener gives WSS with no extra code. Each connection goes through the
 * transport extension point (`custom.ts`), which pins one pooled server instance per connection.
 */
import { ServerResponse, type IncomingMessage, type Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { AuthInfo, McpServerFactory } from '@modelcontextprotocol/server';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { serveTransport, withAuthInfo, type TransportConnection } from './custom.js';
import { waitForDrain } from './drain.js';
import { WebSocketServerTransport, type MessageAuthenticator, type Tracker } from './websocket-transport.js';
import { newEdge, toAuthInfo, identityOfAuthInfo } from '../core/edge.js';

export { WebSocketServerTransport };

export const WEBSOCKET_PATH = '/ws';
export const WEBSOCKET_SUBPROTOCOL = 'mcp';
export const DEFAULT_WEBSOCKET_MAX_MESSAGE_BYTES = 1024 * 1024;
export const DEFAULT_PING_INTERVAL_MS = 30_000;

/** What `startHttpServer({ websocket })` accepts besides `true`. */
export interface WebSocketOptions {
  /** Path the upgrade is accepted on (default `/ws`). */
  path?: string;
  /** Largest accepted frame in bytes (default: the HTTP body limit); a larger one closes the socket with 1009. */
  maxMessageBytes?: number;
  /** Ping every this many ms; a peer that has not answered the previous ping is dropped (default 30 s; 0 = off). */
  pingIntervalMs?: number;
}

/**
 * Decides an upgrade request before the WebSocket is accepted. It gets the request and a real
 * `ServerResponse` written straight to the socket: to refuse, write the answer (e.g. 403 or 401
 * with `WWW-Authenticate`) and return false; the socket is closed after it. Identity found by an
 * authenticator goes on `req.auth` (the SDK convention); the transport hands it on as `authInfo`.
 */
export type UpgradeGate = (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;

export interface AttachWebSocketOptions extends WebSocketOptions {
  /** Runs before every accepted upgrade (the HTTP transport passes its Host/Origin/auth checks). */
  admit?: UpgradeGate;
  /**
   * Re-authenticates the upgrade request's credential for every message (revoked keys and expired
   * tokens stop on the next message; the connection closes with 1008 and the reason). Without it
   * the identity found at upgrade (if any) holds for the connection.
   */
  reauthenticate?: (req: IncomingMessage) => Promise<{ ok: true; authInfo: AuthInfo } | { ok: false; reason: string }>;
  logger?: Logger;
}

export interface WebSocketHandle {
  readonly path: string;
  /** Open WebSocket connections. */
  readonly connections: number;
  /** Requests received over WebSockets and not yet answered. */
  readonly inFlight: number;
  /**
   * Refuses new upgrades and new requests (answered with -32000), waits up to `timeoutMs` for
   * in-flight requests to be answered, then closes every socket with 1001.
   */
  close(timeoutMs?: number): Promise<{ drained: boolean }>;
}

/**
 * Serves MCP over WebSocket on an existing HTTP or HTTPS server's `upgrade` event.
 *
 * @example
 * ```ts
 * const ws = attachWebSocket(server, factory, { path: '/ws', admit: (req, res) => checkHost(req, res) });
 * // at shutdown, before server.close() resolves:
 * await ws.close(10_000);
 * ```
 */
export function attachWebSocket(server: HttpServer | HttpsServer, factory: McpServerFactory, options: AttachWebSocketOptions = {}): WebSocketHandle {
  const path = options.path ?? WEBSOCKET_PATH;
  const log = options.logger;
  const pingIntervalMs = options.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS;
  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    maxPayload: options.maxMessageBytes ?? DEFAULT_WEBSOCKET_MAX_MESSAGE_BYTES,
    // Compression costs CPU and memory per socket and opens the door to zip bombs; messages are small.
    perMessageDeflate: false,
    handleProtocols: (protocols) => (protocols.has(WEBSOCKET_SUBPROTOCOL) ? WEBSOCKET_SUBPROTOCOL : false),
  });
  const connections = new Map<WebSocket, TransportConnection>();
  const alive = new WeakSet<WebSocket>();
  const drainWaiters = new Set<() => void>();
  const tracker: Tracker = {
    inFlight: 0,
    closing: false,
    changed() {
      if (this.inFlight <= 0) for (const resolve of drainWaiters) resolve();
    },
  };

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    void upgrade(req, socket, head).catch((error: unknown) => {
      // Never let a failed upgrade take the process down: it costs this one socket.
      log?.error({ err: error }, 'WebSocket upgrade failed');
      refuse(socket, 500, 'Internal server error');
    });
  };

  const upgrade = async (req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> => {
    socket.on('error', (error) => log?.debug({ err: error }, 'WebSocket socket error'));
    const url = (req.url ?? '/').split('?', 1)[0];
    if (url !== path) return refuse(socket, 404, `No WebSocket endpoint at ${url}; it is ${path}`);
    if (tracker.closing) return refuse(socket, 503, 'Server is shutting down; retry on another replica');
    if (options.admit) {
      const res = new ServerResponse(req);
      res.shouldKeepAlive = false;
      res.assignSocket(socket as Socket);
      const admitted = await options.admit(req, res);
      if (!admitted) {
        if (!res.writableEnded) {
          if (!res.headersSent) res.statusCode = 403;
          res.end();
        }
        // end(), not destroy(): the refusal body must reach the client before the socket closes.
        if (res.writableFinished) socket.end();
        else res.once('finish', () => socket.end());
        return;
      }
      res.detachSocket(socket as Socket);
    }
    const offered = String(req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((p) => p.trim());
    if (!offered.includes(WEBSOCKET_SUBPROTOCOL)) {
      return refuse(socket, 400, `Offer the "${WEBSOCKET_SUBPROTOCOL}" subprotocol (Sec-WebSocket-Protocol: ${WEBSOCKET_SUBPROTOCOL}) to speak MCP over WebSocket`);
    }
    if (tracker.closing || socket.destroyed) return refuse(socket, 503, 'Server is shutting down; retry on another replica');
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws, req));
  };

  const accept = (ws: WebSocket, req: IncomingMessage): void => {
    // An 'error' without a listener would throw; the transport reports it, this keeps it harmless.
    ws.on('error', (error) => log?.debug({ err: error }, 'WebSocket error'));
    alive.add(ws);
    ws.on('pong', () => alive.add(ws));
    // Each message gets its own edge (the peer is the anonymous caller's rate-limit key) and, with
    // auth on, the identity its credential still proves at that moment.
    const remote = req.socket.remoteAddress;
    const atUpgrade = identityOfAuthInfo((req as IncomingMessage & { auth?: AuthInfo }).auth);
    const reauthenticate = options.reauthenticate;
    // Without an authenticator nothing can change during the connection: one AuthInfo serves every
    // message, delivered synchronously (no per-message promise on the hot path).
    const transport = reauthenticate
      ? new WebSocketServerTransport(ws, { tracker, authenticate: (async () => reauthenticate(req)) satisfies MessageAuthenticator })
      : new WebSocketServerTransport(ws, { tracker, authInfo: toAuthInfo(atUpgrade, newEdge('websocket', remote)) });
    const served = withAuthInfo(factory, (message) => transport.authInfoOf(message));
    connections.set(ws, serveTransport(served, transport, { ...(log ? { logger: log } : {}), name: 'websocket' }));
    ws.once('close', (code) => {
      connections.delete(ws);
      log?.debug({ code, connections: connections.size }, 'WebSocket closed');
    });
    log?.debug({ connections: connections.size }, 'WebSocket connected');
  };

  // Keep-alive: a peer that did not answer the last ping (a dead laptop, a silently dropped NAT
  // mapping) is terminated, so its connection and pinned instance are freed.
  const pinger =
    pingIntervalMs > 0
      ? setInterval(() => {
          for (const ws of connections.keys()) {
            if (!alive.has(ws)) {
              log?.info('dropping a WebSocket peer that did not answer ping');
              ws.terminate();
              continue;
            }
            alive.delete(ws);
            ws.ping();
          }
        }, pingIntervalMs)
      : undefined;
  pinger?.unref();

  server.on('upgrade', onUpgrade);

  let closed: Promise<{ drained: boolean }> | undefined;
  return {
    path,
    get connections() {
      return connections.size;
    },
    get inFlight() {
      return tracker.inFlight;
    },
    close(timeoutMs = 10_000) {
      closed ??= (async () => {
        tracker.closing = true;
        server.off('upgrade', onUpgrade);
        if (pinger) clearInterval(pinger);
        let drained = tracker.inFlight > 0 ? await waitForDrain(drainWaiters, timeoutMs) : true;
        const open = [...connections];
        await Promise.all(
          open.map(
            ([ws]) =>
              new Promise<void>((resolve) => {
                if (ws.readyState === ws.CLOSED) return resolve();
                // A peer that does not complete the closing handshake is cut off after a second.
                const kill = setTimeout(() => ws.terminate(), 1000);
                ws.once('close', () => {
                  clearTimeout(kill);
                  resolve();
                });
                ws.close(1001, 'server shutting down');
              }),
          ),
        );
        await Promise.all(open.map(([, connection]) => connection.close().catch(() => {})));
        wss.close();
        return { drained };
      })();
      return closed;
    },
  };
}

function refuse(socket: Duplex, status: number, message: string): void {
  if (socket.destroyed) return;
  const body = JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  socket.once('finish', () => socket.destroy());
}

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 404: 'Not Found', 500: 'Internal Server Error', 503: 'Service Unavailable' };
