/**
 * A Sentry-compatible `ErrorReporter` (`SENTRY_DSN`): loaded with `await import()` only when a DSN
 * is set, so `@sentry/node` (an optional dependency) is never imported otherwise.
 *
 * Its own client and scope, not `Sentry.init`: no global handlers, no default integrations (no
 * console, HTTP or OpenTelemetry patching), no performance tracing — only the events this runtime
 * captures, grouped by the runtime's fingerprint. Arguments arrive already redacted.
 */
import { defaultStackParser, makeNodeTransport, NodeClient, Scope } from '@sentry/node';
import type { ErrorEvent, ErrorReporter } from './errors.js';

export interface SentryReporterOptions {
  dsn: string;
  /** Defaults to the server's name and version. */
  release?: string;
  environment?: string;
  serverName?: string;
}

export function createSentryReporter(options: SentryReporterOptions): ErrorReporter {
  const client = new NodeClient({
    dsn: options.dsn,
    transport: makeNodeTransport,
    stackParser: defaultStackParser,
    integrations: [],
    // Never attach request data or IPs: the runtime decides what an event carries.
    sendDefaultPii: false,
    // Redacted arguments nest (objects in objects); Sentry's default depth 3 flattens them to "[Object]".
    normalizeDepth: 8,
    ...(options.release ? { release: options.release } : {}),
    ...(options.environment ? { environment: options.environment } : {}),
    ...(options.serverName ? { serverName: options.serverName } : {}),
  });
  client.init();
  return {
    report(event: ErrorEvent) {
      const scope = new Scope();
      scope.setClient(client);
      scope.setFingerprint([event.fingerprint]);
      scope.setTags({ tool: event.tool, error_class: event.errorClass, request_id: event.requestId });
      scope.setUser({ id: event.subject });
      scope.setContext('mcp', { tool: event.tool, topFrame: event.topFrame, arguments: event.arguments as Record<string, unknown> });
      scope.captureException(event.error);
    },
    async flush(timeoutMs: number) {
      await client.flush(timeoutMs);
    },
  };
}
