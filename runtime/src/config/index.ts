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
import type { LogLevel } from '../observability/index.js';
import { parseArgs } from 'node:util';
import { FLAGS, readSettings, settingHelpLines, SETTINGS, type SettingValues } from './settings.js';

export { SETTINGS, type Setting } from './settings.js';

/**
 * Operator overrides of the call limits (`MCP_RATE_LIMIT_PER_MINUTE`, ...): only those set. The
 * same keys as `Limits` in limits/index.ts, which merges them over the spec and the defaults.
 */
export interface LimitOverrides {
  perCallerPerMinute?: number;
  timeoutMs?: number;
  maxJsonDepth?: number;
  maxStringLength?: number;
}

/** The setting behind each limit override. */
export const LIMIT_SETTINGS: Readonly<Record<keyof LimitOverrides, string>> = Object.freeze({
  perCallerPerMinute: 'MCP_RATE_LIMIT_PER_MINUTE',
  timeoutMs: 'MCP_TOOL_TIMEOUT_MS',
  maxJsonDepth: 'MCP_MAX_JSON_DEPTH',
  maxStringLength: 'MCP_MAX_STRING_LENGTH',
});
import { AUTH_ENV_HELP, readAuthConfig, type AuthConfig } from '../auth/config.js';
import { readOAuthProxyConfig, type OAuthProxyConfig } from '../oauth-proxy/config.js';

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
  /** `MCP_TOOLSETS`: names of the spec's toolsets to serve (checked against the manifest at start). */
  toolsets?: string[];
  /** `MCP_TOOLS`: tool names or globs to serve. */
  tools?: string[];
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
  /** `MCP_REGISTRY`: where this replica registers (registry/). */
  registry?: { url: string; ttlSeconds: number; advertiseUrl?: string };
  /** `MCP_GATEWAY_IDENTITY_KEY` (secret): the key forwarded gateway identities are verified with (gateway/identity.ts). */
  gatewayIdentityKey?: string;
  /** Signs the requestState of input rounds (`MCP_REQUEST_STATE_SECRET`, a secret: never printed). */
  requestStateSecret?: string;
  /** The metrics credential: `/metrics` (and `/readyz` details) need `Authorization: Bearer <token>` (transports/ops.ts). Secret. */
  metricsToken?: string;
  /** A separate listener for `/metrics`, `/readyz` and `/healthz` on this port (HTTP only). */
  metricsPort?: number;
  /** Bind address of the metrics listener (default 127.0.0.1). */
  metricsHost: string;
  /** Call limits the operator set (the spec's `limits:` and the defaults fill the rest). */
  limits: LimitOverrides;
  /** `MCP_AUDIT_TABLE`: audit rows in the database; unset means on with PostgreSQL, off with SQLite. */
  auditTable?: boolean;
  /** `MCP_AUDIT_LOG`: one audit line per call on the log (default on). */
  auditLog: boolean;
  /** `MCP_FAST_PATH`: the HTTP tools/call fast path (default on; off sends every request through the SDK). */
  fastPath: boolean;
  /** `MCP_V8_HEAP`: the V8 heap sizing `startServer` sets (start/heap.ts); unset = compact for HTTP, V8's own for stdio. */
  v8Heap?: 'compact' | 'v8';
  /** Tracing and error reporting (telemetry module): OTEL_EXPORTER_OTLP_ENDPOINT (unset: tracing off), OTEL_SERVICE_NAME, SENTRY_DSN (a secret). */
  telemetry: { otlpEndpoint?: string; serviceName: string; sentryDsn?: string };
  /** `MCP_TASK_TTL_MS`, `MCP_TASK_LEASE_MS`, `MCP_TASK_POLL_INTERVAL_MS`: task retention, replica lease, suggested polling (see `tasks`). */
  tasks: { ttlMs: number; leaseMs: number; pollIntervalMs: number };
  /** `MCP_CLIENT_PROFILE`: set when the operator fixed the client profile (unset: the spec's `clients.profile`, else detected per client). */
  clientProfile?: 'auto' | 'full' | 'claude' | 'openai-strict' | 'gemini' | 'vscode' | 'cursor';
  /** `MCP_DISCOVERY`: set when the operator chose direct or progressive tool discovery (unset: the spec's). */
  discovery?: 'direct' | 'progressive';
  /** `MCP_MAX_OUTPUT_TOKENS`: the server's output budget over the spec's, or `off` (unset: the spec's). */
  maxOutputTokens?: number | 'off';
  /** `MCP_RESULT_TTL_MS`: how long the whole of a cut result stays readable. */
  resultTtlMs: number;
  /** Keys, issuers and URLs of the spec's auth mode (MCP_JWT_*, MCP_JWKS_URL, MCP_RESOURCE_URL, ...; see auth/config.ts). */
  auth: AuthConfig;
  /** `auth.mode: oauth-proxy`: the authorization-server facade's settings (MCP_OAUTH_*; oauth-proxy/config.ts). */
  oauthProxy?: OAuthProxyConfig;
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
  const raw: Record<string, string | undefined> = {};
  for (const setting of SETTINGS) raw[setting.env] = env[setting.env];

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
    else raw[key] = token.value;
  }

  // Each value checked by its kind in the table (a flag's problem is reported under the env name,
  // since both set the same option); what follows relates settings to each other and to the spec.
  const values = readSettings(raw, problems);
  const offered = sources.offered && sources.offered.length > 0 ? sources.offered : (['stdio', 'http'] as const);
  const transport = values.text('MCP_TRANSPORT') ?? offered[0]!;
  if (values.given('MCP_TRANSPORT') && ['stdio', 'http', 'websocket'].includes(transport) && !offered.includes(transport as TransportKind)) {
    problems.push(
      `MCP_TRANSPORT=${transport}: this server's spec offers only ${offered.join(', ')}; add ${transport} to \`transports\` in mcpforge.yaml and run \`mcpforge generate\``,
    );
  }

  const websocket = checkWebSocket(transport, values.toggle('MCP_WEBSOCKET'), raw.MCP_WEBSOCKET, offered, problems);

  const port = values.integer('MCP_PORT')!;
  if (raw.MCP_HOST !== undefined && raw.MCP_HOST.trim() === '') problems.push('MCP_HOST is empty: give a bind address such as 127.0.0.1 or 0.0.0.0');
  const host = values.text('MCP_HOST')!;

  const socket = values.text('MCP_SOCKET');
  if (socket !== undefined && socket.includes('\0')) problems.push('MCP_SOCKET contains a NUL byte');

  const root = typeof sources.projectRoot === 'string' ? sources.projectRoot : fileURLToPath(sources.projectRoot);
  const databaseUrl = values.text('DATABASE_URL') ?? `sqlite:${resolve(root, 'data', `${sources.name}.db`)}`;
  const dbProblem = checkDatabaseUrl(databaseUrl);
  if (dbProblem) problems.push(dbProblem);

  const redisUrl = values.text('REDIS_URL');
  if (redisUrl !== undefined && !/^rediss?:\/\/[^/]/.test(redisUrl)) {
    problems.push(`REDIS_URL=${redactUrl(redisUrl)}: must start with redis:// or rediss:// (for example redis://127.0.0.1:6379)`);
  }

  const headersTimeoutMs = values.integer('MCP_HEADERS_TIMEOUT_MS')!;
  const requestTimeoutMs = values.integer('MCP_REQUEST_TIMEOUT_MS')!;
  if (requestTimeoutMs < headersTimeoutMs) problems.push(`MCP_REQUEST_TIMEOUT_MS=${requestTimeoutMs}: must be at least MCP_HEADERS_TIMEOUT_MS (${headersTimeoutMs}); the headers are part of the request`);

  const group = values.text('MCP_GROUP');
  const groups = sources.groups ?? [];
  if (group !== undefined && !groups.includes(group)) {
    problems.push(
      groups.length === 0
        ? `MCP_GROUP=${group}: this server's spec defines no tool groups; add \`groups:\` to mcpforge.yaml and run \`mcpforge generate\`, or unset MCP_GROUP`
        : `MCP_GROUP=${group}: unknown tool group; this server's groups are ${groups.join(', ')}`,
    );
  }

  const maxOutputTokens = checkOutputBudget(values.text('MCP_MAX_OUTPUT_TOKENS'), problems);
  const metrics = checkMetrics(values, transport, port, problems);
  const telemetry = checkTelemetry(values, sources.name, problems);
  const tls = checkTls(values, problems);
  // Secrets are named, never printed, in these problems.
  // stdio's caller is the local user and never authenticated (docs/security.md): a stdio start
  // needs none of the mode's settings, so one spec can offer stdio beside an authenticated HTTP.
  const servesHttp = transport !== 'stdio';
  const auth = readAuthConfig(env, sources.authMode ?? 'none', problems, servesHttp);
  const oauthProxy = sources.authMode === 'oauth-proxy' && servesHttp ? readOAuthProxyConfig(values, auth.resourceUrl, problems) : undefined;

  // Only what the operator set: the spec's `limits:` block and the runtime's defaults fill the rest (limits/index.ts).
  const limits: LimitOverrides = {};
  for (const [key, name] of Object.entries(LIMIT_SETTINGS) as Array<[keyof LimitOverrides, string]>) {
    const value = values.integer(name);
    if (value !== undefined) limits[key] = value;
  }
  const auditTable = values.toggle('MCP_AUDIT_TABLE');
  const requestStateSecret = values.text('MCP_REQUEST_STATE_SECRET');
  const registryUrl = values.text('MCP_REGISTRY');
  if (registryUrl !== undefined && !/^(etcds?|k8s|kubernetes):\/\/\S+$/.test(registryUrl)) problems.push(`MCP_REGISTRY=${registryUrl}: must be etcd://host:2379 or k8s://<namespace>/<app>?groups=a,b`);
  const advertiseUrl = values.text('MCP_ADVERTISE_URL');
  const registry = registryUrl === undefined ? undefined : { url: registryUrl, ttlSeconds: values.integer('MCP_REGISTRY_TTL_S')!, ...(advertiseUrl === undefined ? {} : { advertiseUrl }) };
  const gatewayIdentityKey = values.text('MCP_GATEWAY_IDENTITY_KEY');
  if (gatewayIdentityKey !== undefined && gatewayIdentityKey.length < 32) problems.push('MCP_GATEWAY_IDENTITY_KEY: must be at least 32 characters (e.g. openssl rand -hex 32)');
  const optional = <K extends string, V>(key: K, value: V | undefined) => (value === undefined ? {} : ({ [key]: value } as Record<K, V>));

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
      databasePoolSize: values.integer('DATABASE_POOL_SIZE')!,
      ...optional('redisUrl', redisUrl),
      redisKeyPrefix: values.text('REDIS_KEY_PREFIX') ?? `mcpforge:${sources.name}:`,
      migrate: values.text('MCP_MIGRATE') as RuntimeConfig['migrate'],
      logLevel: values.text('LOG_LEVEL') as LogLevel,
      allowedHosts: values.list('MCP_ALLOWED_HOSTS'),
      allowedOrigins: values.list('MCP_ALLOWED_ORIGINS'),
      maxBodyBytes: values.integer('MCP_MAX_BODY_BYTES')!,
      shutdownTimeoutMs: values.integer('MCP_SHUTDOWN_TIMEOUT_MS')!,
      headersTimeoutMs,
      requestTimeoutMs,
      ...optional('group', group),
      ...(values.list('MCP_TOOLSETS').length > 0 ? { toolsets: values.list('MCP_TOOLSETS') } : {}),
      ...(values.list('MCP_TOOLS').length > 0 ? { tools: values.list('MCP_TOOLS') } : {}),
      ...(websocket ? { websocket } : {}),
      // Only when set: the defaults (stateless, 30 minutes, caps) live in transports/sessions.ts.
      ...(values.text('MCP_HTTP_SESSIONS') === 'stateful' ? { httpSessions: 'stateful' as const } : {}),
      ...optional('sessionIdleTimeoutMs', values.integer('MCP_SESSION_IDLE_TIMEOUT_MS')),
      ...optional('maxSessions', values.integer('MCP_MAX_SESSIONS')),
      ...optional('maxSessionsPerCaller', values.integer('MCP_MAX_SESSIONS_PER_CALLER')),
      limits,
      ...optional('auditTable', auditTable),
      auditLog: values.toggle('MCP_AUDIT_LOG')!,
      fastPath: values.toggle('MCP_FAST_PATH')!,
      ...optional('v8Heap', values.text('MCP_V8_HEAP') as RuntimeConfig['v8Heap']),
      tasks: { ttlMs: values.integer('MCP_TASK_TTL_MS')!, leaseMs: values.integer('MCP_TASK_LEASE_MS')!, pollIntervalMs: values.integer('MCP_TASK_POLL_INTERVAL_MS')! },
      ...optional('clientProfile', values.text('MCP_CLIENT_PROFILE') as RuntimeConfig['clientProfile']),
      ...optional('discovery', values.text('MCP_DISCOVERY') as RuntimeConfig['discovery']),
      ...optional('maxOutputTokens', maxOutputTokens),
      resultTtlMs: values.integer('MCP_RESULT_TTL_MS')!,
      ...metrics,
      ...tls,
      ...optional('requestStateSecret', requestStateSecret),
      ...optional('registry', registry),
      ...optional('gatewayIdentityKey', gatewayIdentityKey),
      telemetry,
      auth,
      ...optional('oauthProxy', oauthProxy),
    },
  };
}

