/**
 * The one JSON-RPC envelope check of the message-oriented transports (stdio lines, WebSocket
 * frames), on the SDK's own guards: a valid request, notification or response passes; anything
 * else gets the error answers the SDK would otherwise drop in silence (its stream transports
 * log and ignore them, and a client would wait forever).
 *
 * - JSON but not a JSON-RPC 2.0 message: `-32600`, with the request's `id` when it is a string or
 *   an integer, else `id: null`; a value shaped like a notification (no `id`) or a response
 *   (`result`/`error`) is passed on unanswered (answering either could start a loop between two
 *   peers);
 * - a batch (a JSON array): `-32600` for each element carrying an id, one `id: null` error when
 *   none does (MCP left JSON-RPC batching in 2025-06-18).
 */
import { isJSONRPCNotification, isJSONRPCRequest, isJSONRPCResponse } from '@modelcontextprotocol/server';

type Id = string | number | null;

/** How a transport names itself in error messages. */
export interface EnvelopeUnit {
  /** `stdio`, `WebSocket`. */
  transport: string;
  /** What carries one message: `line`, `frame`. */
  unit: string;
  /** The message for a batch. */
  batches: string;
}

/** A JSON-RPC error response. */
export const jsonRpcError = (id: Id, code: number, message: string) => ({ jsonrpc: '2.0', id, error: { code, message } });
const error = jsonRpcError;

/** A string or an integer: what MCP allows as a request id (anything else is answered with `id: null`). */
export function usableId(value: unknown): Id {
  return typeof value === 'string' || (typeof value === 'number' && Number.isSafeInteger(value)) ? value : null;
}

const REQUEST_KEYS = new Set(['jsonrpc', 'id', 'method', 'params']);

/** What is wrong with an object that is not a valid JSON-RPC request (for the error message). */
function problemOf(message: Record<string, unknown>): string {
  if (message.jsonrpc !== '2.0') return '"jsonrpc" must be "2.0"';
  if (typeof message.method !== 'string') return '"method" must be a string';
  if (usableId(message.id) === null) return '"id" must be a string or an integer';
  if ('params' in message && (typeof message.params !== 'object' || message.params === null || Array.isArray(message.params))) return '"params" must be an object';
  const extra = Object.keys(message).find((key) => !REQUEST_KEYS.has(key));
  if (extra !== undefined) return `unexpected member "${extra}"`;
  return 'its params do not have the shape MCP requires';
}

function invalid(message: unknown, unit: EnvelopeUnit): string {
  const why = typeof message === 'object' && message !== null && !Array.isArray(message) ? `: ${problemOf(message as Record<string, unknown>)}` : `: the ${unit.unit} must hold one JSON-RPC object`;
  return `Invalid Request: not a JSON-RPC 2.0 message${why}`;
}

/**
 * The answers for one parsed message that the SDK would drop: undefined when it is a valid
 * message, a notification or a response (pass it on), else the error responses to send.
 */
export function envelopeAnswers(message: unknown, unit: EnvelopeUnit): Array<Record<string, unknown>> | undefined {
  if (Array.isArray(message)) {
    const text = `Invalid Request: ${unit.batches}`;
    const answers = message
      .filter((item): item is Record<string, unknown> => typeof item === 'object' && item !== null && !Array.isArray(item) && 'id' in item && !('result' in item) && !('error' in item))
      .map((item) => usableId(item.id))
      .filter((id) => id !== null)
      .map((id) => error(id, -32600, text));
    return answers.length > 0 ? answers : [error(null, -32600, text)];
  }
  if (isJSONRPCRequest(message) || isJSONRPCNotification(message) || isJSONRPCResponse(message)) return undefined;
  if (typeof message !== 'object' || message === null) return [error(null, -32600, invalid(message, unit))];
  const object = message as Record<string, unknown>;
  // Notification- or response-shaped: nothing may be sent back (see above).
  if (!('id' in object) || 'result' in object || 'error' in object) return undefined;
  return [error(usableId(object.id), -32600, invalid(object, unit))];
}
