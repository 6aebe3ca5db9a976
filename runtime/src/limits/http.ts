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

type FetchOptions = { authInfo?: AuthInfo };
export interface FetchHandler<O extends FetchOptions = FetchOptions> {
  fetch(request: Request, options?: O): Promise<Response>;
}

/** The status to answer for an edge whose response would otherwise have `status`. */
export function statusFor(edge: Edge | undefined, status: number): number {
  return edge?.retryAfterSeconds !== undefined && status === 200 ? 429 : status;
}

/**
 * Wraps a fetch handler so that a rate-limited call answers 429 + Retry-After. An event-stream
 * answer (2025 sessions, progress) is held until its first event, which is when the call's outcome
 * is known for a refused call (refusals happen before the handler runs).
 */
export function withOutcomeStatus<O extends FetchOptions>(handler: FetchHandler<O>): FetchHandler<O> {
  return {
    async fetch(request, options) {
      const response = await handler.fetch(request, options);
      const edge = edgeOfAuthInfo(options?.authInfo);
      if (!edge || response.status !== 200) return response;
      if (edge.retryAfterSeconds === undefined && !isEventStream(response)) return response;
      let body: ReadableStream<Uint8Array> | null = response.body;
      if (isEventStream(response) && body) {
        // A GET stream carries no call (and may stay silent for hours): only POST answers are held.
        if (edge.retryAfterSeconds === undefined && request.method !== 'POST') return response;
        const reader = body.getReader();
        const first = await reader.read();
        body = new ReadableStream<Uint8Array>({
          start(controller) {
            if (first.done) controller.close();
            else controller.enqueue(first.value);
          },
          async pull(controller) {
            const next = await reader.read();
            if (next.done) controller.close();
            else controller.enqueue(next.value);
          },
          cancel(reason) {
            return reader.cancel(reason);
          },
        });
      }
      if (edge.retryAfterSeconds === undefined) return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
      const headers = new Headers(response.headers);
      headers.set('retry-after', String(edge.retryAfterSeconds));
      return new Response(body, { status: statusFor(edge, response.status), headers });
    },
  };
}

function isEventStream(response: Response): boolean {
  return response.headers.get('content-type')?.startsWith('text/event-stream') ?? false;
}
