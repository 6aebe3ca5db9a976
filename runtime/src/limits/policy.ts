/**
 * The call policy: what the server factory wraps around every tool call, on every path (SDK
 * callback and HTTP fast path alike), and around resource reads and prompt gets for the audit.
 *
 *   argument shape check (before validation) → rate limits (per caller, per tool) → timeout →
 *   the call (guard, handler) → outcome → audit record + security event counters.
 *
 * Kept out of factory.ts so the factory only holds the hook lines.
 */
import { PROTOCOL_VERSION_META_KEY, type CallToolResult, type ServerContext } from '@modelcontextprotocol/server';
import { resourceForUri } from '../server/resource-uri.js';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { Counter, type Registry } from '../observability/prom.js';
import { auditTableEnabled, countSecurityEvent, createAuditLog, createRedactor, type AuditKind, type AuditLog, type AuditOutcome } from '../audit/index.js';
import { ErrorCode, isToolError } from '../errors/index.js';
import type { RateLimiter } from '../rate-limit/index.js';
import type { CompiledValidator, HandlerContext, Manifest, ToolManifestEntry } from '../server/contract.js';
import { addAbortSource, newRequestId } from '../server/context.js';
import { toolErrorResult } from '../server/results.js';
import { edgeOfContext, type Edge } from '../core/edge.js';
import type { Cancellations } from '../cancel/index.js';
import { requestEnvelope } from '../core/envelope.js';
import type { ErrorTracker } from '../telemetry/errors.js';
import { callerKey, createCallLimiter, lazyAbortController, LimitErrorCode, resolveLimits, runUnderDeadline, toolTimeoutMs, withArgumentLimits, type Limits } from './index.js';

/** Error codes a denial carries (scopes from the auth module, the sandbox). */
const DENIED_CODES = new Set(['insufficient_scope', 'scope_denied', 'scope_outside_window', 'forbidden', 'unauthorized', ErrorCode.PathOutsideSandbox]);

export interface CallPolicyOptions {
  manifest: Manifest;
  logger: Logger;
  registry: Registry;
  db: Kysely<unknown>;
  dialect: 'sqlite' | 'postgres';
  /** The guard's limiter (Redis in production) so limits hold across replicas. */
  limiter?: RateLimiter;
  /** Where HTTP-borne calls register while they run, so a cancel from another request reaches them. */
  cancellations?: Cancellations;
  /** Limits the operator set (`RuntimeConfig.limits`) over the spec's. */
  limitOverrides?: Partial<Limits>;
  /** `MCP_AUDIT_TABLE` (unset: by dialect) and `MCP_AUDIT_LOG` (default on), from `RuntimeConfig`. */
  audit?: { table?: boolean; log?: boolean };
  /** Unhandled handler errors go here (fingerprint, /metrics count, reporters; see telemetry/errors.ts). */
  errors?: ErrorTracker;
}

export interface CallPolicy {
  readonly limits: Limits;
  readonly audit: AuditLog;
  /** The validator with the argument shape check in front (cached per validator). */
  inputValidator(entry: ToolManifestEntry, validate: CompiledValidator): CompiledValidator;
  /**
   * Records a request refused by the HTTP scope challenge (before any handler or context exists):
   * one `denied` audit line with the same fields and redaction as a denial inside a handler.
   */
  deniedBeforeDispatch(request: { method: string; params?: Record<string, unknown> }, identity: { subject: string; roles?: readonly string[] }, promptSchema: (name: string) => Record<string, unknown> | undefined): void;
  /**
   * A call refused by input validation: the SDK's own error result (same text on every path),
   * audited with the caller. Its arguments are not recorded: they failed the schema the redaction
   * relies on, and may be hostile in size or depth.
   */
  invalid(entry: ToolManifestEntry, message: string, ctx: HandlerContext<unknown>, started: number): CallToolResult;
  /**
   * Runs one validated tool call under the rate limits and timeout; audits it. Never throws (nor
   * rejects). A call that answers synchronously, with no rate limit to wait for, is answered
   * synchronously: its result, not a promise (the lane of a handler that returned a plain value).
   */
  run(
    entry: ToolManifestEntry,
    args: unknown,
    ctx: HandlerContext<unknown>,
    sdkCtx: ServerContext | undefined,
    call: () => CallToolResult | Promise<CallToolResult>,
    options?: { admitted?: boolean },
  ): CallToolResult | Promise<CallToolResult>;
  /**
   * The rate limits alone, for a call that runs later (a task: refused before it is created, as a
   * call would be, HTTP 429 included); the refusal result (audited), or undefined when admitted.
   * Its later `run` passes `admitted: true` so the call counts once.
   */
  admit(entry: ToolManifestEntry, args: unknown, ctx: HandlerContext<unknown>, sdkCtx: ServerContext | undefined): Promise<CallToolResult | undefined>;
  /** For an error thrown before `run` (a denial, a module that failed to load): the error result, audited. */
  failed(entry: ToolManifestEntry, args: unknown, ctx: HandlerContext<unknown>, error: unknown, started: number): CallToolResult;
  /**
   * Audits a resource read or prompt get around `fn` (rethrows its error). `schema` (a prompt's
   * argument schema) redacts `x-sensitive`/`writeOnly` arguments exactly as for tool arguments.
   */
  around<T>(kind: Exclude<AuditKind, 'tool' | 'oauth'>, name: string, ctx: HandlerContext<unknown>, args: unknown, fn: () => T | Promise<T>, schema?: Record<string, unknown>): Promise<T>;
}

