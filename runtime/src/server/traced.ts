/**
 * The request span of one MCP request (telemetry/), shared by tool calls (factory.ts) and resource
 * reads and prompt gets (entries.ts): parent from `_meta.traceparent`, else the HTTP headers on the
 * request's edge; the caller's subject, never a credential.
 */
import type { ServerContext } from '@modelcontextprotocol/server';
import { edgeOfContext } from '../core/edge.js';
import { traceParentOf, type RequestTrace, type Tracing } from '../telemetry/index.js';
import { callerOf, type ContextDeps } from './context.js';

export function startRequestTrace(tracing: Tracing, method: string, name: string, deps: Pick<ContextDeps, 'identity'>, sdkCtx: ServerContext | undefined, requestId: string): RequestTrace {
  const edge = edgeOfContext(sdkCtx);
  const parent = traceParentOf(sdkCtx?.mcpReq._meta as Record<string, unknown> | undefined, edge);
  return tracing.startRequest({
    method,
    name,
    subject: callerOf(deps, sdkCtx).subject,
    transport: edge?.transport ?? 'stdio',
    requestId,
    ...(parent ? { parent } : {}),
  });
}

/** Runs `fn` under a request span when tracing is on (ok, or the error it throws); just `fn` when off. */
export function traced<T>(tracing: Tracing | undefined, method: string, name: string, deps: Pick<ContextDeps, 'identity'>, sdkCtx: ServerContext | undefined, requestId: string, fn: () => Promise<T>): Promise<T> {
  if (!tracing) return fn();
  const requestTrace = startRequestTrace(tracing, method, name, deps, sdkCtx, requestId);
  return requestTrace.run(fn).then(
    (value) => {
      requestTrace.end('ok');
      return value;
    },
    (error: unknown) => {
      requestTrace.end('error', error);
      throw error;
    },
  );
}
