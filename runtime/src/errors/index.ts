/**
 * Errors meant for the client (`ToolError`) versus everything else (internal errors).
 *
 * A handler throws `ToolError` when the caller can do something about the failure (bad id, missing
 * permission, upstream said no). Any other exception is a bug or an outage: it is logged with a
 * request id and the client only sees `Internal error (request id <id>)`, so stacks, SQL and secrets
 * never leave the process.
 */

/** Stable, machine-readable error codes used in tool results, logs and `ToolError.code`. */
export enum ErrorCode {
  /** The caller's arguments do not match the tool's input schema. */
  InvalidArguments = 'invalid_arguments',
  /** A handler refused the call with a message meant for the caller (`ToolError`). */
  ToolFailed = 'tool_failed',
  /** An unexpected exception in a handler; details are in the server log under the request id. */
  Internal = 'internal_error',
  /** A handler returned data that does not match its declared output schema (a server bug). */
  InvalidOutput = 'invalid_output',
  /** A path given to a file tool leaves its sandbox or is malformed. */
  PathOutsideSandbox = 'path_outside_sandbox',
  /** The requested file, resource or record does not exist. */
  NotFound = 'not_found',
  /** A configuration value (env or flag) is invalid; the server refuses to start. */
  InvalidConfig = 'invalid_config',
}

export interface ToolErrorOptions {
  /** Machine-readable code; defaults to `ErrorCode.ToolFailed`. */
  code?: ErrorCode | string;
  /** Extra JSON data for the client, sent in the result's `_meta["mcpforge/error"]` next to the code. */
  data?: unknown;
  cause?: unknown;
}

/**
 * An error whose message is shown to the client as an `isError: true` tool result.
 *
 * @example
 * ```ts
 * if (!note) throw new ToolError(`No note with id ${input.id}; call list_notes to see the ids`);
 * ```
 */
export class ToolError extends Error {
  readonly code: string;
  readonly data?: unknown;

  constructor(message: string, options: ToolErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ToolError';
    this.code = options.code ?? ErrorCode.ToolFailed;
    if (options.data !== undefined) this.data = options.data;
  }
}

/** True for `ToolError`s, also across duplicate copies of this package (checked by name and shape). */
export function isToolError(error: unknown): error is ToolError {
  if (error instanceof ToolError) return true;
  return error instanceof Error && error.name === 'ToolError' && typeof (error as { code?: unknown }).code === 'string';
}

/** The only text a client ever sees for an unexpected failure. */
export function internalErrorMessage(requestId: string): string {
  return `Internal error (request id ${requestId})`;
}

/** What a failure becomes on the wire: the client-facing message and whether it is the caller's fault. */
export interface MappedError {
  message: string;
  code: string;
  data?: unknown;
  /** False for internal errors: log them, they are not the caller's fault. */
  expected: boolean;
}

/** Maps any thrown value to what the client may see; internal errors keep only the request id. */
export function mapError(error: unknown, requestId: string): MappedError {
  if (isToolError(error)) {
    return { message: error.message, code: error.code, ...(error.data === undefined ? {} : { data: error.data }), expected: true };
  }
  return { message: internalErrorMessage(requestId), code: ErrorCode.Internal, expected: false };
}
