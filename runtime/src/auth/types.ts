/**
 * The authentication seam of the HTTP transport.
 *
 * An `Authenticator` looks at a Node request (headers, TLS socket) before any MCP handling and
 * answers with the caller's identity or a rejection. Every mode — API keys, JWT, OAuth resource
 * server, and modes plugged in from outside (mutual TLS, a user-written `auth.mode: custom`) — is
 * one of these, and `anyOf` composes them. Authenticators never throw for a bad credential (they
 * reject); a thrown error is a server fault and answers 500.
 */
import type { IncomingMessage } from 'node:http';
import type { AuthIdentity } from '../server/contract.js';

export type { AuthIdentity };

/** Why a request was refused; everything here may be shown to the client (never the credential). */
export interface AuthRejection {
  /** 401: missing or bad credentials; 400: a malformed `Authorization` header; 403: known caller, not allowed. */
  status: 400 | 401 | 403;
  /** RFC 6750 error code for the `WWW-Authenticate` challenge; absent when no credential was presented. */
  error?: 'invalid_request' | 'invalid_token' | 'insufficient_scope';
  /** Human-readable reason, safe for clients and logs. */
  description: string;
  /**
   * Whether the request carried a credential this authenticator handles. `anyOf` prefers the
   * rejection of an authenticator that saw its own kind of credential over a "nothing presented".
   */
  presented: boolean;
}

export type AuthOutcome = { ok: true; identity: AuthIdentity } | { ok: false; rejection: AuthRejection };

/**
 * Decides who is calling. Called once per HTTP request on `/mcp`, before the body is read.
 *
 * @example
 * ```ts
 * const byHeader: Authenticator = async (req) =>
 *   req.headers['x-demo-user'] === 'alice'
 *     ? { ok: true, identity: { subject: 'alice', scopes: ['notes:read'], anonymous: false, method: 'custom' } }
 *     : { ok: false, rejection: { status: 401, description: 'no demo user', presented: false } };
 * ```
 */
export interface Authenticator {
  (req: IncomingMessage): Promise<AuthOutcome>;
  /**
   * Optional: the answer for a credential this authenticator has already proven and still trusts,
   * without I/O and without a promise, or undefined to run the authenticator. The HTTP gate asks it
   * first. Why: at thousands of calls a second, the authenticator's async layers (and the gate's)
   * for a key answered from memory cost more than the lookup itself. It must never accept what the
   * authenticator itself would refuse now (an API key store answers only from its verified cache,
   * which a revocation empties).
   */
  known?: (req: IncomingMessage) => AuthOutcome | undefined;
}

/** A rejection for "no credential of any accepted kind was presented". */
export function missingCredentials(description = 'Authentication required: send Authorization: Bearer <token>'): AuthOutcome {
  return { ok: false, rejection: { status: 401, description, presented: false } };
}

/** A rejection for "a credential was presented and is not valid". */
export function invalidToken(description: string): AuthOutcome {
  return { ok: false, rejection: { status: 401, error: 'invalid_token', description, presented: true } };
}

/**
 * Tries each authenticator in order; the first identity wins. When all reject, the answer is the
 * first rejection of an authenticator that saw its own credential (a bad API key says so, even if a
 * JWT authenticator came first), else the first rejection.
 */
export function anyOf(...authenticators: Authenticator[]): Authenticator {
  if (authenticators.length === 0) throw new TypeError('anyOf needs at least one authenticator');
  if (authenticators.length === 1) return authenticators[0]!;
  return async (req) => {
    let first: AuthRejection | undefined;
    let presented: AuthRejection | undefined;
    for (const authenticate of authenticators) {
      const outcome = await authenticate(req);
      if (outcome.ok) return outcome;
      first ??= outcome.rejection;
      if (outcome.rejection.presented) presented ??= outcome.rejection;
    }
    return { ok: false, rejection: presented ?? first! };
  };
}

/** Fixed identity for every request (auth mode `none` over HTTP, and tests). */
export function allowAll(identity: AuthIdentity): Authenticator {
  return async () => ({ ok: true, identity });
}

/** Extracts the credential of `Authorization: Bearer <token>`; `undefined` when absent, `null` when malformed. */
export function bearerToken(req: IncomingMessage): string | undefined | null {
  const header = req.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer(?: +([A-Za-z0-9\-._~+/]+=*))? *$/i.exec(header.trim());
  if (!match) return /^bearer\b/i.test(header.trim()) ? null : undefined;
  return match[1] ?? null;
}

/** The outcome for a malformed `Authorization: Bearer` header. */
export function malformedBearer(): AuthOutcome {
  return {
    ok: false,
    rejection: { status: 400, error: 'invalid_request', description: 'Malformed Authorization header: expected "Bearer <token>"', presented: true },
  };
}
