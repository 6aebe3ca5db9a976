/**
 * Every setting of a generated server, declared once: its flag (if it has one), environment
 * variable, kind (which also validates it), default, help text, and whether it is a secret. From
 * this table come the argv parser (`node:util` parseArgs), `--help`, the generic validation in
 * `readSettings`, and the check that the generated `.env.example` names each setting users may
 * need (test/unit/env/env-example.test.ts). `loadConfig` adds the checks that relate settings to
 * each other or to the spec and builds the typed `RuntimeConfig`, which is passed down from start;
 * no module reads `process.env` after that.
 *
 * A leaf module: it imports nothing from the runtime.
 */

export type SettingKind =
  | { type: 'integer'; min: number; max: number; default?: number }
  | { type: 'choice'; values: readonly string[]; default?: string }
  /** on|off (also true|false, 1|0, any case). */
  | { type: 'toggle'; default?: boolean }
  | { type: 'text'; default?: string }
  /** Comma-separated, blanks dropped. */
  | { type: 'list' };

export interface Setting {
  /** Environment variable (the canonical name). */
  env: string;
  /** `--flag` for the command line, if the setting has one. */
  flag?: string;
  /** Placeholder of the flag's value in `--help`. */
  arg?: string;
  kind: SettingKind;
  help: string;
  /** A secret: validated, never printed (problems name the variable only). */
  secret?: true;
  /** Listed in the generated `.env.example` (commented out). */
  envExample?: true;
}

/** The log levels pino knows, most severe first (also `observability`'s LogLevel). */
export const LOG_LEVEL_NAMES = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const int = (min: number, max: number, fallback?: number): SettingKind => ({ type: 'integer', min, max, ...(fallback === undefined ? {} : { default: fallback }) });
const choice = (values: readonly string[], fallback?: string): SettingKind => ({ type: 'choice', values, ...(fallback === undefined ? {} : { default: fallback }) });
const toggle = (fallback?: boolean): SettingKind => ({ type: 'toggle', ...(fallback === undefined ? {} : { default: fallback }) });
const text = (fallback?: string): SettingKind => ({ type: 'text', ...(fallback === undefined ? {} : { default: fallback }) });
const list: SettingKind = { type: 'list' };
const MS_DAY = 86_400_000;
const INT32 = 2 ** 31 - 1;

