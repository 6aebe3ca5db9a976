/**
 * The client side of the flow: `/oauth/register` (dynamic client registration, RFC 7591),
 * `/oauth/token` (authorization code with PKCE; refresh token with rotation) and `/oauth/revoke`
 * (RFC 7009). A code is used once: a second use revokes everything issued for it (RFC 6749
 * §4.1.2), and so does the reuse of a rotated-out refresh token (OAuth 2.1 §4.3.1).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { findClient, type Endpoint, type ProxyContext } from './context.js';
import { isCimdClientId, type ClientMetadata } from './cimd.js';
import { pkceChallenge, randomToken, safeEqual, sha256 } from './crypto.js';
import { OAuthRefusal, readBody, sendJson, single } from './http-util.js';
import { now, type GrantRow } from './store.js';
import { sameResource } from './authorize.js';

const AUTH_METHODS = ['none', 'client_secret_basic', 'client_secret_post'];

function refuse(ctx: ProxyContext, res: ServerResponse, name: string, startedAt: number, error: OAuthRefusal, subject?: string): void {
  ctx.audit({ name, outcome: error.error === 'rate_limited' ? 'rate_limited' : 'denied', errorCode: error.error, startedAt, ...(subject ? { subject } : {}) });
  const headers: Record<string, string> = error.status === 401 ? { 'www-authenticate': 'Basic realm="oauth"' } : {};
  sendJson(res, error.status, { error: error.error, error_description: error.description }, headers);
}

/** A redirect URI a client may register: https, http on a loopback host (native apps), or a private-use scheme. */
function redirectUriProblem(uri: unknown): string | undefined {
  if (typeof uri !== 'string') return 'redirect_uris must be strings';
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return `redirect URI ${uri} is not an absolute URI`;
  }
  if (url.hash) return `redirect URI ${uri} must not contain a fragment`;
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:') return ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname) ? undefined : `redirect URI ${uri}: http is accepted only for a loopback host`;
  if (['javascript:', 'data:', 'file:', 'vbscript:', 'blob:', 'about:'].includes(url.protocol)) return `redirect URI ${uri} uses a forbidden scheme`;
  return undefined;
}

