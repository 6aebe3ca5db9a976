/**
 * The caller's identity as the gateway forwards it to a group server: a JWT (HS256) in the
 * `Mcp-Gateway-Identity` header, signed with the key both share (`MCP_GATEWAY_IDENTITY_KEY`, 32+
 * characters), valid for a minute. The gateway authenticated the caller once at its edge; a group
 * server that trusts the gateway turns the token back into `ctx.auth` and runs its own policy stage
 * (scopes, limits, audit) with it.
 *
 * A group server without the key never trusts the header: the header is refused (401), not ignored,
 * so a misconfigured deployment fails loudly instead of serving every call anonymously.
 */
import type { IncomingMessage } from 'node:http';
import { jwtVerify, SignJWT } from 'jose';
import type { AuthIdentity } from '../server/contract.js';
import type { Authenticator, AuthOutcome } from '../auth/types.js';

export const IDENTITY_HEADER = 'mcp-gateway-identity';
const ISSUER = 'mcpforge-gateway';
const ALGORITHM = 'HS256';
/** Lifetime of a forwarded identity: one call, plus clock skew between hosts. */
const TOKEN_TTL_SECONDS = 60;
export const MIN_KEY_LENGTH = 32;

function secretOf(key: string): Uint8Array {
  if (key.length < MIN_KEY_LENGTH) throw new Error(`MCP_GATEWAY_IDENTITY_KEY must be at least ${MIN_KEY_LENGTH} characters (e.g. openssl rand -hex 32)`);
  return new TextEncoder().encode(key);
}

export interface IdentitySigner {
  sign(identity: AuthIdentity, audience: string): Promise<string>;
}

export function createIdentitySigner(key: string): IdentitySigner {
  const secret = secretOf(key);
  return {
    sign: (identity, audience) =>
      new SignJWT({
        scopes: identity.scopes,
        anonymous: identity.anonymous,
        ...(identity.method === undefined ? {} : { method: identity.method }),
        ...(identity.clientId === undefined ? {} : { client_id: identity.clientId }),
      })
        .setProtectedHeader({ alg: ALGORITHM })
        .setIssuer(ISSUER)
        .setAudience(audience)
        .setSubject(identity.subject)
        .setIssuedAt()
        .setExpirationTime(`${TOKEN_TTL_SECONDS}s`)
        .sign(secret),
  };
}

const refuse = (description: string): AuthOutcome => ({ ok: false, rejection: { status: 401, error: 'invalid_token', description, presented: true } });

/**
 * The authenticator of a group server: a request with the identity header is authenticated by it
 * alone (verified against `key`, audience `service`); without the header, `inner` decides (the
 * server's own auth mode), or the caller is anonymous when there is none.
 */
export function gatewayIdentityAuthenticator(options: { key: string | undefined; service: string; inner?: Authenticator }): Authenticator {
  const secret = options.key === undefined ? undefined : secretOf(options.key);
  return async (req: IncomingMessage) => {
    const header = req.headers[IDENTITY_HEADER];
    if (header === undefined) {
      if (options.inner) return options.inner(req);
      return { ok: true, identity: { subject: 'anonymous', scopes: [], anonymous: true } };
    }
    if (!secret) return refuse(`this server does not trust a gateway: the ${IDENTITY_HEADER} header is refused (set MCP_GATEWAY_IDENTITY_KEY to the gateway's key)`);
    if (Array.isArray(header)) return refuse(`more than one ${IDENTITY_HEADER} header`);
    try {
      const { payload } = await jwtVerify(header, secret, { issuer: ISSUER, audience: options.service, algorithms: [ALGORITHM], maxTokenAge: `${TOKEN_TTL_SECONDS + 30}s` });
      const scopes = Array.isArray(payload.scopes) ? payload.scopes.filter((s): s is string => typeof s === 'string') : [];
      return {
        ok: true,
        identity: {
          subject: String(payload.sub ?? 'anonymous'),
          scopes,
          anonymous: payload.anonymous === true,
          method: 'gateway',
          ...(typeof payload.client_id === 'string' ? { clientId: payload.client_id } : {}),
          ...(payload.exp === undefined ? {} : { expiresAt: payload.exp }),
        },
      };
    } catch (error) {
      return refuse(`the ${IDENTITY_HEADER} header is not a valid gateway identity: ${(error as Error).message}`);
    }
  };
}

/** Whether a request carries the header (the HTTP edge must gate it even on a server without an auth mode). */
export function hasIdentityHeader(req: IncomingMessage): boolean {
  return req.headers[IDENTITY_HEADER] !== undefined;
}
