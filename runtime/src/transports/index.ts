/**
 * Transports: stdio (`stdio.ts`) and Streamable HTTP on node:http (`http.ts`).
 */
export { serveStdio, type StdioHandle, type StdioOptions } from './stdio.js';
export { DEFAULT_MAX_BODY_BYTES, DEFAULT_SHUTDOWN_TIMEOUT_MS, MCP_PATH, startHttpServer, type HttpServerHandle, type HttpServerOptions } from './http.js';
