/**
 * The types of `telemetry`, in their own leaf so the lazily loaded OpenTelemetry side (otel.ts)
 * and the entry (index.ts) do not import each other.
 */
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Cache } from '../server/contract.js';
import type { RateLimiter } from '../rate-limit/index.js';

/** W3C trace context as text, from `_meta` or from HTTP headers. */
export interface TraceCarrier {
  traceparent: string;
  tracestate?: string;
}

/** What a request span records (never arguments or credentials). */
export interface RequestSpanInfo {
  /** The MCP method: `tools/call`, `resources/read`, `prompts/get`, `tools/list`, ... */
  method: string;
  /** The tool, resource or prompt name; empty for a list request. */
  name: string;
  /** The caller's subject (`anonymous` when nobody authenticated). */
  subject: string;
  /** `stdio`, `http`, `session`, `websocket` or `memory`. */
  transport: string;
  requestId: string;
  /** The parent trace context, if the request carried one. */
  parent?: TraceCarrier;
}

/** The span of one MCP request; `run` makes it the active span (children and outgoing calls hang under it). */
export interface RequestTrace {
  run<T>(fn: () => T): T;
  /** A child span around `fn`, active while `fn` runs; ends when `fn` settles (records a throw). */
  span<T>(name: string, fn: () => T): T;
  /** Ends the request span with its outcome (`ok`, `error`, `invalid`, `denied`, `rate_limited`, `timeout`). */
  end(outcome: string, error?: unknown): void;
  /** The ids of this span (logs and tests). */
  readonly traceId: string;
  readonly spanId: string;
}

export interface Tracing {
  startRequest(info: RequestSpanInfo): RequestTrace;
  /** The same database with a span per query (a Kysely plugin). */
  db<DB>(db: Kysely<DB>): Kysely<DB>;
  /** Ends the span of a query that failed (the storage's `onQueryError`): status error, the error's class. */
  queryFailed(queryId: object, error: unknown): void;
  /** The same cache with a span per operation (`system`: `redis` or `memory`). */
  cache(cache: Cache, system: 'redis' | 'memory'): Cache;
  /** Sets attributes on the active span (the request's, inside `run`). */
  annotate?(attributes: Record<string, string | number | boolean>): void;
  /** The same rate limiter with a span per counted call (`system`: `redis` or `memory`). */
  limiter(limiter: RateLimiter, system: 'redis' | 'memory'): RateLimiter;
  /** Exports the spans that ended so far. */
  flush(): Promise<void>;
  /** Exports what is buffered and stops; safe to call twice. */
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  /** `OTEL_EXPORTER_OTLP_ENDPOINT`: base URL of an OTLP/HTTP receiver; unset = tracing off. */
  endpoint?: string;
  /** `OTEL_SERVICE_NAME` (default: the server's name). */
  serviceName: string;
  serviceVersion?: string;
  logger?: Logger;
  /** Export each span as it ends instead of in batches (tests); default batched. */
  simple?: boolean;
}

