/**
 * The OpenTelemetry side of `telemetry`: loaded only when tracing is on (see index.ts), so these
 * optional dependencies are never imported by a server with tracing off.
 */
import { context, defaultTextMapGetter, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import { type Kysely, type KyselyPlugin, type PluginTransformQueryArgs, type PluginTransformResultArgs, type QueryResult, type RootOperationNode, type UnknownRow } from 'kysely';
import { isPostgres } from '../storage/shared.js';
import type { Cache } from '../server/contract.js';
import type { RateLimiter } from '../rate-limit/index.js';
import type { RequestSpanInfo, RequestTrace, TraceCarrier, Tracing, TracingOptions } from './types.js';

const SCOPE = '@mcpforge/runtime';
const propagator = new W3CTraceContextPropagator();

function parentContext(parent: TraceCarrier | undefined): Context {
  if (!parent) return context.active();
  return propagator.extract(ROOT_CONTEXT, { ...parent }, defaultTextMapGetter);
}

function recordError(span: Span, error: unknown): void {
  const err = error instanceof Error ? error : new Error(String(error));
  // The class and message only: a stack is for the error tracker, not for every trace backend.
  span.recordException({ name: err.name, message: err.message });
  span.setStatus({ code: SpanStatusCode.ERROR, message: err.name });
}

/** Runs `fn` with `span` active and ends the span when `fn` settles (sync or async). */
function within<T>(ctx: Context, span: Span, fn: () => T): T {
  let result: T;
  try {
    result = context.with(trace.setSpan(ctx, span), fn);
  } catch (error) {
    recordError(span, error);
    span.end();
    throw error;
  }
  if (result instanceof Promise) {
    return result.then(
      (value: unknown) => {
        span.end();
        return value;
      },
      (error: unknown) => {
        recordError(span, error);
        span.end();
        throw error;
      },
    ) as T;
  }
  span.end();
  return result;
}

/** `SELECT`, `INSERT`, ... from a Kysely operation node (`SelectQueryNode` → `SELECT`); `raw` for `sql` templates. */
function operationOf(node: RootOperationNode): string {
  const kind = node.kind.replace(/QueryNode$|Node$/, '');
  return kind === 'Raw' ? 'raw' : kind.toUpperCase();
}

/**
 * A span per query: opened when Kysely compiles it, closed when its result comes back, or when the
 * query fails (Kysely's error log, `queryFailed`: plugins never see a failure).
 */
class TracingPlugin implements KyselyPlugin {
  constructor(
    private readonly tracer: Tracer,
    private readonly system: string,
    private readonly spans: WeakMap<object, Span>,
  ) {}
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    const active = trace.getSpan(context.active());
    // Only queries a traced request makes (no root spans for pool checks and migrations).
    if (active) {
      const operation = operationOf(args.node);
      const span = this.tracer.startSpan(`db ${operation}`, { kind: SpanKind.CLIENT, attributes: { 'db.system.name': this.system, 'db.operation.name': operation } });
      this.spans.set(args.queryId, span);
    }
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    const span = this.spans.get(args.queryId);
    if (span) {
      if (args.result.rows) span.setAttribute('db.response.returned_rows', args.result.rows.length);
      span.end();
      this.spans.delete(args.queryId);
    }
    return args.result;
  }
}

