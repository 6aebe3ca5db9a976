/**
 * Typed configuration from environment variables and command-line flags.
 *
 * Flags win over env, env wins over defaults. Every bad value is reported at once, each with what
 * is wrong and what is accepted, so a misconfigured deployment fails at start with one readable
 * message instead of at the first request.
 */
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode } from '../errors/index.js';
import { LOG_LEVELS, type LogLevel } from '../observability/index.js';
import { parseArgs } from 'node:util';
import { FLAGS, settingHelpLines } from './settings.js';

export { SETTINGS, type Setting } from './settings.js';
import { AUTH_ENV_HELP, readAuthConfig, type AuthConfig } from '../auth/config.js';

export type { AuthConfig };

export type TransportKind = 'stdio' | 'http';

export interface RuntimeConfig {
  transport: TransportKind;
  /** TCP port for HTTP (0 picks a free port). */
  port: number;
  host: string;
  /** Unix socket path for HTTP; when set, `host`/`port` are not used. */
  socket?: string;
  /** `sqlite:<path>`, `sqlite::memory:` or `postgres://user:pass@host:port/db`. */
  databaseUrl: string;
  /** Most PostgreSQL connections per replica (ignored for SQLite). */
  databasePoolSize: number;
  /** `redis://` or `rediss://` URL; unset means in-process cache and rate limits. */
  redisUrl?: string;
  /** Prefix of every Redis key this server writes (default `mcpforge:<name>:`). */
  redisKeyPrefix: string;
  /** `auto` applies migrations at start, `only` applies them and exits, `skip` applies none. */
  migrate: 'auto' | 'only' | 'skip';
  logLevel: LogLevel;
  /** Extra Host header names accepted besides the defaults for the bind address. */
  allowedHosts: string[];
  /** Extra Origin host names accepted besides the defaults for the bind address. */
  allowedOrigins: string[];
  /** Largest accepted HTTP request body, in bytes. */
  maxBodyBytes: number;
  /** How long shutdown waits for in-flight requests, in milliseconds. */
  shutdownTimeoutMs: number;
  /** Slow clients (slowloris): how long a request's headers may take to arrive, in milliseconds. */
  headersTimeoutMs: number;
  /** Slow clients: how long a whole request (headers and body) may take to arrive, in milliseconds. */
  requestTimeoutMs: number;
  /** Serve only this tool group's tools (resources and prompts all stay); unset serves every tool. */
  group?: string;
  /** Also serve MCP over WebSocket at `/ws` on the HTTP listener (`--transport websocket` or MCP_WEBSOCKET=on; non-standard). */
  websocket?: boolean;
  /** `stateful`: HTTP serves 2025 clients with `Mcp-Session-Id` sessions (transports/sessions.ts); default `stateless`. */
  httpSessions?: 'stateless' | 'stateful';
  /** Idle HTTP sessions are closed after this many milliseconds. */
  sessionIdleTimeoutMs?: number;
  /** Open HTTP sessions at most (MCP_MAX_SESSIONS), and per caller (MCP_MAX_SESSIONS_PER_CALLER). */
  maxSessions?: number;
  maxSessionsPerCaller?: number;
  /** HTTPS: PEM certificate chain and key paths (both or neither); see the `tls` module. */
  tlsCert?: string;
  tlsKey?: string;
  /** Mutual TLS: PEM CA bundle client certificates must chain to (needs tlsCert/tlsKey). */
  tlsClientCa?: string;
  /** Signs the requestState of input rounds (`MCP_REQUEST_STATE_SECRET`, a secret: never printed). */
  requestStateSecret?: string;
  /** The metrics credential: `/metrics` (and `/readyz` details) need `Authorization: Bearer <token>` (transports/ops.ts). Secret. */
  metricsToken?: string;
  /** A separate listener for `/metrics`, `/readyz` and `/healthz` on this port (HTTP only). */
  metricsPort?: number;
  /** Bind address of the metrics listener (default 127.0.0.1). */
  metricsHost: string;
  /** Keys, issuers and URLs of the spec's auth mode (MCP_JWT_*, MCP_JWKS_URL, MCP_RESOURCE_URL, ...; see auth/config.ts). */
  auth: AuthConfig;
}

