/**
 * `buildHttpAuth`: the HTTP gate for the manifest's auth mode (see index.ts for the modes).
 *
 * Apart from index.ts, and loading the JWT module (jose) only for the JWT modes, so that a server
 * with API keys does not carry jose in memory: the server imports this file, not the index, whose
 * re-exports would load every mode.
 */
import type { Kysely } from 'kysely';
import type { Manifest } from '../server/contract.js';
import { manifestScopes } from '../server/authz.js';
import { createApiKeyAuthenticator, createApiKeyStore } from './api-keys.js';
import type { AuthConfig } from './config.js';
import { protectedResource, type HttpAuthGate } from './http.js';
import type { Authenticator } from './types.js';

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
    case 'jwt': {
      const { createJwtAuthenticator } = await import('./jwt.js');
      return {
        authenticate: createJwtAuthenticator({
          ...keyOptions(config),
          ...(config.jwtIssuer === undefined ? {} : { issuer: config.jwtIssuer }),
          audience: config.jwtAudience.length > 0 ? config.jwtAudience : audienceFor(config.resourceUrl!),
          clockToleranceSeconds: config.clockSkewSeconds,
          ...rolesClaimOf(manifest),
        }),
      };
    }
    case 'oauth': {
      const { createJwtAuthenticator } = await import('./jwt.js');
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
