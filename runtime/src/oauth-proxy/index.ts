/**
 * The `oauth-proxy` module: an OAuth 2.1 authorization server in front of an identity provider
 * that offers none of what MCP clients need (`auth.mode: oauth-proxy`).
 *
 * MCP clients register (DCR, RFC 7591) or present a client metadata document URL (CIMD), run the
 * authorization code flow with PKCE S256 and a resource indicator (RFC 8707), and get this
 * server's own tokens: JWTs for exactly this server's MCP URL, signed with the project's key and
 * verified by the same JWT verifier as `auth.mode: oauth`, so scopes and audience work unchanged.
 * Signing in is delegated to the upstream provider (presets.ts); its tokens are kept encrypted in
 * the database, never sent to clients, and reachable by tool handlers as `ctx.auth.upstreamToken()`.
 *
 * Reached from the HTTP edge's routing of non-MCP paths (`HttpAuthGate.endpoints`), like the
 * RFC 9728 document; every endpoint is rate limited per client address and audited (`kind: oauth`).
 *
 * @example
 * ```ts
 * const proxy = await createOAuthProxy({ config: config.oauthProxy!, storage, scopes: manifestScopes(manifest), serverName: manifest.name, logger });
 * await startHttpServer(factory, { authenticate: proxy.gate.authenticate, protectedResource: proxy.gate.protectedResource, endpoints: proxy.gate.endpoints });
 * ```
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { randomUUID } from 'node:crypto';
import { createAuditLog, countSecurityEvent, type AuditLog } from '../audit/index.js';
import { protectedResource, type HttpAuthGate } from '../auth/http.js';
import { createJwtAuthenticator } from '../auth/jwt.js';
import { invalidToken, type Authenticator } from '../auth/types.js';
import type { RateLimiter } from '../rate-limit/index.js';
import { createMemoryRateLimiter } from '../rate-limit/index.js';
import { authorize, callback, consentAnswer, consentForm } from './authorize.js';
import type { OAuthProxyConfig } from './config.js';
import type { Endpoint, ProxyContext } from './context.js';
import { seal, unseal } from './crypto.js';
import { sendJson } from './http-util.js';
import { createSigner, loadSigningKey } from './keys.js';
import { createOAuthStore, now, type OAuthStore } from './store.js';
import { register, revoke, token } from './token.js';
import { createUpstream, type UpstreamTokens } from './upstream.js';

export { OAUTH_PROXY_MIGRATIONS, OAUTH_TABLES, createOAuthStore } from './store.js';
export type { OAuthStore } from './store.js';
export { readOAuthProxyConfig } from './config.js';
export type { OAuthProxyConfig } from './config.js';
export { UPSTREAM_PRESETS, UPSTREAM_PRESET_NAMES } from './presets.js';
export type { UpstreamPreset, UpstreamPresetName } from './presets.js';
export { addressClass, fetchClientMetadata, CIMD_MAX_BYTES } from './cimd.js';
export type { ClientMetadata, CimdPolicy } from './cimd.js';

export interface OAuthProxyOptions {
  config: OAuthProxyConfig;
  db: Kysely<unknown>;
  dialect: 'sqlite' | 'postgres';
  /** Scopes the server's entries use (`manifestScopes`): what clients may ask for. */
  scopes: string[];
  serverName: string;
  logger: Logger;
  registry?: Registry;
  /** Shared across replicas with Redis; in memory otherwise. */
  limiter?: RateLimiter;
  /** Audit rows in the table too (MCP_AUDIT_TABLE), besides the log line. */
  auditTable?: boolean;
  /** Log one line per endpoint outcome (MCP_AUDIT_LOG, default on). */
  auditLog?: boolean;
}

export interface OAuthProxy {
  /** The HTTP gate: the token verifier, the RFC 9728 document and the authorization server's endpoints. */
  readonly gate: HttpAuthGate & { endpoints: NonNullable<HttpAuthGate['endpoints']> };
  readonly store: OAuthStore;
  readonly audit: AuditLog;
  /** Deletes expired codes, logins, refresh tokens and grants (also run every ten minutes). */
  prune(): Promise<number>;
  /** Stops the prune timer. */
  close(): Promise<void>;
}

