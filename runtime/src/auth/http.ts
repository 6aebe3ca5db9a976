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
import type { AuthIdentity } from '../server/contract.js';
import type { AuthRejection, Authenticator } from './types.js';

/** What `AuthInfo.token` holds instead of the token. */
export const REDACTED_TOKEN = '[not forwarded]';

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
export function toAuthInfo(identity: AuthIdentity, resourceMetadataUrl?: string): AuthInfo {
  return {
    token: REDACTED_TOKEN,
    clientId: identity.clientId ?? identity.subject,
    scopes: [...identity.scopes],
    ...(identity.expiresAt === undefined ? {} : { expiresAt: identity.expiresAt }),
    ...(resourceMetadataUrl === undefined ? {} : { resourceMetadataUrl }),
    extra: { identity },
  };
}

/** The identity an authenticated request carries, if any. */
export function identityFromAuthInfo(authInfo: AuthInfo | undefined): AuthIdentity | undefined {
  const identity = authInfo?.extra?.identity as AuthIdentity | undefined;
  return identity && typeof identity.subject === 'string' && Array.isArray(identity.scopes) ? identity : undefined;
}

export interface HttpAuthGate {
  authenticate: Authenticator;
  /** OAuth mode: the metadata document (served, and named in every challenge). */
  protectedResource?: ProtectedResource;
  /** Called for every refused request (the server counts `mcp_security_events_total{type="auth_failure"}`). */
  onRejected?: (rejection: AuthRejection) => void;
}

/**
 * Runs the authenticator for one `/mcp` request. Returns true when the request may proceed (the
 * identity is then on `req.auth`); otherwise the 400/401/403 answer has been written.
 */
export async function gateRequest(gate: HttpAuthGate, req: IncomingMessage, res: ServerResponse, log?: Logger): Promise<boolean> {
  const outcome = await gate.authenticate(req);
  const resourceMetadataUrl = gate.protectedResource?.metadataUrl;
  if (outcome.ok) {
    (req as IncomingMessage & { auth?: AuthInfo }).auth = toAuthInfo(outcome.identity, resourceMetadataUrl);
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