export interface ConfigSources {
  argv?: readonly string[];
  env?: Readonly<Record<string, string | undefined>>;
  /** Server name, used for the default database file. */
  name: string;
  /** Project root, used for the default database file (`<root>/data/<name>.db`). */
  projectRoot: URL | string;
  /** Transports the spec offers (default both); the first is the default transport. */
  offered?: readonly (TransportKind | 'websocket')[];
  /** Tool group names the spec defines (for checking MCP_GROUP). */
  groups?: readonly string[];
  /** The spec's `auth.mode` (default none): decides which auth variables are required. */
  authMode?: string;
}

export class ConfigError extends Error {
  readonly code = ErrorCode.InvalidConfig;
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}\nRun with --help to see every option.`);
    this.name = 'ConfigError';
  }
}

export type LoadConfigResult = { help: true; text: string } | { help: false; config: RuntimeConfig };

/** Usage text for `--help`: one line per setting of the table (settings.ts), then the auth mode's. */
export function helpText(name: string): string {
  return [`Usage: ${name} [options]`, '', 'Options (each also settable by the environment variable shown):', ...settingHelpLines(), ...AUTH_ENV_HELP, '  --help                                        show this help'].join('\n');
}

/**
 * Reads and validates the configuration; throws `ConfigError` listing every bad value.
 *
 * @example
 * ```ts
 * const result = loadConfig({ argv: process.argv.slice(2), env: process.env, name: 'notes', projectRoot: new URL('..', import.meta.url) });
 * ```
 */
export function loadConfig(sources: ConfigSources): LoadConfigResult {
  const env = sources.env ?? {};
  const problems: string[] = [];
  const values: Record<string, string | undefined> = {};
  for (const key of Object.values(FLAGS)) values[key] = env[key];

  // node:util parseArgs with the table's flags; lenient so every problem is reported, not the first.
  const { tokens } = parseArgs({
    args: [...(sources.argv ?? [])],
    options: { help: { type: 'boolean', short: 'h' }, ...Object.fromEntries(Object.keys(FLAGS).map((flag) => [flag.slice(2), { type: 'string' as const }])) },
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  for (const token of tokens ?? []) {
    if (token.kind === 'option' && token.name === 'help') return { help: true, text: helpText(sources.name) };
    if (token.kind === 'positional') {
      problems.push(`unknown argument "${token.value}"`);
      continue;
    }
    if (token.kind !== 'option') continue;
    const key = FLAGS[`--${token.name}`];
    if (!key) problems.push(`unknown argument "${token.rawName}${token.inlineValue ? `=${token.value ?? ''}` : ''}"`);
    else if (token.value === undefined || (!token.inlineValue && token.value.startsWith('--'))) problems.push(`${token.rawName} needs a value`);
    else values[key] = token.value;
  }

  // A flag's problem is reported under the env name too, since both set the same option.
  const offered = sources.offered && sources.offered.length > 0 ? sources.offered : (['stdio', 'http'] as const);
  const transport = values.MCP_TRANSPORT ?? offered[0]!;
  if (transport !== 'stdio' && transport !== 'http' && transport !== 'websocket') problems.push(`MCP_TRANSPORT=${transport}: must be "stdio", "http" or "websocket"`);
  else if (!offered.includes(transport)) {
    problems.push(
      `MCP_TRANSPORT=${transport}: this server's spec offers only ${offered.join(', ')}; add ${transport} to \`transports\` in mcpforge.yaml and run \`mcpforge generate\``,
    );
  }

  const websocket = checkWebSocket(transport, env.MCP_WEBSOCKET, offered, problems);

  const port = parseInteger('MCP_PORT', values.MCP_PORT, 3000, 0, 65535, problems);
  const host = values.MCP_HOST ?? '127.0.0.1';
  if (host.trim() === '') problems.push('MCP_HOST is empty: give a bind address such as 127.0.0.1 or 0.0.0.0');

  const socket = values.MCP_SOCKET === undefined || values.MCP_SOCKET === '' ? undefined : values.MCP_SOCKET;
  if (socket !== undefined && socket.includes('\0')) problems.push('MCP_SOCKET contains a NUL byte');

  const root = typeof sources.projectRoot === 'string' ? sources.projectRoot : fileURLToPath(sources.projectRoot);
  const databaseUrl = values.DATABASE_URL ?? `sqlite:${resolve(root, 'data', `${sources.name}.db`)}`;
  const dbProblem = checkDatabaseUrl(databaseUrl);
  if (dbProblem) problems.push(dbProblem);

  const databasePoolSize = parseInteger('DATABASE_POOL_SIZE', env.DATABASE_POOL_SIZE, 10, 1, 1000, problems);
  const redisUrl = values.REDIS_URL === undefined || values.REDIS_URL === '' ? undefined : values.REDIS_URL;
  if (redisUrl !== undefined && !/^rediss?:\/\/[^/]/.test(redisUrl)) {
    problems.push(`REDIS_URL=${redactUrl(redisUrl)}: must start with redis:// or rediss:// (for example redis://127.0.0.1:6379)`);
  }
  const redisKeyPrefix = env.REDIS_KEY_PREFIX ?? `mcpforge:${sources.name}:`;
  const migrate = (values.MCP_MIGRATE ?? 'auto') as RuntimeConfig['migrate'];
  if (!['auto', 'only', 'skip'].includes(migrate)) problems.push(`MCP_MIGRATE=${migrate}: must be auto, only or skip`);

  const logLevel = (values.LOG_LEVEL ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL=${String(values.LOG_LEVEL)}: must be one of ${LOG_LEVELS.join(', ')}`);

  const maxBodyBytes = parseInteger('MCP_MAX_BODY_BYTES', env.MCP_MAX_BODY_BYTES, 1024 * 1024, 1, 2 ** 31 - 1, problems);
  const shutdownTimeoutMs = parseInteger('MCP_SHUTDOWN_TIMEOUT_MS', env.MCP_SHUTDOWN_TIMEOUT_MS, 10_000, 0, 600_000, problems);
  const headersTimeoutMs = parseInteger('MCP_HEADERS_TIMEOUT_MS', env.MCP_HEADERS_TIMEOUT_MS, 20_000, 100, 600_000, problems);
  const requestTimeoutMs = parseInteger('MCP_REQUEST_TIMEOUT_MS', env.MCP_REQUEST_TIMEOUT_MS, 60_000, 100, 3_600_000, problems);
  if (requestTimeoutMs < headersTimeoutMs) problems.push(`MCP_REQUEST_TIMEOUT_MS=${requestTimeoutMs}: must be at least MCP_HEADERS_TIMEOUT_MS (${headersTimeoutMs}); the headers are part of the request`);

  const group = values.MCP_GROUP === undefined || values.MCP_GROUP === '' ? undefined : values.MCP_GROUP;
  const groups = sources.groups ?? [];
  if (group !== undefined && !groups.includes(group)) {
    problems.push(
      groups.length === 0
        ? `MCP_GROUP=${group}: this server's spec defines no tool groups; add \`groups:\` to mcpforge.yaml and run \`mcpforge generate\`, or unset MCP_GROUP`
        : `MCP_GROUP=${group}: unknown tool group; this server's groups are ${groups.join(', ')}`,
    );
  }

  const httpSessions = (values.MCP_HTTP_SESSIONS || 'stateless') as 'stateless' | 'stateful';
  if (httpSessions !== 'stateless' && httpSessions !== 'stateful') problems.push(`MCP_HTTP_SESSIONS=${String(values.MCP_HTTP_SESSIONS)}: must be stateless or stateful`);
  const sessionIdleTimeoutMs = parseInteger('MCP_SESSION_IDLE_TIMEOUT_MS', env.MCP_SESSION_IDLE_TIMEOUT_MS, 30 * 60_000, 1000, 24 * 3_600_000, problems);
  const maxSessions = parseInteger('MCP_MAX_SESSIONS', env.MCP_MAX_SESSIONS, 10_000, 1, 1_000_000, problems);
  const maxSessionsPerCaller = parseInteger('MCP_MAX_SESSIONS_PER_CALLER', env.MCP_MAX_SESSIONS_PER_CALLER, 100, 1, 1_000_000, problems);

  const metrics = checkMetrics(values, env, transport, port, problems);
  const tls = checkTls(values, problems);
  // Secrets are named, never printed, in these problems.
  const auth = readAuthConfig(env, sources.authMode ?? 'none', problems);

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    help: false,
    config: {
      // `websocket` is the HTTP listener with /ws added (transports/websocket.ts).
      transport: (transport === 'websocket' ? 'http' : transport) as TransportKind,
      port,
      host,
      ...(socket === undefined ? {} : { socket: isAbsolute(socket) ? socket : resolve(socket) }),
      databaseUrl,
      databasePoolSize,
      ...(redisUrl === undefined ? {} : { redisUrl }),
      redisKeyPrefix,
      migrate,
      logLevel,
      allowedHosts: parseList(env.MCP_ALLOWED_HOSTS),
      allowedOrigins: parseList(env.MCP_ALLOWED_ORIGINS),
      maxBodyBytes,
      shutdownTimeoutMs,
      headersTimeoutMs,
      requestTimeoutMs,
      ...(group === undefined ? {} : { group }),
      ...(websocket ? { websocket } : {}),
      // Only when set: the defaults (stateless, 30 minutes) live in transports/sessions.ts.
      ...(httpSessions === 'stateful' ? { httpSessions } : {}),
      ...(env.MCP_SESSION_IDLE_TIMEOUT_MS ? { sessionIdleTimeoutMs } : {}),
      ...(env.MCP_MAX_SESSIONS ? { maxSessions } : {}),
      ...(env.MCP_MAX_SESSIONS_PER_CALLER ? { maxSessionsPerCaller } : {}),
      ...metrics,
      ...tls,
      ...(env.MCP_REQUEST_STATE_SECRET ? { requestStateSecret: env.MCP_REQUEST_STATE_SECRET } : {}),
      auth,
    },
  };
}

