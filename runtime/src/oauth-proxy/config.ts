/**
 * The OAuth proxy's settings (MCP_OAUTH_*, declared in config/settings.ts) checked and turned into
 * `OAuthProxyConfig`. Keys are parsed here so that a bad key stops the start with the variable's
 * name, never its value.
 */
import { readFileSync } from 'node:fs';
import type { SettingValues } from '../config/settings.js';
import { UPSTREAM_PRESETS, type UpstreamPresetName } from './presets.js';

export interface OAuthProxyConfig {
  issuer: string;
  resourceUrl: string;
  upstream: { preset: UpstreamPresetName; issuer?: string; clientId: string; clientSecret?: string; scopes: string[] };
  /** PEM private keys: the current one, then previous ones still accepted (rotation). */
  signingKeys: string[];
  /** 32 bytes for AES-256-GCM. */
  encryptionKey: Buffer;
  allowHttpLocalhost: boolean;
  cimdAllowPrivate: boolean;
  cimdCa?: string;
  accessTokenTtl: number;
  refreshTokenTtl: number;
  ratePerMinute: number;
}

const LOOPBACK = ['localhost', '127.0.0.1', '[::1]'];

function keyProblem(name: string, pem: string): string | undefined {
  try {
    // node:crypto loads only when a key is configured: ~5 ms of every cold start (the config is read
    // before the stdio early answer, start/).
    const key = process.getBuiltinModule('node:crypto').createPrivateKey(pem.replace(/\\n/g, '\n'));
    if (!['ec', 'rsa', 'ed25519'].includes(key.asymmetricKeyType ?? '')) return `${name} must be an EC P-256, RSA or Ed25519 private key`;
    return undefined;
  } catch {
    return `${name} is not a PEM private key (e.g. \`openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256\`; newlines may be written as \\n)`;
  }
}

