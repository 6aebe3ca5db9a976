/**
 * Error tracking: unhandled handler errors (anything that is not a `ToolError`) grouped by
 * fingerprint — the tool, the error class and the top stack frame — counted in /metrics as
 * `mcp_handler_errors_total{tool,error_class,fingerprint}` and handed to pluggable reporters (a
 * Sentry-compatible one when `SENTRY_DSN` is set, see sentry.ts).
 *
 * Reporters get the arguments already redacted by the audit's schema redaction (`x-sensitive` /
 * `writeOnly` values never leave the process) and never the caller's credential. A reporter that
 * throws or rejects is logged and ignored: error tracking never fails a call.
 *
 * @example
 * ```ts
 * const tracker = createErrorTracker({ registry: metrics.registry, reporters: [{ report: (e) => console.error(e.fingerprint) }] });
 * ```
 */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { Counter, type Registry } from '../observability/prom.js';

export const HANDLER_ERRORS_METRIC = 'mcp_handler_errors_total';

/** One unhandled error, as reporters receive it. */
export interface ErrorEvent {
  /** 16 hex digits of sha256(tool, error class, top frame): equal for the same bug, whatever the message. */
  fingerprint: string;
  tool: string;
  errorClass: string;
  /** The first stack frame (`function (file:line)`, columns dropped), or `unknown`. */
  topFrame: string;
  /** The original error (reporters that parse stacks need it); its message may hold user data. */
  error: Error;
  requestId: string;
  /** The caller's subject (never a credential). */
  subject: string;
  /** The call's arguments with sensitive values replaced by `[redacted]`. */
  arguments: unknown;
}

/** Receives unhandled errors; `report` may be async (its failure is logged, never thrown). */
export interface ErrorReporter {
  report(event: ErrorEvent): void | Promise<void>;
  /** Sends what is queued (shutdown). */
  flush?(timeoutMs: number): Promise<void>;
}

export interface ErrorTracker {
  capture(input: { tool: string; error: unknown; requestId: string; subject: string; arguments: unknown }): ErrorEvent;
  flush(timeoutMs?: number): Promise<void>;
}

export interface ErrorTrackerOptions {
  registry: Registry;
  reporters?: readonly ErrorReporter[];
  logger?: Logger;
}

/**
 * The top frame of a V8 stack, without the column (a rebuild that shifts a column keeps the
 * group) and with the working directory cut (paths differ between hosts, not between bugs).
 */
export function topFrameOf(error: Error): string {
  const frame = error.stack?.split('\n').find((line) => /^\s+at /.test(line));
  if (!frame) return 'unknown';
  const cwd = process.cwd();
  return frame
    .trim()
    .replace(/^at /, '')
    .replace(/file:\/\//g, '')
    .split(cwd)
    .join('.')
    .replace(/:(\d+):\d+(\)?)$/, ':$1$2');
}

export function fingerprintOf(tool: string, errorClass: string, topFrame: string): string {
  return createHash('sha256').update(`${tool}\0${errorClass}\0${topFrame}`).digest('hex').slice(0, 16);
}

function asError(value: unknown): Error {
  if (value instanceof Error) return value;
  const error = new Error(typeof value === 'string' ? value : 'a non-Error value was thrown');
  error.name = 'NonError';
  return error;
}

export function createErrorTracker(options: ErrorTrackerOptions): ErrorTracker {
  const counter =
    (options.registry.getSingleMetric(HANDLER_ERRORS_METRIC) as Counter<'tool' | 'error_class' | 'fingerprint'> | undefined) ??
    new Counter({
      name: HANDLER_ERRORS_METRIC,
      help: 'Unhandled handler errors (not ToolError) by tool, error class and fingerprint (tool, class, top stack frame)',
      labelNames: ['tool', 'error_class', 'fingerprint'] as const,
      registers: [options.registry],
    });
  const reporters = options.reporters ?? [];
  return {
    capture(input) {
      const error = asError(input.error);
      const errorClass = error.name || error.constructor?.name || 'Error';
      const topFrame = topFrameOf(error);
      const fingerprint = fingerprintOf(input.tool, errorClass, topFrame);
      counter.inc({ tool: input.tool, error_class: errorClass, fingerprint });
      const event: ErrorEvent = { fingerprint, tool: input.tool, errorClass, topFrame, error, requestId: input.requestId, subject: input.subject, arguments: input.arguments };
      for (const reporter of reporters) {
        try {
          const sent = reporter.report(event);
          if (sent instanceof Promise) sent.catch((failure: unknown) => options.logger?.warn({ err: failure, fingerprint }, 'error reporter failed'));
        } catch (failure) {
          options.logger?.warn({ err: failure, fingerprint }, 'error reporter failed');
        }
      }
      return event;
    },
    async flush(timeoutMs = 2000) {
      await Promise.all(reporters.map((r) => r.flush?.(timeoutMs).catch(() => {})));
    },
  };
}
