/**
 * Switching a project's auth mode (`mcpforge new --auth`, `mcpforge upgrade --auth`): the spec's
 * `auth.mode` (edited in place, comments kept) and the variables the mode needs, documented in
 * `.env.example` once. Pure: text in, text out.
 */
import { parseDocument } from 'yaml';
import type { AuthModeChoice } from './auth-modes.js';

export { AUTH_MODES, parseAuthMode, type AuthModeChoice } from './auth-modes.js';

const MARKER = '# --- auth:';

/** The `.env.example` block for a mode (empty for none). Secrets are placeholders, never real values. */
export function authEnvBlock(mode: AuthModeChoice): string {
  const common = [
    '# Lists show only what the caller may use (filter) or everything (all); calls are always checked.',
    '# MCP_AUTH_LIST=filter',
  ];
  switch (mode) {
    case 'none':
      return '';
    case 'apiKey':
      return [
        `${MARKER} apiKey (HTTP only; stdio callers are the local user) ---`,
        '# Keys live hashed in the database: `mcpforge keys create --name ci --scopes notes:read`,',
        '# `mcpforge keys list`, `mcpforge keys revoke ci`. Clients send Authorization: Bearer <key>.',
        ...common,
        '',
      ].join('\n');
    case 'jwt':
      return [
        `${MARKER} jwt (HTTP only; stdio callers are the local user) ---`,
        '# One key source: the issuer JWKS URL, its PEM public key, or an HS256 secret (32+ bytes).',
        '# MCP_JWKS_URL=https://issuer.example.com/.well-known/jwks.json',
        '# MCP_JWT_PUBLIC_KEY="-----BEGIN PUBLIC KEY-----\\n...\\n-----END PUBLIC KEY-----"',
        '# MCP_JWT_SECRET=<openssl rand -base64 48>',
        '# MCP_JWT_ISSUER=https://issuer.example.com',
        '# Required: the aud value of tokens meant for this server (comma-separated).',
        '# MCP_JWT_AUDIENCE=https://mcp.example.com/mcp',
        '# MCP_JWT_CLOCK_SKEW_SECONDS=30',
        ...common,
        '',
      ].join('\n');
    case 'oauth':
      return [
        `${MARKER} oauth (MCP authorization: this server is an OAuth resource server; HTTP only) ---`,
        "# Required: this server's public /mcp URL (tokens must carry it as aud) and the authorization server(s).",
        '# MCP_RESOURCE_URL=https://mcp.example.com/mcp',
        '# MCP_AUTHORIZATION_SERVERS=https://auth.example.com',
        '# One key source for the authorization server tokens: JWKS URL, PEM public key or HS256 secret.',
        '# MCP_JWKS_URL=https://auth.example.com/.well-known/jwks.json',
        '# MCP_JWT_ISSUER defaults to the only authorization server.',
        '# MCP_JWT_CLOCK_SKEW_SECONDS=30',
        ...common,
        '',
      ].join('\n');
    case 'oauth-proxy':
      return [
        `${MARKER} oauth-proxy (this server is the authorization server MCP clients use; sign-in at your identity provider; HTTP only) ---`,
        "# Required: this server's public /mcp URL; the issuer is its origin unless MCP_OAUTH_ISSUER says otherwise.",
        '# MCP_RESOURCE_URL=https://mcp.example.com/mcp',
        '# The identity provider: github | google | entra | auth0 | keycloak | oidc, and this server\'s client there.',
        '# Register the redirect URI <issuer>/oauth/callback (e.g. https://mcp.example.com/oauth/callback) with it.',
        '# MCP_OAUTH_UPSTREAM=keycloak',
        '# MCP_OAUTH_UPSTREAM_ISSUER=https://sso.example.com/realms/staff',
        '# MCP_OAUTH_UPSTREAM_CLIENT_ID=mcp-server',
        '# MCP_OAUTH_UPSTREAM_CLIENT_SECRET=<from the identity provider>',
        '# Keys of this server: a PEM private key signing its tokens, 32 bytes encrypting the upstream tokens.',
        '# MCP_OAUTH_SIGNING_KEY="-----BEGIN PRIVATE KEY-----\\n...\\n-----END PRIVATE KEY-----"  (openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256)',
        '# MCP_OAUTH_ENCRYPTION_KEY=<openssl rand -base64 32>',
        '# MCP_OAUTH_ACCESS_TOKEN_TTL=3600',
        ...common,
        '',
      ].join('\n');
    case 'mtls':
      return [
        `${MARKER} mtls (the verified client certificate is the caller; map subjects to scopes in auth.clients) ---`,
        '# `mcpforge dev-cert --client <name>` makes a CA, a server and client certificates to try it.',
        '# MCP_TLS_CERT=.certs/server.pem',
        '# MCP_TLS_KEY=.certs/server-key.pem',
        '# MCP_TLS_CLIENT_CA=.certs/ca.pem',
        ...common,
        '',
      ].join('\n');
    case 'custom':
      return [
        `${MARKER} custom (src/auth.ts decides; HTTP only) ---`,
        '# The example hook in src/auth.ts accepts this shared secret in the X-Demo-Auth header: replace it.',
        '# DEMO_AUTH_SECRET=<openssl rand -base64 32>',
        ...common,
        '',
      ].join('\n');
  }
}

/** `.env.example` with the mode's block replacing any earlier auth block. */
export function withAuthEnv(envText: string, mode: AuthModeChoice): string {
  const start = envText.indexOf(MARKER);
  const base = start === -1 ? envText : envText.slice(0, start);
  const block = authEnvBlock(mode);
  if (block === '') return base;
  return `${base}${base === '' || base.endsWith('\n') ? '' : '\n'}${block}`;
}

/** The spec with `auth.mode` set (other `auth` keys and every comment kept). */
export function withAuthMode(specText: string, mode: AuthModeChoice): string {
  const doc = parseDocument(specText);
  if (doc.errors.length > 0) throw new Error(`mcpforge.yaml is not valid YAML: ${doc.errors[0]!.message}`);
  doc.setIn(['auth', 'mode'], mode);
  return doc.toString({ lineWidth: 120 });
}