export function createOtelTracing(options: TracingOptions & { endpoint: string }): Tracing {
  const exporter = new OTLPTraceExporter({ url: `${options.endpoint.replace(/\/+$/, '')}/v1/traces` });
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName, ...(options.serviceVersion ? { 'service.version': options.serviceVersion } : {}) }),
    spanProcessors: [options.simple ? new SimpleSpanProcessor(exporter) : new BatchSpanProcessor(exporter)],
  });
  // Global registration: the async context manager (spans follow awaits into the handler), the W3C
  // propagator (what the fetch instrumentation injects upstream), and handlers' own
  // `trace.getTracer()` calls. A second server in one process keeps the first registration.
  provider.register();
  const tracer = provider.getTracer(SCOPE);
  // Outgoing fetch (undici): a client span per call, `traceparent` injected (imported OpenAPI tools).
  const undici = new UndiciInstrumentation({ requireParentforSpans: true });
  undici.setTracerProvider(provider);
  undici.enable();
  let stopped: Promise<void> | undefined;
  /** A client span (cache, rate limiter) under the active request span; none outside a traced request. */
  const clientSpan = <T>(name: string, system: string, operation: string, fn: () => Promise<T>): Promise<T> => {
    if (!trace.getSpan(context.active())) return fn();
    const span = tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes: { 'db.system.name': system, 'db.operation.name': operation } });
    return within(context.active(), span, fn);
  };
  /** Open query spans by Kysely query id, shared by every traced database of this server. */
  const querySpans = new WeakMap<object, Span>();

  return {
    startRequest(info: RequestSpanInfo): RequestTrace {
      const parent = parentContext(info.parent);
      const span = tracer.startSpan(
        info.name ? `${info.method} ${info.name}` : info.method,
        {
          kind: SpanKind.SERVER,
          attributes: {
            'mcp.method.name': info.method,
            ...(info.method === 'tools/call' ? { 'gen_ai.tool.name': info.name } : info.name ? { 'mcp.entry.name': info.name } : {}),
            'enduser.id': info.subject,
            'mcp.transport': info.transport,
            'mcp.request.id': info.requestId,
          },
        },
        parent,
      );
      const own = trace.setSpan(parent, span);
      const ids = span.spanContext();
      return {
        traceId: ids.traceId,
        spanId: ids.spanId,
        run: (fn) => context.with(own, fn),
        span: (name, fn) => within(own, tracer.startSpan(name, {}, own), fn),
        end(outcome, error) {
          span.setAttribute('mcp.outcome', outcome);
          if (error !== undefined) recordError(span, error);
          else if (outcome !== 'ok') span.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
          span.end();
        },
      };
    },
    db<DB>(db: Kysely<DB>): Kysely<DB> {
      const system = isPostgres(db) ? 'postgresql' : 'sqlite';
      return db.withPlugin(new TracingPlugin(tracer, system, querySpans));
    },
    queryFailed(queryId, error) {
      const span = querySpans.get(queryId);
      if (!span) return;
      querySpans.delete(queryId);
      // The class and the SQLSTATE only: a database error's message may quote the values of the row.
      // The class (pg's DatabaseError is named 'error'; its constructor says what it is).
      const type = error instanceof Error ? (error.constructor.name && error.constructor.name !== 'Error' ? error.constructor.name : error.name) : typeof error;
      const code = (error as { code?: unknown } | null)?.code;
      span.setAttribute('error.type', type);
      if (typeof code === 'string') span.setAttribute('db.response.status_code', code);
      span.setStatus({ code: SpanStatusCode.ERROR, message: type });
      span.end();
    },
    cache(cache: Cache, system: 'redis' | 'memory'): Cache {
      const op = <T>(name: string, fn: () => Promise<T>): Promise<T> => clientSpan(`cache ${name}`, system, name, fn);
      return {
        get: (key) => op('get', () => cache.get(key)),
        set: (key, value, ttl) => op('set', () => cache.set(key, value, ttl)),
        delete: (key) => op('delete', () => cache.delete(key)),
        wrap: (key, ttl, compute) => op('wrap', () => cache.wrap(key, ttl, compute)),
      };
    },
    annotate(attributes) {
      trace.getSpan(context.active())?.setAttributes(attributes);
    },
    limiter(limiter: RateLimiter, system: 'redis' | 'memory'): RateLimiter {
      return {
        // The key names the caller; the span says only that a call was counted, and the decision.
        hit: (key, limit, windowMs) =>
          clientSpan('ratelimit hit', system, 'ratelimit.hit', async () => {
            const decision = await limiter.hit(key, limit, windowMs);
            trace.getSpan(context.active())?.setAttribute('mcp.rate_limit.allowed', decision.allowed);
            return decision;
          }),
      };
    },
    flush: () => provider.forceFlush(),
    shutdown() {
      stopped ??= (async () => {
        undici.disable();
        await provider.shutdown().catch((error: unknown) => options.logger?.warn({ err: error }, 'could not export the last spans'));
      })();
      return stopped;
    },
  };
}

