/**
 * Auth settings from the environment: keys, issuers and URLs never live in the spec.
 *
 * Problems are described by variable name only: a secret's value (or a key's PEM text) never
 * appears in a message, since start-up errors end up in terminals, CI logs and crash reports.
 */

export interface AuthConfig {
  /** HS256 secret (MCP_JWT_SECRET). */
  jwtSecret?: string;
  /** PEM public key (MCP_JWT_PUBLIC_KEY). */
  jwtPublicKey?: string;
  /** MCP_JWKS_URL */
  jwksUrl?: string;
  /** MCP_JWT_ISSUER (oauth: defaults to the only authorization server). */
  jwtIssuer?: string;
  /** MCP_JWT_AUDIENCE, comma-separated (jwt mode). */
  jwtAudience: string[];
  /** MCP_JWT_CLOCK_SKEW_SECONDS (default 30, at most 300). */
  clockSkewSeconds: number;
  /** MCP_RESOURCE_URL: this server's public MCP URL (oauth: the audience tokens must carry). */
  resourceUrl?: string;
  /** MCP_AUTHORIZATION_SERVERS, comma-separated issuer URLs (oauth). */
  authorizationServers: string[];
  /** MCP_AUTH_LIST: override of the spec's `auth.list`. */
  list?: 'filter' | 'all';
}

export const AUTH_ENV_HELP = [
  '                           MCP_JWT_SECRET       jwt/oauth: HS256 shared secret (32+ characters)',
  '                           MCP_JWT_PUBLIC_KEY   jwt/oauth: PEM public key of the token issuer',
  '                           MCP_JWKS_URL         jwt/oauth: JWKS URL of the token issuer (https)',
  '                           MCP_JWT_ISSUER       jwt/oauth: required iss claim (oauth default: the authorization server)',
  '                           MCP_JWT_AUDIENCE     jwt: accepted aud values, comma-separated',
  '                           MCP_JWT_CLOCK_SKEW_SECONDS  allowed clock difference for exp/nbf (default 30)',
  '                           MCP_RESOURCE_URL     oauth: public URL of this server\'s /mcp (the token audience)',
  '                           MCP_AUTHORIZATION_SERVERS  oauth: authorization server issuer URLs, comma-separated',
  '                           MCP_AUTH_LIST        filter|all: lists show only what the caller may use (default filter)',
];

function list(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function set(raw: string | undefined): string | undefined {
  return raw === undefined || raw.trim() === '' ? undefined : raw;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** https, or http to a loopback host (local development); a problem sentence otherwise. */
function urlProblem(name: string, value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${name} is not a valid URL; give an absolute https:// URL`;
  }
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && LOOPBACK.has(url.hostname)) return undefined;
  return `${name} must be an https:// URL (http:// is accepted only for localhost)`;
}

/**
 * Reads and checks the auth variables for a mode, pushing each problem (variable names only).
 * `required: false` (a stdio server: its caller is the local user, never authenticated) checks the
 * variables that are set but asks for none of the mode's.
 *
 * @example
 * ```ts
 * const problems: string[] = [];
 * const auth = readAuthConfig(process.env, 'oauth', problems);
 * ```
 */
