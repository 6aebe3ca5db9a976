/**
 * Cancellation that reaches the running call wherever it runs.
 *
 * On stdio, WebSocket and HTTP sessions the SDK aborts a call when `notifications/cancelled`
 * arrives on the same connection. A 2025-era client on default stateless HTTP sends the
 * notification in a POST of its own, which another server instance — or another replica — answers.
 * So calls served over HTTP register here by (caller, request id) while they run, and a cancel
 * notification arriving on any request aborts the matching call's `ctx.signal`: in this process
 * directly, and in the other replicas through Redis pub/sub (`attachRedis`).
 *
 * The caller is part of the key: one caller can never cancel another's call, even with the same
 * request id (2025 clients number requests from 1).
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

export type RequestId = string | number;

export interface Cancellations {
  /** Registers a running call; the returned function unregisters it (call it when the call ends). */
  track(caller: string, requestId: RequestId, controller: AbortController): () => void;
  /** Aborts the caller's call with that id here and, with Redis attached, on every other replica. */
  cancel(caller: string, requestId: RequestId, reason?: string): void;
  /** Calls running here now. */
  readonly size: number;
  /** Fans cancellations out through Redis pub/sub (production); resolves once subscribed. */
  attachRedis(publisher: Redis, channel: string, logger?: Logger): Promise<() => Promise<void>>;
}

const keyOf = (caller: string, requestId: RequestId) => JSON.stringify([caller, requestId]);

export function createCancellations(): Cancellations {
  const running = new Map<string, Set<AbortController>>();
  let publish: ((message: string) => void) | undefined;

  function abortHere(key: string, reason: string): boolean {
    const controllers = running.get(key);
    if (!controllers) return false;
    for (const controller of controllers) controller.abort(new Error(reason));
    return true;
  }

  return {
    track(caller, requestId, controller) {
      const key = keyOf(caller, requestId);
      let set = running.get(key);
      if (!set) running.set(key, (set = new Set()));
      set.add(controller);
      return () => {
        set.delete(controller);
        if (set.size === 0 && running.get(key) === set) running.delete(key);
      };
    },
    cancel(caller, requestId, reason = 'cancelled by the client') {
      const key = keyOf(caller, requestId);
      // Found here: done. Else another replica may run it.
      if (!abortHere(key, reason)) publish?.(JSON.stringify({ key, reason }));
    },
    get size() {
      return running.size;
    },
    async attachRedis(publisher, channel, logger) {
      // A subscribed connection can only subscribe: a second one, made like the first.
      const subscriber = publisher.duplicate();
      subscriber.on('error', (error: Error) => logger?.debug({ err: error }, 'cancellation subscriber error'));
      subscriber.on('message', (from: string, text: string) => {
        if (from !== channel) return;
        try {
          const { key, reason } = JSON.parse(text) as { key: string; reason: string };
          if (typeof key === 'string') abortHere(key, String(reason));
        } catch {
          // Not ours.
        }
      });
      // Redis may be down at start (the server still serves): subscribe whenever it is ready, and
      // wait a little for the first subscription so a fresh replica hears cancels at once.
      let subscribed!: () => void;
      const first = new Promise<void>((resolve) => (subscribed = resolve));
      const subscribe = () =>
        subscriber.subscribe(channel).then(
          () => subscribed(),
          (error: unknown) => logger?.warn({ err: error }, 'cancellation channel not subscribed; cancels from other replicas will not reach this one until Redis is back'),
        );
      if (subscriber.status === 'ready') void subscribe();
      else subscriber.once('ready', () => void subscribe());
      await Promise.race([first, new Promise<void>((resolve) => setTimeout(resolve, 2000).unref())]);
      publish = (message) => {
        publisher.publish(channel, message).catch((error: unknown) => logger?.warn({ err: error }, 'cancellation not published to the other replicas'));
      };
      return async () => {
        publish = undefined;
        await subscriber.quit().catch(() => subscriber.disconnect());
      };
    },
  };
}

/**
 * The `requestId`s of the `notifications/cancelled` messages in a parsed JSON-RPC body (one
 * message or a batch).
 */
export function cancelledIds(body: unknown): RequestId[] {
  const messages = Array.isArray(body) ? body : [body];
  const ids: RequestId[] = [];
  for (const m of messages) {
    if (typeof m !== 'object' || m === null) continue;
    const message = m as { method?: unknown; params?: { requestId?: unknown } };
    const id = message.params?.requestId;
    if (message.method === 'notifications/cancelled' && (typeof id === 'string' || typeof id === 'number')) ids.push(id);
  }
  return ids;
}
