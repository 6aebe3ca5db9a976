import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, helpText, loadConfig, SETTINGS } from './index.js';

const base = { name: 'notes', projectRoot: new URL('file:///srv/notes/') };
const load = (argv: string[] = [], env: Record<string, string> = {}) => {
  const result = loadConfig({ ...base, argv, env });
  if (result.help) throw new Error('unexpected help');
  return result.config;
};
const problems = (argv: string[], env: Record<string, string> = {}) => {
  try {
    loadConfig({ ...base, argv, env });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
};

describe('config', () => {
  it('has the documented defaults', () => {
    expect(load()).toEqual({
      transport: 'stdio',
      port: 3000,
      host: '127.0.0.1',
      databaseUrl: 'sqlite:/srv/notes/data/notes.db',
      databasePoolSize: 10,
      redisKeyPrefix: 'mcpforge:notes:',
      migrate: 'auto',
      logLevel: 'info',
      allowedHosts: [],
      allowedOrigins: [],
      maxBodyBytes: 1048576,
      shutdownTimeoutMs: 10000,
      tasks: { ttlMs: 3_600_000, leaseMs: 15_000, pollIntervalMs: 1000 },
      headersTimeoutMs: 20000,
      requestTimeoutMs: 60000,
      resultTtlMs: 3600000,
      metricsHost: '127.0.0.1',
      limits: {},
      auditLog: true,
      fastPath: true,
      // Tracing and error reporting off (telemetry module).
      telemetry: { serviceName: 'notes' },
      // Auth mode none: nothing required, only defaults (auth/config.ts).
      auth: { jwtAudience: [], clockSkewSeconds: 30, authorizationServers: [] },
    });
  });

  it('telemetry: OTEL_EXPORTER_OTLP_ENDPOINT turns tracing on; bad URLs and DSNs fail at start, the DSN never printed', () => {
    expect(load([], { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SERVICE_NAME: 'svc' }).telemetry).toEqual({ otlpEndpoint: 'http://collector:4318', serviceName: 'svc' });
    const dsn = 'https://abc123@sentry.internal/42';
    expect(load([], { SENTRY_DSN: dsn }).telemetry).toEqual({ serviceName: 'notes', sentryDsn: dsn });
    const bad = problems([], { OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318', SENTRY_DSN: 'not a dsn secretvalue' });
    expect(bad).toEqual([expect.stringContaining('OTEL_EXPORTER_OTLP_ENDPOINT=collector:4318: must be an http:// or https:// URL'), 'SENTRY_DSN: must be a DSN like https://<key>@<host>/<project id>']);
    expect(bad.join('\n')).not.toContain('secretvalue');
  });

  it('auth variables: checked for the spec\'s mode, secrets named but never printed', () => {
    const secret = 'tiny-secret';
    const http = ['--transport', 'http'];
    expect(() => loadConfig({ ...base, argv: http, env: { MCP_JWT_SECRET: secret }, authMode: 'jwt' })).toThrow(ConfigError);
    try {
      loadConfig({ ...base, argv: http, env: { MCP_JWT_SECRET: secret }, authMode: 'jwt' });
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain('MCP_JWT_SECRET is too short (11 bytes)');
      expect(message).toContain('auth mode jwt needs MCP_JWT_AUDIENCE');
      expect(message).not.toContain(secret);
    }
    const ok = loadConfig({ ...base, argv: [], env: { MCP_JWT_SECRET: 'x'.repeat(32), MCP_JWT_AUDIENCE: 'a,b' }, authMode: 'jwt' });
    expect(ok.help === false && ok.config.auth.jwtAudience).toEqual(['a', 'b']);
  });

  it('auth variables over stdio: none required (the caller is the local user), but a bad value set is still an error', () => {
    const required = (argv: string[], authMode: string) => {
      try {
        loadConfig({ ...base, argv, env: {}, authMode });
        return [];
      } catch (error) {
        return (error as ConfigError).problems;
      }
    };
    for (const mode of ['jwt', 'oauth', 'oauth-proxy']) {
      expect(required(['--transport', 'stdio'], mode), mode).toEqual([]);
      expect(required(['--transport', 'http'], mode).join('\n'), mode).toMatch(new RegExp(`auth mode ${mode} needs`));
    }
    const stdio = loadConfig({ ...base, argv: [], env: {}, authMode: 'oauth-proxy' });
    expect(stdio.help === false && stdio.config.oauthProxy).toBeUndefined();
    try {
      loadConfig({ ...base, argv: [], env: { MCP_JWT_SECRET: 'tiny-secret', MCP_JWKS_URL: 'http://idp.example.com/jwks' }, authMode: 'jwt' });
      expect.unreachable('a bad value over stdio must still fail');
    } catch (error) {
      expect((error as ConfigError).problems).toEqual([
        expect.stringContaining('MCP_JWT_SECRET is too short'),
        expect.stringContaining('MCP_JWKS_URL must be an https:// URL'),
        'set only one of MCP_JWKS_URL, MCP_JWT_PUBLIC_KEY and MCP_JWT_SECRET',
      ]);
    }
  });

  it('serves only the transports the spec offers, defaulting to the first', () => {
    const httpOnly = loadConfig({ ...base, argv: [], env: {}, offered: ['http'] });
    expect(httpOnly.help === false && httpOnly.config.transport).toBe('http');
    expect(() => loadConfig({ ...base, argv: ['--transport', 'stdio'], env: {}, offered: ['http'] })).toThrow(
      /MCP_TRANSPORT=stdio: this server's spec offers only http; add stdio to `transports` in mcpforge\.yaml/,
    );
  });

  it('reads env and lets flags win, in both --flag value and --flag=value forms', () => {
    const config = load(['--transport', 'http', '--port=8080', '--socket', '/tmp/x.sock'], {
      MCP_TRANSPORT: 'stdio',
      MCP_PORT: '1',
      MCP_HOST: '0.0.0.0',
      DATABASE_URL: 'sqlite::memory:',
      LOG_LEVEL: 'debug',
      MCP_ALLOWED_HOSTS: 'api.example.com, mcp.internal',
      MCP_ALLOWED_ORIGINS: 'app.example.com',
      MCP_MAX_BODY_BYTES: '2048',
    });
    expect(config).toMatchObject({
      transport: 'http',
      port: 8080,
      host: '0.0.0.0',
      socket: '/tmp/x.sock',
      databaseUrl: 'sqlite::memory:',
      logLevel: 'debug',
      allowedHosts: ['api.example.com', 'mcp.internal'],
      allowedOrigins: ['app.example.com'],
      maxBodyBytes: 2048,
    });
  });

  it('reports every bad value with what is accepted', () => {
    expect(problems([], { MCP_PORT: 'abc' })).toEqual(['MCP_PORT=abc: must be an integer from 0 to 65535']);
    expect(problems(['--port', '70000'])).toEqual(['MCP_PORT=70000: must be an integer from 0 to 65535']);
    const all = problems(['--transport', 'ws', '--bogus'], { LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://u:secret@h/db', MCP_MAX_BODY_BYTES: '-1' });
    expect(all).toEqual([
      'unknown argument "--bogus"',
      'MCP_TRANSPORT=ws: must be stdio, http or websocket',
      'LOG_LEVEL=loud: must be one of fatal, error, warn, info, debug, trace, silent',
      'MCP_MAX_BODY_BYTES=-1: must be an integer from 1 to 2147483647',
      'DATABASE_URL=mysql://u:***@h/db: must start with "sqlite:" or "postgres://" (for example sqlite:./data/app.db, sqlite::memory: or postgres://user:password@host:5432/app)',
    ]);
    expect(problems(['--port'])).toEqual(['--port needs a value']);
  });

  it('accepts PostgreSQL and Redis URLs and checks them', () => {
    const config = load(['--redis-url', 'redis://127.0.0.1:6379', '--migrate', 'only'], {
      DATABASE_URL: 'postgres://app:secret@db:5432/app',
      DATABASE_POOL_SIZE: '25',
      REDIS_KEY_PREFIX: 'x:',
    });
    expect(config).toMatchObject({
      databaseUrl: 'postgres://app:secret@db:5432/app',
      databasePoolSize: 25,
      redisUrl: 'redis://127.0.0.1:6379',
      redisKeyPrefix: 'x:',
      migrate: 'only',
    });
    expect(problems([], { DATABASE_URL: 'postgres://app:secret@db', REDIS_URL: 'http://cache', DATABASE_POOL_SIZE: '0', MCP_MIGRATE: 'later' })).toEqual([
      'DATABASE_POOL_SIZE=0: must be an integer from 1 to 1000',
      'MCP_MIGRATE=later: must be auto, only or skip',
      'DATABASE_URL=postgres://app:***@db: give a database name after the host (postgres://user:password@host:5432/database)',
      'REDIS_URL=http://cache: must start with redis:// or rediss:// (for example redis://127.0.0.1:6379)',
    ]);
  });

  it('the error message lists the problems and points to --help', () => {
    try {
      loadConfig({ ...base, env: { MCP_PORT: 'abc' } });
    } catch (error) {
      expect((error as Error).message).toBe('Invalid configuration:\n  - MCP_PORT=abc: must be an integer from 0 to 65535\nRun with --help to see every option.');
      return;
    }
    throw new Error('expected a throw');
  });

  it('--help returns the usage text', () => {
    const result = loadConfig({ ...base, argv: ['--port', 'bad', '--help'] });
    expect(result.help).toBe(true);
    if (result.help) expect(result.text).toContain('--transport stdio|http');
  });
  it('MCP_GROUP / --group selects one of the spec\'s tool groups; an unknown one is a config error', () => {
    const groups = { ...base, groups: ['reading', 'writing'] };
    const pick = (argv: string[], env: Record<string, string>) => {
      const result = loadConfig({ ...groups, argv, env });
      if (result.help) throw new Error('unexpected help');
      return result.config.group;
    };
    expect(pick([], {})).toBeUndefined();
    expect(pick([], { MCP_GROUP: 'reading' })).toBe('reading');
    expect(pick(['--group', 'writing'], { MCP_GROUP: 'reading' })).toBe('writing');
    expect(() => loadConfig({ ...groups, argv: [], env: { MCP_GROUP: 'admin' } })).toThrow(/MCP_GROUP=admin: unknown tool group; this server's groups are reading, writing/);
    expect(problems(['--group', 'reading'])).toEqual([expect.stringMatching(/^MCP_GROUP=reading: this server's spec defines no tool groups/)]);
  });

  it('the metrics listener and credential: --metrics-port / MCP_METRICS_PORT, MCP_METRICS_HOST, MCP_METRICS_TOKEN (never printed)', () => {
    const load = (argv: string[], env: Record<string, string>) => {
      const result = loadConfig({ ...base, argv, env });
      if (result.help) throw new Error('unexpected help');
      return result.config;
    };
    const token = 'a-metrics-token-of-24-chars';
    expect(load(['--transport', 'http', '--metrics-port', '9464'], { MCP_METRICS_TOKEN: token })).toMatchObject({ metricsPort: 9464, metricsHost: '127.0.0.1', metricsToken: token });
    expect(load(['--transport', 'http'], { MCP_METRICS_PORT: '9464', MCP_METRICS_HOST: '0.0.0.0' })).toMatchObject({ metricsPort: 9464, metricsHost: '0.0.0.0' });
    expect(load([], {}).metricsPort).toBeUndefined();
    expect(problems(['--transport', 'http'], { MCP_METRICS_PORT: 'x' })).toEqual(['MCP_METRICS_PORT=x: must be an integer from 0 to 65535']);
    expect(problems(['--transport', 'http', '--port', '9000'], { MCP_METRICS_PORT: '9000' })).toEqual([expect.stringContaining('MCP_METRICS_PORT=9000: the MCP listener already uses this port')]);
    expect(problems([], { MCP_METRICS_PORT: '9464' })).toEqual([expect.stringContaining('the transport is stdio')]);
    const short = problems([], { MCP_METRICS_TOKEN: 'short-secret' });
    expect(short).toEqual([expect.stringContaining('MCP_METRICS_TOKEN is too short')]);
    expect(short.join('\n')).not.toContain('short-secret');
  });
});

describe('limits, audit and fast-path switches are typed settings like the rest', () => {
  const load = (env: Record<string, string>) => {
    const result = loadConfig({ ...base, env });
    if (result.help) throw new Error('unexpected help');
    return result.config;
  };
  it('passes only what the operator set, and parses toggles', () => {
    expect(load({})).toMatchObject({ limits: {}, auditLog: true, fastPath: true });
    expect(load({}).auditTable).toBeUndefined();
    expect(load({ MCP_MAX_JSON_DEPTH: '4', MCP_RATE_LIMIT_PER_MINUTE: '0', MCP_AUDIT_TABLE: 'ON', MCP_AUDIT_LOG: 'false', MCP_FAST_PATH: ' 0' })).toMatchObject({
      limits: { maxJsonDepth: 4, perCallerPerMinute: 0 },
      auditTable: true,
      auditLog: false,
      fastPath: false,
    });
  });
  it('refuses bad values at start, all at once, naming each variable', () => {
    expect(problems([], { MCP_MAX_STRING_LENGTH: 'lots', MCP_TOOL_TIMEOUT_MS: '0', MCP_AUDIT_TABLE: 'maybe', MCP_FAST_PATH: 'sometimes' })).toEqual([
      'MCP_TOOL_TIMEOUT_MS=0: must be an integer from 1 to 86400000',
      'MCP_MAX_STRING_LENGTH=lots: must be an integer from 1 to 2147483647',
      'MCP_AUDIT_TABLE=maybe: must be on or off',
      'MCP_FAST_PATH=sometimes: must be on or off',
    ]);
  });
  it("every setting's default fits its own kind", () => {
    for (const setting of SETTINGS) {
      const { kind } = setting;
      if (kind.type === 'integer' && kind.default !== undefined) expect(kind.default >= kind.min && kind.default <= kind.max, setting.env).toBe(true);
      if (kind.type === 'choice' && kind.default !== undefined) expect(kind.values, setting.env).toContain(kind.default);
    }
  });
});

describe('--help names every environment variable the runtime reads', () => {
  it('each MCP_* name used in runtime/src (outside tests) appears in the help text', () => {
    const root = fileURLToPath(new URL('..', import.meta.url));
    const names = new Set<string>();
    for (const file of readdirSync(root, { recursive: true, encoding: 'utf8' })) {
      if (!file.endsWith('.ts') || file.endsWith('.test.ts') || file.includes('__fixtures__')) continue;
      // Quoted, dotted (env.X) or templated (`X=...`) names; the MCP_PATH constant and prefixes like MCP_JWT_ are not variables.
      for (const match of readFileSync(join(root, file), 'utf8').matchAll(/['"`.](MCP_[A-Z0-9]+(?:_[A-Z0-9]+)*)\b(?!_)/g)) names.add(match[1]!);
    }
    for (const name of ['MCP_RATE_LIMIT_PER_MINUTE', 'MCP_TOOL_TIMEOUT_MS', 'MCP_MAX_JSON_DEPTH', 'MCP_MAX_STRING_LENGTH', 'MCP_AUDIT_TABLE', 'MCP_AUDIT_LOG', 'MCP_HTTP_SESSIONS', 'MCP_JWT_SECRET']) expect(names).toContain(name);
    const help = helpText('notes');
    expect([...names].filter((name) => !help.includes(name)).sort()).toEqual([]);
  });
});
