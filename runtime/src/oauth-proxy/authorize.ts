/**
 * The browser side of the flow: `/oauth/authorize` (checks the client, its redirect URI, PKCE,
 * `resource` and scopes, then sends the user to the upstream provider), `/oauth/callback` (the
 * upstream's answer: state and browser binding checked, code redeemed, user known), and
 * `/oauth/consent` (the page and its form: CSRF token bound to the browser, one answer per login).
 *
 * Until the redirect URI is known to belong to the client, errors are shown as a page here, never
 * redirected (an unchecked redirect URI would make this server an open redirector).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { findClient, type Endpoint, type ProxyContext } from './context.js';
import { pkceChallenge, randomToken, safeEqual, seal, sha256, unseal } from './crypto.js';
import { cookie, OAuthRefusal, readBody, redirect, sendHtml, single } from './http-util.js';
import { consentPage, errorPage } from './pages.js';
import { now, type AuthorizationRequest, type TransactionRow } from './store.js';
import { UpstreamError, type UpstreamTokens, type UpstreamUser } from './upstream.js';

const BROWSER_COOKIE = 'mcp_oauth_browser';
const TRANSACTION_TTL = 10 * 60;
const CODE_TTL = 60;
const TOKEN = /^[A-Za-z0-9_-]{20,100}$/;

/** Normalises a resource URL for comparison (no fragment; trailing slash ignored). */
export function sameResource(a: string, b: string): boolean {
  try {
    const x = new URL(a);
    const y = new URL(b);
    x.hash = '';
    y.hash = '';
    const strip = (u: URL) => u.href.replace(/\/$/, '');
    return strip(x) === strip(y);
  } catch {
    return false;
  }
}

function refusePage(ctx: ProxyContext, res: ServerResponse, startedAt: number, name: string, error: string, message: string, status = 400): void {
  ctx.audit({ name, outcome: 'denied', errorCode: error, startedAt });
  sendHtml(res, status, errorPage('Authorization failed', message));
}

function redirectWithError(ctx: ProxyContext, res: ServerResponse, redirectUri: string, state: string | undefined, error: string, description: string): void {
  const url = new URL(redirectUri);
  url.searchParams.set('error', error);
  url.searchParams.set('error_description', description);
  if (state !== undefined) url.searchParams.set('state', state);
  url.searchParams.set('iss', ctx.issuer);
  redirect(res, url.href);
}

function browserToken(req: IncomingMessage): string | undefined {
  const value = cookie(req, BROWSER_COOKIE);
  return value !== undefined && TOKEN.test(value) ? value : undefined;
}

/** The consent form's CSRF token: derived from the browser's cookie and the login, so only that browser can answer. */
function csrfFor(browser: string, transaction: string): string {
  return sha256(`csrf:${browser}:${transaction}`);
}

