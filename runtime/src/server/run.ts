/**
 * `runServer`: the whole entry point of a generated project's `src/server.ts`.
 *
 * Reads config (flags + env), opens storage and applies migrations, builds the server factory and
 * serves stdio or HTTP until a signal (or, on stdio, the end of stdin), then shuts down in order:
 * stop accepting, let in-flight calls finish (bounded), close the database, flush logs, exit 0.
 */
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig, redactUrl, type RuntimeConfig } from '../config/index.js';
import { abandonLogger, closeLogger, createLogger, createMetrics, registerDatabaseHealth } from '../observability/index.js';
import { createMemoryCache, createRedisCache } from '../cache/index.js';
import { createCallGuard, type CallGuard } from '../idempotency/index.js';
import { openRegistry, replicaId, type Registry, type ServiceRecord } from '../registry/index.js';
import { hostname, networkInterfaces } from 'node:os';
import { createMemoryRateLimiter, createRedisRateLimiter, type RateLimiter } from '../rate-limit/index.js';
import { connectRedis, type RedisHandle } from '../redis/index.js';
import { createDatabase, type Storage } from '../storage/index.js';
// Types only: each transport module loads when it is served (the HTTP one pulls in the WebSocket
// server and more; a stdio server's cold start should not pay for it).
import type { HttpServerHandle, StdioHandle } from '../transports/index.js';
import type { MetricsListenerHandle } from '../transports/ops.js';
import { mtlsAuthenticatorFor, tlsFilesOf, watchTls, type TlsReloader } from '../tls/index.js';
import { customAuthenticatorFor } from '../custom-auth/index.js';
import type { Cache, Manifest, ServerModules } from './contract.js';
import { configSourcesOf } from './config-sources.js';
import { createServerFactory, type ServerFactory } from './factory.js';
import { warmInstancesFor } from './pool.js';
import { selectTools, withTools } from './toolsets.js';
import { checkScopeWindows } from './authz.js';
import { auditTableEnabled, ensureAuditTable } from '../audit/index.js';
import type { Authenticator } from '../auth/types.js';
import type { HttpAuthGate } from '../auth/http.js';
import { startErrorReporters, startTracing, type Tracing } from '../telemetry/index.js';
import type { OAuthProxy } from '../oauth-proxy/index.js';

/** The protocol versions a replica announces (the SDK path's current one and the fast path's). */
const REGISTERED_PROTOCOL_VERSIONS = ['2025-11-25', '2026-07-28'] as const;
/** How long a shutdown waits for log lines still being written to stderr. */
const LOG_FLUSH_TIMEOUT_MS = 1000;
/** Past the drain deadline: time to close the transport, database and Redis and flush logs. */
const CLOSE_GRACE_MS = 5000;

export interface RunServerOptions {
  manifest: Manifest;
  modules: ServerModules;
  /** The project folder (holds `migrations/` and the default `data/`): `new URL('..', import.meta.url)`. */
  projectRoot: URL | string;
  /** Defaults to `process.argv.slice(2)`. */
  argv?: readonly string[];
  /** Defaults to `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Install SIGTERM/SIGINT handlers and exit the process after shutdown (default true). */
  manageProcess?: boolean;
  /** Decides who calls over HTTP instead of the spec's `auth.mode` (e.g. `auth.mode: custom`); see the `auth` module. */
  authenticator?: Authenticator;
  /**
   * Streams stdio serves on instead of the process's stdin and stdout: `startServer` hands over
   * what it read before the runtime loaded this way (start/), and tests serve on their own streams.
   */
  stdio?: { stdin?: NodeJS.ReadableStream; stdout?: NodeJS.WritableStream };
  /** A custom service registry instead of the one `MCP_REGISTRY` names (see `registry`). */
  registry?: Registry;
  /**
   * The gateway's hook (gateway/): serve a tool surface that changes while running. Gets the
   * factory built from `manifest` and a function building another with the same dependencies;
   * returns the factory to serve (a live view). The HTTP fast path is off then (it binds one set of tools).
   */
  liveSurface?: LiveSurface;
}

