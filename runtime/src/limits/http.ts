/**
 * The one place where the outcome of a call becomes an HTTP status on the SDK-served paths
 * (stateless HTTP and sessions): a call refused by a rate limit answers 429 with `Retry-After`
 * (the JSON-RPC body, a tool error saying when to retry, is kept for clients that read it).
 *
 * The policy stage marks the request's `Edge` (core/edge.ts), which reaches it as a value in the
 * SDK's `AuthInfo`; this wrapper reads the same value from the options the SDK handler was called
 * with. It wraps the web-standard `fetch` handler that `toNodeHandler` serves, so nothing patches
 * Node's response. The fast path, which writes its own answers, reads the same mark (fastpath/).
 */
import type { AuthInfo } from '@modelcontextprotocol/server';
import { edgeOfAuthInfo, type Edge } from '../core/edge.js';
import { prependChunk } from '../core/streams.js';

type FetchOptions = { authInfo?: AuthInfo };
export interface FetchHandler<O extends FetchOptions = FetchOptions> {
  fetch(request: Request, options?: O): Promise<Response>;
}

/** The status to answer for an edge whose response would otherwise have `status`. */
export function statusFor(edge: Edge | undefined, status: number): number {
  return retryAfterFor(edge, status) !== undefined ? 429 : status;
}

/** The `Retry-After` value that goes with `statusFor`'s 429 (undefined: no rate-limit answer). */
export function retryAfterFor(edge: Edge | undefined, status: number): string | undefined {
  return edge?.retryAfterSeconds !== undefined && status === 200 ? String(edge.retryAfterSeconds) : undefined;
}

/**
 * Wraps a fetch handler so that a rate-limited call answers 429 + Retry-After. An event-stream
 * answer (2025 sessions, progress) is held until its first event, which is when the call's outcome
 * is known for a refused call (refusals happen before the handler runs).
 */
export function withOutcomeStatus<O extends FetchOptions>(handler: FetchHandler<O>, options: { holdEventStreams?: boolean } = {}): FetchHandler<O> {
  // Holding a stream costs a reader and a new stream per answer; without any rate limit no answer
  // can turn into a 429, so streams pass untouched (a few per cent of the 2025 path's throughput).
  const hold = options.holdEventStreams ?? true;
  return {
    async fetch(request, options) {
      const response = await handler.fetch(request, options);
      const edge = edgeOfAuthInfo(options?.authInfo);
      if (!edge || response.status !== 200) return response;
      if (edge.retryAfterSeconds === undefined && (!hold || !isEventStream(response))) return response;
      let body: ReadableStream<Uint8Array> | null = response.body;
      if (isEventStream(response) && body) {
        // A GET stream carries no call (and may stay silent for hours): only POST answers are held.
        if (edge.retryAfterSeconds === undefined && request.method !== 'POST') return response;
        const reader = body.getReader();
        const first = await reader.read();
        body = prependChunk(first.done ? undefined : first.value, reader);
      }
      const retryAfter = retryAfterFor(edge, response.status);
      if (retryAfter === undefined) return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
      const headers = new Headers(response.headers);
      headers.set('retry-after', retryAfter);
      return new Response(body, { status: statusFor(edge, response.status), headers });
    },
  };
}

function isEventStream(response: Response): boolean {
  return response.headers.get('content-type')?.startsWith('text/event-stream') ?? false;
}