export const authorize: Endpoint = async (ctx, req, res, url) => {
  const startedAt = performance.now();
  if (!(await ctx.allow('authorize', req))) return refusePage(ctx, res, startedAt, 'authorize', 'rate_limited', 'Too many authorization requests; wait a minute.', 429);
  const q = url.searchParams;
  let clientId: string | undefined;
  let redirectUri: string | undefined;
  let state: string | undefined;
  try {
    clientId = single(q, 'client_id');
    redirectUri = single(q, 'redirect_uri');
    state = single(q, 'state');
  } catch (error) {
    return refusePage(ctx, res, startedAt, 'authorize', 'invalid_request', (error as Error).message);
  }
  if (!clientId) return refusePage(ctx, res, startedAt, 'authorize', 'invalid_request', 'client_id is missing.');
  let client;
  try {
    client = await findClient(ctx, clientId);
  } catch (error) {
    if (error instanceof OAuthRefusal) return refusePage(ctx, res, startedAt, 'authorize', error.error, error.description);
    throw error;
  }
  if (!client) return refusePage(ctx, res, startedAt, 'authorize', 'invalid_client', 'Unknown client_id: register the client first.');
  // Exact string match against a registered URI (no prefix, no wildcard, no port leeway).
  if (!redirectUri || !client.metadata.redirect_uris.includes(redirectUri)) {
    return refusePage(ctx, res, startedAt, 'authorize', 'invalid_redirect_uri', 'redirect_uri is missing or not registered for this client.');
  }
  // From here on the redirect URI is the client's own: errors go back to it.
  const fail = (error: string, description: string) => {
    ctx.audit({ name: 'authorize', outcome: 'denied', errorCode: error, startedAt });
    redirectWithError(ctx, res, redirectUri, state, error, description);
  };
  let params: Record<string, string | undefined>;
  try {
    params = Object.fromEntries(['response_type', 'code_challenge', 'code_challenge_method', 'scope', 'resource'].map((n) => [n, single(q, n)]));
  } catch (error) {
    return fail('invalid_request', (error as Error).message);
  }
  if (params.response_type !== 'code') return fail('unsupported_response_type', 'response_type must be "code"');
  if (!params.code_challenge) return fail('invalid_request', 'PKCE is required: send code_challenge with code_challenge_method=S256');
  if (params.code_challenge_method !== 'S256') return fail('invalid_request', 'code_challenge_method must be S256 (plain is not accepted)');
  if (!/^[A-Za-z0-9_-]{43}$/.test(params.code_challenge)) return fail('invalid_request', 'code_challenge must be a base64url SHA-256 (43 characters)');
  if (params.resource !== undefined && !sameResource(params.resource, ctx.resource)) return fail('invalid_target', `resource must be ${ctx.resource}`);
  const requested = (params.scope ?? '').split(' ').filter(Boolean);
  const unknown = requested.filter((s) => !ctx.scopesSupported.includes(s));
  if (unknown.length > 0) return fail('invalid_scope', `unknown scope(s): ${unknown.join(', ')}`);
  const scope = requested.length > 0 ? [...new Set(requested)] : ctx.scopesSupported;

  const browser = browserToken(req) ?? randomToken();
  const id = randomToken();
  const verifier = randomToken();
  const nonce = randomToken();
  const request: AuthorizationRequest = {
    redirectUri,
    codeChallenge: params.code_challenge,
    scope,
    ...(state === undefined ? {} : { state }),
    resource: ctx.resource,
    clientName: client.metadata.client_name ?? clientId,
  };
  await ctx.store.putTransaction({
    id,
    browser_hash: sha256(browser),
    csrf_hash: sha256(csrfFor(browser, id)),
    client_id: clientId,
    request: JSON.stringify(request),
    upstream_verifier: verifier,
    nonce,
    expires_at: now() + TRANSACTION_TTL,
  });
  const upstreamUrl = await ctx.upstream.authorizationUrl({ redirectUri: ctx.callbackUrl, state: id, codeChallenge: pkceChallenge(verifier), nonce });
  ctx.audit({ name: 'authorize', outcome: 'ok', startedAt });
  redirect(res, upstreamUrl.href, {
    'set-cookie': `${BROWSER_COOKIE}=${browser}; Path=/oauth; HttpOnly; SameSite=Lax; Max-Age=${TRANSACTION_TTL}${ctx.secureCookies ? '; Secure' : ''}`,
  });
};

/** The transaction a request names, if it belongs to this browser. */
async function transactionOf(ctx: ProxyContext, req: IncomingMessage, id: string | undefined): Promise<{ tx: TransactionRow; browser: string } | { problem: string; code: string }> {
  if (!id || !TOKEN.test(id)) return { problem: 'The login state is missing or malformed.', code: 'invalid_state' };
  const tx = await ctx.store.getTransaction(id);
  if (!tx) return { problem: 'The login state is unknown or expired.', code: 'invalid_state' };
  const browser = browserToken(req);
  if (!browser || !safeEqual(sha256(browser), tx.browser_hash)) return { problem: 'This login was started in another browser.', code: 'invalid_state' };
  return { tx, browser };
}

export const callback: Endpoint = async (ctx, req, res, url) => {
  const startedAt = performance.now();
  const found = await transactionOf(ctx, req, url.searchParams.get('state') ?? undefined);
  if ('problem' in found) return refusePage(ctx, res, startedAt, 'callback', found.code, found.problem);
  const { tx } = found;
  const request = JSON.parse(tx.request) as AuthorizationRequest;
  const upstreamError = url.searchParams.get('error');
  const code = url.searchParams.get('code');
  if (upstreamError || !code) {
    await ctx.store.takeTransaction(tx.id);
    ctx.audit({ name: 'callback', outcome: 'denied', errorCode: 'access_denied', startedAt });
    return redirectWithError(ctx, res, request.redirectUri, request.state, 'access_denied', 'the sign-in at the identity provider did not complete');
  }
  let result: { user: UpstreamUser; tokens: UpstreamTokens };
  try {
    result = await ctx.upstream.exchange({ code, redirectUri: ctx.callbackUrl, codeVerifier: tx.upstream_verifier, nonce: tx.nonce });
  } catch (error) {
    await ctx.store.takeTransaction(tx.id);
    const description = error instanceof UpstreamError ? error.message : 'the identity provider could not be reached';
    const code = error instanceof UpstreamError ? error.code : 'upstream_error';
    ctx.audit({ name: 'callback', outcome: code === 'upstream_error' ? 'error' : 'denied', errorCode: code, startedAt });
    return redirectWithError(ctx, res, request.redirectUri, request.state, 'server_error', description);
  }
  await ctx.store.setTransactionUser(tx.id, result.user.subject, seal(ctx.encryptionKey, JSON.stringify(result), `tx:${tx.id}`));
  ctx.audit({ name: 'callback', outcome: 'ok', subject: result.user.subject, startedAt });
  redirect(res, `/oauth/consent?transaction=${encodeURIComponent(tx.id)}`);
};

