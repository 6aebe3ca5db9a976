/**
 * `createServerFactory`: turns a manifest and its handler modules into an SDK `McpServer` factory.
 *
 * Everything expensive happens once: modules and validators are loaded, JSON Schemas are wrapped
 * with `fromJsonSchema` (which asks the provider for the precompiled validator). Over HTTP the SDK
 * calls the factory per request and closes the instance afterwards, and it refuses an instance that
 * is still serving another request, so instances are pooled: handed out one request at a time and
 * put back when the SDK closes them.
 */
import {
  McpServer,
  fromJsonSchema,
  type CallToolResult,
  type McpRequestContext,
  type ScopeChallengeHandler,
  type ServerContext,
  type StandardSchemaWithJSON,
} from '@modelcontextprotocol/server';
import type { Kysely } from 'kysely';
import { isPostgres } from '../storage/shared.js';
import type { Logger } from 'pino';
import { createMemoryCache } from '../cache/index.js';
import { createCallGuard, type CallGuard } from '../idempotency/index.js';
import { createMemoryRateLimiter } from '../rate-limit/index.js';
import { createLogger, createMetrics, type CallOutcome, type Metrics } from '../observability/index.js';
import { acceptAllSchema, compileValidator, createValidatorProvider, formatValidationErrors } from '../validation/index.js';
import { isFastPathEligible, type FastPathTools, type FastTool } from '../fastpath/index.js';
import { ANONYMOUS, callerOf, createHandlerContext, newRequestId, type ContextDeps } from './context.js';
import { answeringInput, createClientInteraction, createRequestStateCodec, InputNeeded, requestStateVerifier } from './interaction.js';
import { createProtocolSurface } from './surface.js';
import { createAuthz, localIdentity } from './authz.js';
import { readableParamErrors } from './params.js';
import { createServerPool, type Era, type PoolStats } from './pool.js';
import { createEntryRegistrar } from './entries.js';
import { compactToolRecord } from './compact-tools.js';
import { createCancellations, type Cancellations } from '../cancel/index.js';
import { createTasks, type InputAsker, type ProgressSink, type TaskRecord, type Tasks } from '../tasks/index.js';
import { installTaskMethods } from '../tasks/install.js';
import { callerKey } from '../limits/index.js';
import { createCallPolicy } from '../limits/policy.js';
import type { Limits } from '../limits/index.js';
import { countSecurityEvent } from '../audit/index.js';
import type { AuthIdentity, Cache, CompiledValidator, HandlerContext, JsonSchemaObject, Manifest, PromptManifestEntry, ServerModules, ToolManifestEntry } from './contract.js';
import { toolResult } from './results.js';
import type { RequestTrace, Tracing } from '../telemetry/index.js';
import { startRequestTrace, traceLists } from './traced.js';
import { createErrorTracker, type ErrorReporter, type ErrorTracker } from '../telemetry/errors.js';
import { createLazyModules, loadResourcesAndPrompts, type LoadedTool } from './load.js';
import { createSchemaShaping, envelopeOf } from './shaping.js';
import { discoveryModeOf, DISCOVERY_TOOL_NAMES } from '../discovery/names.js';
import type { ClientProfileName } from '../client-profiles/index.js';
import type { MemoryStore } from '../resources/index.js';
import type { ResourceSubscriptions } from './subscriptions.js';
import { createOutputBudgets, resultTokens } from '../budgets/index.js';

export interface ServerDeps<DB = unknown> {
  /** Kysely instance handed to handlers as `ctx.db` (migrations already applied). */
  db: Kysely<DB>;
  /** Defaults to an in-memory LRU cache. */
  cache?: Cache;
  /** Defaults to a pino logger on stderr at level info. */
  logger?: Logger;
  /** Defaults to a fresh registry (see `observability`). */
  metrics?: Metrics;
  /** Rate limits and idempotency keys around every tool call; defaults to an in-memory limiter over `db`. */
  guard?: CallGuard;
  /** Spans per request, validation and handler (see `telemetry`); absent = tracing off, nothing to pay. */
  tracing?: Tracing;
  /** Where unhandled handler errors are reported besides the /metrics count (e.g. the Sentry reporter). */
  errorReporters?: readonly ErrorReporter[];
  /** Store of `kind: memory` resources; defaults to in-process (`runServer` uses Redis when REDIS_URL is set). */
  memory?: MemoryStore;
  /** `fetch` of `kind: http` resources (default: the global one). */
  fetch?: typeof fetch;
}

export interface PoolOptions {
  /** Idle instances kept per protocol era; more are built on demand and dropped on return. Default 32. */
  maxIdle?: number;
}