/** Reads the proxy's settings; pushes one problem per bad or missing value. */
export function readOAuthProxyConfig(values: SettingValues, resourceUrl: string | undefined, problems: string[]): OAuthProxyConfig | undefined {
  const before = problems.length;
  const preset = values.text('MCP_OAUTH_UPSTREAM') as UpstreamPresetName | undefined;
  const upstreamIssuer = values.text('MCP_OAUTH_UPSTREAM_ISSUER');
  const clientId = values.text('MCP_OAUTH_UPSTREAM_CLIENT_ID');
  const clientSecret = values.text('MCP_OAUTH_UPSTREAM_CLIENT_SECRET');
  const allowHttpLocalhost = values.toggle('MCP_OAUTH_DEV_ALLOW_HTTP_LOCALHOST') ?? false;
  if (resourceUrl === undefined) problems.push("auth mode oauth-proxy needs MCP_RESOURCE_URL: the public URL of this server's /mcp endpoint");
  if (preset === undefined) problems.push(`auth mode oauth-proxy needs MCP_OAUTH_UPSTREAM: the identity provider (${Object.keys(UPSTREAM_PRESETS).join(', ')})`);
  else if (!('issuer' in UPSTREAM_PRESETS[preset]) && UPSTREAM_PRESETS[preset].oidc && upstreamIssuer === undefined) {
    problems.push(`MCP_OAUTH_UPSTREAM=${preset} needs MCP_OAUTH_UPSTREAM_ISSUER (${(UPSTREAM_PRESETS[preset] as { issuerHint?: string }).issuerHint ?? 'the issuer URL'})`);
  }
  if (upstreamIssuer !== undefined) {
    try {
      const url = new URL(upstreamIssuer);
      if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.includes(url.hostname))) problems.push('MCP_OAUTH_UPSTREAM_ISSUER must be an https:// URL (http:// only for localhost)');
    } catch {
      problems.push('MCP_OAUTH_UPSTREAM_ISSUER is not a valid URL');
    }
  }
  if (clientId === undefined) problems.push('auth mode oauth-proxy needs MCP_OAUTH_UPSTREAM_CLIENT_ID: the client id this server has at the identity provider');
  const signing = values.text('MCP_OAUTH_SIGNING_KEY');
  const previous = values.text('MCP_OAUTH_PREVIOUS_SIGNING_KEY');
  if (signing === undefined) problems.push('auth mode oauth-proxy needs MCP_OAUTH_SIGNING_KEY: a PEM private key that signs the tokens it issues');
  else {
    const problem = keyProblem('MCP_OAUTH_SIGNING_KEY', signing);
    if (problem) problems.push(problem);
  }
  if (previous !== undefined) {
    const problem = keyProblem('MCP_OAUTH_PREVIOUS_SIGNING_KEY', previous);
    if (problem) problems.push(problem);
  }
  const rawKey = values.text('MCP_OAUTH_ENCRYPTION_KEY');
  let encryptionKey: Buffer | undefined;
  if (rawKey === undefined) problems.push('auth mode oauth-proxy needs MCP_OAUTH_ENCRYPTION_KEY: 32 random bytes, base64 (`openssl rand -base64 32`), that encrypt the upstream tokens');
  else {
    const key = /^[0-9a-f]{64}$/i.test(rawKey) ? Buffer.from(rawKey, 'hex') : Buffer.from(rawKey, 'base64');
    if (key.length !== 32) problems.push('MCP_OAUTH_ENCRYPTION_KEY must be 32 bytes, base64 or hex (`openssl rand -base64 32`)');
    else encryptionKey = key;
  }
  let issuer = values.text('MCP_OAUTH_ISSUER');
  if (issuer === undefined && resourceUrl !== undefined) {
    try {
      issuer = new URL(resourceUrl).origin;
    } catch {
      // MCP_RESOURCE_URL's own check reports it.
    }
  }
  if (issuer !== undefined) {
    try {
      const url = new URL(issuer);
      if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.includes(url.hostname))) problems.push('MCP_OAUTH_ISSUER must be an https:// URL (http:// only for localhost)');
      // The endpoints are served at /oauth/... and the metadata at /.well-known/... of this host.
      if (url.search || url.hash || url.pathname !== '/') problems.push('MCP_OAUTH_ISSUER must be an origin (scheme, host and port; no path, query or fragment), e.g. https://mcp.example.com');
    } catch {
      problems.push('MCP_OAUTH_ISSUER is not a valid URL');
    }
  }
  const caFile = values.text('MCP_OAUTH_CIMD_CA_FILE');
  let cimdCa: string | undefined;
  if (caFile !== undefined) {
    try {
      cimdCa = readFileSync(caFile, 'utf8');
    } catch {
      problems.push(`MCP_OAUTH_CIMD_CA_FILE=${caFile}: cannot read the file`);
    }
  }
  if (problems.length > before || !resourceUrl || !issuer || !preset || !clientId || !signing || !encryptionKey) return undefined;
  return {
    issuer: issuer.replace(/\/$/, ''),
    resourceUrl,
    upstream: { preset, ...(upstreamIssuer ? { issuer: upstreamIssuer } : {}), clientId, ...(clientSecret ? { clientSecret } : {}), scopes: values.list('MCP_OAUTH_UPSTREAM_SCOPES') },
    signingKeys: [signing, ...(previous ? [previous] : [])],
    encryptionKey,
    allowHttpLocalhost,
    cimdAllowPrivate: values.toggle('MCP_OAUTH_CIMD_ALLOW_PRIVATE') ?? false,
    ...(cimdCa ? { cimdCa } : {}),
    accessTokenTtl: values.integer('MCP_OAUTH_ACCESS_TOKEN_TTL')!,
    refreshTokenTtl: values.integer('MCP_OAUTH_REFRESH_TOKEN_TTL')!,
    ratePerMinute: values.integer('MCP_OAUTH_RATE_LIMIT_PER_MINUTE')!,
  };
}
