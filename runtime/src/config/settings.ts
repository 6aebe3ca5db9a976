/**
 * Every setting of a generated server, declared once: its flag (if it has one), environment
 * variable, kind, default and help text, and whether it is a secret. From this table come the
 * argv parser (`node:util` parseArgs), `--help`, and the check that the generated `.env.example`
 * names each setting users may need (test/unit/env/env-example.test.ts). `loadConfig` reads and
 * validates the values into the typed `RuntimeConfig`, which is passed down from start; no module
 * reads `process.env` for these after that.
 */

export interface Setting {
  /** Environment variable (the canonical name). */
  env: string;
  /** `--flag` for the command line, if the setting has one. */
  flag?: string;
  /** Placeholder of the flag's value in `--help`. */
  arg?: string;
  help: string;
  /** A secret: validated, never printed (problems name the variable only). */
  secret?: true;
  /** Listed in the generated `.env.example` (commented out). */
  envExample?: true;
}

export const SETTINGS: readonly Setting[] = [
  { env: 'MCP_TRANSPORT', flag: '--transport', arg: 'stdio|http|websocket', help: 'transport to serve (default stdio); websocket = HTTP listener with /mcp and /ws' },
  { env: 'MCP_WEBSOCKET', help: 'on: also serve MCP over WebSocket at /ws with --transport http (non-standard)' },
  { env: 'MCP_PORT', flag: '--port', arg: 'N', help: 'HTTP port (default 3000, 0 = any free port)' },
  { env: 'MCP_HOST', flag: '--host', arg: 'H', help: 'HTTP bind address (default 127.0.0.1)' },
  { env: 'MCP_SOCKET', flag: '--socket', arg: 'PATH', help: 'serve HTTP on a unix socket instead of TCP' },
  { env: 'DATABASE_URL', flag: '--database-url', arg: 'URL', help: 'sqlite:<path>, sqlite::memory: or postgres://... (default sqlite:<project>/data/<name>.db)', secret: true },
  { env: 'DATABASE_POOL_SIZE', help: 'PostgreSQL connections per process (default 10)' },
  { env: 'REDIS_URL', flag: '--redis-url', arg: 'URL', help: 'redis://host:6379 for shared cache and rate limits (default: in-process)', secret: true },
  { env: 'REDIS_KEY_PREFIX', help: 'prefix of every Redis key (default mcpforge:<name>:)' },
  { env: 'MCP_MIGRATE', flag: '--migrate', arg: 'auto|only|skip', help: 'apply migrations at start (auto), apply and exit (only), or not (skip)' },
  { env: 'LOG_LEVEL', flag: '--log-level', arg: 'LEVEL', help: 'fatal|error|warn|info|debug|trace|silent (default info)' },
  { env: 'MCP_GROUP', flag: '--group', arg: 'NAME', help: "serve only this tool group's tools (groups: in the spec; default: every tool)" },
  { env: 'MCP_ALLOWED_HOSTS', help: 'extra Host names to accept, comma-separated' },
  { env: 'MCP_ALLOWED_ORIGINS', help: 'extra Origin host names to accept, comma-separated' },
  { env: 'MCP_MAX_BODY_BYTES', help: 'largest request body (default 1048576)' },
  { env: 'MCP_SHUTDOWN_TIMEOUT_MS', help: 'wait for in-flight calls at shutdown (default 10000)' },
  { env: 'MCP_HEADERS_TIMEOUT_MS', help: 'drop a client whose request headers take longer (default 20000)', envExample: true },
  { env: 'MCP_REQUEST_TIMEOUT_MS', help: 'drop a client whose whole request takes longer to arrive (default 60000)', envExample: true },
  { env: 'MCP_RATE_LIMIT_PER_MINUTE', help: 'calls per minute per caller across all tools (default 0 = off; spec: limits.perCallerPerMinute)', envExample: true },
  { env: 'MCP_TOOL_TIMEOUT_MS', help: "cancel a tool call after this long (default 60000; a tool's timeoutMs in the spec wins)", envExample: true },
  { env: 'MCP_MAX_JSON_DEPTH', help: 'deepest nesting accepted in tool arguments (default 64)', envExample: true },
  { env: 'MCP_MAX_STRING_LENGTH', help: 'longest string or key accepted in tool arguments (default 100000)', envExample: true },
  { env: 'MCP_AUDIT_TABLE', help: 'on|off: audit rows in the mcpforge_audit table (default on with PostgreSQL, off with SQLite)', envExample: true },
  { env: 'MCP_AUDIT_LOG', help: 'on|off: one audit line per call on stderr (default on)', envExample: true },
  { env: 'MCP_FAST_PATH', help: 'on|off: answer plain HTTP tools/call without the SDK pipeline (default on)' },
  { env: 'MCP_HTTP_SESSIONS', flag: '--http-sessions', arg: 'MODE', help: 'stateless (default) or stateful: Mcp-Session-Id sessions for 2025 clients (sampling, elicitation, GET stream; needs sticky routing across replicas)', envExample: true },
  { env: 'MCP_SESSION_IDLE_TIMEOUT_MS', help: 'close idle sessions after this long (default 1800000)' },
  { env: 'MCP_MAX_SESSIONS', help: 'open sessions at most (default 10000); past it 503 + Retry-After' },
  { env: 'MCP_MAX_SESSIONS_PER_CALLER', help: 'open sessions per caller at most (default 100)' },
  { env: 'MCP_REQUEST_STATE_SECRET', help: 'key signing the requestState of ctx.elicit/ctx.sample rounds (same on every replica; default: random per process)', secret: true, envExample: true },
  { env: 'MCP_METRICS_PORT', flag: '--metrics-port', arg: 'N', help: 'serve /metrics, /readyz (with details) and /healthz on their own listener (default: none)' },
  { env: 'MCP_METRICS_HOST', help: 'bind address of that listener (default 127.0.0.1)' },
  { env: 'MCP_METRICS_TOKEN', help: 'secret: /metrics and /readyz details need Authorization: Bearer <token> (required for /metrics on the MCP port with an auth mode)', secret: true },
  { env: 'MCP_TLS_CERT', flag: '--tls-cert', arg: 'PATH', help: 'serve HTTPS with this PEM certificate chain (with --tls-key; TLS 1.2+, SIGHUP reloads)' },
  { env: 'MCP_TLS_KEY', flag: '--tls-key', arg: 'PATH', help: 'PEM private key of --tls-cert' },
  { env: 'MCP_TLS_CLIENT_CA', flag: '--tls-client-ca', arg: 'PATH', help: 'require client certificates signed by this PEM CA (mutual TLS)' },
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
