/**
 * The operational endpoints: `/healthz`, `/readyz`, `/metrics` and the OAuth protected-resource
 * document, on the MCP listener and on the optional metrics listener (`MCP_METRICS_PORT`).
 *
 * Who may read what (docs/security.md, "Operational endpoints"):
 * - `/healthz` answers anyone who passes the Host check: it says only "the process runs".
 * - `/metrics` holds tool names, call counts and security events. It answers with the metrics
 *   credential (`Authorization: Bearer $MCP_METRICS_TOKEN`) or on the metrics listener, whose bind
 *   (loopback by default) is the protection. On the MCP listener of a server with an auth mode it
 *   never answers without the token; only a server without auth, token or metrics port (local
 *   development) serves it openly.
 * - `/readyz` answers everyone with its status (200/503, what probes need); the details (database,
 *   Redis) only to whoever may read `/metrics`.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { localhostAllowedHostnames } from '@modelcontextprotocol/server';
import { hostHeaderValidation } from '@modelcontextprotocol/node';
import type { Logger } from 'pino';
import type { Metrics } from '../observability/index.js';
import type { ProtectedResource } from '../auth/http.js';

/** Loopback bind addresses: a listener there is reachable from this machine only. */
export const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export type Readiness = () => Promise<void | Record<string, unknown>>;

export interface OpsEndpointsOptions {
  readiness?: Readiness;
  metrics?: Metrics;
  /** The metrics credential: `/metrics` and `/readyz` details need `Authorization: Bearer <token>`. */
  metricsToken?: string;
  /** Without a token, `/metrics` answers anyone here (the metrics listener; a dev server without auth). */
  metricsOpen: boolean;
  /** Why `/metrics` is refused here without a token; the 403 body says what to do. */
  refusal?: string;
  protectedResource?: ProtectedResource;
  /** True once shutdown began: `/readyz` answers 503 so the load balancer stops routing here. */
  closing?: () => boolean;
  logger?: Logger;
}

/** Answers `path` when it is an operational endpoint and returns true; false leaves it to the caller (404). */
export type OpsEndpoints = (req: IncomingMessage, res: ServerResponse, path: string) => Promise<boolean>;

export function createOpsEndpoints(options: OpsEndpointsOptions): OpsEndpoints {
  const token = options.metricsToken === undefined ? undefined : digest(options.metricsToken);
  const access = (req: IncomingMessage): 'ok' | 'unauthorized' | 'refused' => {
    if (token) return presentedToken(req, token) ? 'ok' : 'unauthorized';
    return options.metricsOpen ? 'ok' : 'refused';
  };
  return async (req, res, path) => {
    if (path === '/healthz') {
      sendJson(res, 200, { status: 'ok' });
      return true;
    }
    if (options.protectedResource?.paths.includes(path)) {
      sendJson(res, 200, options.protectedResource.metadata, { 'cache-control': 'public, max-age=3600', 'access-control-allow-origin': '*' });
      return true;
    }
    if (path === '/readyz') {
      const detailed = access(req) === 'ok';
      if (options.closing?.()) {
        sendJson(res, 503, { status: 'shutting_down' });
        return true;
      }
      try {
        const details = await options.readiness?.();
        sendJson(res, 200, { status: 'ok', ...(detailed ? (details ?? {}) : {}) });
      } catch (error) {
        options.logger?.warn({ err: error }, 'readiness check failed');
        const details = (error as { details?: Record<string, unknown> } | null)?.details;
        sendJson(res, 503, { status: 'unavailable', ...(detailed ? { reason: 'database check failed', ...(details ?? {}) } : {}) });
      }
      return true;
    }
    if (path === '/metrics' && options.metrics) {
      const allowed = access(req);
      if (allowed === 'unauthorized') {
        sendJson(res, 401, { error: '/metrics needs the metrics credential: send Authorization: Bearer <MCP_METRICS_TOKEN>' }, { 'www-authenticate': 'Bearer realm="metrics"' });
        return true;
      }
      if (allowed === 'refused') {
        sendJson(res, 403, { error: options.refusal ?? '/metrics is not served here' });
        return true;
      }
      const text = await options.metrics.metricsText();
      res.writeHead(200, { 'content-type': options.metrics.contentType, 'cache-control': 'no-store' });
      res.end(text);
      return true;
    }
    return false;
  };
}

export interface MetricsListenerOptions extends Omit<OpsEndpointsOptions, 'metricsOpen' | 'refusal' | 'protectedResource'> {
  /** Bind address (default 127.0.0.1: only this machine, or this pod's sidecars, can scrape). */
  host?: string;
  port: number;
  /** Extra Host names accepted on a loopback bind (MCP_ALLOWED_HOSTS). */
  allowedHosts?: string[];
}

export interface MetricsListenerHandle {
  /** `http://HOST:PORT/metrics`. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * The metrics listener (`--metrics-port`): `/metrics`, `/readyz` with details and `/healthz`, apart
 * from the MCP port so a scraper reaches them and the public proxy never does. On loopback it checks
 * the Host header like the MCP listener (DNS rebinding); bound elsewhere its scrapers call it by pod
 * address, so the network and the optional token protect it.
 */
export async function startMetricsListener(options: MetricsListenerOptions): Promise<MetricsListenerHandle> {
  const host = options.host ?? '127.0.0.1';
  const endpoints = createOpsEndpoints({ ...options, metricsOpen: true });
  const validateHost = LOOPBACK_HOSTS.has(host)
    ? (options.allowedHosts ?? []).includes('*')
      ? () => true
      : hostHeaderValidation([...localhostAllowedHostnames(), ...(options.allowedHosts ?? [])])
    : () => true;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0]!;
    if (!validateHost(req, res)) return;
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: `Method ${req.method} is not allowed on ${path}` }, { allow: 'GET' });
    endpoints(req, res, path).then(
      (served) => served || sendJson(res, 404, { error: `No route for ${path}; this listener serves /metrics, /readyz and /healthz` }),
      (error: unknown) => {
        options.logger?.error({ err: error }, 'unhandled error on the metrics listener');
        if (!res.headersSent) sendJson(res, 500, { error: 'Internal server error' });
        else res.destroy();
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (error) => options.logger?.error({ err: error }, 'metrics listener error'));
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}/metrics`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Compares digests, so the time taken says nothing about the token (nor its length). */
function presentedToken(req: IncomingMessage, expected: Buffer): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return match !== null && timingSafeEqual(digest(match[1]!), expected);
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}