export interface LiveSurface {
  /** Wraps the call guard (the gateway forwards idempotency keys instead of storing results itself). */
  guard?(inner: CallGuard): CallGuard;
  serve(first: ServerFactory, build: (manifest: Manifest, modules: ServerModules) => Promise<ServerFactory>): ServerFactory;
  close?(): Promise<void>;
}

export interface RunningServer {
  readonly config: RuntimeConfig;
  readonly factory: ServerFactory;
  readonly storage: Storage;
  readonly http?: HttpServerHandle;
  readonly stdio?: StdioHandle;
  /** Re-reads the TLS files and swaps the certificate (what SIGHUP does); present when serving HTTPS. */
  readonly reloadTls?: TlsReloader['reload'];
  /** Present when tracing is on (OTEL_EXPORTER_OTLP_ENDPOINT). */
  readonly tracing?: Tracing;
  /** Graceful shutdown; resolves once the database is closed. Safe to call twice. */
  shutdown(reason?: string): Promise<void>;
}

/**
 * @example
 * ```ts
 * // src/server.ts
 * import { runServer } from '@mcpforge/runtime';
 * import { manifest } from './generated/manifest.js';
 * import { modules } from './generated/handlers.js';
 * await runServer({ manifest, modules, projectRoot: new URL('..', import.meta.url) });
 * ```
 */
