/**
 * Roles: named bundles of scopes (the spec's `auth.roles`).
 *
 * A credential names roles (a JWT claim, an API key's row, an mTLS client's entry in the spec);
 * the caller's effective scopes are its direct scopes plus every scope of its roles. The expansion
 * happens once, where the credential becomes an identity (the HTTP auth gate every transport
 * shares), so the policy stage, list filtering and handlers all see the one effective set and no
 * check has to know roles exist.
 *
 * Only roles the spec declares are kept: an identity provider issues many roles this server knows
 * nothing about (`offline_access`, other applications' roles), and `ctx.auth.roles` should name
 * only what means something here.
 */
import type { AuthIdentity } from '../server/contract.js';
import type { AuthOutcome, Authenticator } from './types.js';

/** Role name → the scopes it grants. */
export type RoleMap = Readonly<Record<string, readonly string[]>>;

/**
 * The roles at a dotted claim path of a verified token (`realm_access.roles`, `groups`): a list
 * of strings, or one space-separated string. Anything else (missing, a number, an object) is no
 * roles; a path segment naming an array index is not supported (claims are looked up by key).
 *
 * @example
 * ```ts
 * rolesAtClaim({ realm_access: { roles: ['editor'] } }, 'realm_access.roles'); // ['editor']
 * ```
 */
export function rolesAtClaim(claims: Readonly<Record<string, unknown>>, path: string): string[] {
  // A claim named with a dot (`https://example.com/roles`, Auth0's namespaced claims) wins over the path.
  let value: unknown = Object.hasOwn(claims, path) ? claims[path] : claims;
  if (value === claims) {
    for (const key of path.split('.')) {
      if (value === null || typeof value !== 'object' || Array.isArray(value) || !Object.hasOwn(value, key)) return [];
      value = (value as Record<string, unknown>)[key];
    }
  }
  if (typeof value === 'string') return value.split(' ').filter(Boolean);
  if (Array.isArray(value)) return value.filter((r): r is string => typeof r === 'string' && r !== '');
  return [];
}

/**
 * The identity with its declared roles kept and their scopes added to its own. Returns the same
 * object when nothing changes, so a per-request call allocates only for callers with roles.
 */
export function withRoleScopes(identity: AuthIdentity, roles: RoleMap): AuthIdentity {
  const named = identity.roles ?? [];
  // The common case (an API key or token without roles): nothing to add, nothing to allocate.
  if (named.length === 0 && identity.roles !== undefined) return identity;
  const kept = [...new Set(named.filter((role) => Object.hasOwn(roles, role)))];
  const scopes = new Set(identity.scopes);
  for (const role of kept) for (const scope of roles[role]!) scopes.add(scope);
  return { ...identity, roles: kept, scopes: [...scopes] };
}

/**
 * Wraps an authenticator so every identity it proves carries its effective scopes and declared
 * roles. A rejection passes through untouched.
 *
 * @example
 * ```ts
 * const authenticate = expandRoles(createJwtAuthenticator({ ...options, rolesClaim: 'realm_access.roles' }), manifest.auth?.roles ?? {});
 * ```
 */
export function expandRoles(authenticate: Authenticator, roles: RoleMap): Authenticator {
  const expand = (outcome: AuthOutcome): AuthOutcome => (outcome.ok ? { ok: true, identity: withRoleScopes(outcome.identity, roles) } : outcome);
  const expanded: Authenticator = async (req) => expand(await authenticate(req));
  // The synchronous answer (see Authenticator.known) gets the same expansion.
  const known = authenticate.known;
  if (known) {
    expanded.known = (req) => {
      const outcome = known(req);
      return outcome === undefined ? undefined : expand(outcome);
    };
  }
  return expanded;
}

/** Checks role names as API keys store them (space-separated, like scopes). */
export function checkRoleNames(roles: readonly string[]): void {
  for (const role of roles) {
    if (!/^[A-Za-z0-9_.:@-]{1,64}$/.test(role)) throw new Error(`role "${role}" is not valid: use 1 to 64 of A-Z a-z 0-9 _ . : @ - (the names under auth.roles in mcpforge.yaml)`);
  }
}
