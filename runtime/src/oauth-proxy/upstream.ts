/**
 * The upstream identity provider: the authorization request the user's browser is sent to, the
 * code exchange at its token endpoint, and who the user is (a verified ID token for OIDC, the
 * user-info API for plain OAuth 2). The proxy uses PKCE (S256) and, for OIDC, a nonce upstream too.
 */
import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { UPSTREAM_PRESETS, type UpstreamPresetName } from './presets.js';

export interface UpstreamConfig {
  preset: UpstreamPresetName;
  issuer?: string;
  clientId: string;
  clientSecret?: string;
  scopes?: string[];
}

interface Endpoints {
  issuer?: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  userinfoEndpoint?: string;
  jwks?: JWTVerifyGetKey;
}

/** The tokens the upstream provider issued; sealed in the database, never sent to MCP clients. */
export interface UpstreamTokens {
  access_token: string;
  refresh_token?: string;
  expires_at?: number;
  token_type?: string;
}

export interface UpstreamUser {
  subject: string;
  email?: string;
  name?: string;
}

/** The upstream provider refused or answered something unusable; the message is safe to show. */
export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';
  constructor(
    message: string,
    /** For the audit: `invalid_nonce` and `invalid_id_token` are refusals (tampering); the rest upstream failures. */
    readonly code: 'invalid_nonce' | 'invalid_id_token' | 'upstream_error' = 'upstream_error',
  ) {
    super(message);
  }
}

const TIMEOUT_MS = 10_000;

export interface Upstream {
  authorizationUrl(params: { redirectUri: string; state: string; codeChallenge: string; nonce: string }): Promise<URL>;
  /** Redeems a refresh token for fresh tokens (the old refresh token is kept when none is returned). */
  refresh(tokens: UpstreamTokens): Promise<UpstreamTokens>;
  /** Redeems the code; returns the user and the upstream tokens. */
  exchange(params: { code: string; redirectUri: string; codeVerifier: string; nonce: string }): Promise<{ user: UpstreamUser; tokens: UpstreamTokens }>;
}

/**
 * @example
 * ```ts
 * const upstream = createUpstream({ preset: 'keycloak', issuer: 'https://sso.example.com/realms/staff', clientId: 'mcp', clientSecret });
 * ```
 */
