/**
 * The HTTP side of authentication: running the authenticator before MCP handling, the
 * `WWW-Authenticate` challenges (RFC 6750, with RFC 9728 `resource_metadata` in OAuth mode), and
 * the protected resource metadata document.
 *
 * On success the identity is attached to the request as the SDK's pass-through `req.auth`
 * (`AuthInfo`), which `toNodeHandler` hands to the MCP server as `ctx.http.authInfo`; the runtime
 * turns it back into `ctx.auth`. `AuthInfo.token` is required by the SDK's type but is never the
 * presented token: the raw credential stops here.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthInfo } from '@modelcontextprotocol/server';
import type { Logger } from 'pino';
import { identityOfAuthInfo, newEdge, REDACTED_TOKEN, toAuthInfo as edgeAuthInfo, type Edge } from '../core/edge.js';
import type { AuthIdentity } from '../server/contract.js';
import type { AuthRejection, Authenticator } from './types.js';

export { REDACTED_TOKEN };

/** RFC 9728 protected resource metadata, as served at `/.well-known/oauth-protected-resource`. */
export interface ProtectedResourceMetadata {
  resource: string;
  authorization_servers: string[];
  scopes_supported?: string[];
  bearer_methods_supported: string[];
  resource_name?: string;
  resource_documentation?: string;
}

export interface ProtectedResource {
  metadata: ProtectedResourceMetadata;
  /** The URL clients are sent to in `resource_metadata` (path-aware well-known URL of the resource). */
  metadataUrl: string;
  /** Request paths that serve the document (the path-aware one and the root one). */
  paths: string[];
}

/**
 * Builds the metadata for a resource URL such as `https://mcp.example.com/mcp`: served at
 * `/.well-known/oauth-protected-resource/mcp` (RFC 9728 §3.1, path inserted) and, for clients that
 * only try the root, at `/.well-known/oauth-protected-resource`.
 */
export function protectedResource(options: { resourceUrl: string; authorizationServers: string[]; scopes: string[]; name?: string; documentation?: string }): ProtectedResource {
  const url = new URL(options.resourceUrl);
  url.hash = '';
  const resourcePath = url.pathname.length > 1 && url.pathname.endsWith('/') ? url.pathname.slice(0, -1) : url.pathname;
  const path = `/.well-known/oauth-protected-resource${resourcePath === '/' ? '' : resourcePath}`;
  const metadata: ProtectedResourceMetadata = {
    resource: url.href,
    authorization_servers: options.authorizationServers,
    ...(options.scopes.length > 0 ? { scopes_supported: options.scopes } : {}),
    bearer_methods_supported: ['header'],
    ...(options.name === undefined ? {} : { resource_name: options.name }),
    ...(options.documentation === undefined ? {} : { resource_documentation: options.documentation }),
  };
  return { metadata, metadataUrl: new URL(path, url).href, paths: [...new Set([path, '/.well-known/oauth-protected-resource'])] };
}

