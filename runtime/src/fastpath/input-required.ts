/**
 * How the fast path answers a tool whose handler asked the client for input (`ctx.elicit`,
 * `ctx.sample`, `ctx.listRoots`): the `input_required` result of protocol 2026-07-28, or the
 * typed `-32021` error when the request's envelope does not declare the client capability an
 * embedded request needs.
 *
 * Why here and not in the SDK: once a handler has started, the request must never be handed to the
 * SDK (the handler would run a second time, side effects and metrics included). So the fast path
 * finishes what it started, with the same rules the SDK's input-required seam applies (the
 * differential test holds both to the same bytes):
 * - form elicitation needs `elicitation.form` (a bare `elicitation: {}` counts as form), URL
 *   elicitation `elicitation.url`, sampling `sampling` (`sampling.tools` when tools are offered),
 *   `roots/list` needs `roots`;
 * - a result must carry input requests or a request state.
 */
import type { InputRequiredResult } from '@modelcontextprotocol/server';

type Capabilities = Record<string, unknown>;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The client capabilities an embedded request needs; undefined for a kind 2026-07-28 does not embed. */
export function requiredCapabilities(entry: { method: string; params?: Record<string, unknown> }): Capabilities | undefined {
  switch (entry.method) {
    case 'elicitation/create':
      return entry.params?.mode === 'url' ? { elicitation: { url: {} } } : { elicitation: { form: {} } };
    case 'sampling/createMessage':
      return entry.params !== undefined && (entry.params.tools !== undefined || entry.params.toolChoice !== undefined) ? { sampling: { tools: {} } } : { sampling: {} };
    case 'roots/list':
      return { roots: {} };
    default:
      return undefined;
  }
}

/** The subset of `required` that `declared` lacks (undefined when all are declared). */
export function missingCapabilities(required: Capabilities, declared: Capabilities | undefined): Capabilities | undefined {
  const missing: Capabilities = {};
  for (const [capability, requirement] of Object.entries(required)) {
    const have = declared?.[capability];
    if (have === undefined) {
      missing[capability] = requirement;
      continue;
    }
    if (!isPlainObject(requirement) || !isPlainObject(have)) continue;
    const members: Capabilities = {};
    for (const [member, need] of Object.entries(requirement)) {
      // A bare `elicitation: {}` is the 2025 meaning: form elicitation.
      const implied = capability === 'elicitation' && member === 'form' && Object.keys(have).length === 0;
      if (need !== undefined && have[member] === undefined && !implied) members[member] = need;
    }
    if (Object.keys(members).length > 0) missing[capability] = members;
  }
  return Object.keys(missing).length > 0 ? missing : undefined;
}

/** A JSON-RPC error answer: its HTTP status (the SDK answers -32021 with 400) and body. */
export interface ErrorAnswer {
  status: number;
  body: string;
}

/**
 * The JSON-RPC error answer for an input-required result this client cannot fulfil, or for a
 * malformed one; undefined when the result may be sent as it is.
 */
export function inputRequiredError(result: InputRequiredResult, declared: unknown, idJson: string): ErrorAnswer | undefined {
  const requests = (result as { inputRequests?: unknown }).inputRequests;
  const hasRequests = isPlainObject(requests) && Object.keys(requests).length > 0;
  if (!hasRequests && typeof (result as { requestState?: unknown }).requestState !== 'string') {
    return internal(idJson, 'Handler for tools/call returned an input-required result with neither inputRequests nor requestState (every InputRequiredResult must include at least one of the two)');
  }
  if (!hasRequests) return undefined;
  for (const [key, entry] of Object.entries(requests)) {
    if (!isPlainObject(entry) || typeof entry.method !== 'string') return internal(idJson, `Handler for tools/call returned an invalid input request '${key}'`);
    const required = requiredCapabilities(entry as { method: string; params?: Record<string, unknown> });
    if (!required) return internal(idJson, `Handler for tools/call returned an input request '${key}' of kind '${entry.method}', which is not an embedded request`);
    const missing = missingCapabilities(required, isPlainObject(declared) ? declared : undefined);
    if (missing) {
      const message = `Cannot request input '${key}' (${entry.method}): the request's client capabilities do not declare the required capability`;
      return { status: 400, body: `{"jsonrpc":"2.0","id":${idJson},"error":${JSON.stringify({ code: -32021, message, data: { requiredCapabilities: missing } })}}` };
    }
  }
  return undefined;
}

function internal(idJson: string, message: string): ErrorAnswer {
  return { status: 200, body: `{"jsonrpc":"2.0","id":${idJson},"error":${JSON.stringify({ code: -32603, message })}}` };
}
