/**
 * Transports: stdio (`stdio.ts`), Streamable HTTP on node:http (`http.ts`), the extension point for
 * custom transports (`custom.ts`) and MCP over WebSocket (`websocket.ts`, non-standard; client in
 * `websocket-client.ts`) and the operational endpoints (`ops.ts`). See docs/transports.md.
 */
export { serveStdio, type StdioHandle, type StdioOptions } from './stdio.js';
export { DEFAULT_MAX_BODY_BYTES, DEFAULT_SHUTDOWN_TIMEOUT_MS, MCP_PATH, startHttpServer, type HttpServerHandle, type HttpServerOptions } from './http.js';
export { startMetricsListener, type MetricsListenerHandle, type MetricsListenerOptions } from './ops.js';
export { serveTransport, withAuthInfo, type ServeTransportOptions, type TransportConnection } from './custom.js';
export {
  attachWebSocket,
  DEFAULT_PING_INTERVAL_MS,
  DEFAULT_WEBSOCKET_MAX_MESSAGE_BYTES,
  WEBSOCKET_PATH,
  WEBSOCKET_SUBPROTOCOL,
  WebSocketServerTransport,
  type AttachWebSocketOptions,
  type UpgradeGate,
  type WebSocketHandle,
  type WebSocketOptions,
} from './websocket.js';
export { WebSocketClientTransport, WebSocketUpgradeError, type WebSocketClientTransportOptions } from './websocket-client.js';