/** `"` and `\` escaped for an RFC 7235 quoted-string; control characters dropped. */
function quoted(value: string): string {
  return `"${value.replace(/[\x00-\x1f\x7f]/g, '').replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** The `WWW-Authenticate` value for a rejection. */
export function challengeHeader(rejection: AuthRejection, options: { resourceMetadataUrl?: string; scope?: string[] } = {}): string {
  const params: string[] = [];
  if (rejection.error) {
    params.push(`error=${quoted(rejection.error)}`);
    params.push(`error_description=${quoted(rejection.description)}`);
  }
  if (options.scope && options.scope.length > 0) params.push(`scope=${quoted(options.scope.join(' '))}`);
  if (options.resourceMetadataUrl) params.push(`resource_metadata=${quoted(options.resourceMetadataUrl)}`);
  if (params.length === 0) params.push('realm="mcp"');
  return `Bearer ${params.join(', ')}`;
}

/** The SDK's `AuthInfo` for an identity (no token; the identity itself travels in `extra`). */
export function toAuthInfo(identity: AuthIdentity, resourceMetadataUrl?: string, edge?: Edge): AuthInfo {
  return edgeAuthInfo(identity, edge, resourceMetadataUrl);
}

/** The identity an authenticated request carries, if any. */
export const identityFromAuthInfo = identityOfAuthInfo;

export interface HttpAuthGate {
  authenticate: Authenticator;
  /** OAuth mode: the metadata document (served, and named in every challenge). */
  protectedResource?: ProtectedResource;
  /** Called for every refused request (the server counts `mcp_security_events_total{type="auth_failure"}`). */
  onRejected?: (rejection: AuthRejection) => void;
  /**
   * Endpoints of the auth mode itself outside `/mcp` (the OAuth proxy's authorization server):
   * answers `path` and returns true, or returns false to leave it to the other routes.
   */
  endpoints?: (req: IncomingMessage, res: ServerResponse, path: string) => Promise<boolean>;
}

/**
 * The synchronous half of `gateRequest`: true when the authenticator vouches for the request's
 * credential from memory (`Authenticator.known`, e.g. an API key verified before); the identity is
 * then on `req.auth`. False means nothing was decided: run `gateRequest`.
 *
 * @example
 * ```ts
 * if (!gateKnown(gate, req, edge) && !(await gateRequest(gate, req, res, log, edge))) return;
 * ```
 */
export function gateKnown(gate: HttpAuthGate, req: IncomingMessage, edge?: Edge): boolean {
  const outcome = gate.authenticate.known?.(req);
  if (outcome?.ok !== true) return false;
  (req as IncomingMessage & { auth?: AuthInfo }).auth = toAuthInfo(outcome.identity, gate.protectedResource?.metadataUrl, edge);
  return true;
}

/**
 * Runs the authenticator for one `/mcp` request. Returns true when the request may proceed (the
 * identity is then on `req.auth`); otherwise the 400/401/403 answer has been written.
 */
export async function gateRequest(gate: HttpAuthGate, req: IncomingMessage, res: ServerResponse, log?: Logger, edge?: Edge): Promise<boolean> {
  const outcome = await gate.authenticate(req);
  const resourceMetadataUrl = gate.protectedResource?.metadataUrl;
  if (outcome.ok) {
    (req as IncomingMessage & { auth?: AuthInfo }).auth = toAuthInfo(outcome.identity, resourceMetadataUrl, edge);
    return true;
  }
  const { rejection } = outcome;
  gate.onRejected?.(rejection);
  // Logged without the credential: the description never contains it.
  log?.info({ event: 'auth_failure', status: rejection.status, error: rejection.error ?? 'missing_credentials', reason: rejection.description }, 'request refused by authentication');
  const body = JSON.stringify({ error: rejection.error ?? 'unauthorized', error_description: rejection.description });
  res.writeHead(rejection.status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    'www-authenticate': challengeHeader(rejection, resourceMetadataUrl === undefined ? {} : { resourceMetadataUrl }),
    'cache-control': 'no-store',
  });
  res.end(body);
  return false;
}

/**
 * Re-runs the authenticator on a long-lived connection's upgrade request (its credential), for one
 * message: the identity it proves now, or why it no longer proves one (counted like a refusal).
 */
export async function reauthenticate(gate: HttpAuthGate, req: IncomingMessage, transport: Edge['transport']): Promise<{ ok: true; authInfo: AuthInfo } | { ok: false; reason: string }> {
  const known = gate.authenticate.known?.(req);
  const outcome = known?.ok === true ? known : await gate.authenticate(req);
  if (outcome.ok) return { ok: true, authInfo: toAuthInfo(outcome.identity, gate.protectedResource?.metadataUrl, newEdge(transport, req.socket.remoteAddress, req.headers)) };
  gate.onRejected?.(outcome.rejection);
  return { ok: false, reason: `credential no longer accepted: ${outcome.rejection.description}` };
}
