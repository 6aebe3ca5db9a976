/**
 * The `auth` module: who is calling an HTTP server.
 *
 * Modes (the spec's `auth.mode`): `none`, `apiKey` (hashed keys in the project's database, managed
 * with `mcpforge keys`), `jwt` (jose: JWKS URL, PEM key or HS secret; iss/aud/exp/nbf checked) and
 * `oauth` (the MCP authorization spec's resource-server role: JWT validation with the audience
 * bound to this server, RFC 9728 metadata, `WWW-Authenticate` challenges). Every mode is an
 * `Authenticator` (see types.ts); other modes plug in through the same type and `anyOf`.
 *
 * stdio is not authenticated: the server is a child process of the local user, who can read its
 * database and environment anyway. Its callers get the `local` identity with every scope and role.
 *
 * Roles (`auth.roles`): see roles.ts; the JWT modes read them at `auth.jwt.rolesClaim`.
 */
import type { Kysely } from 'kysely';
import type { Manifest } from '../server/contract.js';
import { localIdentity, manifestScopes } from '../server/authz.js';
import { createApiKeyAuthenticator, createApiKeyStore } from './api-keys.js';
import type { AuthConfig } from './config.js';
import { protectedResource, type HttpAuthGate } from './http.js';
import { createJwtAuthenticator } from './jwt.js';
import type { Authenticator } from './types.js';

export * from './types.js';
export { localIdentity, manifestScopes };
export { API_KEY_MIGRATIONS, API_KEYS_TABLE, API_KEYS_TABLE_SQL, apiKeyTableReady, checkScopes, createApiKeyAuthenticator, createApiKeyStore, hashApiKey, migrateApiKeyTable } from './api-keys.js';
export type { ApiKeyRecord, ApiKeyStore } from './api-keys.js';
export { createJwtAuthenticator, scopesOf } from './jwt.js';
export { checkRoleNames, expandRoles, rolesAtClaim, withRoleScopes } from './roles.js';
export type { RoleMap } from './roles.js';
export type { JwtOptions } from './jwt.js';
export { AUTH_ENV_HELP, readAuthConfig } from './config.js';
export type { AuthConfig } from './config.js';
export { REDACTED_TOKEN, challengeHeader, gateRequest, identityFromAuthInfo, protectedResource, toAuthInfo } from './http.js';
export type { HttpAuthGate, ProtectedResource, ProtectedResourceMetadata } from './http.js';

export interface BuildAuthOptions {
  manifest: Manifest;
  config: AuthConfig;
  /** The project's database (API keys). */
  db: Kysely<unknown>;
  /** `Storage.dataVersion` (SQLite): lets the API key store remember verified keys until another connection commits. */
  dataVersion?: () => number;
  /** Replaces the mode's authenticator (e.g. `auth.mode: custom`, or mutual TLS composed with `anyOf`). */
  authenticator?: Authenticator;
}

/**
 * The HTTP gate for the manifest's auth mode; `undefined` for `none`.
 *
 * @example
 * ```ts
 * const gate = await buildHttpAuth({ manifest, config: config.auth, db: storage.db });
 * await startHttpServer(factory, { ...(gate ? { auth: gate } : {}) });
 * ```
 */
export async function buildHttpAuth(options: BuildAuthOptions): Promise<HttpAuthGate | undefined> {
  const { manifest, config } = options;
  const mode = manifest.auth?.mode ?? 'none';
  if (options.authenticator) return { authenticate: options.authenticator };
  switch (mode) {
    case 'none':
      return undefined;
    case 'apiKey': {
      const store = createApiKeyStore(options.db, options.dataVersion ? { dataVersion: options.dataVersion } : {});
      // Migrated with the project's migrations (runServer) or by `mcpforge keys`; a server started
      // with MCP_MIGRATE=skip (a restricted database user) only checks that it is current.
      await store.check();
      return { authenticate: createApiKeyAuthenticator(store) };
    }
    case 'jwt':
      return {
        authenticate: createJwtAuthenticator({
          ...keyOptions(config),
          ...(config.jwtIssuer === undefined ? {} : { issuer: config.jwtIssuer }),
          audience: config.jwtAudience.length > 0 ? config.jwtAudience : audienceFor(config.resourceUrl!),
          clockToleranceSeconds: config.clockSkewSeconds,
          ...rolesClaimOf(manifest),
        }),
      };
    case 'oauth': {
      const resource = protectedResource({
        resourceUrl: config.resourceUrl!,
        authorizationServers: config.authorizationServers,
        scopes: manifestScopes(manifest),
        name: manifest.name,
      });
      return {
        protectedResource: resource,
        authenticate: createJwtAuthenticator({
          ...keyOptions(config),
          ...(config.jwtIssuer === undefined ? {} : { issuer: config.jwtIssuer }),
          // Audience bound to this server (RFC 8707): a token minted for another resource is refused.
          audience: audienceFor(config.resourceUrl!),
          clockToleranceSeconds: config.clockSkewSeconds,
          method: 'oauth',
          ...rolesClaimOf(manifest),
        }),
      };
    }
    default:
      throw new Error(`auth mode "${mode}" has no built-in authenticator; pass one to runServer({ authenticator })`);
  }
}

function rolesClaimOf(manifest: Manifest): { rolesClaim?: string } {
  const claim = manifest.auth?.jwt?.rolesClaim;
  return claim === undefined ? {} : { rolesClaim: claim };
}

function keyOptions(config: AuthConfig): { secret?: string; publicKey?: string; jwksUrl?: string } {
  if (config.jwksUrl) return { jwksUrl: config.jwksUrl };
  if (config.jwtPublicKey) return { publicKey: config.jwtPublicKey };
  return { secret: config.jwtSecret! };
}

/** The resource URL as an audience, with and without a trailing slash (issuers differ). */
function audienceFor(resourceUrl: string): string[] {
  const url = new URL(resourceUrl);
  url.hash = '';
  const href = url.href;
  return [...new Set([href, href.endsWith('/') ? href.slice(0, -1) : `${href}/`])];
}