export interface CreateServerFactoryOptions<DB = unknown> {
  manifest: Manifest;
  modules: ServerModules;
  deps: ServerDeps<DB>;
  pool?: PoolOptions;
  /**
   * `eager` (default) loads and checks every handler module and validator before returning, so a
   * broken file fails here; `lazy` loads each tool's modules on its first call or validation, which
   * keeps start-up time flat in the number of tools (what `runServer` uses).
   */
  loading?: 'eager' | 'lazy';
  /** Overrides the spec's `auth.list` (`MCP_AUTH_LIST`): `filter` lists only what the caller may use. */
  authList?: 'filter' | 'all';
  /** Running HTTP calls by caller and request id (a fresh registry by default; see `cancel`). */
  cancellations?: Cancellations;
  /**
   * Key that signs `requestState` of input rounds (`MCP_REQUEST_STATE_SECRET`): the same on every
   * replica so any of them takes a retry; a random per-process key without it.
   */
  requestStateSecret?: string;
  /** Limits the operator set (`RuntimeConfig.limits`: MCP_RATE_LIMIT_PER_MINUTE, ...) over the spec's. */
  limitOverrides?: Partial<Limits>;
  /** The audit switches from `RuntimeConfig` (`auditTable`, `auditLog`); by default rows with PostgreSQL only, lines always. */
  audit?: { table?: boolean; log?: boolean };
  /** Task retention, lease and polling (`RuntimeConfig.tasks`); used when a tool has `task:` in the spec. */
  tasks?: { ttlMs?: number; leaseMs?: number; pollIntervalMs?: number; replicaId?: string };
  /** `MCP_CLIENT_PROFILE`: the profile that shapes `tools/list` for every client; `auto` (default) detects it per client. */
  clientProfile?: ClientProfileName | 'auto';
  /** `MCP_DISCOVERY`: overrides the spec's `discovery.mode` (`progressive`: search_tools, describe_tool, call_tool); neither: progressive above 60 served tools. */
  discovery?: 'direct' | 'progressive';
  /** Folder that relative paths of declarative resources (`kind: files` roots) resolve against; default the working directory. */
  projectRoot?: string;
  /** `MCP_MAX_OUTPUT_TOKENS` (a number over the spec's `limits.maxOutputTokens`, or `off`) and `MCP_RESULT_TTL_MS` (see `budgets`). */
  outputBudget?: { maxOutputTokens?: number | 'off'; resultTtlMs?: number };
}

export type { PoolStats };

/** Hands out an `McpServer` per connection (stdio, in-memory) or per request (HTTP). */
export interface ServerFactory {
  (ctx?: McpRequestContext): McpServer;
  readonly manifest: Manifest;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly cache: Cache;
  readonly db: Kysely<unknown>;
  /** What the HTTP fast path serves `tools/call` with (see `fastpath`). */
  readonly fastPath: FastPathTools;
  /** Builds idle instances ahead of traffic so the first requests do not pay for registration. */
  warm(count: number, era?: 'legacy' | 'modern'): void;
  /** Aborts `ctx.signal` of every running handler (shutdown). */
  abortAll(reason?: string): void;
  /** HTTP-borne calls while they run: `notifications/cancelled` on any request aborts them (see `cancel`). */
  readonly cancellations: Cancellations;
  /**
   * Whether a call can be refused by a rate limit (a per-caller limit or a tool's `rateLimit`):
   * only then must HTTP hold an event-stream answer to learn whether it is a 429.
   */
  readonly rateLimited: boolean;
  readonly stats: PoolStats;
  /** Unhandled handler errors by fingerprint; `flush` sends what reporters queued (shutdown). */
  readonly errors: ErrorTracker;
  /** Task state and runner, when a tool of the manifest has `task:` (see `tasks`). */
  readonly tasks?: Tasks;
  /** Resource subscriptions, when the manifest has resources: `subscriptions/listen` streams watch them too. */
  readonly subscriptions?: ResourceSubscriptions;
  /** Who owns the tasks a request's caller starts (the same key `tasks/get` checks). */
  taskOwner(sdkCtx: ServerContext | undefined): string;
  /** Stops background work (task heartbeats); running tasks are left to their lease. */
  close(): Promise<void>;
}

type ToolResult = CallToolResult;

/** `runTool`'s options for a plain call (the fast path's): one object, not one per call. */
const PLAIN_CALL: { instance?: McpServer; asTask?: boolean } = Object.freeze({});

/** What the stages of one tool call note for its metric: the outcome (undefined: not counted) and the client's profile. */
interface CallRecord {
  outcome: CallOutcome | undefined;
  readonly profile: ClientProfileName;
}

/** Whether `await` would wait for `value` (a promise, or any object or function with a `then` method). */
function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

interface ToolRecord {
  key: string;
  entry: ToolManifestEntry;
  inputSchema: StandardSchemaWithJSON;
  outputSchema: StandardSchemaWithJSON | undefined;
  /** Compiled on first use when the module ships none. */
  outputValidator?: CompiledValidator;
  /** Whether the HTTP fast path may serve this tool's calls. */
  fastPath: boolean;
  /** What the fast path calls (see `fastPath.tool`). */
  fast?: FastTool;
  /** The handler context's log bindings (`{ tool }`): one object per tool, not one per call. */
  bindings?: Readonly<Record<string, string>>;
}

/**
 * @example
 * ```ts
 * const factory = await createServerFactory({ manifest, modules, deps: { db: storage.db } });
 * serveStdio(factory);
 * ```
 */
