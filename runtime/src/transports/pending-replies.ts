/**
 * Server-to-client requests over stateless HTTP (protocol 2025-11-25 clients, no session).
 *
 * The 2025 Streamable HTTP transport lets a server send JSON-RPC requests (elicitation/create,
 * sampling/createMessage, roots/list) on the SSE stream of the POST it is answering; the client
 * POSTs its JSON-RPC response back to the endpoint as a separate request. With sessions that reply
 * reaches the session's server instance. Stateless, every POST gets a fresh instance, so the reply
 * would land on one that never sent the request and be dropped.
 *
 * This module correlates the two within one process:
 * - `withPendingReplies(factory, replies)` wraps the stateless handler's legacy-era instances: each
 *   outgoing server-to-client request gets a server-chosen, unguessable id (`mcpforge-<uuid>`) and
 *   is registered here with the caller's identity and the instance that waits for it;
 * - `interceptReplies(handler, replies)` answers a session-less POST that carries only JSON-RPC
 *   responses to an id of ours: a known id from the same caller is handed to the waiting instance
 *   (202); an unknown or expired one, or another caller's, gets a clear 4xx error instead of being
 *   silently dropped. Responses to ids this server never uses are left to the SDK (202, ignored).
 *
 * Entries expire (`timeoutMs`) and are bounded (`maxPending`); an instance's entries go when its
 * exchange ends. Across replicas the reply must reach the same process: sticky routing, or
 * MCP_HTTP_SESSIONS=stateful (docs/transports.md).
 */
import { randomUUID } from 'node:crypto';
import {
  McpServer,
  type AuthInfo,
  type JSONRPCMessage,
  type McpHttpHandler,
  type McpServerFactory,
  type RequestId,
  type Server,
  type Transport,
} from '@modelcontextprotocol/server';
import { identityFromAuthInfo } from '../auth/http.js';

/** Matches the SDK's per-leg timeout for push-style input (legs are human-paced). */
export const DEFAULT_PENDING_REPLY_TIMEOUT_MS = 10 * 60_000;
export const DEFAULT_MAX_PENDING_REPLIES = 10_000;
/** Prefix of the ids this server gives its server-to-client requests. */
export const REPLY_ID_PREFIX = 'mcpforge-';

export interface PendingRepliesOptions {
  /** How long a request waits for its reply before its entry is dropped (default 10 minutes). */
  timeoutMs?: number;
  /** At most this many requests wait at once; beyond it sending a request fails (default 10,000). */
  maxPending?: number;
}

/** Hands a reply to the waiting instance (its transport's `onmessage`), with the instance's own id restored. */
type Deliver = (message: JSONRPCMessage) => void;

interface Pending {
  deliver: Deliver;
  originalId: RequestId;
  /** Who made the call that is waiting; undefined when authentication is off. */
  caller: string | undefined;
  owner: object;
  timer: NodeJS.Timeout;
}

export type ReplyOutcome = { ok: true } | { ok: false; status: 400 | 403; message: string };

/** The process-wide table of server-to-client requests waiting for their reply POST. */
export class PendingReplies {
  private readonly pending = new Map<string, Pending>();
  private readonly timeoutMs: number;
  private readonly maxPending: number;

  constructor(options: PendingRepliesOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_PENDING_REPLY_TIMEOUT_MS;
    this.maxPending = options.maxPending ?? DEFAULT_MAX_PENDING_REPLIES;
  }

  get size(): number {
    return this.pending.size;
  }

  /** Registers a request sent by `owner`; returns the id to put on the wire. Throws when full. */
  register(owner: object, originalId: RequestId, caller: string | undefined, deliver: Deliver): string {
    if (this.pending.size >= this.maxPending) {
      throw new Error(`Too many server-to-client requests are waiting for a reply (${this.maxPending}); retry later`);
    }
    const id = `${REPLY_ID_PREFIX}${randomUUID()}`;
    // Unref'd: a request nobody answers must not keep the process alive.
    const timer = setTimeout(() => this.pending.delete(id), this.timeoutMs);
    timer.unref();
    this.pending.set(id, { deliver, originalId, caller, owner, timer });
    return id;
  }

  /** The instance's own id for a wire id it registered (for `notifications/cancelled`). */
  wireIdOf(owner: object, originalId: RequestId): string | undefined {
    for (const [id, entry] of this.pending) if (entry.owner === owner && entry.originalId === originalId) return id;
    return undefined;
  }

  /** Checks that every reply can be delivered (known id, same caller), then delivers them all. */
  resolve(replies: Array<{ id: unknown } & JSONRPCMessage>, caller: string | undefined): ReplyOutcome {
    for (const reply of replies) {
      const entry = typeof reply.id === 'string' ? this.pending.get(reply.id) : undefined;
      if (!entry) {
        return {
          ok: false,
          status: 400,
          message: `No request of this server is waiting for a reply with id ${JSON.stringify(reply.id)}: it was answered already, timed out, or was sent by another server process (route replies to the same replica, or run with MCP_HTTP_SESSIONS=stateful)`,
        };
      }
      // A reply answers on behalf of the caller whose call is waiting: nobody else may give it.
      if (entry.caller !== undefined && entry.caller !== caller) {
        return {
          ok: false,
          status: 403,
          message: `The request with id ${JSON.stringify(reply.id)} was sent to another caller; only that caller can answer it`,
        };
      }
    }
    for (const reply of replies) {
      const id = reply.id as string;
      const entry = this.pending.get(id)!;
      this.forget(id, entry);
      entry.deliver({ ...reply, id: entry.originalId } as JSONRPCMessage);
    }
    return { ok: true };
  }