export const AUTHORIZATION_SERVER_METADATA_PATHS = ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration'];
const PRUNE_EVERY_MS = 10 * 60_000;
/** An upstream access token this close to expiry is refreshed before a handler gets it. */
const UPSTREAM_REFRESH_MARGIN_SECONDS = 30;

/** The resource URL as an audience, with and without a trailing slash. */
function audienceFor(resourceUrl: string): string[] {
  const url = new URL(resourceUrl);
  url.hash = '';
  const href = url.href;
  return [...new Set([href, href.endsWith('/') ? href.slice(0, -1) : `${href}/`])];
}

export async function createOAuthProxy(options: OAuthProxyOptions): Promise<OAuthProxy> {
  const { config, logger } = options;
  const keys = [];
  for (const [i, pem] of config.signingKeys.entries()) {
    try {
      keys.push(await loadSigningKey(pem));
    } catch (error) {
      throw new Error(`${i === 0 ? 'MCP_OAUTH_SIGNING_KEY' : 'MCP_OAUTH_PREVIOUS_SIGNING_KEY'}: ${(error as Error).message}`);
    }
  }
  const signer = createSigner(keys[0]!, keys.slice(1));
  const store = createOAuthStore(options.db);
  const audit = createAuditLog({
    logger,
    ...(options.registry ? { registry: options.registry } : {}),
    ...(options.auditTable ? { table: { db: options.db, dialect: options.dialect } } : {}),
    log: options.auditLog ?? true,
  });
  const limiter = options.limiter ?? createMemoryRateLimiter();
  const issuer = config.issuer;
  const resource = new URL(config.resourceUrl).href;
  const ctx: ProxyContext = {
    issuer,
    resource,
    scopesSupported: options.scopes,
    serverName: options.serverName,
    store,
    upstream: createUpstream(config.upstream),
    callbackUrl: `${issuer}/oauth/callback`,
    signer,
    encryptionKey: config.encryptionKey,
    cimd: { allowHttpLocalhost: config.allowHttpLocalhost, allowPrivate: config.cimdAllowPrivate, ...(config.cimdCa ? { ca: config.cimdCa } : {}) },
    accessTokenTtl: config.accessTokenTtl,
    refreshTokenTtl: config.refreshTokenTtl,
    secureCookies: issuer.startsWith('https:'),
    audit({ name, outcome, subject, errorCode, startedAt }) {
      audit.record({ kind: 'oauth', name, subject: subject ?? 'anonymous', outcome, durationMs: performance.now() - startedAt, requestId: randomUUID(), ...(errorCode ? { errorCode } : {}) });
      if (outcome === 'denied' && options.registry) countSecurityEvent(options.registry, 'auth_failure');
      if (outcome === 'rate_limited' && options.registry) countSecurityEvent(options.registry, 'rate_limited');
    },
    async allow(endpoint, req) {
      const decision = await limiter.hit(`oauth:${endpoint}:${req.socket.remoteAddress ?? 'unknown'}`, config.ratePerMinute);
      return decision.allowed;
    },
  };

  const metadata = {
    issuer,
    authorization_endpoint: `${issuer}/oauth/authorize`,
    token_endpoint: `${issuer}/oauth/token`,
    registration_endpoint: `${issuer}/oauth/register`,
    revocation_endpoint: `${issuer}/oauth/revoke`,
    jwks_uri: `${issuer}/oauth/jwks`,
    scopes_supported: options.scopes,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['none', 'client_secret_basic', 'client_secret_post'],
    revocation_endpoint_auth_methods_supported: ['none', 'client_secret_basic', 'client_secret_post'],
    authorization_response_iss_parameter_supported: true,
    client_id_metadata_document_supported: true,
  };
  const resourceDoc = protectedResource({ resourceUrl: resource, authorizationServers: [issuer], scopes: options.scopes, name: options.serverName });

  const routes: Record<string, Partial<Record<string, Endpoint>>> = {
    '/oauth/authorize': { GET: authorize },
    '/oauth/callback': { GET: callback },
    '/oauth/consent': { GET: consentForm, POST: consentAnswer },
    '/oauth/token': { POST: token },
    '/oauth/register': { POST: register },
    '/oauth/revoke': { POST: revoke },
  };
  const cors = { 'access-control-allow-origin': '*' };
  const endpoints = async (req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> => {
    if (AUTHORIZATION_SERVER_METADATA_PATHS.includes(path) || path === '/oauth/jwks') {
      if (req.method !== 'GET' && req.method !== 'HEAD') return false;
      sendJson(res, 200, path === '/oauth/jwks' ? signer.jwks : metadata, { 'cache-control': 'public, max-age=300', ...cors });
      return true;
    }
    const route = routes[path];
    if (!route) return false;
    // Browser-based MCP clients call the token, registration and revocation endpoints cross-origin.
    if (req.method === 'OPTIONS' && path !== '/oauth/consent') {
      res.writeHead(204, { ...cors, 'access-control-allow-methods': 'POST', 'access-control-allow-headers': 'authorization, content-type', 'access-control-max-age': '600' });
      res.end();
      return true;
    }
    const endpoint = route[req.method ?? 'GET'];
    if (!endpoint) {
      sendJson(res, 405, { error: 'invalid_request', error_description: `Method ${req.method} is not allowed on ${path}` }, { allow: Object.keys(route).join(', ') });
      return true;
    }
    if (!path.endsWith('/authorize') && !path.endsWith('/callback') && !path.endsWith('/consent')) for (const [k, v] of Object.entries(cors)) res.setHeader(k, v);
    await endpoint(ctx, req, res, new URL(req.url ?? '/', issuer));
    return true;
  };

  // The existing JWT verifier with this server's own keys: issuer, audience, exp/nbf, scopes as in
  // `auth.mode: oauth`; then the grant must still be live (revocation takes effect on the next request).
  const verify = createJwtAuthenticator({ jwks: signer.jwks, issuer, audience: audienceFor(resource), method: 'oauth' });
  const authenticate: Authenticator = async (req) => {
    const outcome = await verify(req);
    if (!outcome.ok) return outcome;
    const grantId = outcome.identity.claims?.gid;
    if (typeof grantId !== 'string') return invalidToken('The token is not bound to a grant of this server');
    const grant = await store.getGrant(grantId);
    if (!grant || grant.revoked_at !== null || Number(grant.expires_at) <= now()) return invalidToken('The token has been revoked');
    const sealed = grant.upstream_sealed;
    const upstreamToken = async (): Promise<string | undefined> => {
      if (!sealed) return undefined;
      const tokens = JSON.parse(unseal(config.encryptionKey, sealed, `grant:${grantId}`)) as UpstreamTokens;
      // Expired (or about to): refreshed at the provider once, stored sealed again for the next calls.
      if (tokens.expires_at !== undefined && tokens.expires_at <= now() + UPSTREAM_REFRESH_MARGIN_SECONDS && tokens.refresh_token) {
        try {
          const fresh = await ctx.upstream.refresh(tokens);
          await store.setGrantUpstream(grantId, seal(config.encryptionKey, JSON.stringify(fresh), `grant:${grantId}`));
          return fresh.access_token;
        } catch (error) {
          logger.warn({ err: error, grant: grantId }, 'could not refresh the upstream token; the handler gets the stored one');
        }
      }
      return tokens.access_token;
    };
    return { ok: true, identity: { ...outcome.identity, upstreamToken } };
  };

  const prune = async () => {
    const n = await store.prune();
    if (n > 0) logger.debug({ rows: n }, 'pruned expired OAuth rows');
    return n;
  };
  const timer = setInterval(() => void prune().catch((error: unknown) => logger.warn({ err: error }, 'could not prune expired OAuth rows')), PRUNE_EVERY_MS);
  timer.unref();
  return {
    gate: { authenticate, protectedResource: resourceDoc, endpoints },
    store,
    audit,
    prune,
    async close() {
      clearInterval(timer);
      await audit.flush();
    },
  };
}