export async function createServerFactory<DB = unknown>(options: CreateServerFactoryOptions<DB>): Promise<ServerFactory> {
  const { manifest, modules } = options;
  const logger = options.deps.logger ?? createLogger({ name: manifest.name });
  const metrics = options.deps.metrics ?? createMetrics();
  const cache = options.deps.cache ?? createMemoryCache();
  // Declarative resources (spec `kind:`, see `resources`): served from the manifest where the
  // project has no handler file. Their updates go to the subscriptions made further down.
  let subscriptionsOf: ResourceSubscriptions | undefined;
  // Loaded only when used: its file types table (mime-db) and glob matcher cost every other
  // server ~0.1 s of cold start.
  const resourceKinds = Object.values(manifest.resources).some((r) => r.source) ? await import('../resources/index.js') : undefined;
  const declared = resourceKinds
    ? resourceKinds.createDeclarativeResources(manifest, {
        projectRoot: options.projectRoot ?? process.cwd(),
        db: options.deps.db as Kysely<unknown>,
        cache,
        logger,
        memory: options.deps.memory ?? resourceKinds.createInProcessMemoryStore(),
        updated: (uri) => subscriptionsOf?.updated(uri) ?? Promise.resolve(),
        ...(options.deps.fetch ? { fetch: options.deps.fetch } : {}),
      })
    : undefined;
  const lazy = createLazyModules(manifest, modules, declared && ((key) => declared.definition(key)));
  // Lazy: tools load on first use (a 1,000-tool server starts like a 1-tool one); resources and
  // prompts are few and their registration needs their definitions, so they always load here.
  const loaded = options.loading === 'lazy' ? await loadResourcesAndPrompts(lazy, manifest) : await lazy.loadAll();
  const shutdown = new AbortController();
  // Auth (see authz.ts): scope checks, list filtering, time windows; stdio callers are the local user.
  const authz = createAuthz(manifest, {
    ...(options.authList === undefined ? {} : { list: options.authList }),
    onDenied: () => countSecurityEvent(metrics.registry, 'scope_denied'),
    // Over HTTP the SDK's scope challenge (403) answers before any callback runs: audited here,
    // so a denial is one audit line on every transport.
    onChallenged: (request, identity) => policy.deniedBeforeDispatch(request, identity, promptSchemaByName),
  });
  const requestState = createRequestStateCodec(options.requestStateSecret);
  const verifyRequestState = requestStateVerifier(requestState);
  const deps: ContextDeps = {
    requestState,
    db: options.deps.db as Kysely<unknown>,
    cache,
    logger,
    shutdown: shutdown.signal,
    ...(authz.enabled ? { identity: localIdentity(manifest) } : {}),
    ...(declared ? { memory: declared.memory } : {}),
  };
  // Logging, resource subscriptions and completion on every instance (surface.ts).
  const surface = createProtocolSurface(manifest, deps, loaded, authz);
  deps.subscriptions = surface.subscriptions;
  subscriptionsOf = surface.subscriptions;
  // A files resource watches its folder only while one of its URIs has a subscriber.
  if (declared && surface.subscriptions) surface.subscriptions.onChange = (uri, on) => declared.subscription(uri, on);
  const guard =
    options.deps.guard ??
    createCallGuard({
      db: deps.db,
      dialect: isPostgres(deps.db) ? 'postgres' : 'sqlite',
      limiter: createMemoryRateLimiter(),
      registry: metrics.registry,
    });
  const cancellations = options.cancellations ?? createCancellations();
  // Unhandled handler errors: fingerprinted and counted in /metrics, then reported (telemetry/errors.ts).
  const errors = createErrorTracker({ registry: metrics.registry, reporters: options.deps.errorReporters ?? [], logger });
  // Argument limits, rate limits, timeouts and the audit trail around every call (limits/policy.ts).
  const policy = createCallPolicy({
    cancellations,
    ...(options.limitOverrides ? { limitOverrides: options.limitOverrides } : {}),
    ...(options.audit ? { audit: options.audit } : {}),
    manifest,
    logger,
    registry: metrics.registry,
    errors,
    db: deps.db,
    dialect: isPostgres(deps.db) ? 'postgres' : 'sqlite',
    ...(guard.limiter ? { limiter: guard.limiter } : {}),
  });
  await policy.audit.ready;

  // Precompiled validators by schema identity, for the provider `fromJsonSchema` consults.
  // (Tool input is validated by runTool, inside the policy stage, where the caller is known.)
  const validators = new Map<object, CompiledValidator>();
  const promptSchemas = new Map<string, JsonSchemaObject>();
  for (const [key, entry] of Object.entries(manifest.prompts)) {
    const schema = entry.argsSchema ?? (entry.arguments.length > 0 ? argsSchemaFromArguments(entry) : undefined);
    if (!schema) continue;
    promptSchemas.set(key, schema);
    validators.set(schema, loaded.prompts.get(key)!.validateArgs ?? compileValidator(schema));
  }
  const provider = createValidatorProvider(validators);
  const promptKeyByName = new Map(Object.entries(manifest.prompts).map(([key, entry]) => [entry.name, key]));
  function promptSchemaByName(name: string): JsonSchemaObject | undefined {
    const key = promptKeyByName.get(name);
    return key === undefined ? undefined : promptSchemas.get(key);
  }

  // Per-client schema shaping of tools/list, and the mapping of arguments back (shaping.ts).
  // The manifest here is the served one (MCP_GROUP/MCP_TOOLSETS/MCP_TOOLS already applied), so the
  // default counts the tools this process lists, not the whole spec.
  const progressive = discoveryModeOf(options.discovery, manifest.discovery?.mode, Object.keys(manifest.tools).length) === 'progressive';
  const clash = progressive ? Object.values(manifest.tools).find((t) => (DISCOVERY_TOOL_NAMES as readonly string[]).includes(t.name)) : undefined;
  if (clash) throw new Error(`tool "${clash.name}" clashes with progressive discovery's own ${clash.name}: rename it in mcpforge.yaml, or serve with MCP_DISCOVERY=direct`);
  let listed: ((name: string) => boolean) | undefined;
  const shaping = createSchemaShaping({
    manifest,
    logger,
    ...(options.clientProfile === undefined ? {} : { profile: options.clientProfile }),
    ...(progressive ? { listed: (name: string) => listed!(name) } : {}),
  });

  const tools: ToolRecord[] = Object.entries(manifest.tools).map(([key, entry]) => {
    const record: ToolRecord = {
      key,
      entry,
      // Listed as written; validated by runTool, not by the SDK: there the caller, the request id
      // and the transport are known, so an invalid call is audited like every other outcome.
      inputSchema: acceptAllSchema(entry.inputSchema),
      // The runtime validates output itself (to log a bad result as a server bug instead of showing
      // it to the client), so the SDK's copy of the check is switched off.
      outputSchema: entry.outputSchema ? acceptAllSchema(entry.outputSchema) : undefined,
      fastPath: isFastPathEligible(entry),
    };
    return record;
  });
  const toolsByName = new Map(tools.map((t) => [t.entry.name, t]));
  // Progressive discovery (discovery.ts): every tool stays callable by name; tools/list shows the
  // three discovery tools and the pinned ones.
  const discovery = progressive
    ? (await import('./discovery.js')).createDiscoveryDispatch({
        manifest,
        deps,
        authz,
        shaping,
        run: (entry, args, sdkCtx, server) => runTool(toolsByName.get(entry.name)!, args, sdkCtx, { instance: server }),
        audit(name, args, sdkCtx, result, started) {
          const ctx = createHandlerContext(deps, { tool: name }, sdkCtx);
          policy.audit.record({
            kind: 'tool',
            name,
            subject: ctx.auth.subject,
            outcome: result.isError ? 'invalid' : 'ok',
            durationMs: performance.now() - started,
            requestId: ctx.requestId,
            arguments: args,
          });
        },
      })
    : undefined;
  if (discovery) listed = discovery.listed;
  // Output budgets (budgets/): a result over its budget is cut, noted and linked to its stored whole.
  const budgets = createOutputBudgets({
    manifest,
    db: deps.db,
    ...(options.outputBudget?.maxOutputTokens === undefined ? {} : { serverDefault: options.outputBudget.maxOutputTokens }),
    ...(options.outputBudget?.resultTtlMs === undefined ? {} : { ttlMs: options.outputBudget.resultTtlMs }),
    ...(options.clientProfile === undefined ? (manifest.clients?.profile === undefined ? {} : { profile: manifest.clients.profile }) : { profile: options.clientProfile }),
  });
  /**
   * The budget stage of a finished call (plain or task), with the caller as owner of the stored
   * whole: the result as it is (no promise, no await: most calls) or, over its budget, the stored first page.
   */
  function withinBudget(t: ToolRecord, result: ToolResult, ctx: HandlerContext<unknown>, profile: ClientProfileName): ToolResult | Promise<ToolResult> {
    if (!budgets.active) return result;
    // Within budget (apply's own first test, done here without its call object and promise): most calls.
    const budget = budgets.budgetOf(t.entry, profile);
    if (budget === undefined || resultTokens(result) <= budget) return result;
    const validator = t.outputValidator;
    return budgets.apply(t.entry, result, { owner: callerKey(ctx.auth, undefined), profile, ...(validator ? { valid: (v: unknown) => validator(v) as boolean } : {}) }).catch((error: unknown) => {
      // Storing the whole failed (database down): the client still gets an answer, cut without a link would hide data, so it gets it whole.
      ctx.log.warn({ err: error }, 'could not store a result over its output budget; answering it whole');
      return result;
    });
  }

  /** The next page of a paged result (budgets/pages.ts), checked against the tool's output schema like a handler's result. */
  async function resumedPage(t: ToolRecord, tool: LoadedTool, args: unknown, ctx: HandlerContext<unknown>, profile: ClientProfileName): Promise<ToolResult> {
    const validator = t.entry.outputSchema ? outputValidatorOf(t, tool) : undefined;
    return (await budgets.resume(t.entry, args, { owner: callerKey(ctx.auth, undefined), profile, ...(validator ? { valid: (v: unknown) => validator(v) as boolean } : {}) })) as ToolResult;
  }

  function outputValidatorOf(t: ToolRecord, tool: LoadedTool): CompiledValidator | undefined {
    if (!t.entry.outputSchema) return undefined;
    t.outputValidator ??= tool.validateOutput ?? compileValidator(t.entry.outputSchema);
    return t.outputValidator;
  }

  /**
   * One tool call: scope check, input validation (argument limits first), the handler, the guard
   * (rate limit, idempotency), result mapping, metrics, audit. The SDK's registered callback and the HTTP fast path both run this, so the two
   * paths cannot drift apart.
   *
   * A handler that returns a plain value, with no rate limit to count and nothing else to wait
   * for, is answered synchronously — every stage below hands a value through as it is and takes
   * the promise route only when something is pending — with the same stages, results and audit
   * and metric lines as the asynchronous route (errors always take the promise route).
   */
  /** `instance`: the SDK server instance the call came through (its client's profile); `asTask`: start a task. */
  function runTool(t: ToolRecord, sent: unknown, sdkCtx: ServerContext | undefined, how: { instance?: McpServer; asTask?: boolean } = PLAIN_CALL): ToolResult | Promise<ToolResult> {
    const tracing = options.deps.tracing;
    if (!tracing) return callTool(t, sent, sdkCtx, undefined, newRequestId(), how);
    // The request span (telemetry/): parent from `_meta.traceparent`, else the HTTP headers.
    const requestId = newRequestId();
    const requestTrace = startRequestTrace(tracing, 'tools/call', t.entry.name, deps, sdkCtx, requestId);
    return Promise.resolve(requestTrace.run(() => callTool(t, sent, sdkCtx, requestTrace, requestId, how))).then(
      (result) => {
        requestTrace.end(traceOutcomeOf(result));
        return result;
      },
      (error: unknown) => {
        requestTrace.end('error', error);
        throw error;
      },
    );
  }

  function callTool(
    t: ToolRecord,
    sent: unknown,
    sdkCtx: ServerContext | undefined,
    requestTrace: RequestTrace | undefined,
    requestId: string,
    how: { instance?: McpServer; asTask?: boolean },
  ): ToolResult | Promise<ToolResult> {
    try {
      return callStages(t, sent, sdkCtx, requestTrace, requestId, how);
    } catch (error) {
      // Thrown before any stage could answer (the profile, the context): a rejection, as from the async function this was.
      return Promise.reject(error as Error);
    }
  }

  function callStages(
    t: ToolRecord,
    sent: unknown,
    sdkCtx: ServerContext | undefined,
    requestTrace: RequestTrace | undefined,
    requestId: string,
    how: { instance?: McpServer; asTask?: boolean },
  ): ToolResult | Promise<ToolResult> {
    const { entry } = t;
    // What the client sent under its profile, as the full schema expects it (identity for `full`).
    const profile = shaping.profileOf(envelopeOf(sdkCtx), how.instance);
    const args = shaping.restore(entry, profile, sent);
    const started = performance.now();
    const ctx = createHandlerContext(deps, (t.bindings ??= Object.freeze({ tool: entry.name })), sdkCtx, requestId);
    // The metric's outcome, set by the stages below (undefined: not a counted call).
    const call: CallRecord = { outcome: 'ok', profile };
    let result: ToolResult | Promise<ToolResult>;
    try {
      result = dispatchCall(t, args, ctx, sdkCtx, requestTrace, how.asTask === true, started, call);
    } catch (error) {
      call.outcome = 'error';
      try {
        return policy.failed(entry, args, ctx, error, started);
      } finally {
        observeCall(entry, call, started);
      }
    }
    if (!(result instanceof Promise)) {
      observeCall(entry, call, started);
      return result;
    }
    return result.then(
      (value) => {
        observeCall(entry, call, started);
        return value;
      },
      (error: unknown) => {
        call.outcome = 'error';
        try {
          return policy.failed(entry, args, ctx, error, started);
        } finally {
          observeCall(entry, call, started);
        }
      },
    );
  }

  function observeCall(entry: ToolManifestEntry, call: CallRecord, started: number): void {
    if (call.outcome !== undefined) metrics.observeToolCall(entry.name, call.outcome, (performance.now() - started) / 1000);
  }

  /** The stages of `callTool` after the context exists; a value, or a promise once something is pending. */
  function dispatchCall(
    t: ToolRecord,
    args: unknown,
    ctx: HandlerContext<unknown>,
    sdkCtx: ServerContext | undefined,
    requestTrace: RequestTrace | undefined,
    asTask: boolean,
    started: number,
    call: CallRecord,
  ): ToolResult | Promise<ToolResult> {
    const { entry } = t;
    try {
      authz.assertAllowed(entry.scopes, ctx.auth);
    } catch (denied) {
      // A denial is a security event (counted by authz) and an audit line, not a tool call: the
      // HTTP scope challenge refuses before any callback, so no path counts it as a call.
      call.outcome = undefined;
      return policy.failed(entry, args, ctx, denied, started);
    }
    const tool = lazy.loadedTool(t.key);
    if (tool === undefined) return lazy.tool(t.key).then((loaded) => loadedCall(t, loaded, args, ctx, sdkCtx, requestTrace, asTask, started, call));
    return loadedCall(t, tool, args, ctx, sdkCtx, requestTrace, asTask, started, call);
  }

  function loadedCall(
    t: ToolRecord,
    tool: LoadedTool,
    args: unknown,
    ctx: HandlerContext<unknown>,
    sdkCtx: ServerContext | undefined,
    requestTrace: RequestTrace | undefined,
    asTask: boolean,
    started: number,
    call: CallRecord,
  ): ToolResult | Promise<ToolResult> {
    const { entry } = t;
    const validate = policy.inputValidator(entry, tool.validateInput);
    if (!(requestTrace ? requestTrace.span('validate', () => validate(args)) : validate(args))) {
      call.outcome = 'invalid';
      return policy.invalid(entry, formatValidationErrors(validate.errors), ctx, started);
    }
    if (asTask && tasks) return startTask(t, tool, args, ctx, sdkCtx, call);
    // A cursor the runtime handed out: the next page of the stored result, inside the same policy stage (scopes, limits, audit).
    const run = budgets.resumes(entry, args) ? () => resumedPage(t, tool, args, ctx, call.profile) : guardedHandler(t, tool, args, ctx, sdkCtx, requestTrace);
    // answeringInput: ctx.elicit/ctx.sample without an answer yet asks the client (interaction.ts).
    const ran = policy.run(entry, args, ctx, sdkCtx, () => answeringInput(run, requestState));
    if (ran instanceof Promise) return ran.then((result) => budgeted(t, result, ctx, call));
    return budgeted(t, ran, ctx, call);
  }

  /** The budget stage of a plain call, and its metric outcome. */
  function budgeted(t: ToolRecord, result: ToolResult, ctx: HandlerContext<unknown>, call: CallRecord): ToolResult | Promise<ToolResult> {
    const within = withinBudget(t, result, ctx, call.profile);
    if (within instanceof Promise) {
      return within.then((value) => {
        if (value.isError) call.outcome = 'error';
        return value;
      });
    }
    if (within.isError) call.outcome = 'error';
    return within;
  }

  /** A call made a task (its `task` mode and the client's wish): admitted now, run in the background. */
  async function startTask(t: ToolRecord, tool: LoadedTool, args: unknown, ctx: HandlerContext<unknown>, sdkCtx: ServerContext | undefined, call: CallRecord): Promise<ToolResult> {
    const { entry } = t;
    // Rate limits refuse the call before any task exists (over HTTP: 429), as for a plain call.
    const refused = await policy.admit(entry, args, ctx, sdkCtx);
    if (refused) {
      call.outcome = 'error';
      return refused;
    }
    // Counted, timed and audited when the task ends (runTask), like a call.
    call.outcome = undefined;
    const owner = callerKey(ctx.auth, undefined);
    return (await tasks!.start({
      tool: entry.name,
      owner,
      // Only a tool that may run twice keeps its arguments, to be resumed after its replica died.
      ...(entry.annotations?.idempotentHint === true ? { arguments: args } : {}),
      run: (signal, progress, ask) => runTask(t, tool, args, detachedContext(sdkCtx, signal), ctx.requestId, progress, ask),
    })) as unknown as ToolResult;
  }

  /**
   * The handler under the guard — which may run it in a transaction and swap `ctx.db` for it
   * (idempotency keys) —, its result mapped and checked against the output schema; in a span when
   * the request is traced. What a plain call and a task's call share. A handler's plain value is
   * mapped at once (no promise); a promise (or any thenable, as `await` took it) is mapped when it settles.
   */
  function guardedHandler(t: ToolRecord, tool: LoadedTool, args: unknown, ctx: HandlerContext<unknown>, sdkCtx: ServerContext | undefined, requestTrace?: RequestTrace): () => ToolResult | Promise<ToolResult> {
    const outputValidator = outputValidatorOf(t, tool);
    const handle = () => tool.definition.handler(args, ctx);
    return () =>
      guard.run(t.entry, args, ctx, sdkCtx?.mcpReq._meta as Record<string, unknown> | undefined, () => {
        const value: unknown = requestTrace ? requestTrace.span('handler', handle) : handle();
        if (isThenable(value)) return Promise.resolve(value).then((settled) => toolResult(t.entry, settled, outputValidator, ctx));
        return toolResult(t.entry, value, outputValidator, ctx);
      });
  }

  /**
   * A task's call, in the background: the same policy (rate limits, timeout, audit), guard and
   * result mapping as a plain call; `ctx.signal` is the task's (tasks/cancel on any replica, shutdown)
   * and `ctx.progress` goes to the task's status message. `ctx.elicit`/`ctx.sample` make the task
   * `input_required` (its `inputRequests`) until `tasks/update` answers; the handler then runs again
   * with the answers so far, as a plain call's input rounds do (interaction.ts).
   */
  async function runTask(t: ToolRecord, tool: LoadedTool, args: unknown, sdkCtx: ServerContext, requestId: string, progress: ProgressSink, ask: InputAsker, auth?: AuthIdentity): Promise<ToolResult> {
    const { entry } = t;
    const started = performance.now();
    const ctx = createHandlerContext(deps, { tool: entry.name }, sdkCtx, requestId);
    if (auth) ctx.auth = { ...auth, roles: auth.roles ?? [] };
    ctx.progress = async (done, of, message) => progress(done, of, message);
    let outcome: CallOutcome = 'ok';
    try {
      // Admitted when the task was created (policy.admit): the call counts once against the limits.
      const profile = shaping.profileOf(envelopeOf(sdkCtx), undefined);
      const handle = budgets.resumes(entry, args) ? () => resumedPage(t, tool, args, ctx, profile) : guardedHandler(t, tool, args, ctx, sdkCtx);
      const answers: Record<string, unknown> = {};
      const rounds = async (): Promise<ToolResult> => {
        for (;;) {
          answeredFrom(ctx, sdkCtx, answers, entry.name);
          try {
            return await handle();
          } catch (error) {
            if (!(error instanceof InputNeeded)) throw error;
            Object.assign(answers, await ask(error.requests, ctx.signal));
          }
        }
      };
      const result = await withinBudget(t, await policy.run(entry, args, ctx, sdkCtx, rounds, { admitted: true }), ctx, profile);
      if (result.isError) outcome = 'error';
      return result;
    } catch (error) {
      outcome = 'error';
      return policy.failed(entry, args, ctx, error, started);
    } finally {
      metrics.observeToolCall(entry.name, outcome, (performance.now() - started) / 1000);
    }
  }

  const taskTools = tools.filter((t) => t.entry.task !== undefined);
  // One owner key for tasks/get, tasks/cancel and subscriptions/listen's taskIds.
  const taskOwner = (sdkCtx: ServerContext | undefined): string => callerKey(callerOf(deps, sdkCtx), undefined);
  const tasks: Tasks | undefined =
    taskTools.length === 0
      ? undefined
      : createTasks({
          db: deps.db,
          registry: metrics.registry,
          logger,
          cancellations,
          shutdown: shutdown.signal,
          ...(options.tasks ?? {}),
          resume(record: TaskRecord) {
            const t = toolsByName.get(record.tool);
            if (!t?.entry.task || t.entry.annotations?.idempotentHint !== true) return undefined;
            return async (signal, progress, ask) => {
              const tool = lazy.loadedTool(t.key) ?? (await lazy.tool(t.key));
              return runTask(t, tool, record.arguments, detachedContext(undefined, signal), newRequestId(), progress, ask, ownerIdentity(record.owner));
            };
          },
        });

  const fastPath: FastPathTools = {
    serverInfo: { name: manifest.name, version: manifest.version },
    tool(name) {
      const t = toolsByName.get(name);
      if (!t?.fastPath) return undefined;
      // Made on the tool's first fast-path call, then kept (not an object and a closure per call).
      return (t.fast ??= { outputSchema: t.entry.outputSchema !== undefined, call: (args, sdkCtx) => runTool(t, args, sdkCtx) });
    },
  };
  const prompts = Object.entries(manifest.prompts).map(([key, entry]) => {
    const schema = promptSchemas.get(key);
    return { key, entry, prompt: loaded.prompts.get(key)!, argsSchema: schema ? fromJsonSchema(schema, provider) : undefined };
  });
  const resources = Object.entries(manifest.resources).map(([key, entry]) => ({ entry, resource: loaded.resources.get(key)! }));
  // Resources and prompts: scope check, audit and error mapping around their handlers (entries.ts).
  const entries = createEntryRegistrar({ deps, authz, policy, ...(options.deps.tracing ? { tracing: options.deps.tracing } : {}) });

  function build(): McpServer {
    const server = new McpServer(
      { name: manifest.name, version: manifest.version },
      // requestState: input-request state is signed and checked before handlers run (interaction.ts).
      { ...(manifest.description ? { instructions: manifest.description } : {}), requestState: { verify: verifyRequestState } },
    );
    // First (before anything registers tools/call): the task decision wraps the SDK's tools/call handler as it is registered.
    if (tasks) {
      installTaskMethods(server, tasks, {
        modeOf: (name) => toolsByName.get(name)?.entry.task,
        start: (name, args, sdkCtx) => Promise.resolve(runTool(toolsByName.get(name)!, args, sdkCtx, { asTask: true })) as Promise<Record<string, unknown>>,
        ownerOf: taskOwner,
      });
    }
    // Params that break the protocol's schema answer -32602 with a pointer (params.ts).
    readableParamErrors(server);
    // A request span per list request, like calls (when tracing is on).
    if (options.deps.tracing) traceLists(server, options.deps.tracing, deps);
    authz.filterLists(server);
    shaping.install(server);
    for (const t of tools) registerTool(server, t);
    discovery?.install(server);
    for (const r of resources) entries.resource(server, r.entry, r.resource);
    for (const p of prompts) entries.prompt(server, p.entry, p.prompt, p.argsSchema, promptSchemas.get(p.key));
    // Full results cut to their budget: read by their caller only, audited like any resource read.
    budgets.install(server, (uri, sdkCtx, lookup) => {
      const ctx = createHandlerContext(deps, { resource: 'mcpforge-result' }, sdkCtx);
      return policy.around('resource', 'mcpforge-result', ctx, { uri }, () => lookup(callerKey(ctx.auth, undefined)));
    });
    surface.install(server);
    return server;
  }

  /** The SDK's scope challenge for an entry (403 insufficient_scope over HTTP), when auth is on. */
  function scopeChallengeOf(scopes: string[] | undefined): { scopeChallenge?: ScopeChallengeHandler } {
    const challenge = authz.scopeChallenge(scopes);
    return challenge ? { scopeChallenge: challenge } : {};
  }

  function registerTool(server: McpServer, t: ToolRecord): void {
    const { entry } = t;
    server.registerTool(
      entry.name,
      {
        ...(entry.title === undefined ? {} : { title: entry.title }),
        description: entry.description,
        inputSchema: t.inputSchema,
        ...(t.outputSchema ? { outputSchema: t.outputSchema } : {}),
        ...(entry.annotations === undefined ? {} : { annotations: entry.annotations }),
        ...scopeChallengeOf(entry.scopes),
      },
      ((args: unknown, sdkCtx: ServerContext): ToolResult | Promise<ToolResult> => runTool(t, args, sdkCtx, { instance: server })) as never,
    );
    // Every pooled instance holds a record per tool: the SDK's costs ~1.3 KB (compact-tools.ts says why).
    compactToolRecord(server, entry.name);
  }

  const pool = createServerPool({ build, maxIdle: options.pool?.maxIdle ?? 32, onReturn: (server) => surface.drop(server) });

  const factory = ((ctx?: McpRequestContext) => {
    const server = pool.acquire(ctx?.era === 'legacy' ? 'legacy' : 'modern');
    shaping.lent(server);
    return server;
  }) as ServerFactory;
  Object.defineProperties(factory, {
    manifest: { value: manifest, enumerable: true },
    logger: { value: logger, enumerable: true },
    metrics: { value: metrics, enumerable: true },
    cache: { value: cache, enumerable: true },
    db: { value: deps.db, enumerable: true },
    fastPath: { value: fastPath, enumerable: true },
    cancellations: { value: cancellations, enumerable: true },
    rateLimited: { value: policy.limits.perCallerPerMinute > 0 || Object.values(manifest.tools).some((t) => t.rateLimit !== undefined), enumerable: true },
    stats: { get: () => pool.stats, enumerable: true },
    errors: { value: errors, enumerable: true },
    tasks: { value: tasks, enumerable: true },
    subscriptions: { value: surface.subscriptions, enumerable: true },
    taskOwner: { value: taskOwner },
    close: {
      value: async () => {
        await tasks?.close();
        await declared?.close();
      },
    },
    warm: { value: (count: number, era: Era = 'modern') => pool.warm(count, era) },
    abortAll: {
      value(reason = 'server shutting down') {
        if (!shutdown.signal.aborted) shutdown.abort(new Error(reason));
      },
    },
  });
  return factory;
}

