/**
 * The HTTP side of cancellation: a session-less POST carrying `notifications/cancelled` aborts
 * the caller's running call with that request id (see index.ts), then goes on to the SDK as before
 * (which answers 202). Session requests are left to their session, which cancels by itself.
 */
import type { AuthInfo } from '@modelcontextprotocol/server';
import { ANONYMOUS, callerKey, edgeOfAuthInfo, identityOfAuthInfo } from '../core/edge.js';
import { cancelledIds, type Cancellations } from './index.js';

interface FetchHandler {
  fetch(request: Request, options?: { authInfo?: AuthInfo; parsedBody?: unknown }): Promise<Response>;
}

/** Wraps a fetch handler that receives parsed bodies (behind `interceptReplies`). */
export function withCancelNotifications<H extends FetchHandler>(handler: H, cancellations: Cancellations): H {
  return {
    ...handler,
    async fetch(request: Request, options?: { authInfo?: AuthInfo; parsedBody?: unknown }) {
      if (request.method === 'POST' && !request.headers.has('mcp-session-id') && options?.parsedBody !== undefined) {
        const ids = cancelledIds(options.parsedBody);
        if (ids.length > 0) {
          const identity = identityOfAuthInfo(options.authInfo) ?? ANONYMOUS;
          const caller = callerKey(identity, edgeOfAuthInfo(options.authInfo)?.peer);
          for (const id of ids) cancellations.cancel(caller, id);
        }
      }
      return handler.fetch(request, options);
    },
  } as H;
}