/** `MCP_MAX_OUTPUT_TOKENS`: `off` or a whole number of tokens the note and link fit in. */
function checkOutputBudget(raw: string | undefined, problems: string[]): number | 'off' | undefined {
  if (raw === undefined) return undefined;
  if (raw.trim().toLowerCase() === 'off') return 'off';
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 256) {
    problems.push(`MCP_MAX_OUTPUT_TOKENS=${raw}: give a whole number of tokens of at least 256 (the truncation note and the link need room), or off`);
    return undefined;
  }
  return n;
}

/** Tracing endpoint and error-reporting DSN: URLs checked here so a typo fails at start, not at the first export. */
function checkTelemetry(values: SettingValues, name: string, problems: string[]): RuntimeConfig['telemetry'] {
  const endpoint = values.text('OTEL_EXPORTER_OTLP_ENDPOINT');
  if (endpoint !== undefined && !/^https?:\/\/[^\s/]+/.test(endpoint)) {
    problems.push(`OTEL_EXPORTER_OTLP_ENDPOINT=${endpoint}: must be an http:// or https:// URL of an OTLP/HTTP receiver (for example http://otel-collector:4318)`);
  }
  const dsn = values.text('SENTRY_DSN');
  // A DSN holds its key: named, never printed.
  if (dsn !== undefined && !/^https?:\/\/[^\s@]+@[^\s/]+\/\S*\d+$/.test(dsn)) problems.push('SENTRY_DSN: must be a DSN like https://<key>@<host>/<project id>');
  return {
    serviceName: values.text('OTEL_SERVICE_NAME') ?? name,
    ...(endpoint === undefined ? {} : { otlpEndpoint: endpoint }),
    ...(dsn === undefined ? {} : { sentryDsn: dsn }),
  };
}