/** The metrics listener and credential; the token is checked for length, never printed. */
function checkMetrics(
  values: Record<string, string | undefined>,
  env: Readonly<Record<string, string | undefined>>,
  transport: string,
  port: number,
  problems: string[],
): Pick<RuntimeConfig, 'metricsToken' | 'metricsPort' | 'metricsHost'> {
  const metricsHost = env.MCP_METRICS_HOST?.trim() || '127.0.0.1';
  const rawPort = values.MCP_METRICS_PORT;
  const metricsPort = rawPort === undefined || rawPort.trim() === '' ? undefined : parseInteger('MCP_METRICS_PORT', rawPort, 0, 0, 65535, problems);
  if (metricsPort !== undefined && transport === 'stdio') problems.push('MCP_METRICS_PORT is set but the transport is stdio: the metrics listener serves HTTP servers; unset it or use --transport http');
  if (metricsPort !== undefined && metricsPort !== 0 && metricsPort === port) problems.push(`MCP_METRICS_PORT=${metricsPort}: the MCP listener already uses this port (MCP_PORT); choose another, for example 9464`);
  const token = env.MCP_METRICS_TOKEN;
  if (token !== undefined && token !== '' && (token.length < 16 || /\s/.test(token))) {
    problems.push('MCP_METRICS_TOKEN is too short or contains spaces: use at least 16 characters without spaces (for example the output of `openssl rand -hex 24`)');
  }
  return { metricsHost, ...(metricsPort === undefined ? {} : { metricsPort }), ...(token ? { metricsToken: token } : {}) };
}

