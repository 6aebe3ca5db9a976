/**
 * What a tool call needs from the HTTP request it arrived on, and what it tells the response.
 *
 * The SDK turns the Node request into a web `Request` and hands tool callbacks only that copy
 * (`ctx.http.req`), so the link back is a header this module sets on every request — the
 * client's own value, if any, is overwritten, so it cannot be forged — naming a per-request
 * slot. Through the slot a call learns the client address (the rate-limit key of anonymous
 * callers) and marks itself rate limited, which turns the response into HTTP 429 + Retry-After.
 * (No AsyncLocalStorage: it would slow every promise in the process, fast path included.)
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Internal request header carrying the slot id from the HTTP layer to the tool call. */
export const HTTP_CALL_HEADER = 'x-mcpforge-call-slot';
/** Property of the fast path's handler context holding its slot (it has no web Request). */
export const CALL_PEER = 'mcpforgeCallSlot';

export interface HttpCallSlot {
  /** The client address (the TCP peer; proxies are not trusted, see docs/security.md). */
  readonly peer: string | undefined;
  /** Set by a call refused by a rate limit: the response becomes 429 with this Retry-After. */
  retryAfterSeconds?: number;
}

const slots = new Map<string, HttpCallSlot>();

/** A new slot for a request on `res`'s socket (the fast path makes its own). */
export function newCallSlot(res: { socket?: { remoteAddress?: string | undefined } | null }): HttpCallSlot {
  const peer = res.socket?.remoteAddress;
  return { peer: peer === undefined ? undefined : `ip:${peer}` };
}

const responseSlots = new WeakMap<object, HttpCallSlot>();

/** The fast path's slot for a response (created on first use). */
export function responseSlot(res: ServerResponse): HttpCallSlot {
  let slot = responseSlots.get(res);
  if (!slot) responseSlots.set(res, (slot = newCallSlot(res)));
  return slot;
}

/** `Retry-After` seconds when a call answered on `res` was rate limited (fast path). */
export function retryAfterOf(res: ServerResponse): number | undefined {
  return responseSlots.get(res)?.retryAfterSeconds;
}

/** The slot of the request a tool call arrived on, if it came over HTTP. */
export function callerPeer(sdkCtx: unknown): HttpCallSlot | undefined {
  const ctx = sdkCtx as { http?: { req?: { headers?: { get(name: string): string | null } } }; [CALL_PEER]?: HttpCallSlot } | undefined;
  if (!ctx) return undefined;
  const own = ctx[CALL_PEER];
  if (own) return own;
  const id = ctx.http?.req?.headers?.get(HTTP_CALL_HEADER);
  return id ? slots.get(id) : undefined;
}

/** 429 when the slot was marked, else the status as given. */
export function rateLimitedStatus(slot: HttpCallSlot, status: number): number {
  return slot.retryAfterSeconds !== undefined && status === 200 ? 429 : status;
}

/**
 * Wraps the SDK's node handler: opens a slot for the request and, when a call in it was rate
 * limited, answers 429 with `Retry-After` instead of 200 (the JSON-RPC body, a tool error saying
 * when to retry, is kept for clients that read it).
 */
export function withHttpCallStatus<R extends { headers: IncomingMessage['headers'] }>(handler: (req: R, res: ServerResponse) => Promise<void>): (req: R, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    const id = randomUUID();
    // From the response: the fast path hands the SDK a replayed request object without a socket.
    const slot = newCallSlot(res);
    req.headers[HTTP_CALL_HEADER] = id;
    slots.set(id, slot);
    const writeHead = res.writeHead;
    res.writeHead = function patchedWriteHead(this: ServerResponse, status: number, ...rest: unknown[]) {
      if (slot.retryAfterSeconds !== undefined && status === 200) {
        res.setHeader('retry-after', String(slot.retryAfterSeconds));
        status = 429;
      }
      return (writeHead as (...args: unknown[]) => ServerResponse).call(this, status, ...rest);
    } as ServerResponse['writeHead'];
    try {
      await handler(req, res);
    } finally {
      slots.delete(id);
    }
  };
}
