/**
 * Tracing with OpenTelemetry, reached from the policy stage and dispatch (server/factory.ts), never
 * from a transport.
 *
 * Off by default. `OTEL_EXPORTER_OTLP_ENDPOINT` turns it on: `startTracing` then loads the
 * OpenTelemetry SDK (optional dependencies, imported only here and only then) and exports spans
 * over OTLP/HTTP (protobuf) to `<endpoint>/v1/traces`. With it off nothing of OpenTelemetry is
 * imported and the pipeline pays one `undefined` check per request.
 *
 * One span per MCP request (`tools/call <tool>`, `resources/read`, `prompts/get`) with the method,
 * the entry's name, the caller's subject (never a credential), the transport and the outcome; child
 * spans for input validation and the handler; under the handler, spans for database queries (a
 * Kysely plugin), cache/Redis operations and outgoing `fetch` calls (undici's diagnostics channel),
 * which carry `traceparent` to the upstream. The parent is the request's W3C trace context: the
 * message's `params._meta.traceparent`/`tracestate` (SEP-414, the 2026-07-28 convention), else the
 * HTTP request's `traceparent`/`tracestate` headers (carried on the request's edge).
 *
 * @example
 * ```ts
 * const tracing = await startTracing({ endpoint: 'http://collector:4318', serviceName: 'weather' });
 * const factory = await createServerFactory({ manifest, modules, deps: { db: tracing?.db(storage.db) ?? storage.db, tracing } });
 * ```
 */
import type { Edge } from '../core/edge.js';
import type { TraceCarrier, Tracing, TracingOptions } from './types.js';
import type { ErrorReporter } from './errors.js';

export type { RequestSpanInfo, RequestTrace, TraceCarrier, Tracing, TracingOptions } from './types.js';

/**
 * What a project installs to turn tracing on: every package otel.ts imports, at versions that run
 * on Node 20 (the 0.300+ exporters need Node 22). They are optional peers of the runtime (npm does
 * not install those by itself), so a server started with the endpoint set and them missing prints
 * this command. A unit test checks it against otel.ts's imports and the runtime's peer ranges.
 */
export const OTEL_INSTALL_COMMAND =
  'npm install @opentelemetry/api@^1.9.1 @opentelemetry/core@^2.8.0 @opentelemetry/resources@^2.8.0 @opentelemetry/sdk-trace-node@^2.8.0 @opentelemetry/exporter-trace-otlp-proto@^0.219.0 @opentelemetry/instrumentation-undici@^0.29.0';

/**
 * Starts tracing when an endpoint is set; resolves `undefined` (and imports nothing) otherwise.
 * Throws with what to install when the optional OpenTelemetry packages are missing.
 */
export async function startTracing(options: TracingOptions): Promise<Tracing | undefined> {
  if (!options.endpoint) return undefined;
  let otel: typeof import('./otel.js');
  try {
    otel = await import('./otel.js');
  } catch (error) {
    throw new Error(
      `OTEL_EXPORTER_OTLP_ENDPOINT is set but the OpenTelemetry SDK could not be loaded (${(error as Error).message}). ` +
        `Install it in the project (the folder with package.json): ${OTEL_INSTALL_COMMAND} — or unset OTEL_EXPORTER_OTLP_ENDPOINT`,
      { cause: error },
    );
  }
  return otel.createOtelTracing({ ...options, endpoint: options.endpoint });
}

export { createErrorTracker, fingerprintOf, topFrameOf, HANDLER_ERRORS_METRIC } from './errors.js';
export type { ErrorEvent, ErrorReporter, ErrorTracker, ErrorTrackerOptions } from './errors.js';

/**
 * The reporters the settings ask for: a Sentry-compatible one when `SENTRY_DSN` is set (loads the
 * optional `@sentry/node` then, and only then), else none (errors are still counted in /metrics).
 */
export async function startErrorReporters(options: { sentryDsn?: string; release?: string; serverName?: string }): Promise<ErrorReporter[]> {
  if (!options.sentryDsn) return [];
  let sentry: typeof import('./sentry.js');
  try {
    sentry = await import('./sentry.js');
  } catch (error) {
    throw new Error(`SENTRY_DSN is set but @sentry/node could not be loaded (${(error as Error).message}); install it in the project (npm install @sentry/node) or unset SENTRY_DSN`, { cause: error });
  }
  return [sentry.createSentryReporter({ dsn: options.sentryDsn, ...(options.release ? { release: options.release } : {}), ...(options.serverName ? { serverName: options.serverName } : {}) })];
}

const TRACEPARENT = /^[\da-f]{2}-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}$/;

/**
 * The parent trace context of a request: the message's `_meta` (per message, so it wins on
 * connections that carry many), else the HTTP request's headers. Malformed values are ignored.
 */
export function traceParentOf(meta: Record<string, unknown> | undefined, edge: Edge | undefined): TraceCarrier | undefined {
  const fromMeta = meta?.traceparent;
  if (typeof fromMeta === 'string' && TRACEPARENT.test(fromMeta.trim())) {
    const state = meta?.tracestate;
    return { traceparent: fromMeta.trim(), ...(typeof state === 'string' ? { tracestate: state } : {}) };
  }
  const fromHeader = edge?.traceparent;
  if (typeof fromHeader === 'string' && TRACEPARENT.test(fromHeader.trim())) {
    return { traceparent: fromHeader.trim(), ...(edge?.tracestate === undefined ? {} : { tracestate: edge.tracestate }) };
  }
  return undefined;
}