/** TLS paths, absolute; cert and key come together, a client CA needs both. Files are read by the `tls` module. */
function checkTls(values: Record<string, string | undefined>, problems: string[]): Pick<RuntimeConfig, 'tlsCert' | 'tlsKey' | 'tlsClientCa'> {
  const path = (key: string) => (values[key] === undefined || values[key] === '' ? undefined : resolve(values[key]!));
  const tlsCert = path('MCP_TLS_CERT');
  const tlsKey = path('MCP_TLS_KEY');
  const tlsClientCa = path('MCP_TLS_CLIENT_CA');
  if ((tlsCert === undefined) !== (tlsKey === undefined)) {
    problems.push(`${tlsCert ? 'MCP_TLS_CERT is set but MCP_TLS_KEY is not' : 'MCP_TLS_KEY is set but MCP_TLS_CERT is not'}: HTTPS needs both the certificate and its private key (\`mcpforge dev-cert\` makes a pair for development)`);
  }
  if (tlsClientCa !== undefined && tlsCert === undefined) problems.push('MCP_TLS_CLIENT_CA needs MCP_TLS_CERT and MCP_TLS_KEY: mutual TLS runs over HTTPS');
  return { ...(tlsCert && tlsKey ? { tlsCert, tlsKey } : {}), ...(tlsClientCa && tlsCert ? { tlsClientCa } : {}) };
}