/** The metrics listener and credential; the token is checked for length, never printed. */
function checkMetrics(values: SettingValues, transport: string, port: number, problems: string[]): Pick<RuntimeConfig, 'metricsToken' | 'metricsPort' | 'metricsHost'> {
  const metricsHost = values.text('MCP_METRICS_HOST')!.trim() || '127.0.0.1';
  const metricsPort = values.integer('MCP_METRICS_PORT');
  if (metricsPort !== undefined && transport === 'stdio') problems.push('MCP_METRICS_PORT is set but the transport is stdio: the metrics listener serves HTTP servers; unset it or use --transport http');
  if (metricsPort !== undefined && metricsPort !== 0 && metricsPort === port) problems.push(`MCP_METRICS_PORT=${metricsPort}: the MCP listener already uses this port (MCP_PORT); choose another, for example 9464`);
  const token = values.text('MCP_METRICS_TOKEN');
  if (token !== undefined && (token.length < 16 || /\s/.test(token))) {
    problems.push('MCP_METRICS_TOKEN is too short or contains spaces: use at least 16 characters without spaces (for example the output of `openssl rand -hex 24`)');
  }
  return { metricsHost, ...(metricsPort === undefined ? {} : { metricsPort }), ...(token ? { metricsToken: token } : {}) };
}

/** TLS paths, absolute; cert and key come together, a client CA needs both. Files are read by the `tls` module. */
function checkTls(values: SettingValues, problems: string[]): Pick<RuntimeConfig, 'tlsCert' | 'tlsKey' | 'tlsClientCa'> {
  const path = (key: string) => {
    const value = values.text(key);
    return value === undefined ? undefined : resolve(value);
  };
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
function checkWebSocket(transport: string, setting: boolean | undefined, raw: string | undefined, offered: readonly string[], problems: string[]): boolean {
  const on = transport === 'websocket' || setting === true;
  if (!on || transport === 'websocket') return on;
  if (transport !== 'http') problems.push(`MCP_WEBSOCKET=${raw}: WebSocket is served on the HTTP listener; use --transport http (or --transport websocket)`);
  else if (!offered.includes('websocket')) {
    problems.push(`MCP_WEBSOCKET=${raw}: this server's spec does not offer websocket; add websocket to \`transports\` in mcpforge.yaml and run \`mcpforge generate\``);
  }
  return true;
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
