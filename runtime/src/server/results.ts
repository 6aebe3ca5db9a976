/**
 * Turns what handlers return (or throw) into MCP results, per the contract's `ToolReturn`,
 * `ResourceReturn` and `PromptReturn`. Only `ToolError` messages reach clients; anything else is
 * logged and answered with the request id.
 */
import {
  ProtocolError,
  ProtocolErrorCode,
  isCallToolResult,
  type CallToolResult,
  type GetPromptResult,
  type ReadResourceResult,
} from '@modelcontextprotocol/server';
import type { Logger } from 'pino';
import { ErrorCode, internalErrorMessage, isToolError } from '../errors/index.js';
import { validateWith } from '../validation/index.js';
import type { CompiledValidator, ResourceManifestEntry, ToolManifestEntry } from './contract.js';

type ToolResult = CallToolResult;

export function errorResult(message: string, code: string, data?: unknown): ToolResult {
  return {
    content: [{ type: 'text', text: message }],
    isError: true,
    _meta: { 'mcpforge/error': { code, ...(data === undefined ? {} : { data }) } },
  };
}

export function toolErrorResult(error: unknown, log: Logger, requestId: string): ToolResult {
  if (isToolError(error)) return errorResult(error.message, error.code, error.data);
  log.error({ err: error }, 'tool handler failed');
  return errorResult(internalErrorMessage(requestId), ErrorCode.Internal);
}

/** Normalises what a tool handler returned into a `CallToolResult` (see contract `ToolReturn`). */
export function toolResult(
  entry: ToolManifestEntry,
  value: unknown,
  outputValidator: CompiledValidator | undefined,
  // The context itself, not its logger: `ctx.log` is built on first read, and only a failure logs.
  ctx: { readonly log: Logger; readonly requestId: string },
): ToolResult {
  if (outputValidator) {
    if (isCallToolResult(value) && (value as ToolResult).isError) return value as ToolResult;
    const check = validateWith(outputValidator, value);
    if (!check.valid) {
      ctx.log.error({ code: ErrorCode.InvalidOutput, problems: check.message }, `tool "${entry.name}" returned output that does not match its output schema`);
      return errorResult(internalErrorMessage(ctx.requestId), ErrorCode.Internal);
    }
    return { content: [{ type: 'text', text: JSON.stringify(value) }], structuredContent: value as Record<string, unknown> };
  }
  if (typeof value === 'string') return { content: [{ type: 'text', text: value }] };
  if (isCallToolResult(value)) return value as ToolResult;
  // Not allowed by the types, but a plain JS handler may return data: show it rather than fail.
  return { content: [{ type: 'text', text: value === undefined ? '' : JSON.stringify(value) }] };
}

export function resourceResult(
  entry: ResourceManifestEntry,
  uri: string,
  value: unknown,
  validate: CompiledValidator | undefined,
  log: Logger,
  requestId: string,
): ReadResourceResult {
  if (entry.schema) {
    if (validate) {
      const check = validateWith(validate, value);
      if (!check.valid) {
        log.error({ code: ErrorCode.InvalidOutput, problems: check.message }, `resource "${entry.name}" returned data that does not match its schema`);
        throw new ProtocolError(ProtocolErrorCode.InternalError, internalErrorMessage(requestId));
      }
    }
    return { contents: [{ uri, mimeType: entry.mimeType ?? 'application/json', text: JSON.stringify(value) }] };
  }
  if (typeof value === 'string') return { contents: [{ uri, mimeType: entry.mimeType ?? 'text/plain', text: value }] };
  if (typeof value === 'object' && value !== null && Array.isArray((value as ReadResourceResult).contents)) return value as ReadResourceResult;
  return { contents: [{ uri, mimeType: entry.mimeType ?? 'application/json', text: JSON.stringify(value ?? null) }] };
}

export function promptResult(value: unknown): GetPromptResult {
  if (typeof value === 'string') return { messages: [{ role: 'user', content: { type: 'text', text: value } }] };
  return value as GetPromptResult;
}

/** Resource and prompt failures are JSON-RPC errors; only `ToolError` messages reach the client. */
export function protocolError(error: unknown, log: Logger, requestId: string): ProtocolError {
  if (error instanceof ProtocolError) return error;
  if (isToolError(error)) return new ProtocolError(ProtocolErrorCode.InvalidParams, error.message, { code: error.code, ...(error.data === undefined ? {} : { data: error.data }) });
  log.error({ err: error }, 'handler failed');
  return new ProtocolError(ProtocolErrorCode.InternalError, internalErrorMessage(requestId));
}