export const SETTINGS: readonly Setting[] = [
  { env: 'MCP_TRANSPORT', flag: '--transport', arg: 'stdio|http|websocket', kind: choice(['stdio', 'http', 'websocket']), help: 'transport to serve (default: the first the spec offers, usually stdio); websocket = HTTP listener with /mcp and /ws' },
  { env: 'MCP_WEBSOCKET', kind: toggle(), help: 'on: also serve MCP over WebSocket at /ws with --transport http (non-standard)' },
  { env: 'MCP_PORT', flag: '--port', arg: 'N', kind: int(0, 65535, 3000), help: 'HTTP port (default 3000, 0 = any free port)' },
  { env: 'MCP_HOST', flag: '--host', arg: 'H', kind: text('127.0.0.1'), help: 'HTTP bind address (default 127.0.0.1)' },
  { env: 'MCP_SOCKET', flag: '--socket', arg: 'PATH', kind: text(), help: 'serve HTTP on a unix socket instead of TCP' },
  { env: 'DATABASE_URL', flag: '--database-url', arg: 'URL', kind: text(), help: 'sqlite:<path>, sqlite::memory: or postgres://... (default sqlite:<project>/data/<name>.db)', secret: true },
  { env: 'DATABASE_POOL_SIZE', kind: int(1, 1000, 10), help: 'PostgreSQL connections per process (default 10)' },
  { env: 'REDIS_URL', flag: '--redis-url', arg: 'URL', kind: text(), help: 'redis://host:6379 for shared cache and rate limits (default: in-process)', secret: true },
  { env: 'REDIS_KEY_PREFIX', kind: text(), help: 'prefix of every Redis key (default mcpforge:<name>:)' },
  { env: 'MCP_MIGRATE', flag: '--migrate', arg: 'auto|only|skip', kind: choice(['auto', 'only', 'skip'], 'auto'), help: 'apply migrations at start (auto), apply and exit (only), or not (skip)' },
  { env: 'LOG_LEVEL', flag: '--log-level', arg: 'LEVEL', kind: choice(LOG_LEVEL_NAMES, 'info'), help: 'fatal|error|warn|info|debug|trace|silent (default info)' },
  { env: 'MCP_GROUP', flag: '--group', arg: 'NAME', kind: text(), help: "serve only this tool group's tools (groups: in the spec; default: every tool)" },
  { env: 'MCP_TOOLSETS', kind: list, help: "serve only the tools of these toolsets (toolsets: in the spec), comma-separated; adds up with MCP_TOOLS, within MCP_GROUP", envExample: true },
  { env: 'MCP_TOOLS', kind: list, help: 'serve only these tools: names or globs (* and ?), comma-separated, e.g. repos_*,issues_get; adds up with MCP_TOOLSETS, within MCP_GROUP', envExample: true },
  { env: 'MCP_ALLOWED_HOSTS', kind: list, help: 'extra Host names to accept, comma-separated' },
  { env: 'MCP_ALLOWED_ORIGINS', kind: list, help: 'extra Origin host names to accept, comma-separated' },
  { env: 'MCP_MAX_BODY_BYTES', kind: int(1, INT32, 1024 * 1024), help: 'largest request body (default 1048576)' },
  { env: 'MCP_SHUTDOWN_TIMEOUT_MS', kind: int(0, 600_000, 10_000), help: 'wait for in-flight calls at shutdown (default 10000)' },
  { env: 'MCP_HEADERS_TIMEOUT_MS', kind: int(100, 600_000, 20_000), help: 'drop a client whose request headers take longer (default 20000)', envExample: true },
  { env: 'MCP_REQUEST_TIMEOUT_MS', kind: int(100, 3_600_000, 60_000), help: 'drop a client whose whole request takes longer to arrive (default 60000)', envExample: true },
  // The four limits have no default here: unset, the spec's `limits:` block and then the runtime's defaults apply (limits/index.ts).
  { env: 'MCP_RATE_LIMIT_PER_MINUTE', kind: int(0, 1_000_000_000), help: 'calls per minute per caller across all tools (default 0 = off; spec: limits.perCallerPerMinute)', envExample: true },
  { env: 'MCP_TOOL_TIMEOUT_MS', kind: int(1, MS_DAY), help: "cancel a tool call after this long (default 60000; a tool's timeoutMs in the spec wins)", envExample: true },
  { env: 'MCP_MAX_JSON_DEPTH', kind: int(1, 10_000), help: 'deepest nesting accepted in tool arguments (default 64)', envExample: true },
  { env: 'MCP_MAX_STRING_LENGTH', kind: int(1, INT32), help: 'longest string or key accepted in tool arguments (default 100000)', envExample: true },
  { env: 'MCP_AUDIT_TABLE', kind: toggle(), help: 'on|off: audit rows in the mcpforge_audit table (default on with PostgreSQL, off with SQLite)', envExample: true },
  { env: 'MCP_AUDIT_LOG', kind: toggle(true), help: 'on|off: one audit line per call on stderr (default on)', envExample: true },
  { env: 'MCP_TASK_TTL_MS', kind: int(1000, 30 * MS_DAY, 3_600_000), help: 'how long a task (tools with task: in the spec) and its result are kept after it starts (default 3600000)' },
  { env: 'MCP_TASK_LEASE_MS', kind: int(500, 600_000, 15_000), help: 'a running task whose replica sent no heartbeat for this long fails with a reason, or resumes elsewhere if idempotent (default 15000)' },
  { env: 'MCP_TASK_POLL_INTERVAL_MS', kind: int(100, 600_000, 1000), help: 'pollIntervalMs suggested to clients polling tasks/get (default 1000)' },
  { env: 'MCP_CLIENT_PROFILE', kind: choice(['auto', 'full', 'claude', 'openai-strict', 'gemini', 'vscode', 'cursor']), help: "tool schemas in tools/list shaped for this client: auto (default, unless the spec's clients.profile fixes one: from each client's clientInfo), full, claude, openai-strict, gemini, vscode or cursor; calls are always validated against the full schema", envExample: true },
  { env: 'MCP_DISCOVERY', kind: choice(['direct', 'progressive']), help: "direct: tools/list shows every tool; progressive: search_tools, describe_tool and call_tool plus the pinned tools (default: the spec's discovery.mode, else progressive above 60 served tools, direct up to 60)", envExample: true },
  { env: 'MCP_MAX_OUTPUT_TOKENS', kind: text(), help: "tokens of one tool result at most (characters / 4): above, it is cut with a note and the whole is linked as a resource; a number (at least 256) over the spec's limits.maxOutputTokens, or off (no budget, not even a client profile's; default: the spec's, and Claude clients 25000)", envExample: true },
  { env: 'MCP_RESULT_TTL_MS', kind: int(1000, 30 * MS_DAY, 3_600_000), help: 'how long the whole of a cut tool result stays readable by its caller (default 3600000)' },
  { env: 'MCP_FAST_PATH', kind: toggle(true), help: 'on|off: answer plain HTTP tools/call, and a stdio server\'s first modern tools/list, without the SDK pipeline (default on)' },
  { env: 'MCP_V8_HEAP', kind: choice(['compact', 'v8']), help: "compact (default for HTTP): V8's young generation grown to 2 MiB semi-spaces at most, a full GC once the old one grew 30%, no allocation-site pretenuring (peak RSS near 100 MiB under load at V8's own throughput); v8: V8's own sizing (default for stdio). Any heap flag in NODE_OPTIONS or node's command line wins over both" },
  { env: 'MCP_HTTP_SESSIONS', flag: '--http-sessions', arg: 'MODE', kind: choice(['stateless', 'stateful'], 'stateless'), help: 'stateless (default) or stateful: Mcp-Session-Id sessions for 2025 clients (sampling, elicitation, GET stream; needs sticky routing across replicas)', envExample: true },
  { env: 'MCP_SESSION_IDLE_TIMEOUT_MS', kind: int(1000, MS_DAY), help: 'close idle sessions after this long (default 1800000)' },
  { env: 'MCP_MAX_SESSIONS', kind: int(1, 1_000_000), help: 'open sessions at most (default 10000); past it 503 + Retry-After' },
  { env: 'MCP_MAX_SESSIONS_PER_CALLER', kind: int(1, 1_000_000), help: 'open sessions per caller at most (default 100)' },
  { env: 'MCP_REQUEST_STATE_SECRET', kind: text(), help: 'key signing the requestState of ctx.elicit/ctx.sample rounds (same on every replica; default: random per process)', secret: true, envExample: true },
  { env: 'MCP_METRICS_PORT', flag: '--metrics-port', arg: 'N', kind: int(0, 65535), help: 'serve /metrics, /readyz (with details) and /healthz on their own listener (default: none)' },
  { env: 'MCP_METRICS_HOST', kind: text('127.0.0.1'), help: 'bind address of that listener (default 127.0.0.1)' },
  { env: 'MCP_METRICS_TOKEN', kind: text(), help: 'secret: /metrics and /readyz details need Authorization: Bearer <token> (required for /metrics on the MCP port with an auth mode)', secret: true },
  { env: 'OTEL_EXPORTER_OTLP_ENDPOINT', kind: text(), help: 'turns tracing on: OTLP/HTTP receiver base URL, spans go to <url>/v1/traces (needs the OpenTelemetry packages; default: off)' },
  { env: 'OTEL_SERVICE_NAME', kind: text(), help: "service.name of the spans (default: the server's name)" },
  { env: 'SENTRY_DSN', kind: text(), help: 'report unhandled handler errors to this Sentry-compatible DSN (needs @sentry/node; default: counted in /metrics only)', secret: true },
  // auth.mode oauth-proxy (oauth-proxy/config.ts checks them together; docs/security.md walks through them).
  { env: 'MCP_OAUTH_UPSTREAM', kind: choice(['github', 'google', 'entra', 'auth0', 'keycloak', 'oidc']), help: 'oauth-proxy: the identity provider users sign in with (github|google|entra|auth0|keycloak|oidc)' },
  { env: 'MCP_OAUTH_UPSTREAM_ISSUER', kind: text(), help: 'oauth-proxy: issuer URL of the identity provider (tenant, realm or domain; not needed for github, google)' },
  { env: 'MCP_OAUTH_UPSTREAM_CLIENT_ID', kind: text(), help: 'oauth-proxy: this server\'s client id at the identity provider' },
  { env: 'MCP_OAUTH_UPSTREAM_CLIENT_SECRET', kind: text(), help: 'oauth-proxy: this server\'s client secret at the identity provider', secret: true },
  { env: 'MCP_OAUTH_UPSTREAM_SCOPES', kind: list, help: 'oauth-proxy: scopes asked of the identity provider, comma-separated (default: the preset\'s)' },
  { env: 'MCP_OAUTH_SIGNING_KEY', kind: text(), help: 'oauth-proxy: PEM private key (EC P-256, RSA, Ed25519) signing the tokens it issues; published in its JWKS', secret: true },
  { env: 'MCP_OAUTH_PREVIOUS_SIGNING_KEY', kind: text(), help: 'oauth-proxy: the key before a rotation, still published and accepted until its tokens expire', secret: true },
  { env: 'MCP_OAUTH_ENCRYPTION_KEY', kind: text(), help: 'oauth-proxy: 32 bytes (base64 or hex) encrypting the upstream tokens in the database', secret: true },
  { env: 'MCP_OAUTH_ISSUER', kind: text(), help: 'oauth-proxy: issuer URL of this server as authorization server (default: the origin of MCP_RESOURCE_URL)' },
  { env: 'MCP_OAUTH_DEV_ALLOW_HTTP_LOCALHOST', kind: toggle(false), help: 'oauth-proxy, development only: accept http://localhost client metadata documents' },
  { env: 'MCP_OAUTH_CIMD_ALLOW_PRIVATE', kind: toggle(false), help: 'oauth-proxy: fetch client metadata documents from private addresses (an internal registry)' },
  { env: 'MCP_OAUTH_CIMD_CA_FILE', kind: text(), help: 'oauth-proxy: PEM CA certificates trusted for client metadata documents besides the system ones' },
  { env: 'MCP_OAUTH_ACCESS_TOKEN_TTL', kind: int(60, 86_400, 3600), help: 'oauth-proxy: access token lifetime in seconds (default 3600)' },
  { env: 'MCP_OAUTH_REFRESH_TOKEN_TTL', kind: int(300, 365 * 86_400, 30 * 86_400), help: 'oauth-proxy: lifetime of a consent and its refresh tokens in seconds (default 30 days)' },
  { env: 'MCP_OAUTH_RATE_LIMIT_PER_MINUTE', kind: int(1, 1_000_000, 60), help: 'oauth-proxy: requests per minute per client address to each of authorize, token, register, revoke (default 60)' },
  // Service registry and gateway (registry/, gateway/; docs/deployment.md "Several servers behind one gateway").
  { env: 'MCP_REGISTRY', flag: '--registry', arg: 'URL', kind: text(), help: 'register this replica (HTTP only) in a service registry: etcd://host:2379 or k8s://<namespace>/<app>?groups=a,b (default: none)' },
  { env: 'MCP_REGISTRY_TTL_S', kind: int(2, 3600, 10), help: 'lease of the registration in seconds: a replica that dies without deregistering disappears after this long (default 10)' },
  { env: 'MCP_ADVERTISE_URL', kind: text(), help: 'MCP endpoint URL written into the registry (default: the listening URL; set it when binding 0.0.0.0, e.g. http://$(hostname -i):3000/mcp)' },
  { env: 'MCP_GATEWAY_SERVICE', kind: text(), help: 'gateway only (gateway/main.js): serve the groups of this server name (default: every registered service)' },
  { env: 'MCP_GATEWAY_AUTH', kind: text(), help: 'gateway only: caller authentication at the gateway, an auth.mode (none, jwt, apiKey, oauth; default none)' },
  { env: 'MCP_GATEWAY_NAMES', kind: choice(['refuse', 'prefix'], 'refuse'), help: 'gateway only: a tool, prompt or resource name served by two services stops the start (refuse, default) or every name is served as <service>__<name> (prefix)' },
  { env: 'MCP_GATEWAY_MIN_GROUPS', kind: int(0, 1000), help: 'gateway only: wait at start until this many groups are registered (default 1)' },
  { env: 'MCP_GATEWAY_IDENTITY_KEY', kind: text(), help: 'shared key (32+ characters) the gateway signs forwarded identities with; a server with it trusts the Mcp-Gateway-Identity header, one without refuses it', secret: true },
  { env: 'MCP_TLS_CERT', flag: '--tls-cert', arg: 'PATH', kind: text(), help: 'serve HTTPS with this PEM certificate chain (with --tls-key; TLS 1.2+, SIGHUP reloads)' },
  { env: 'MCP_TLS_KEY', flag: '--tls-key', arg: 'PATH', kind: text(), help: 'PEM private key of --tls-cert' },
  { env: 'MCP_TLS_CLIENT_CA', flag: '--tls-client-ca', arg: 'PATH', kind: text(), help: 'require client certificates signed by this PEM CA (mutual TLS)' },
];