export const register: Endpoint = async (ctx, req, res) => {
  const startedAt = performance.now();
  const name = 'register';
  if (!(await ctx.allow(name, req))) return refuse(ctx, res, name, startedAt, new OAuthRefusal('rate_limited', 'too many registrations; wait a minute', 429));
  let body: unknown;
  try {
    ({ json: body } = await readBody(req));
  } catch (error) {
    if (error instanceof OAuthRefusal) return refuse(ctx, res, name, startedAt, new OAuthRefusal('invalid_client_metadata', 'send the client metadata as a JSON object (application/json)', error.status));
    throw error;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return refuse(ctx, res, name, startedAt, new OAuthRefusal('invalid_client_metadata', 'send the client metadata as a JSON object (application/json)'));
  const m = body as Record<string, unknown>;
  if (!Array.isArray(m.redirect_uris) || m.redirect_uris.length === 0) return refuse(ctx, res, name, startedAt, new OAuthRefusal('invalid_redirect_uri', 'redirect_uris must list at least one URI'));
  for (const uri of m.redirect_uris) {
    const problem = redirectUriProblem(uri);
    if (problem) return refuse(ctx, res, name, startedAt, new OAuthRefusal('invalid_redirect_uri', problem));
  }
  const method = (m.token_endpoint_auth_method as string | undefined) ?? 'client_secret_basic';
  if (!AUTH_METHODS.includes(method)) return refuse(ctx, res, name, startedAt, new OAuthRefusal('invalid_client_metadata', `token_endpoint_auth_method must be one of ${AUTH_METHODS.join(', ')}`));
  const grantTypes = (m.grant_types as string[] | undefined) ?? ['authorization_code'];
  if (!Array.isArray(grantTypes) || grantTypes.some((g) => g !== 'authorization_code' && g !== 'refresh_token')) {
    return refuse(ctx, res, name, startedAt, new OAuthRefusal('invalid_client_metadata', 'grant_types may hold authorization_code and refresh_token only'));
  }
  const responseTypes = (m.response_types as string[] | undefined) ?? ['code'];
  if (!Array.isArray(responseTypes) || responseTypes.some((r) => r !== 'code')) return refuse(ctx, res, name, startedAt, new OAuthRefusal('invalid_client_metadata', 'response_types may hold "code" only'));
  const clientName = typeof m.client_name === 'string' ? m.client_name.slice(0, 200) : undefined;
  const clientId = `mcpc_${randomToken(16)}`;
  const secret = method === 'none' ? undefined : randomToken();
  const metadata: ClientMetadata = {
    client_id: clientId,
    redirect_uris: m.redirect_uris as string[],
    token_endpoint_auth_method: method,
    grant_types: grantTypes,
    response_types: responseTypes,
    ...(clientName ? { client_name: clientName } : {}),
    ...(typeof m.client_uri === 'string' ? { client_uri: m.client_uri } : {}),
    ...(typeof m.scope === 'string' ? { scope: m.scope } : {}),
  };
  await ctx.store.putClient(clientId, secret ? sha256(secret) : null, metadata);
  ctx.audit({ name, outcome: 'ok', subject: clientId, startedAt });
  sendJson(res, 201, { ...metadata, client_id_issued_at: now(), ...(secret ? { client_secret: secret, client_secret_expires_at: 0 } : {}) });
};

/** The client a token or revocation request authenticates as (RFC 6749 §2.3). */
async function authenticateClient(ctx: ProxyContext, req: IncomingMessage, form: URLSearchParams): Promise<string> {
  let clientId = single(form, 'client_id');
  let secret = single(form, 'client_secret');
  const header = req.headers.authorization;
  if (header?.startsWith('Basic ')) {
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new OAuthRefusal('invalid_client', 'malformed Basic credentials', 401);
    const id = decodeURIComponent(decoded.slice(0, colon));
    if (clientId !== undefined && clientId !== id) throw new OAuthRefusal('invalid_client', 'client_id differs from the Basic credentials', 401);
    clientId = id;
    secret = decodeURIComponent(decoded.slice(colon + 1));
  }
  if (!clientId) throw new OAuthRefusal('invalid_client', 'client authentication failed: no client_id', 401);
  // A URL client id (CIMD) is a public client: its identity is proven by the redirect URI the code went to.
  if (isCimdClientId(clientId)) return clientId;
  const client = await findClient(ctx, clientId);
  if (!client) throw new OAuthRefusal('invalid_client', 'client authentication failed: unknown client', 401);
  if (client.secretHash !== null && (secret === undefined || !safeEqual(sha256(secret), client.secretHash))) throw new OAuthRefusal('invalid_client', 'client authentication failed', 401);
  return clientId;
}

async function issueTokens(ctx: ProxyContext, grant: GrantRow, scope: string[]): Promise<Record<string, unknown>> {
  const accessToken = await ctx.signer.sign(
    { scope: scope.join(' '), client_id: grant.client_id, gid: grant.id },
    { issuer: ctx.issuer, audience: ctx.resource, subject: grant.subject, expiresInSeconds: ctx.accessTokenTtl, jti: randomToken(16) },
  );
  const refreshToken = randomToken();
  await ctx.store.putRefreshToken(sha256(refreshToken), grant.id, Math.min(Number(grant.expires_at), now() + ctx.refreshTokenTtl));
  return { access_token: accessToken, token_type: 'Bearer', expires_in: ctx.accessTokenTtl, refresh_token: refreshToken, scope: scope.join(' ') };
}

async function liveGrant(ctx: ProxyContext, grantId: string, clientId: string): Promise<GrantRow> {
  const grant = await ctx.store.getGrant(grantId);
  if (!grant || grant.revoked_at !== null || Number(grant.expires_at) <= now()) throw new OAuthRefusal('invalid_grant', 'the grant has been revoked or has expired');
  if (grant.client_id !== clientId) throw new OAuthRefusal('invalid_grant', 'the grant was issued to another client');
  return grant;
}

export const token: Endpoint = async (ctx, req, res) => {
  const startedAt = performance.now();
  const name = 'token';
  let clientId: string | undefined;
  try {
    if (!(await ctx.allow(name, req))) throw new OAuthRefusal('rate_limited', 'too many token requests; wait a minute', 429);
    const { form } = await readBody(req);
    clientId = await authenticateClient(ctx, req, form);
    const grantType = single(form, 'grant_type');
    const resource = single(form, 'resource');
    if (resource !== undefined && !sameResource(resource, ctx.resource)) throw new OAuthRefusal('invalid_target', `resource must be ${ctx.resource}`);
    if (grantType === 'authorization_code') {
      const code = single(form, 'code');
      if (!code) throw new OAuthRefusal('invalid_request', 'code is missing');
      const used = await ctx.store.useCode(sha256(code));
      if (used.replayed) {
        // The code leaked or was intercepted: everything issued for it stops working.
        await ctx.store.revokeGrant(used.row!.grant_id);
        throw new OAuthRefusal('invalid_grant', 'the authorization code was already used; the tokens issued for it are revoked');
      }
      const row = used.row;
      if (!row || Number(row.expires_at) <= now()) throw new OAuthRefusal('invalid_grant', 'the authorization code is unknown or expired');
      if (row.client_id !== clientId) throw new OAuthRefusal('invalid_grant', 'the authorization code was issued to another client');
      // OAuth 2.1 lets the client leave it out (PKCE binds the code); when sent, it must be the same.
      const redirectUri = single(form, 'redirect_uri');
      if (redirectUri !== undefined && redirectUri !== row.redirect_uri) throw new OAuthRefusal('invalid_grant', 'redirect_uri does not match the authorization request');
      const verifier = single(form, 'code_verifier');
      if (!verifier) throw new OAuthRefusal('invalid_request', 'code_verifier is missing (PKCE is required)');
      if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier) || !safeEqual(pkceChallenge(verifier), row.code_challenge)) throw new OAuthRefusal('invalid_grant', 'code_verifier does not match the code_challenge');
      const grant = await liveGrant(ctx, row.grant_id, clientId);
      const body = await issueTokens(ctx, grant, grant.scope.split(' ').filter(Boolean));
      ctx.audit({ name, outcome: 'ok', subject: grant.subject, startedAt });
      return sendJson(res, 200, body);
    }
    if (grantType === 'refresh_token') {
      const refresh = single(form, 'refresh_token');
      if (!refresh) throw new OAuthRefusal('invalid_request', 'refresh_token is missing');
      const used = await ctx.store.useRefreshToken(sha256(refresh));
      if (used.replayed) {
        await ctx.store.revokeGrant(used.grantId!);
        throw new OAuthRefusal('invalid_grant', 'the refresh token was already used; the grant is revoked');
      }
      if (!used.grantId || used.expired) throw new OAuthRefusal('invalid_grant', 'the refresh token is unknown or expired');
      const grant = await liveGrant(ctx, used.grantId, clientId);
      const granted = grant.scope.split(' ').filter(Boolean);
      const asked = (single(form, 'scope') ?? '').split(' ').filter(Boolean);
      if (asked.some((s) => !granted.includes(s))) throw new OAuthRefusal('invalid_scope', 'a refresh may narrow the scopes, never widen them');
      const body = await issueTokens(ctx, grant, asked.length > 0 ? asked : granted);
      ctx.audit({ name, outcome: 'ok', subject: grant.subject, startedAt });
      return sendJson(res, 200, body);
    }
    throw new OAuthRefusal('unsupported_grant_type', 'grant_type must be authorization_code or refresh_token');
  } catch (error) {
    if (error instanceof OAuthRefusal) return refuse(ctx, res, name, startedAt, error, clientId);
    throw error;
  }
};

