/**
 * Pieces of the OAuth proxy tests: a real OpenID Provider (`oidc-provider`, in process, port 0)
 * as the corporate identity provider; a headless "browser" that follows redirects, keeps cookies
 * per origin and submits the forms it lands on (the IdP's login and consent, then the proxy's
 * consent page); an `OAuthClientProvider` for the official MCP SDK client; and the server under
 * test built with `runServer` (a tool per scope).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Provider from 'oidc-provider';
import type { OAuthClientProvider, OAuthClientMetadata, StoredOAuthClientInformation, StoredOAuthTokens } from '@modelcontextprotocol/client';
import { runServer, type RunningServer } from '../../runtime/src/server/run.js';
import { createDefineTool, type Manifest, type ServerModules } from '../../runtime/src/server/contract.js';
import { standaloneValidator } from '../../runtime/src/testing/index.js';

export async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** A free port: the proxy's issuer URL must be known before it starts (the port is released at once). */
export async function freePort(): Promise<number> {
  const probe = createServer();
  const port = await listen(probe);
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

export interface Idp {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Access tokens the IdP issued to the proxy, by subject (what ctx.auth.upstreamToken() must return). */
  close(): Promise<void>;
}

/** The corporate IdP: oidc-provider with its development login and consent forms; one client, the proxy. */
export async function startIdp(proxyCallback: string, options: { accessTokenTtl?: number } = {}): Promise<Idp> {
  const server = createServer();
  const port = await listen(server);
  const issuer = `http://127.0.0.1:${port}`;
  const clientId = 'mcp-proxy';
  const clientSecret = randomBytes(24).toString('base64url');
  const provider = new Provider(issuer, {
    clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: [proxyCallback], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'] }],
    pkce: { required: () => true },
    findAccount: async (_ctx: unknown, id: string) => ({ accountId: id, claims: async () => ({ sub: id, email: `${id}@corp.example` }) }),
    claims: { openid: ['sub'], email: ['email'] },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    features: { devInteractions: { enabled: true }, userinfo: { enabled: true } },
    // Refresh tokens for the proxy (a confidential client allowed the refresh_token grant).
    issueRefreshToken: async (_ctx: unknown, client: { grantTypeAllowed(t: string): boolean }) => client.grantTypeAllowed('refresh_token'),
    ...(options.accessTokenTtl === undefined ? {} : { ttl: { AccessToken: options.accessTokenTtl, IdToken: 3600, Interaction: 3600, Session: 3600, Grant: 3600, AuthorizationCode: 60, RefreshToken: 3600 } }),
  } as never);
  // Silence the provider's development warnings.
  (provider as unknown as { on(e: string, f: () => void): void }).on('server_error', () => {});
  server.on('request', provider.callback());
  return { issuer, clientId, clientSecret, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** A cookie jar per origin and a loop that follows redirects and submits forms until `stopAt` is reached. */
export class Browser {
  private jar = new Map<string, Map<string, string>>();
  readonly visited: string[] = [];
  pages: string[] = [];

  cookies(origin: string): Map<string, string> {
    let jar = this.jar.get(origin);
    if (!jar) this.jar.set(origin, (jar = new Map()));
    return jar;
  }

  async request(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<Response> {
    const target = new URL(url);
    const jar = this.cookies(target.origin);
    const headers: Record<string, string> = {};
    if (jar.size > 0) headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    if (init.form) headers['content-type'] = 'application/x-www-form-urlencoded';
    const res = await fetch(target, { method: init.method ?? 'GET', headers, redirect: 'manual', ...(init.form ? { body: new URLSearchParams(init.form).toString() } : {}) });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(line) || value === '') jar.delete(name);
      else jar.set(name, value);
    }
    this.visited.push(`${init.method ?? 'GET'} ${target.origin}${target.pathname}`);
    return res;
  }

  /**
   * Follows redirects from `url`, submitting each HTML form met (login fields filled, the Allow
   * button pressed), until a redirect goes to `stopAt`; returns that URL. `onPage` may change a
   * form's fields before it is sent (adversarial tests).
   */
  async run(url: string, stopAt: string, onPage?: (html: string, fields: Record<string, string>, action: string) => void, onRedirect?: (location: string) => string): Promise<URL> {
    let next: { url: string; method?: string; form?: Record<string, string> } = { url };
    for (let step = 0; step < 30; step++) {
      if (next.url.startsWith(stopAt)) return new URL(next.url);
      const res = await this.request(next.url, next);
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        const target = new URL(location, next.url).href;
        next = { url: onRedirect ? onRedirect(target) : target };
        continue;
      }
      const html = await res.text();
      this.pages.push(html);
      if (res.status !== 200) throw Object.assign(new Error(`HTTP ${res.status} at ${next.url}: ${html.slice(0, 300)}`), { status: res.status, html });
      const form = parseForm(html);
      if (!form) throw new Error(`no form at ${next.url}: ${html.slice(0, 300)}`);
      if ('login' in form.fields || /name="login"/.test(html)) {
        form.fields.login = 'alice';
        form.fields.password = 'any-password';
      }
      onPage?.(html, form.fields, form.action);
      next = { url: new URL(form.action, next.url).href, method: 'POST', form: form.fields };
    }
    throw new Error('too many redirects');
  }
}

/** The first form of a page: its action and fields (hidden inputs, and the first named submit button). */
export function parseForm(html: string): { action: string; fields: Record<string, string> } | undefined {
  const form = /<form\b[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  if (!form) return undefined;
  const fields: Record<string, string> = {};
  const unescape = (s: string) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  for (const input of form[2]!.matchAll(/<input\b([^>]*)>/gi)) {
    const name = /name="([^"]*)"/.exec(input[1]!)?.[1];
    const value = /value="([^"]*)"/.exec(input[1]!)?.[1] ?? '';
    if (name) fields[name] = unescape(value);
  }
  const button = /<button\b[^>]*name="([^"]*)"[^>]*value="([^"]*)"/i.exec(form[2]!);
  if (button) fields[button[1]!] = button[2]!;
  return { action: unescape(form[1]!), fields };
}

/** The SDK's client-side OAuth state in memory; `redirectToAuthorization` records the URL for the browser. */
export class TestOAuthClient implements OAuthClientProvider {
  authorizationUrl?: URL;
  private info?: StoredOAuthClientInformation;
  private saved?: StoredOAuthTokens;
  private verifier = '';
  constructor(
    readonly redirectUrl: string,
    private readonly name: string,
    readonly clientMetadataUrl?: string,
  ) {}
  get clientMetadata(): OAuthClientMetadata {
    return { client_name: this.name, redirect_uris: [this.redirectUrl], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none' };
  }
  clientInformation() {
    return this.info;
  }
  saveClientInformation(info: StoredOAuthClientInformation) {
    this.info = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: StoredOAuthTokens) {
    this.saved = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }
  private discovery?: unknown;
  saveDiscoveryState(state: unknown) {
    this.discovery = state;
  }
  discoveryState() {
    return this.discovery as never;
  }
}

export function keyPem(): string {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

type Tools = {
  whoami: { input: Record<string, never>; output: { subject: string; scopes: string[]; upstreamEmail: string | null } };
  admin: { input: Record<string, never>; output: undefined };
};
const defineTool = createDefineTool<Tools, unknown>();

/**
 * `whoami` (scope notes:read) answers who called and, with the upstream token from
 * `ctx.auth.upstreamToken()`, what the IdP's userinfo says (an on-behalf-of call); `admin` needs
 * notes:admin.
 */
export function proxyManifest(): { manifest: Manifest; modules: ServerModules } {
  const empty = { type: 'object', properties: {}, additionalProperties: false };
  const manifest: Manifest = {
    name: 'oauth-proxy-test',
    version: '1.0.0',
    description: 'OAuth proxy tests',
    layout: 'dev',
    transports: ['http', 'websocket'],
    auth: { mode: 'oauth-proxy' },
    tools: {
      whoami: { name: 'whoami', description: 'Who is calling', inputSchema: empty, scopes: ['notes:read'] },
      admin: { name: 'admin', description: 'Admin only', inputSchema: empty, scopes: ['notes:admin'] },
    },
    resources: {},
    prompts: {},
  };
  const whoami = defineTool('whoami', async (_input, ctx) => {
    const upstream = await ctx.auth.upstreamToken?.();
    let upstreamEmail: string | null = null;
    if (upstream) {
      const issuer = process.env.TEST_IDP_ISSUER!;
      const res = await fetch(`${issuer}/me`, { headers: { authorization: `Bearer ${upstream}` } });
      upstreamEmail = res.ok ? ((await res.json()) as { email?: string }).email ?? null : null;
    }
    return { subject: ctx.auth.subject, scopes: ctx.auth.scopes, upstreamEmail };
  });
  const admin = defineTool('admin', () => 'admin ok');
  const v = async () => ({ default: standaloneValidator(empty) });
  const modules: ServerModules = {
    tools: { whoami: { handler: async () => ({ default: whoami as never }), validateInput: v }, admin: { handler: async () => ({ default: admin as never }), validateInput: v } },
    resources: {},
    prompts: {},
  };
  return { manifest, modules };
}

export interface ProxyServer {
  server: RunningServer;
  url: string;
  issuer: string;
  signingKey: string;
  logLines: string[];
}

/** The server under test on a free port, with the proxy pointed at the IdP. */
export async function startProxy(port: number, idp: Idp, extraEnv: Record<string, string> = {}): Promise<ProxyServer> {
  const root = mkdtempSync(join(tmpdir(), 'mcpforge-oauth-proxy-'));
  mkdirSync(join(root, 'migrations'));
  const signingKey = keyPem();
  const issuer = `http://127.0.0.1:${port}`;
  const { manifest, modules } = proxyManifest();
  process.env.TEST_IDP_ISSUER = idp.issuer;
  const server = await runServer({
    manifest,
    modules,
    projectRoot: pathToFileURL(`${root}/`),
    argv: [],
    manageProcess: false,
    env: {
      MCP_TRANSPORT: 'http',
      MCP_PORT: String(port),
      DATABASE_URL: `sqlite:${join(root, 'test.db')}`,
      LOG_LEVEL: 'silent',
      MCP_RESOURCE_URL: `${issuer}/mcp`,
      MCP_OAUTH_UPSTREAM: 'oidc',
      MCP_OAUTH_UPSTREAM_ISSUER: idp.issuer,
      MCP_OAUTH_UPSTREAM_CLIENT_ID: idp.clientId,
      MCP_OAUTH_UPSTREAM_CLIENT_SECRET: idp.clientSecret,
      MCP_OAUTH_SIGNING_KEY: signingKey,
      MCP_OAUTH_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      MCP_AUDIT_TABLE: 'on',
      // Every request of a test comes from 127.0.0.1: the limit itself is tested in runtime/src/oauth-proxy.
      MCP_OAUTH_RATE_LIMIT_PER_MINUTE: '100000',
      ...extraEnv,
    },
  });
  return { server, url: `${issuer}/mcp`, issuer, signingKey, logLines: [] };
}
