/**
 * `resources/subscribe` and `resources/unsubscribe` (the SDK's McpServer has no handlers for them)
 * and `notifications/resources/updated` for subscribers.
 *
 * Subscriptions belong to a connection: a stdio connection, a stateful HTTP session (2025) or a
 * WebSocket. They live in the server instance serving it and end when it closes. On stateless
 * HTTP every request gets a fresh instance, so a subscription is acknowledged but there is no
 * stream left to notify on; clients that need updates use a session (MCP_HTTP_SESSIONS=stateful).
 */
import { ProtocolError, ProtocolErrorCode, type McpServer, type ServerContext } from '@modelcontextprotocol/server';
import type { Logger } from 'pino';

export interface ResourceSubscriptions {
  /** Installs the handlers on an instance and declares `resources.subscribe`. */
  install(server: McpServer): void;
  /** Forgets every subscription of an instance (it closed). */
  drop(server: McpServer): void;
  /** Sends `notifications/resources/updated` to every connection subscribed to `uri`. */
  updated(uri: string): Promise<void>;
  /** Connections currently subscribed to `uri`. */
  count(uri: string): number;
  /** Called when the first connection subscribes to `uri` or the last one leaves (handlers may start/stop watching). */
  onChange?: (uri: string, subscribed: boolean) => void;
}

/** Most distinct URIs one connection may subscribe to: a bound against a client filling memory. */
export const MAX_SUBSCRIPTIONS_PER_CONNECTION = 1000;

/** Throws (a scope denial) when the request's caller may not read the resource at `uri`. */
export type SubscribeGate = (uri: string, sdkCtx: ServerContext) => void;

export function createResourceSubscriptions(logger: Logger, authorize: SubscribeGate = () => {}): ResourceSubscriptions {
  const byUri = new Map<string, Set<McpServer>>();
  const byServer = new Map<McpServer, Set<string>>();

  function remove(server: McpServer, uri: string): void {
    byServer.get(server)?.delete(uri);
    const set = byUri.get(uri);
    if (!set?.delete(server)) return;
    if (set.size === 0) {
      byUri.delete(uri);
      subs.onChange?.(uri, false);
    }
  }

  const subs: ResourceSubscriptions = {
    install(server) {
      server.server.registerCapabilities({ resources: { subscribe: true } });
      server.server.setRequestHandler('resources/subscribe', async (request, sdkCtx) => {
        const uri = checkUri(request.params.uri);
        authorize(uri, sdkCtx);
        let mine = byServer.get(server);
        if (!mine) byServer.set(server, (mine = new Set()));
        if (!mine.has(uri) && mine.size >= MAX_SUBSCRIPTIONS_PER_CONNECTION) {
          throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Too many subscriptions on this connection (limit ${MAX_SUBSCRIPTIONS_PER_CONNECTION}); unsubscribe from some first.`);
        }
        mine.add(uri);
        let set = byUri.get(uri);
        if (!set) {
          byUri.set(uri, (set = new Set()));
          set.add(server);
          subs.onChange?.(uri, true);
        } else set.add(server);
        return {};
      });
      server.server.setRequestHandler('resources/unsubscribe', async (request) => {
        remove(server, checkUri(request.params.uri));
        return {};
      });
    },
    drop(server) {
      for (const uri of [...(byServer.get(server) ?? [])]) remove(server, uri);
      byServer.delete(server);
    },
    async updated(uri) {
      const servers = [...(byUri.get(uri) ?? [])];
      await Promise.all(
        servers.map((server) =>
          server.server.sendResourceUpdated({ uri }).catch((error: unknown) => {
            // A subscriber whose connection just broke must not fail the handler announcing the change.
            logger.debug({ err: error, uri }, 'resource update notification not delivered');
          }),
        ),
      );
    },
    count(uri) {
      return byUri.get(uri)?.size ?? 0;
    },
  };
  return subs;
}

function checkUri(uri: unknown): string {
  if (typeof uri !== 'string' || uri.length === 0) throw new ProtocolError(ProtocolErrorCode.InvalidParams, 'resources/subscribe needs a non-empty "uri"');
  return uri;
}