export const consentForm: Endpoint = async (ctx, req, res, url) => {
  const startedAt = performance.now();
  const found = await transactionOf(ctx, req, url.searchParams.get('transaction') ?? undefined);
  if ('problem' in found) return refusePage(ctx, res, startedAt, 'consent', found.code, found.problem);
  const { tx, browser } = found;
  if (!tx.subject || !tx.upstream_sealed) return refusePage(ctx, res, startedAt, 'consent', 'invalid_state', 'Sign in at the identity provider first.');
  const request = JSON.parse(tx.request) as AuthorizationRequest;
  const { user } = JSON.parse(unseal(ctx.encryptionKey, tx.upstream_sealed, `tx:${tx.id}`)) as { user: UpstreamUser };
  sendHtml(
    res,
    200,
    consentPage({
      serverName: ctx.serverName,
      clientName: request.clientName,
      clientId: tx.client_id,
      redirectHost: redirectHost(request.redirectUri),
      scopes: request.scope,
      user: user.email ?? user.name ?? user.subject,
      transaction: tx.id,
      csrf: csrfFor(browser, tx.id),
    }),
  );
};

function redirectHost(uri: string): string {
  const url = new URL(uri);
  return url.host || `${url.protocol}${url.pathname}`;
}

export const consentAnswer: Endpoint = async (ctx, req, res) => {
  const startedAt = performance.now();
  const { form } = await readBody(req);
  const found = await transactionOf(ctx, req, form.get('transaction') ?? undefined);
  if ('problem' in found) return refusePage(ctx, res, startedAt, 'consent', found.code, found.problem);
  const { tx, browser } = found;
  const csrf = form.get('csrf') ?? '';
  if (!safeEqual(sha256(csrf), tx.csrf_hash) || !safeEqual(csrf, csrfFor(browser, tx.id))) {
    return refusePage(ctx, res, startedAt, 'consent', 'csrf', 'The consent form is not valid (CSRF check failed).', 403);
  }
  // One answer per login: the row is removed as it is read.
  const taken = await ctx.store.takeTransaction(tx.id);
  if (!taken?.subject || !taken.upstream_sealed) return refusePage(ctx, res, startedAt, 'consent', 'invalid_state', 'This login was already answered or has not signed in.');
  const request = JSON.parse(taken.request) as AuthorizationRequest;
  if (form.get('decision') !== 'allow') {
    ctx.audit({ name: 'consent', outcome: 'denied', subject: taken.subject, errorCode: 'access_denied', startedAt });
    return redirectWithError(ctx, res, request.redirectUri, request.state, 'access_denied', 'the user denied the request');
  }
  const upstream = JSON.parse(unseal(ctx.encryptionKey, taken.upstream_sealed, `tx:${taken.id}`)) as { tokens: UpstreamTokens };
  const grantId = randomToken();
  await ctx.store.putGrant({
    id: grantId,
    client_id: taken.client_id,
    subject: taken.subject,
    scope: request.scope.join(' '),
    resource: request.resource,
    upstream_sealed: seal(ctx.encryptionKey, JSON.stringify(upstream.tokens), `grant:${grantId}`),
    expires_at: now() + ctx.refreshTokenTtl,
  });
  const code = randomToken();
  await ctx.store.putCode(sha256(code), grantId, taken.client_id, request.redirectUri, request.codeChallenge, now() + CODE_TTL);
  ctx.audit({ name: 'consent', outcome: 'ok', subject: taken.subject, startedAt });
  const target = new URL(request.redirectUri);
  target.searchParams.set('code', code);
  if (request.state !== undefined) target.searchParams.set('state', request.state);
  target.searchParams.set('iss', ctx.issuer);
  redirect(res, target.href);
};