  /** Drops every entry of `owner` (its exchange ended: nobody waits for those replies any more). */
  release(owner: object): void {
    for (const [id, entry] of this.pending) if (entry.owner === owner) this.forget(id, entry);
  }

  /** Drops every entry (shutdown). */
  clear(): void {
    for (const [id, entry] of this.pending) this.forget(id, entry);
  }

  private forget(id: string, entry: Pending): void {
    clearTimeout(entry.timer);
    this.pending.delete(id);
  }
}

/** A stable string for the caller behind `authInfo`; undefined when authentication is off. */
export function callerOf(authInfo: AuthInfo | undefined): string | undefined {
  const identity = identityFromAuthInfo(authInfo);
  if (!identity || identity.anonymous) return undefined;
  return JSON.stringify([identity.method ?? '', identity.subject, identity.clientId ?? '']);
}

/**
 * What a stateless instance assumes the client supports. It never saw the client's `initialize`
 * (another instance answered it), so it cannot know; it asks only when a handler asks, and a client
 * without the capability answers with an error that the call reports.
 */
const ASSUMED_CLIENT_CAPABILITIES = {
  elicitation: { form: {} },
  sampling: {},
  roots: {},
};

/** Wraps the stateless handler's factory so its legacy-era instances register their requests in `replies`. */
export function withPendingReplies(factory: McpServerFactory, replies: PendingReplies): McpServerFactory {
  return async (ctx) => {
    const product = await factory(ctx);
    if (ctx.era !== 'legacy') return product;
    const server: Server = product instanceof McpServer ? product.server : product;
    // The SDK's push-style senders check the capabilities declared at `initialize`; see above. Set on
    // every request: factories pool instances, and a pooled one may carry another client's.
    (server as unknown as { _clientCapabilities?: unknown })._clientCapabilities = ASSUMED_CLIENT_CAPABILITIES;
    const caller = callerOf(ctx.authInfo);
    // For this one connect only: pooled instances are reused, for sessions too, and each request has its own caller.
    Reflect.deleteProperty(product, 'connect');
    const connect = product.connect.bind(product);
    product.connect = (transport: Transport) => {
      Reflect.deleteProperty(product, 'connect');
      return connect(correlating(transport, replies, caller));
    };
    return product;
  };
}

/** Rewrites the ids of outgoing requests and registers them; releases them when the exchange ends. */
function correlating(transport: Transport, replies: PendingReplies, caller: string | undefined): Transport {
  const owner = {};
  const send = transport.send.bind(transport);
  const close = transport.close.bind(transport);
  transport.send = async (message, options) => {
    if ('method' in message && 'id' in message) {
      const originalId = message.id;
      const id = replies.register(owner, originalId, caller, (reply) => transport.onmessage?.(reply));
      return send({ ...message, id }, options);
    }
    if ('method' in message && message.method === 'notifications/cancelled') {
      // A cancelled request (timeout, abort) is named by the id the client saw.
      const params = message.params as { requestId?: RequestId } | undefined;
      const wireId = params?.requestId === undefined ? undefined : replies.wireIdOf(owner, params.requestId);
      if (wireId !== undefined) return send({ ...message, params: { ...params, requestId: wireId } }, options);
    }
    return send(message, options);
  };
  transport.close = async () => {
    replies.release(owner);
    return close();
  };
  return transport;
}

/** A JSON-RPC response (result or error) with an id; such a body is a reply to a server-to-client request. */
function isReply(value: unknown): value is { id: RequestId } & JSONRPCMessage {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const message = value as Record<string, unknown>;
  return message.jsonrpc === '2.0' && !('method' in message) && ('result' in message || 'error' in message) && (typeof message.id === 'string' || typeof message.id === 'number');
}

/**
 * Answers session-less POSTs that carry only JSON-RPC responses from `replies`; everything else
 * goes to `handler` (with the body it already parsed, so nothing is read twice).
 */
export function interceptReplies(handler: Pick<McpHttpHandler, 'fetch'>, replies: PendingReplies): Pick<McpHttpHandler, 'fetch'> {
  return {
    async fetch(request, options) {
      // 2026-07-28 requests have no server-to-client requests; session requests belong to their session.
      const version = request.headers.get('mcp-protocol-version');
      if (request.method !== 'POST' || request.headers.has('mcp-session-id') || (version !== null && !version.startsWith('2025-') && !version.startsWith('2024-'))) {
        return handler.fetch(request, options);
      }
      if (options?.parsedBody !== undefined) return handler.fetch(request, options);
      let body: unknown;
      try {
        body = JSON.parse(await request.clone().text());
      } catch {
        // Not JSON: the SDK answers that.
        return handler.fetch(request, options);
      }
      const messages = Array.isArray(body) ? body : [body];
      // Only replies naming an id of ours are ours to judge; any other stray response keeps the SDK's
      // answer (202, ignored), as nothing in this server can be waiting for it.
      const ours = messages.length > 0 && messages.every(isReply) && messages.some((m) => typeof m.id === 'string' && m.id.startsWith(REPLY_ID_PREFIX));
      if (!ours) return handler.fetch(request, { ...options, parsedBody: body });
      const outcome = replies.resolve(messages, callerOf(options?.authInfo));
      if (outcome.ok) return new Response(null, { status: 202 });
      return Response.json(
        {
          jsonrpc: '2.0',
          error: { code: -32600, message: outcome.message },
          id: null,
        },
        { status: outcome.status },
      );
    },
  };
}