/** The outcome a request span records: `ok`, or the error code the policy stage put on the result. */
function traceOutcomeOf(result: ToolResult): string {
  if (!result.isError) return 'ok';
  const code = (result._meta?.['mcpforge/error'] as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : 'error';
}

/**
 * The SDK context a task runs with once its request has been answered: same caller and edge, the
 * task's own signal, no progress token (progress goes to the task), nothing sent on the answered
 * request.
 */
function detachedContext(sdkCtx: ServerContext | undefined, signal: AbortSignal): ServerContext {
  const mcpReq = (sdkCtx?.mcpReq ?? {}) as ServerContext['mcpReq'];
  const { progressToken: _dropped, ...meta } = (mcpReq._meta ?? {}) as Record<string, unknown>;
  return {
    ...(sdkCtx ?? {}),
    mcpReq: { ...mcpReq, _meta: meta, signal, notify: async () => {} },
  } as unknown as ServerContext;
}

/**
 * A task's input round: `ctx.elicit`/`ctx.sample`/`ctx.listRoots`/`ctx.input` answer from `answers`
 * (what `tasks/update` delivered so far) and throw `InputNeeded` for anything new, positions counted
 * from the handler's start as in a plain call's rounds.
 */
function answeredFrom(ctx: HandlerContext<unknown>, sdkCtx: ServerContext, answers: Record<string, unknown>, tool: string): void {
  const mcpReq = { ...sdkCtx.mcpReq, requestState: () => ({ ...answers }), inputResponses: undefined };
  const round = createClientInteraction({ ...sdkCtx, mcpReq } as unknown as ServerContext, ctx.log, tool);
  ctx.elicit = round.elicit;
  ctx.sample = round.sample;
  ctx.listRoots = round.listRoots;
  ctx.input = round.input;
}

/** The identity a resumed task runs with: its owner's key, without scopes or claims (they were not stored). */
function ownerIdentity(owner: string): AuthIdentity {
  return owner.startsWith('sub:') ? { subject: owner.slice(4), scopes: [], anonymous: false } : { ...ANONYMOUS };
}

function argsSchemaFromArguments(entry: PromptManifestEntry): JsonSchemaObject {
  return {
    type: 'object',
    properties: Object.fromEntries(
      entry.arguments.map((a) => [a.name, { type: 'string', ...(a.description === undefined ? {} : { description: a.description }) }]),
    ),
    required: entry.arguments.filter((a) => a.required).map((a) => a.name),
  };
}

export { newRequestId };
