/**
 * Request params that break the protocol's own schema (a prompt argument that is not a string,
 * `arguments` that is not an object, ...) are the caller's mistake: -32602 with the pointer and the
 * rule, never -32603 with a raw validation dump.
 *
 * The SDK checks a request against its wire schema inside the handler it stores for the method and
 * throws a plain `Error` whose message is the zod issue list; its `_wrapHandler` hook (an overridable
 * method of the low-level `Server`, the SDK's own extension seam) wraps every handler registered after
 * construction, so the translation happens there, once, for every method and transport.
 */
import { ProtocolError, ProtocolErrorCode, type McpServer } from '@modelcontextprotocol/server';

type Handler = (request: unknown, ctx: unknown) => Promise<unknown>;

interface Issue {
  path?: unknown[];
  message?: string;
}

/** `Invalid params for prompts/get: /arguments/user: expected string, received number`, or undefined if `error` is no issue list. */
export function describeParamIssues(method: string, error: unknown): string | undefined {
  if (!(error instanceof Error) || error instanceof ProtocolError) return undefined;
  let issues: unknown;
  try {
    issues = JSON.parse(error.message);
  } catch {
    return undefined;
  }
  if (!Array.isArray(issues) || issues.length === 0 || !issues.every((i) => typeof i === 'object' && i !== null && Array.isArray((i as Issue).path))) return undefined;
  const parts = (issues as Issue[]).slice(0, 5).map((issue) => {
    const path = issue.path!.slice(issue.path![0] === 'params' ? 1 : 0).map(String);
    const rule = String(issue.message ?? 'invalid').replace(/^Invalid input: /, '');
    return `${path.length > 0 ? `/${path.join('/')}` : '/'}: ${rule}`;
  });
  return `Invalid params for ${method}: ${parts.join('; ')}`;
}

/** Installs the translation on an instance, before its handlers are registered. */
export function readableParamErrors(server: McpServer): void {
  const low = server.server as unknown as { _wrapHandler(method: string, handler: Handler): Handler };
  const original = low._wrapHandler.bind(low);
  low._wrapHandler = (method, handler) => {
    const wrapped = original(method, handler);
    return async (request, ctx) => {
      try {
        return await wrapped(request, ctx);
      } catch (error) {
        const message = describeParamIssues(method, error);
        if (message === undefined) throw error;
        throw new ProtocolError(ProtocolErrorCode.InvalidParams, message);
      }
    };
  };
}