/** Whether /ws is served: `--transport websocket`, or MCP_WEBSOCKET=on with HTTP; the spec must offer websocket. */
function checkWebSocket(transport: string, raw: string | undefined, offered: readonly string[], problems: string[]): boolean {
  const value = (raw ?? '').trim().toLowerCase();
  if (!['', 'on', 'off', 'true', 'false', '1', '0'].includes(value)) problems.push(`MCP_WEBSOCKET=${raw}: must be on or off`);
  const on = transport === 'websocket' || ['on', 'true', '1'].includes(value);
  if (!on || transport === 'websocket') return on;
  if (transport !== 'http') problems.push(`MCP_WEBSOCKET=${raw}: WebSocket is served on the HTTP listener; use --transport http (or --transport websocket)`);
  else if (!offered.includes('websocket')) {
    problems.push(`MCP_WEBSOCKET=${raw}: this server's spec does not offer websocket; add websocket to \`transports\` in mcpforge.yaml and run \`mcpforge generate\``);
  }
  return true;
}

function parseInteger(name: string, raw: string | undefined, fallback: number, min: number, max: number, problems: string[]): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!/^\s*\d+\s*$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
    problems.push(`${name}=${raw}: must be an integer from ${min} to ${max}`);
    return fallback;
  }
  return value;
}

function parseList(raw: string | undefined): string[] {
  if (!raw) return [];
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** Returns a problem description, or undefined when the URL is one this runtime can open. */
export function checkDatabaseUrl(url: string): string | undefined {
  if (url === 'sqlite::memory:') return undefined;
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    if (path === '') return `DATABASE_URL=${url}: give a file path after "sqlite:" (or use sqlite::memory:)`;
    if (path.includes('\0')) return 'DATABASE_URL contains a NUL byte';
    return undefined;
  }
  if (/^postgres(ql)?:/.test(url)) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return `DATABASE_URL=${redactUrl(url)}: not a valid URL; use postgres://user:password@host:5432/database`;
    }
    if (parsed.hostname === '' && !parsed.searchParams.has('host')) return `DATABASE_URL=${redactUrl(url)}: give a host (postgres://user:password@host:5432/database)`;
    if (parsed.pathname.length <= 1) return `DATABASE_URL=${redactUrl(url)}: give a database name after the host (postgres://user:password@host:5432/database)`;
    return undefined;
  }
  return `DATABASE_URL=${redactUrl(url)}: must start with "sqlite:" or "postgres://" (for example sqlite:./data/app.db, sqlite::memory: or postgres://user:password@host:5432/app)`;
}

/** Hides a password in a connection URL before it is printed. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):([^@]+)@/, '//$1:***@');
}