export function createUpstream(config: UpstreamConfig): Upstream {
  const preset = UPSTREAM_PRESETS[config.preset];
  const scopes = config.scopes && config.scopes.length > 0 ? config.scopes : [...preset.scopes];
  let endpoints: Promise<Endpoints> | undefined;
  const discover = (): Promise<Endpoints> => {
    endpoints ??= (async (): Promise<Endpoints> => {
      if (!preset.oidc) {
        const p = preset as { authorizationEndpoint: string; tokenEndpoint: string; userinfoEndpoint?: string };
        return { authorizationEndpoint: p.authorizationEndpoint, tokenEndpoint: p.tokenEndpoint, ...(p.userinfoEndpoint ? { userinfoEndpoint: p.userinfoEndpoint } : {}) };
      }
      const issuer = config.issuer ?? (preset as { issuer?: string }).issuer;
      if (!issuer) throw new UpstreamError('the upstream provider needs MCP_OAUTH_UPSTREAM_ISSUER');
      const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
      const res = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS), headers: { accept: 'application/json' } });
      if (!res.ok) throw new UpstreamError(`the upstream provider's discovery document answered HTTP ${res.status}`);
      const doc = (await res.json()) as Record<string, unknown>;
      if (doc.issuer !== issuer && doc.issuer !== issuer.replace(/\/$/, '')) throw new UpstreamError('the upstream discovery document names another issuer');
      if (typeof doc.authorization_endpoint !== 'string' || typeof doc.token_endpoint !== 'string' || typeof doc.jwks_uri !== 'string') {
        throw new UpstreamError('the upstream discovery document lacks authorization_endpoint, token_endpoint or jwks_uri');
      }
      return {
        issuer: doc.issuer as string,
        authorizationEndpoint: doc.authorization_endpoint,
        tokenEndpoint: doc.token_endpoint,
        ...(typeof doc.userinfo_endpoint === 'string' ? { userinfoEndpoint: doc.userinfo_endpoint } : {}),
        jwks: createRemoteJWKSet(new URL(doc.jwks_uri), { timeoutDuration: TIMEOUT_MS }),
      };
    })();
    // A failed discovery is tried again on the next login, not cached.
    endpoints.catch(() => {
      endpoints = undefined;
    });
    return endpoints;
  };

  /** A request to the upstream token endpoint with this server's client credentials (Basic). */
  const tokenRequest = async (e: Endpoints, params: Record<string, string>, what: string): Promise<{ json: Record<string, unknown> }> => {
    const body = new URLSearchParams({ ...params, client_id: config.clientId });
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    if (config.clientSecret !== undefined) headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(config.clientId)}:${encodeURIComponent(config.clientSecret)}`).toString('base64')}`;
    const res = await fetch(e.tokenEndpoint, { method: 'POST', headers, body, signal: AbortSignal.timeout(TIMEOUT_MS) });
    const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (!res.ok || typeof json.access_token !== 'string') {
      throw new UpstreamError(`the upstream provider refused the ${what}${typeof json.error === 'string' ? ` (${json.error})` : ` (HTTP ${res.status})`}`);
    }
    return { json };
  };

  return {
    async authorizationUrl({ redirectUri, state, codeChallenge, nonce }) {
      const e = await discover();
      const url = new URL(e.authorizationEndpoint);
      url.searchParams.set('response_type', 'code');
      url.searchParams.set('client_id', config.clientId);
      url.searchParams.set('redirect_uri', redirectUri);
      url.searchParams.set('scope', scopes.join(' '));
      url.searchParams.set('state', state);
      url.searchParams.set('code_challenge', codeChallenge);
      url.searchParams.set('code_challenge_method', 'S256');
      if (preset.oidc) {
        url.searchParams.set('nonce', nonce);
        // offline_access needs consent to be asked (OIDC Core §11) to yield a refresh token.
        if (scopes.includes('offline_access')) url.searchParams.set('prompt', 'consent');
      }
      return url;
    },
    async refresh(previous) {
      if (!previous.refresh_token) throw new UpstreamError('the upstream provider issued no refresh token');
      const e = await discover();
      const { json } = await tokenRequest(e, { grant_type: 'refresh_token', refresh_token: previous.refresh_token }, 'refresh token');
      const tokens = toTokens(json);
      return tokens.refresh_token ? tokens : { ...tokens, refresh_token: previous.refresh_token };
    },
    async exchange({ code, redirectUri, codeVerifier, nonce }) {
      const e = await discover();
      const { json } = await tokenRequest(e, { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: codeVerifier }, 'code');
      const tokens = toTokens(json);
      let claims: Record<string, unknown>;
      if (preset.oidc) {
        if (typeof json.id_token !== 'string') throw new UpstreamError('the upstream provider returned no ID token (is "openid" among the scopes?)');
        try {
          ({ payload: claims } = await jwtVerify(json.id_token, e.jwks!, { issuer: e.issuer!, audience: config.clientId }));
        } catch {
          throw new UpstreamError('the upstream ID token could not be verified', 'invalid_id_token');
        }
        if (claims.nonce !== nonce) throw new UpstreamError('the upstream ID token nonce does not match this login', 'invalid_nonce');
      } else {
        if (!e.userinfoEndpoint) throw new UpstreamError('the upstream provider has no user-info endpoint');
        const info = await fetch(e.userinfoEndpoint, { headers: { authorization: `Bearer ${tokens.access_token}`, accept: 'application/json', 'user-agent': 'mcpforge-oauth-proxy' }, signal: AbortSignal.timeout(TIMEOUT_MS) });
        if (!info.ok) throw new UpstreamError(`the upstream user-info endpoint answered HTTP ${info.status}`);
        claims = (await info.json()) as Record<string, unknown>;
      }
      const subject = claims[preset.subjectClaim];
      if ((typeof subject !== 'string' && typeof subject !== 'number') || subject === '') throw new UpstreamError(`the upstream identity has no "${preset.subjectClaim}" claim`);
      const pick = (name: string) => (typeof claims[name] === 'string' ? (claims[name] as string) : undefined);
      const email = pick(preset.claims.email);
      const name = pick(preset.claims.name);
      return { user: { subject: String(subject), ...(email ? { email } : {}), ...(name ? { name } : {}) }, tokens };
    },
  };
}

function toTokens(json: Record<string, unknown>): UpstreamTokens {
  return {
    access_token: json.access_token as string,
    ...(typeof json.refresh_token === 'string' ? { refresh_token: json.refresh_token } : {}),
    ...(typeof json.expires_in === 'number' ? { expires_at: Math.floor(Date.now() / 1000) + json.expires_in } : {}),
    ...(typeof json.token_type === 'string' ? { token_type: json.token_type } : {}),
  };
}