export const revoke: Endpoint = async (ctx, req, res) => {
  const startedAt = performance.now();
  const name = 'revoke';
  try {
    if (!(await ctx.allow(name, req))) throw new OAuthRefusal('rate_limited', 'too many requests; wait a minute', 429);
    const { form } = await readBody(req);
    const clientId = await authenticateClient(ctx, req, form);
    const value = single(form, 'token');
    if (!value) throw new OAuthRefusal('invalid_request', 'token is missing');
    let grantId = (await ctx.store.findRefreshToken(sha256(value)))?.grant_id;
    if (grantId === undefined) {
      // An access token: ours only if its signature verifies; its grant is then matched against the
      // client (an unknown or foreign token changes nothing).
      try {
        const { payload } = await jwtVerify(value, createLocalJWKSet(ctx.signer.jwks), { issuer: ctx.issuer });
        if (typeof payload.gid === 'string') grantId = payload.gid;
      } catch {
        // Not one of ours, or expired: nothing to revoke (RFC 7009 §2.2 answers 200 anyway).
      }
    }
    if (grantId !== undefined) {
      const grant = await ctx.store.getGrant(grantId);
      if (grant && grant.client_id === clientId) await ctx.store.revokeGrant(grantId);
    }
    ctx.audit({ name, outcome: 'ok', subject: clientId, startedAt });
    sendJson(res, 200, {});
  } catch (error) {
    if (error instanceof OAuthRefusal) return refuse(ctx, res, name, startedAt, error);
    throw error;
  }
};