function errorCodeOf(result: CallToolResult): string | undefined {
  const meta = result._meta?.['mcpforge/error'] as { code?: unknown } | undefined;
  return typeof meta?.code === 'string' ? meta.code : undefined;
}

function outcomeOf(result: CallToolResult, code: string | undefined): AuditOutcome {
  if (!result.isError) return 'ok';
  if (code === LimitErrorCode.RateLimited) return 'rate_limited';
  if (code === LimitErrorCode.Timeout) return 'timeout';
  if (code !== undefined && DENIED_CODES.has(code)) return 'denied';
  return 'error';
}

export function createCallPolicy(options: CallPolicyOptions): CallPolicy {
  const limits = resolveLimits(options.manifest.limits, options.limitOverrides);
  const registry = options.registry;
  countSecurityEvent(registry, 'rate_limited', 0);
  // Kept from the call guard, which counted refusals per tool before this module existed.
  const rateLimitedByTool =
    (registry.getSingleMetric('mcp_rate_limited_total') as Counter<'tool'> | undefined) ??
    new Counter({ name: 'mcp_rate_limited_total', help: 'Tool calls refused by a rate limit, by tool', labelNames: ['tool'] as const, registers: [registry] });
  const audit = createAuditLog({
    logger: options.logger,
    registry,
    log: options.audit?.log ?? true,
    ...(auditTableEnabled(options.dialect, options.audit?.table) ? { table: { db: options.db, dialect: options.dialect } } : {}),
  });
  const limiter = createCallLimiter({ limits, ...(options.limiter ? { limiter: options.limiter } : {}) });
  const wrapped = new WeakMap<CompiledValidator, CompiledValidator>();
  const redactors = new Map<string, (args: unknown) => unknown>();
  const redactorOf = (key: string, schema: Record<string, unknown> | undefined) => {
    let r = redactors.get(key);
    if (!r) redactors.set(key, (r = createRedactor(schema)));
    return r;
  };
  // Per manifest entry as well: building the `tool:<name>` key on every call allocated a string and
  // hashed it for the lookup (the entry objects live as long as the server).
  const toolRedactors = new WeakMap<ToolManifestEntry, (args: unknown) => unknown>();
  const toolRedactor = (entry: ToolManifestEntry) => {
    let r = toolRedactors.get(entry);
    if (!r) toolRedactors.set(entry, (r = redactorOf(`tool:${entry.name}`, entry.inputSchema)));
    return r;
  };

  /** An error that is not a `ToolError` is a bug or an outage: fingerprinted, counted, reported (arguments redacted). */
  function track(entry: ToolManifestEntry, args: unknown, ctx: HandlerContext<unknown>, error: unknown): void {
    if (!options.errors || isToolError(error)) return;
    options.errors.capture({ tool: entry.name, error, requestId: ctx.requestId, subject: ctx.auth.subject, arguments: toolRedactor(entry)(args) });
  }

  function finish(entry: ToolManifestEntry, args: unknown, ctx: HandlerContext<unknown>, edge: Edge | undefined, started: number, result: CallToolResult): CallToolResult {
    const code = errorCodeOf(result);
    const outcome = outcomeOf(result, code);
    if (outcome === 'rate_limited') {
      countSecurityEvent(registry, 'rate_limited');
      rateLimitedByTool.inc({ tool: entry.name });
      const data = (result._meta?.['mcpforge/error'] as { data?: { retryAfterSeconds?: number } } | undefined)?.data;
      // The transport maps this mark to its status (HTTP 429 + Retry-After).
      if (edge) edge.retryAfterSeconds = data?.retryAfterSeconds ?? 60;
    } else if (code === ErrorCode.PathOutsideSandbox) countSecurityEvent(registry, 'sandbox_denied');
    audit.record({
      kind: 'tool',
      name: entry.name,
      subject: ctx.auth.subject,
      roles: ctx.auth.roles,
      outcome,
      durationMs: performance.now() - started,
      requestId: ctx.requestId,
      arguments: toolRedactor(entry)(args),
      ...(code === undefined ? {} : { errorCode: code }),
    });
    return result;
  }

  /** The error result of a call that threw or rejected (audited; a bug is tracked). */
  function failedRun(entry: ToolManifestEntry, args: unknown, ctx: HandlerContext<unknown>, edge: Edge | undefined, started: number, error: unknown): CallToolResult {
    track(entry, args, ctx, error);
    return finish(entry, args, ctx, edge, started, toolErrorResult(error, ctx.log, ctx.requestId));
  }

  /** A call under a rate limit: counted (which may wait for Redis) before it runs. */
  async function limitedRun(
    entry: ToolManifestEntry,
    args: unknown,
    ctx: HandlerContext<unknown>,
    sdkCtx: ServerContext | undefined,
    call: () => CallToolResult | Promise<CallToolResult>,
    edge: Edge | undefined,
    caller: string,
    started: number,
  ): Promise<CallToolResult> {
    try {
      await limiter.check(entry, caller);
    } catch (error) {
      return failedRun(entry, args, ctx, edge, started, error);
    }
    return admittedRun(entry, args, ctx, sdkCtx, call, edge, caller, started);
  }

  /**
   * An admitted call under its timeout, then audited: synchronously when `call` answered
   * synchronously (no promise, no timer), else once its promise settles.
   */
  function admittedRun(
    entry: ToolManifestEntry,
    args: unknown,
    ctx: HandlerContext<unknown>,
    sdkCtx: ServerContext | undefined,
    call: () => CallToolResult | Promise<CallToolResult>,
    edge: Edge | undefined,
    caller: string,
    started: number,
  ): CallToolResult | Promise<CallToolResult> {
    let release: (() => void) | undefined;
    try {
      const controller = lazyAbortController();
      addAbortSource(ctx, controller);
      // Stateless HTTP, 2025 era: a `notifications/cancelled` arrives on another request (or
      // replica). A 2026-07-28 request (its envelope names the version) is cancelled by closing
      // its own response, so the hot path registers nothing.
      const requestId = (sdkCtx?.mcpReq as { id?: unknown } | undefined)?.id;
      if (
        edge?.transport === 'http' &&
        options.cancellations &&
        (typeof requestId === 'string' || typeof requestId === 'number') &&
        typeof requestEnvelope(sdkCtx)?.[PROTOCOL_VERSION_META_KEY] !== 'string'
      ) {
        const cancel = new AbortController();
        addAbortSource(ctx, cancel);
        release = options.cancellations.track(caller, requestId, cancel);
      }
      // Audited as the call settles (or times out), in the deadline's own promise: released first,
      // as a `finally` did. A synchronous answer is audited here, synchronously.
      return runUnderDeadline(
        entry.name,
        toolTimeoutMs(entry, limits),
        controller,
        call,
        (late) => ctx.log.warn({ err: late }, 'tool call failed after its timeout had already been answered'),
        (value: CallToolResult) => {
          release?.();
          release = undefined;
          return finish(entry, args, ctx, edge, started, value);
        },
        (error: unknown) => {
          release?.();
          release = undefined;
          return failedRun(entry, args, ctx, edge, started, error);
        },
      );
    } catch (error) {
      // A call that threw synchronously (or its audit did): released once, then audited as failed.
      release?.();
      return failedRun(entry, args, ctx, edge, started, error);
    }
  }

  return {
    limits,
    audit,
    inputValidator(entry, validate) {
      let w = wrapped.get(validate);
      if (!w) {
        w = withArgumentLimits(validate, limits, () => countSecurityEvent(registry, 'limit_exceeded'));
        wrapped.set(validate, w);
      }
      return w;
    },
    deniedBeforeDispatch(request, identity, promptSchema) {
      const params = request.params ?? {};
      const kinds: Record<string, AuditKind> = { 'tools/call': 'tool', 'prompts/get': 'prompt', 'resources/read': 'resource' };
      const kind = kinds[request.method];
      if (!kind) return;
      const name = String(kind === 'resource' ? params.uri : params.name);
      const tool = kind === 'tool' ? Object.values(options.manifest.tools).find((t) => t.name === name) : undefined;
      const args = kind === 'resource' ? { uri: name } : params.arguments;
      const schema = kind === 'tool' ? tool?.inputSchema : kind === 'prompt' ? promptSchema(name) : undefined;
      const resourceName = kind === 'resource' ? resourceForUri(options.manifest, name)?.name : undefined;
      audit.record({
        kind,
        name: resourceName ?? name,
        subject: identity.subject,
        ...(identity.roles ? { roles: identity.roles } : {}),
        outcome: 'denied',
        durationMs: 0,
        requestId: newRequestId(),
        arguments: redactorOf(`${kind}:${resourceName ?? name}`, schema)(args),
        errorCode: 'insufficient_scope',
      });
    },
    invalid(entry, message, ctx, started) {
      audit.record({
        kind: 'tool',
        name: entry.name,
        subject: ctx.auth.subject,
        roles: ctx.auth.roles,
        outcome: 'invalid',
        durationMs: performance.now() - started,
        requestId: ctx.requestId,
        errorCode: message.includes('arguments exceed a limit') ? LimitErrorCode.LimitExceeded : ErrorCode.InvalidArguments,
      });
      return { content: [{ type: 'text', text: `Input validation error: Invalid arguments for tool ${entry.name}: ${message}` }], isError: true };
    },
    async admit(entry, args, ctx, sdkCtx) {
      const started = performance.now();
      const edge = edgeOfContext(sdkCtx);
      try {
        await limiter.check(entry, callerKey(ctx.auth, edge?.peer));
        return undefined;
      } catch (error) {
        return finish(entry, args, ctx, edge, started, toolErrorResult(error, ctx.log, ctx.requestId));
      }
    },
    run(entry, args, ctx, sdkCtx, call, runOptions) {
      const started = performance.now();
      const edge = edgeOfContext(sdkCtx);
      let caller: string;
      try {
        // stdio and in-memory clients have no peer: one process at the other end is one caller.
        caller = callerKey(ctx.auth, edge?.peer);
        // No limit configured (the default): nothing to count, and no promise to wait for.
        if (!runOptions?.admitted && limiter.applies(entry)) return limitedRun(entry, args, ctx, sdkCtx, call, edge, caller, started);
      } catch (error) {
        return failedRun(entry, args, ctx, edge, started, error);
      }
      return admittedRun(entry, args, ctx, sdkCtx, call, edge, caller, started);
    },
    failed(entry, args, ctx, error, started) {
      track(entry, args, ctx, error);
      return finish(entry, args, ctx, undefined, started, toolErrorResult(error, ctx.log, ctx.requestId));
    },
    async around(kind, name, ctx, args, fn, schema) {
      const started = performance.now();
      let outcome: AuditOutcome = 'ok';
      let errorCode: string | undefined;
      try {
        return await fn();
      } catch (error) {
        errorCode = isToolError(error) ? error.code : undefined;
        outcome = errorCode !== undefined && DENIED_CODES.has(errorCode) ? 'denied' : 'error';
        if (errorCode === ErrorCode.PathOutsideSandbox) countSecurityEvent(registry, 'sandbox_denied');
        throw error;
      } finally {
        audit.record({
          kind,
          name,
          subject: ctx.auth.subject,
          roles: ctx.auth.roles,
          outcome,
          durationMs: performance.now() - started,
          requestId: ctx.requestId,
          arguments: redactorOf(`${kind}:${name}`, schema)(args),
          ...(errorCode === undefined ? {} : { errorCode }),
        });
      }
    },
  };
}
