/**
 * JWT bearer tokens, verified with jose: signature (JWKS URL, PEM public key or HS secret),
 * `iss`, `aud`, `exp` and `nbf` (with a bounded clock skew). Scopes come from the `scope` claim
 * (space-separated, RFC 8693) or `scp` (a list or a string, as some providers issue it).
 *
 * The token itself goes nowhere after verification: the identity carries the verified claims,
 * never the raw token, so a handler cannot forward it upstream (the confused-deputy problem the
 * MCP authorization spec forbids).
 */
import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JSONWebKeySet, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { AuthIdentity } from '../server/contract.js';
import { rolesAtClaim } from './roles.js';
import { bearerToken, invalidToken, malformedBearer, missingCredentials, type Authenticator } from './types.js';

export interface JwtOptions {
  /** HS256/384/512 shared secret (at least 32 bytes). */
  secret?: string;
  /** PEM public key (RSA, EC or Ed25519) of the token issuer. */
  publicKey?: string;
  /** JWKS URL of the token issuer (keys are fetched and cached by jose). */
  jwksUrl?: string;
  /** A key set held in process (the OAuth proxy verifying its own tokens, current and previous keys). */
  jwks?: JSONWebKeySet;
  /** Required `iss`. */
  issuer?: string;
  /** Accepted `aud` values (one must match). */
  audience?: string | string[];
  /** Allowed clock difference for `exp`/`nbf`, in seconds (default 30). */
  clockToleranceSeconds?: number;
  /** Identity `method` (default `jwt`; the OAuth mode passes `oauth`). */
  method?: string;
  /** Where the token carries roles (the spec's `auth.jwt.rolesClaim`, a dotted path such as `realm_access.roles`). */
  rolesClaim?: string;
}

const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];
const SYMMETRIC = ['HS256', 'HS384', 'HS512'];

/** Scopes of a verified payload: `scope` (space-separated) or `scp` (list or string). */
export function scopesOf(payload: JWTPayload): string[] {
  const raw = payload.scope ?? payload.scp;
  if (typeof raw === 'string') return raw.split(' ').filter(Boolean);
  if (Array.isArray(raw)) return raw.filter((s): s is string => typeof s === 'string' && s !== '');
  return [];
}

/** Why jose refused a token, in words safe for the client (no token content). */
function describe(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'The token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case 'nbf':
        return 'The token is not yet valid (nbf)';
      case 'iss':
        return 'The token was issued by an untrusted issuer';
      case 'aud':
        return 'The token was not issued for this server (audience mismatch)';
      default:
        return `The token's "${error.claim}" claim is not valid`;
    }
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'The token signature is invalid';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'The token is signed with an algorithm this server does not accept';
  if (error instanceof errors.JWKSNoMatchingKey) return 'No key of the issuer matches the token';
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return 'The token is malformed';
  return 'The token could not be verified';
}

/**
 * @example
 * ```ts
 * const authenticate = createJwtAuthenticator({ jwksUrl: 'https://issuer.example/.well-known/jwks.json', issuer: 'https://issuer.example', audience: 'https://mcp.example/mcp' });
 * ```
 */
export function createJwtAuthenticator(options: JwtOptions): Authenticator {
  let key: KeyObject | JWTVerifyGetKey;
  let algorithms: string[];
  if (options.jwks) {
    key = createLocalJWKSet(options.jwks);
    algorithms = ASYMMETRIC;
  } else if (options.jwksUrl) {
    key = createRemoteJWKSet(new URL(options.jwksUrl), { cooldownDuration: 30_000, cacheMaxAge: 600_000 });
    algorithms = ASYMMETRIC;
  } else if (options.publicKey) {
    key = createPublicKey(options.publicKey);
    algorithms = ASYMMETRIC;
  } else if (options.secret) {
    key = createSecretKey(Buffer.from(options.secret, 'utf8'));
    algorithms = SYMMETRIC;
  } else {
    throw new Error('JWT verification needs a key: MCP_JWKS_URL, MCP_JWT_PUBLIC_KEY or MCP_JWT_SECRET');
  }
  const method = options.method ?? 'jwt';
  const verifyOptions = {
    algorithms,
    clockTolerance: options.clockToleranceSeconds ?? 30,
    ...(options.issuer === undefined ? {} : { issuer: options.issuer }),
    ...(options.audience === undefined ? {} : { audience: options.audience }),
  };
  return async (req) => {
    const token = bearerToken(req);
    if (token === undefined) return missingCredentials();
    if (token === null) return malformedBearer();
    let payload: JWTPayload;
    try {
      // A token without `exp` is refused: a bearer token that never expires cannot be contained.
      ({ payload } = await jwtVerify(token, key as KeyObject, { ...verifyOptions, requiredClaims: ['exp'] }));
    } catch (error) {
      if (error instanceof errors.JWKSTimeout || (error as { code?: string }).code === 'ERR_JWKS_TIMEOUT') {
        return invalidToken('The issuer keys could not be fetched; try again');
      }
      return invalidToken(describe(error));
    }
    if (typeof payload.sub !== 'string' || payload.sub === '') return invalidToken('The token has no subject (sub)');
    const clientId = typeof payload.client_id === 'string' ? payload.client_id : typeof payload.azp === 'string' ? payload.azp : undefined;
    const identity: AuthIdentity = {
      subject: payload.sub,
      scopes: scopesOf(payload),
      ...(options.rolesClaim === undefined ? {} : { roles: rolesAtClaim(payload, options.rolesClaim) }),
      anonymous: false,
      method,
      ...(clientId === undefined ? {} : { clientId }),
      claims: Object.freeze({ ...payload }),
      ...(typeof payload.exp === 'number' ? { expiresAt: payload.exp } : {}),
    };
    return { ok: true, identity };
  };
}
