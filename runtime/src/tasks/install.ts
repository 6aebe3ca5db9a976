/**
 * The tasks extension on one SDK server instance: the capability in `server/discover`, the
 * `tasks/get`, `tasks/update` and `tasks/cancel` methods, and the `tools/call` decision (task or
 * plain call) in front of the SDK's own `tools/call` handling.
 *
 * The decision sits outside the SDK's result validation of `tools/call` (a `CreateTaskResult` is not
 * a `CallToolResult`), through the SDK's documented per-method wrapping hook (`_wrapHandler`).
 */
import { PROTOCOL_VERSION_META_KEY, ProtocolError, type McpServer, type ServerContext } from '@modelcontextprotocol/server';
import { TaskErrorCode, TASKS_EXTENSION_ID, declaresTasks, missingTaskCapability, type Tasks } from './index.js';
import { requestEnvelope } from '../core/envelope.js';

/** What the server factory decides and runs for a task-capable tool (see factory.ts). */
export interface TaskCalls {
  /** Whether this tool may run as a task (spec `task:`), and how. */
  modeOf(tool: string): 'optional' | 'required' | undefined;
  /** Runs the policy stage's checks and starts the tool as a task; a refusal comes back as a tool result. */
  start(tool: string, args: unknown, ctx: ServerContext): Promise<Record<string, unknown>>;
  /** The owner key of the request's caller. */
  ownerOf(ctx: ServerContext): string;
}

type RequestHandler = (request: { method: string; params?: Record<string, unknown> }, ctx: ServerContext) => Promise<unknown>;
interface WrappingServer {
  _wrapHandler(method: string, handler: RequestHandler): RequestHandler;
}

/** A Standard Schema for `{ taskId: string }` (what the SDK validates custom method params with). */
const taskIdParams = {
  '~standard': {
    version: 1 as const,
    vendor: 'mcpforge',
    validate(value: unknown) {
      const taskId = (value as { taskId?: unknown } | null)?.taskId;
      if (typeof taskId === 'string' && taskId.length > 0) return { value: value as { taskId: string } };
      return { issues: [{ message: 'params.taskId must be a non-empty string (the taskId of the CreateTaskResult)', path: ['taskId'] }] };
    },
  },
};

/** A 2026-07-28 request that did not declare the extension may not use the task methods (-32021). */
function requireDeclared(ctx: ServerContext, method: string): void {
  const meta = requestEnvelope(ctx);
  if (typeof meta?.[PROTOCOL_VERSION_META_KEY] === 'string' && !declaresTasks(meta)) {
    throw new ProtocolError(TaskErrorCode.MissingRequiredClientCapability as number, `Missing required client capability: ${method} needs the ${TASKS_EXTENSION_ID} extension in the request's client capabilities`, {
      requiredCapabilities: { extensions: { [TASKS_EXTENSION_ID]: {} } },
    });
  }
}

export function installTaskMethods(server: McpServer, tasks: Tasks, calls: TaskCalls): void {
  const inner = server.server;
  inner.registerCapabilities({ extensions: { [TASKS_EXTENSION_ID]: {} } } as never);
  const set = inner.setRequestHandler.bind(inner) as unknown as <P>(method: string, schemas: { params: unknown }, handler: (params: P, ctx: ServerContext) => Promise<unknown>) => void;
  set<{ taskId: string }>('tasks/get', { params: taskIdParams }, async (params, ctx) => {
    requireDeclared(ctx, 'tasks/get');
    return tasks.get(params.taskId, calls.ownerOf(ctx));
  });
  set<{ taskId: string }>('tasks/cancel', { params: taskIdParams }, async (params, ctx) => {
    requireDeclared(ctx, 'tasks/cancel');
    return tasks.cancel(params.taskId, calls.ownerOf(ctx));
  });
  // Answers to keys that are not outstanding are ignored, as the extension says; an unknown task is an error.
  // `inputResponses` is the multi round-trip envelope's field: the SDK lifts it out of params (onto
  // `ctx.mcpReq.inputResponses`); a host that leaves it in params is read the same way.
  set<{ taskId: string; inputResponses?: unknown }>('tasks/update', { params: taskIdParams }, async (params, ctx) => {
    requireDeclared(ctx, 'tasks/update');
    const responses = params.inputResponses ?? (ctx.mcpReq as { inputResponses?: unknown }).inputResponses;
    if (typeof responses !== 'object' || responses === null || Array.isArray(responses)) {
      throw new ProtocolError(TaskErrorCode.InvalidParams as number, 'Invalid params for tasks/update: params.inputResponses must be an object (the answers keyed by the inputRequests keys of tasks/get)');
    }
    return tasks.update(params.taskId, calls.ownerOf(ctx), responses as Record<string, unknown>);
  });

  const wrapping = inner as unknown as WrappingServer;
  const wrap = wrapping._wrapHandler.bind(inner);
  wrapping._wrapHandler = (method, handler) => {
    const wrapped = wrap(method, handler);
    if (method !== 'tools/call') return wrapped;
    return async (request, ctx) => {
      const name = request.params?.name;
      const mode = typeof name === 'string' ? calls.modeOf(name) : undefined;
      if (mode === undefined) return wrapped(request, ctx);
      const meta = requestEnvelope(ctx);
      if (declaresTasks(meta)) return calls.start(name as string, request.params?.arguments ?? {}, ctx);
      // A 2026-07-28 client without the extension cannot get a task; a 2025-era client gets the
      // plain call (with progress notifications), whatever the mode.
      if (mode === 'required' && typeof meta?.[PROTOCOL_VERSION_META_KEY] === 'string') throw missingTaskCapability(String(name));
      return wrapped(request, ctx);
    };
  };
}