export async function runServer(options: RunServerOptions): Promise<RunningServer> {
  const manageProcess = options.manageProcess ?? true;
  const fail = (message: string): never => {
    process.stderr.write(`${message}\n`);
    if (manageProcess) process.exit(1);
    throw new Error(message);
  };

  // The environment is read here, at start, and handed down (config, policy, fast path switch).
  const env: Readonly<Record<string, string | undefined>> = { ...(options.env ?? process.env) };
  let config: RuntimeConfig;
  let selectedTools: Set<string> | undefined;
  try {
    const loaded = loadConfig(configSourcesOf(options.manifest, { argv: options.argv, env, projectRoot: options.projectRoot }));
    const windowProblems = checkScopeWindows(options.manifest.auth?.scopeWindows);
    if (windowProblems.length > 0) throw new ConfigError(windowProblems);
    if (!loaded.help) {
      const { group, toolsets, tools } = loaded.config;
      const selection = selectTools(options.manifest, { ...(group === undefined ? {} : { group }), ...(toolsets ? { toolsets } : {}), ...(tools ? { tools } : {}) });
      if (selection.problems.length > 0) throw new ConfigError(selection.problems);
      selectedTools = selection.names;
    }
    if (loaded.help) {
      process.stdout.write(`${loaded.text}\n`);
      if (manageProcess) process.exit(0);
      throw new Error('--help given');
    }
    config = loaded.config;
  } catch (error) {
    if (error instanceof ConfigError) return fail(error.message);
    throw error;
  }

  const logger = createLogger({ level: config.logLevel, name: options.manifest.name });
  let storage: Storage;
  let factory: ServerFactory;
  let redis: RedisHandle | undefined;
  let authGate: HttpAuthGate | undefined;
  let tracing: Tracing | undefined;
  let oauthProxy: OAuthProxy | undefined;
  try {
    // Off unless OTEL_EXPORTER_OTLP_ENDPOINT is set: then the OpenTelemetry SDK loads (telemetry/).
    tracing = await startTracing({
      ...(config.telemetry.otlpEndpoint === undefined ? {} : { endpoint: config.telemetry.otlpEndpoint }),
      serviceName: config.telemetry.serviceName,
      serviceVersion: options.manifest.version,
      logger,
    });
    storage = await createDatabase(config.databaseUrl, {
      poolSize: config.databasePoolSize,
      onPoolError: (error) => logger.warn({ err: error }, 'an idle database connection failed; the pool replaces it'),
      ...(tracing ? { onQueryError: tracing.queryFailed } : {}),
    });
    if (config.migrate !== 'skip') {
      // auth.mode oauth-proxy and apiKey: their tables are built-in migrations of the runtime
      // (oauth-proxy/store.ts, auth/api-keys.ts), applied with the project's.
      const mode = options.manifest.auth?.mode;
      const runtimeMigrations =
        mode === 'oauth-proxy' ? (await import('../oauth-proxy/store.js')).OAUTH_PROXY_MIGRATIONS : mode === 'apiKey' ? (await import('../auth/api-keys.js')).API_KEY_MIGRATIONS : undefined;
      const applied = await storage.migrate(new URL('migrations/', toDirUrl(options.projectRoot)), runtimeMigrations);
      // And the audit table: the migrate step runs as the owner role; serving replicas may not create it.
      if (auditTableEnabled(storage.dialect, config.auditTable)) await ensureAuditTable(storage.db as never, storage.dialect);
      if (applied.length > 0 || config.migrate === 'only') logger.info({ migrations: applied }, 'applied migrations');
    }
    if (config.migrate === 'only') {
      await storage.close();
      await closeLogger(logger);
      if (manageProcess) process.exit(0);
      throw new Error('MCP_MIGRATE=only: migrations applied, not serving');
    }
    const metrics = createMetrics({ processMetrics: config.transport === 'http' });
    registerDatabaseHealth(metrics.registry, () => storage.check());
    if (config.redisUrl) {
      redis = await connectRedis({ url: config.redisUrl, prefix: config.redisKeyPrefix, logger, registry: metrics.registry });
    }
    // MCP_GROUP, MCP_TOOLSETS, MCP_TOOLS (toolsets.ts): the tools this process serves.
    const served = selectedTools === undefined ? options : withTools(options.manifest, options.modules, selectedTools);
    const guard = createCallGuard({
      db: storage.db,
      dialect: storage.dialect,
      transaction: (fn) => storage.transaction(fn),
      limiter: tracedLimiter(tracing, redis ? createRedisRateLimiter(redis) : createMemoryRateLimiter(), redis ? 'redis' : 'memory'),
      registry: metrics.registry,
    });
    const errorReporters = await startErrorReporters({
      ...(config.telemetry.sentryDsn === undefined ? {} : { sentryDsn: config.telemetry.sentryDsn }),
      release: `${options.manifest.name}@${options.manifest.version}`,
    });
    // `kind: memory` resources: shared by the replicas through Redis, so a change made on one
    // reaches subscribers on all (loaded only when the manifest has such a resource).
    const memory =
      redis && Object.values(served.manifest.resources).some((r) => r.source?.kind === 'memory')
        ? await (await import('../resources/memory-store.js')).createRedisMemoryStore(redis, logger)
        : undefined;
    const build = (manifest: Manifest, modules: ServerModules) => createServerFactory({
      manifest,
      modules,
      // Each tool's handler and validator load on its first call: start-up stays flat in the
      // number of tools (cold start). A broken handler file shows on its first call.
      loading: 'lazy',
      ...(config.auth.list === undefined ? {} : { authList: config.auth.list }),
      ...(config.requestStateSecret === undefined ? {} : { requestStateSecret: config.requestStateSecret }),
      limitOverrides: config.limits,
      tasks: config.tasks,
      ...(config.clientProfile === undefined ? {} : { clientProfile: config.clientProfile }),
      ...(config.discovery === undefined ? {} : { discovery: config.discovery }),
      // Relative roots of `kind: files` resources are the project's folders, wherever it runs from.
      projectRoot: fileURLToPath(toDirUrl(options.projectRoot)),
      outputBudget: { ...(config.maxOutputTokens === undefined ? {} : { maxOutputTokens: config.maxOutputTokens }), resultTtlMs: config.resultTtlMs },
      audit: { ...(config.auditTable === undefined ? {} : { table: config.auditTable }), log: config.auditLog },
      deps: {
        // Traced: a span per query and cache operation made while a request span is active.
        db: tracing ? tracing.db(storage.db) : storage.db,
        logger,
        metrics,
        cache: tracedCache(tracing, redis ? createRedisCache(redis) : createMemoryCache(), redis ? 'redis' : 'memory'),
        ...(tracing ? { tracing } : {}),
        ...(memory ? { memory } : {}),
        // SENTRY_DSN: unhandled handler errors also go to Sentry (loaded only then).
        errorReporters,
        guard: options.liveSurface?.guard ? options.liveSurface.guard(guard) : guard,
      },
    });
    factory = await build(served.manifest, served.modules);
    if (options.liveSurface) factory = options.liveSurface.serve(factory, build);
    // The authenticator is built only for HTTP (stdio callers are the local user); loaded lazily so
    // a server without auth never imports jose.
    // auth.mode mtls: the verified client certificate is the credential (tls module).
    // auth.mode custom: the project's src/auth.ts hook (custom-auth module).
    const authenticator =
      options.authenticator ?? (config.transport === 'http' ? await customAuthenticatorFor(options.manifest, options.modules) : undefined) ?? mtlsAuthenticatorFor(options.manifest, config);
    if (config.transport === 'http' && options.manifest.auth?.mode === 'oauth-proxy' && !authenticator) {
      // The authorization-server facade (oauth-proxy module): its endpoints join the HTTP edge's routes.
      const { createOAuthProxy } = await import('../oauth-proxy/index.js');
      const { manifestScopes } = await import('./authz.js');
      oauthProxy = await createOAuthProxy({
        config: config.oauthProxy!,
        db: storage.db as never,
        dialect: storage.dialect,
        scopes: manifestScopes(options.manifest),
        serverName: options.manifest.name,
        logger,
        registry: metrics.registry,
        ...(redis ? { limiter: createRedisRateLimiter(redis) } : {}),
        auditTable: auditTableEnabled(storage.dialect, config.auditTable),
        auditLog: config.auditLog,
      });
      authGate = oauthProxy.gate;
    } else if (config.transport === 'http' && ((options.manifest.auth?.mode ?? 'none') !== 'none' || authenticator)) {
      const { buildHttpAuth } = await import('../auth/build.js');
      authGate = await buildHttpAuth({
        manifest: options.manifest,
        config: config.auth,
        db: storage.db as never,
        ...(storage.dataVersion ? { dataVersion: storage.dataVersion } : {}),
        ...(authenticator ? { authenticator } : {}),
      });
    }
    // Behind a gateway (registered, or given its key): the Mcp-Gateway-Identity header is checked on
    // every request — verified with the key, refused without one — before the server's own auth mode.
    if (config.transport === 'http' && (config.gatewayIdentityKey !== undefined || config.registry !== undefined || options.registry !== undefined)) {
      const { gatewayIdentityAuthenticator } = await import('../gateway/identity.js');
      const authenticate = gatewayIdentityAuthenticator({ key: config.gatewayIdentityKey, service: options.manifest.name, ...(authGate ? { inner: authGate.authenticate } : {}) });
      authGate = { ...authGate, authenticate };
    }
  } catch (error) {
    if ((error as Error).message.startsWith('MCP_MIGRATE=only')) throw error;
    await redis?.close().catch(() => {});
    await tracing?.shutdown();
    await closeLogger(logger);
    return fail(`${options.manifest.name} failed to start: ${(error as Error).message}`);
  }

  let http: HttpServerHandle | undefined;
  let metricsListener: MetricsListenerHandle | undefined;
  let stdio: StdioHandle | undefined;
  let tlsReloader: TlsReloader | undefined;
  let stopping: Promise<void> | undefined;
  let registry: Registry | undefined;
  let detachCancellations: (() => Promise<void>) | undefined;
  const shutdown = (reason = 'shutdown requested'): Promise<void> => {
    stopping ??= (async () => {
      logger.info({ reason }, 'shutting down');
      // Out of the registry first: the gateway stops routing here while in-flight calls drain.
      if (registry) {
        await registry.deregister().catch((error: Error) => logger.warn({ err: error }, 'could not deregister from the service registry'));
        await registry.close().catch(() => {});
      }
      await options.liveSurface?.close?.().catch(() => {});
      if (http) {
        const { drained } = await http.close(config.shutdownTimeoutMs);
        if (!drained) logger.warn({ timeoutMs: config.shutdownTimeoutMs }, 'in-flight requests did not finish in time; aborting them');
      }
      await metricsListener?.close();
      if (stdio) {
        const { drained } = await stdio.drain(config.shutdownTimeoutMs);
        if (!drained) logger.warn({ timeoutMs: config.shutdownTimeoutMs }, 'requests read before stdin ended did not finish in time; aborting them');
      }
      factory.abortAll(reason);
      await factory.close().catch(() => {});
      if (stdio) await stdio.close().catch(() => {});
      await detachCancellations?.().catch(() => {});
      await factory.errors.flush();
      await oauthProxy?.close().catch(() => {});
      await storage.close();
      await redis?.close().catch(() => {});
      // The last spans, then the logs.
      await tracing?.shutdown();
      // Bounded, and exiting can no longer block on a stderr pipe the client stopped reading.
      await closeLogger(logger, LOG_FLUSH_TIMEOUT_MS);
    })();
    return stopping;
  };
  // Whatever the pipes or the database do, the process ends: past the drain deadline plus the time
  // to close the rest, it exits 1 (the timer is unref'd: it never keeps a finished process alive).
  const exitBy = (deadlineMs: number) => {
    setTimeout(() => {
      abandonLogger(logger);
      process.exit(1);
    }, deadlineMs).unref();
  };

  try {
    if (config.transport === 'http') {
      // Replicas: a 2025 client's cancel may land on another replica than its call (cancel/).
      if (redis) detachCancellations = await factory.cancellations.attachRedis(redis.client, `${redis.prefix}cancel`, logger);
      const { startHttpServer } = await import('../transports/http.js');
      // Readiness: the database must answer; Redis down is reported but does not make the replica
      // unready (it serves without Redis).
      const readiness = async () => {
        const redisState = redis ? { redis: redis.state() } : {};
        try {
          await storage.check();
        } catch (error) {
          throw Object.assign(new Error(`database check failed: ${(error as Error).message}`, { cause: error }), {
            details: { database: 'down', ...redisState },
          });
        }
        return { database: 'up', ...redisState };
      };
      http = await startHttpServer(factory, {
        // MCP_FAST_PATH=off: every request through the SDK (read here, once, with the rest of the environment).
        ...(config.fastPath && !options.liveSurface ? {} : { fastPath: false as const }),
        host: config.host,
        port: config.port,
        ...(config.socket === undefined ? {} : { socket: config.socket }),
        allowedHosts: config.allowedHosts,
        allowedOrigins: config.allowedOrigins,
        maxBodyBytes: config.maxBodyBytes,
        headersTimeoutMs: config.headersTimeoutMs,
        requestTimeoutMs: config.requestTimeoutMs,
        ...(config.websocket ? { websocket: true } : {}),
        ...(config.httpSessions === 'stateful' ? { sessions: 'stateful' as const } : {}),
        ...(config.sessionIdleTimeoutMs === undefined ? {} : { sessionIdleTimeoutMs: config.sessionIdleTimeoutMs }),
        ...(config.maxSessions === undefined ? {} : { maxSessions: config.maxSessions }),
        ...(config.maxSessionsPerCaller === undefined ? {} : { maxSessionsPerCaller: config.maxSessionsPerCaller }),
        readiness,
        metrics: factory.metrics,
        ...(config.metricsToken === undefined ? {} : { metricsToken: config.metricsToken }),
        ...(config.metricsPort === undefined ? {} : { metricsListener: true }),
        logger,
        ...(authGate ? { authenticate: authGate.authenticate, ...(authGate.protectedResource ? { protectedResource: authGate.protectedResource } : {}), ...(authGate.endpoints ? { authEndpoints: authGate.endpoints } : {}) } : {}),
        ...tlsFilesOf(config),
      });
      // SIGHUP reloads the certificate: new connections get it, in-flight calls are untouched.
      tlsReloader = watchTls(http, config, logger, manageProcess);
      // Build an instance or two now so the first requests do not pay for tool registration.
      factory.warm(warmInstancesFor(Object.keys(factory.manifest.tools).length));
      if (options.registry ?? config.registry) {
        registry = options.registry ?? (await openRegistry(config.registry!.url, { onEvent: (event, details) => logger.warn(details ?? {}, `service registry: ${event}`) }));
        const record: ServiceRecord = {
          service: options.manifest.name,
          ...(config.group === undefined ? {} : { group: config.group }),
          id: replicaId(hostname(), process.pid),
          address: config.registry?.advertiseUrl ?? advertisedUrl(http.url),
          protocolVersions: [...REGISTERED_PROTOCOL_VERSIONS],
          tools: Object.keys(factory.manifest.tools),
          health: 'serving',
          updatedAt: Date.now(),
        };
        await registry.register(record, config.registry?.ttlSeconds ?? 10);
        logger.info({ registry: redactUrl(config.registry?.url ?? 'custom'), id: record.id, group: record.group }, 'registered in the service registry');
      }
      process.stderr.write(`listening on ${http.url}\n`);
      if (config.metricsPort !== undefined) {
        const { startMetricsListener } = await import('../transports/ops.js');
        metricsListener = await startMetricsListener({
          host: config.metricsHost,
          port: config.metricsPort,
          allowedHosts: config.allowedHosts,
          metrics: factory.metrics,
          readiness,
          closing: () => stopping !== undefined,
          logger,
          ...(config.metricsToken === undefined ? {} : { metricsToken: config.metricsToken }),
        });
        process.stderr.write(`metrics on ${metricsListener.url}\n`);
      }
      if (config.websocket) process.stderr.write(`websocket on ${http.url.replace(/^http/, 'ws').replace(/\/mcp$/, '/ws')}\n`);
    } else {
      const { serveStdio } = await import('../transports/stdio.js');
      stdio = serveStdio(factory, {
        logger,
        ...(options.stdio?.stdin ? { stdin: options.stdio.stdin } : {}),
        ...(options.stdio?.stdout ? { stdout: options.stdio.stdout } : {}),
        onEnd: () => {
          if (manageProcess) exitBy(config.shutdownTimeoutMs + CLOSE_GRACE_MS);
          void shutdown('stdin closed').then(() => manageProcess && process.exit(0));
        },
      });
    }
  } catch (error) {
    await http?.close(0).catch(() => {});
    await registry?.close().catch(() => {});
    await storage.close().catch(() => {});
    await redis?.close().catch(() => {});
    await closeLogger(logger);
    return fail(`${options.manifest.name} failed to start ${config.transport} on ${config.socket ?? `${config.host}:${config.port}`}: ${(error as Error).message}`);
  }
  logger.debug({ transport: config.transport, database: redactUrl(config.databaseUrl) }, 'started');

  if (manageProcess) {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      // A second signal means "now": skip the graceful wait (and any log line still in flight).
      if (++signals > 1) {
        abandonLogger(logger);
        process.exit(1);
      }
      exitBy(config.shutdownTimeoutMs + CLOSE_GRACE_MS);
      void shutdown(signal).then(
        () => process.exit(0),
        (error: unknown) => {
          abandonLogger(logger);
          process.stderr.write(`shutdown failed: ${(error as Error).message}\n`);
          process.exit(1);
        },
      );
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  }

  return {
    config,
    factory,
    storage,
    ...(http ? { http } : {}),
    ...(stdio ? { stdio } : {}),
    ...(tlsReloader ? { reloadTls: tlsReloader.reload } : {}),
    ...(tracing ? { tracing } : {}),
    shutdown,
  };
}

function tracedLimiter(tracing: Tracing | undefined, limiter: RateLimiter, system: 'redis' | 'memory'): RateLimiter {
  return tracing ? tracing.limiter(limiter, system) : limiter;
}

/**
 * The URL other hosts reach this replica at: the listening URL, except that a wildcard bind
 * (MCP_HOST=0.0.0.0, every container) is replaced by the host's first external IPv4 address.
 */
function advertisedUrl(listening: string): string {
  const url = new URL(listening);
  if (url.hostname !== '0.0.0.0' && url.hostname !== '[::]') return listening;
  const external = Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal);
  if (external) url.hostname = external.address;
  return url.href;
}

function tracedCache(tracing: Tracing | undefined, cache: Cache, system: 'redis' | 'memory'): Cache {
  return tracing ? tracing.cache(cache, system) : cache;
}

function toDirUrl(root: URL | string): URL {
  const url = typeof root === 'string' ? new URL(`file://${root.startsWith('/') ? '' : `${process.cwd()}/`}${root}`) : root;
  return url.href.endsWith('/') ? url : new URL(`${url.href}/`);
}