/** `--flag` → environment variable, for the settings that have a flag. */
export const FLAGS: Readonly<Record<string, string>> = Object.fromEntries(SETTINGS.filter((s) => s.flag).map((s) => [s.flag!, s.env]));

/** One `--help` line per setting: flag and placeholder, variable, help. */
export function settingHelpLines(): string[] {
  return SETTINGS.map((s) => {
    const flag = s.flag ? `${s.flag} ${s.arg ?? 'VALUE'}` : '';
    return `  ${flag.padEnd(24)} ${s.env.padEnd(20)} ${s.help}`;
  });
}

export type SettingValue = number | string | boolean | string[] | undefined;

/**
 * The settings' values, parsed by kind: the raw text (flag over env; an empty string counts as
 * unset) or the table's default. Bad values add one problem each, in table order, and read as the
 * default so that every problem is reported at once.
 */
export interface SettingValues {
  integer(env: string): number | undefined;
  text(env: string): string | undefined;
  toggle(env: string): boolean | undefined;
  list(env: string): string[];
  /** Whether the setting was given (a non-empty flag or variable). */
  given(env: string): boolean;
}

const TOGGLE_ON = ['on', 'true', '1'];
const TOGGLE_OFF = ['off', 'false', '0'];

export function readSettings(raw: Readonly<Record<string, string | undefined>>, problems: string[]): SettingValues {
  const parsed = new Map<string, SettingValue>();
  const given = new Set<string>();
  for (const setting of SETTINGS) {
    const value = raw[setting.env];
    const { kind } = setting;
    if (value === undefined || value.trim() === '') {
      parsed.set(setting.env, kind.type === 'list' ? [] : kind.default);
      continue;
    }
    given.add(setting.env);
    const shown = setting.secret ? setting.env : `${setting.env}=${value}`;
    const fail = (what: string) => {
      problems.push(`${shown}: ${what}`);
      parsed.set(setting.env, kind.type === 'list' ? [] : kind.default);
    };
    switch (kind.type) {
      case 'integer': {
        const n = Number(value);
        if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < kind.min || n > kind.max) fail(`must be an integer from ${kind.min} to ${kind.max}`);
        else parsed.set(setting.env, n);
        break;
      }
      case 'choice':
        if (!kind.values.includes(value)) fail(`must be ${alternatives(kind.values)}`);
        else parsed.set(setting.env, value);
        break;
      case 'toggle': {
        const v = value.trim().toLowerCase();
        if (TOGGLE_ON.includes(v)) parsed.set(setting.env, true);
        else if (TOGGLE_OFF.includes(v)) parsed.set(setting.env, false);
        else fail('must be on or off');
        break;
      }
      case 'list':
        parsed.set(
          setting.env,
          value
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s !== ''),
        );
        break;
      case 'text':
        parsed.set(setting.env, value);
        break;
    }
  }
  const read = (env: string): SettingValue => {
    if (!parsed.has(env)) throw new Error(`${env} is not in the settings table (runtime/src/config/settings.ts)`);
    return parsed.get(env);
  };
  return {
    integer: (env) => read(env) as number | undefined,
    text: (env) => read(env) as string | undefined,
    toggle: (env) => read(env) as boolean | undefined,
    list: (env) => read(env) as string[],
    given: (env) => given.has(env),
  };
}

/** `a, b or c` (one of … for longer lists). */
function alternatives(values: readonly string[]): string {
  if (values.length > 3) return `one of ${values.join(', ')}`;
  return values.length === 1 ? values[0]! : `${values.slice(0, -1).join(', ')} or ${values.at(-1)}`;
}
