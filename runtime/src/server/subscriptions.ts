/**
 * `resources/subscribe` and `resources/unsubscribe` (the SDK's McpServer has no handlers for them)
 * and `notifications/resources/updated` for subscribers.
 *
 * Subscriptions belong to a connection: a stdio connection, a stateful HTTP session (2025) or a
 * WebSocket. They live in the server instance serving it and end when it closes. On stateless
 * HTTP every request gets a fresh instance, so a 2025 subscription is acknowledged but there is no
 * stream left to notify on (such clients use a session, MCP_HTTP_SESSIONS=stateful); 2026-07-28
 * clients open a `subscriptions/listen` stream instead (transports/listen.ts), which `watch`es here.
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
  /** Connections currently subscribed to `uri` (listen streams included). */
  count(uri: string): number;
  /**
   * A 2026-07-28 `subscriptions/listen` stream's interest in `uris` (it has no server instance):
   * `onUpdated` hears each `updated(uri)` for them until the returned function is called.
   */
  watch(uris: readonly string[], onUpdated: (uri: string) => void): () => void;
  /** Whether the caller of `sdkCtx` may hear about `uri` (the same scope check as `resources/subscribe`). */
  allows(uri: string, sdkCtx: ServerContext): boolean;
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
  const watchers = new Map<string, Set<(uri: string) => void>>();
  const subscribers = (uri: string) => (byUri.get(uri)?.size ?? 0) + (watchers.get(uri)?.size ?? 0);

  function remove(server: McpServer, uri: string): void {
    byServer.get(server)?.delete(uri);
    const set = byUri.get(uri);
    if (!set?.delete(server)) return;
    if (set.size === 0) byUri.delete(uri);
    if (subscribers(uri) === 0) subs.onChange?.(uri, false);
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
        if (!set) byUri.set(uri, (set = new Set()));
        if (set.has(server)) return {};
        set.add(server);
        if (subscribers(uri) === 1) subs.onChange?.(uri, true);
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
    watch(uris, onUpdated) {
      const mine = [...new Set(uris)];
      for (const uri of mine) {
        let set = watchers.get(uri);
        if (!set) watchers.set(uri, (set = new Set()));
        set.add(onUpdated);
        if (subscribers(uri) === 1) subs.onChange?.(uri, true);
      }
      let live = true;
      return () => {
        if (!live) return;
        live = false;
        for (const uri of mine) {
          const set = watchers.get(uri);
          if (!set?.delete(onUpdated)) continue;
          if (set.size === 0) watchers.delete(uri);
          if (subscribers(uri) === 0) subs.onChange?.(uri, false);
        }
      };
    },
    allows(uri, sdkCtx) {
      try {
        authorize(uri, sdkCtx);
        return true;
      } catch {
        return false;
      }
    },
    async updated(uri) {
      for (const onUpdated of [...(watchers.get(uri) ?? [])]) {
        try {
          onUpdated(uri);
        } catch (error) {
          logger.debug({ err: error, uri }, 'resource update not delivered to a listen stream');
        }
      }
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
      return subscribers(uri);
    },
  };
  return subs;
}

function checkUri(uri: unknown): string {
  if (typeof uri !== 'string' || uri.length === 0) throw new ProtocolError(ProtocolErrorCode.InvalidParams, 'resources/subscribe needs a non-empty "uri"');
  return uri;
}
