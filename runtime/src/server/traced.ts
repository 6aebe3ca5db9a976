/**
 * The request span of one MCP request (telemetry/), shared by tool calls (factory.ts) and resource
 * reads and prompt gets (entries.ts): parent from `_meta.traceparent`, else the HTTP headers on the
 * request's edge; the caller's subject, never a credential.
 */
import type { McpServer, ServerContext } from '@modelcontextprotocol/server';
import { edgeOfContext } from '../core/edge.js';
import { traceParentOf, type RequestTrace, type Tracing } from '../telemetry/index.js';
import { callerOf, newRequestId, type ContextDeps } from './context.js';

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

/** The list methods, traced like calls: one request span each (the listing's size on it). */
const LIST_METHODS: Readonly<Record<string, string>> = {
  'tools/list': 'tools',
  'resources/list': 'resources',
  'resources/templates/list': 'resourceTemplates',
  'prompts/list': 'prompts',
};

type Handler = (request: unknown, ctx: ServerContext) => Promise<unknown>;

/**
 * A request span per list request on an SDK server instance (every transport's lists reach one:
 * the HTTP fast path serves only `tools/call`). Through the SDK's per-method wrapping hook, as the
 * other per-instance stages (params.ts, tasks/install.ts).
 */
export function traceLists(server: McpServer, tracing: Tracing, deps: Pick<ContextDeps, 'identity'>): void {
  const low = server.server as unknown as { _wrapHandler(method: string, handler: Handler): Handler };
  const original = low._wrapHandler.bind(low);
  low._wrapHandler = (method, handler) => {
    const wrapped = original(method, handler);
    const key = LIST_METHODS[method];
    if (key === undefined) return wrapped;
    return (request, ctx) =>
      traced(tracing, method, '', deps, ctx, newRequestId(), async () => {
        const result = await wrapped(request, ctx);
        const items = (result as Record<string, unknown> | null)?.[key];
        if (Array.isArray(items)) tracing.annotate?.({ 'mcp.list.size': items.length });
        return result;
      });
  };
}
