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
import { localIdentity, manifestScopes } from '../server/authz.js';

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
export { REDACTED_TOKEN, challengeHeader, gateKnown, gateRequest, identityFromAuthInfo, protectedResource, toAuthInfo } from './http.js';
export type { HttpAuthGate, ProtectedResource, ProtectedResourceMetadata } from './http.js';
export { buildHttpAuth } from './build.js';
export type { BuildAuthOptions } from './build.js';