export function readAuthConfig(env: Readonly<Record<string, string | undefined>>, mode: string, problems: string[], required = true): AuthConfig {
  const jwtSecret = set(env.MCP_JWT_SECRET);
  const jwtPublicKey = set(env.MCP_JWT_PUBLIC_KEY);
  const jwksUrl = set(env.MCP_JWKS_URL);
  const jwtIssuer = set(env.MCP_JWT_ISSUER);
  const resourceUrl = set(env.MCP_RESOURCE_URL);
  const authorizationServers = list(env.MCP_AUTHORIZATION_SERVERS);
  const jwtAudience = list(env.MCP_JWT_AUDIENCE);
  let clockSkewSeconds = 30;
  const skew = set(env.MCP_JWT_CLOCK_SKEW_SECONDS);
  if (skew !== undefined) {
    if (!/^\s*\d+\s*$/.test(skew) || Number(skew) > 300) problems.push(`MCP_JWT_CLOCK_SKEW_SECONDS=${skew}: must be an integer from 0 to 300`);
    else clockSkewSeconds = Number(skew);
  }
  const listMode = set(env.MCP_AUTH_LIST);
  if (listMode !== undefined && listMode !== 'filter' && listMode !== 'all') problems.push(`MCP_AUTH_LIST=${listMode}: must be "filter" or "all"`);

  if (jwtSecret !== undefined && Buffer.byteLength(jwtSecret, 'utf8') < 32) {
    problems.push(`MCP_JWT_SECRET is too short (${Buffer.byteLength(jwtSecret, 'utf8')} bytes): use at least 32 random bytes, e.g. \`openssl rand -base64 48\``);
  }
  if (jwtPublicKey !== undefined) {
    try {
      // node:crypto loads only when a key is configured: ~5 ms of every cold start (the config is read
      // before the stdio early answer, start/).
      const key = process.getBuiltinModule('node:crypto').createPublicKey(jwtPublicKey.replace(/\\n/g, '\n'));
      if (key.type !== 'public') throw new Error('not a public key');
    } catch {
      problems.push('MCP_JWT_PUBLIC_KEY is not a PEM public key (expected "-----BEGIN PUBLIC KEY-----..."; newlines may be written as \\n)');
    }
  }
  if (jwksUrl !== undefined) {
    const problem = urlProblem('MCP_JWKS_URL', jwksUrl);
    if (problem) problems.push(problem);
  }
  if (mode === 'jwt' || mode === 'oauth') {
    const sources = [jwtSecret, jwtPublicKey, jwksUrl].filter((v) => v !== undefined).length;
    if (sources === 0 && required) problems.push(`auth mode ${mode} needs the token issuer's key: set MCP_JWKS_URL, MCP_JWT_PUBLIC_KEY or MCP_JWT_SECRET`);
    if (sources > 1) problems.push('set only one of MCP_JWKS_URL, MCP_JWT_PUBLIC_KEY and MCP_JWT_SECRET');
  }
  if (mode === 'jwt' && required && jwtAudience.length === 0 && resourceUrl === undefined) {
    problems.push('auth mode jwt needs MCP_JWT_AUDIENCE (the aud value tokens for this server carry), or MCP_RESOURCE_URL');
  }
  if (mode === 'oauth' && required) {
    if (resourceUrl === undefined) problems.push('auth mode oauth needs MCP_RESOURCE_URL: the public URL of this server\'s /mcp endpoint (tokens must be issued for it)');
    if (authorizationServers.length === 0) problems.push('auth mode oauth needs MCP_AUTHORIZATION_SERVERS: the issuer URL(s) of the authorization server(s), comma-separated');
    if (jwtIssuer === undefined && authorizationServers.length > 1) problems.push('with several MCP_AUTHORIZATION_SERVERS, set MCP_JWT_ISSUER to the one whose tokens this server accepts');
  }
  if (resourceUrl !== undefined) {
    const problem = urlProblem('MCP_RESOURCE_URL', resourceUrl);
    if (problem) problems.push(problem);
  }
  for (const server of authorizationServers) {
    const problem = urlProblem('MCP_AUTHORIZATION_SERVERS', server);
    if (problem) problems.push(`${problem} (${server})`);
  }
  const issuer = jwtIssuer ?? (mode === 'oauth' && authorizationServers.length === 1 ? authorizationServers[0] : undefined);
  return {
    ...(jwtSecret === undefined ? {} : { jwtSecret }),
    ...(jwtPublicKey === undefined ? {} : { jwtPublicKey: jwtPublicKey.replace(/\\n/g, '\n') }),
    ...(jwksUrl === undefined ? {} : { jwksUrl }),
    ...(issuer === undefined ? {} : { jwtIssuer: issuer }),
    jwtAudience,
    clockSkewSeconds,
    ...(resourceUrl === undefined ? {} : { resourceUrl }),
    authorizationServers,
    ...(listMode === 'filter' || listMode === 'all' ? { list: listMode } : {}),
  };
}
