/**
 * `subscriptions/listen` over HTTP for 2026-07-28 clients: the long-lived request whose SSE answer
 * carries the notifications the client asked for, in place of 2025's `resources/subscribe` on a
 * session.
 *
 * Served here, in front of the fast path and the SDK, because the SDK's own listen router has one
 * process-wide event bus with no caller: it cannot keep a caller from hearing about resources its
 * scopes do not allow, and it knows nothing of the tasks extension's `taskIds`. The stream follows
 * the SDK's wire rules (ack first with the honored filter, subscription id stamped in every
 * notification's `_meta`, keepalive comments, the empty result as the graceful close), so the SDK
 * client's `listen()` reads it as it reads the SDK's.
 *
 * Sources:
 * - `resourceSubscriptions`: `updated(uri)` of the resource subscriptions (server/subscriptions.ts),
 *   which also carries changes relayed from other replicas (memory resources over Redis). URIs the
 *   caller may not read are left out of the honored filter.
 * - `taskIds` (extension `io.modelcontextprotocol/tasks`): the caller's own tasks only — others'
 *   ids are left out as if they did not exist. Status comes from polling the task rows, so a task
 *   running on another replica is heard as soon as one on this one.
 * - list_changed: never honored; the server's lists do not change while it runs.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SERVER_INFO_META_KEY, classifyInboundRequest, type ServerContext } from '@modelcontextprotocol/server';
import type { NodeIncomingMessageLike } from '@modelcontextprotocol/node';
import { announces, header, readJsonBody, replay } from '../core/announced-post.js';
import type { Logger } from 'pino';
import type { ResourceSubscriptions } from '../server/subscriptions.js';
import { isTerminal, type Tasks } from '../tasks/index.js';

export const LISTEN_METHOD = 'subscriptions/listen';
export const LISTEN_PROTOCOL_VERSION = '2026-07-28';
/** `_meta` key naming the listen request a notification belongs to (the spec's subscription id). */
export const SUBSCRIPTION_ID_META_KEY = 'io.modelcontextprotocol/subscriptionId';
export const DEFAULT_LISTEN_KEEPALIVE_MS = 15_000;
export const DEFAULT_TASK_POLL_MS = 500;
/** Open listen streams per replica at most; past it a listen is refused in-band (as the SDK does). */
export const DEFAULT_MAX_LISTEN_STREAMS = 1024;
/** Most URIs or task ids one stream may name. */
export const MAX_LISTEN_ITEMS = 1000;

type NodeHandler = (req: IncomingMessage | NodeIncomingMessageLike, res: ServerResponse) => Promise<void>;

export interface ListenSources {
  readonly subscriptions?: ResourceSubscriptions;
  readonly tasks?: Tasks;
  /** The task owner key of a request's caller (the factory's, the one `tasks/get` checks). */
  taskOwner?(sdkCtx: ServerContext | undefined): string;
  readonly fastPath?: { serverInfo: { name: string; version: string } };
}

export interface ListenEndpointOptions {
  sources: ListenSources;
  /** Every request that is not a modern `subscriptions/listen`. */
  fallback: NodeHandler;
  maxBodyBytes: number;
  logger?: Logger;
  keepAliveMs?: number;
  taskPollMs?: number;
  maxStreams?: number;
  /**
   * Checks the stream's credential again before each notification (a revoked key or an expired
   * token stops the stream, as it closes a WebSocket); without it the caller is checked once.
   */
  reauthenticate?: (req: IncomingMessage) => Promise<{ ok: true } | { ok: false; reason: string }>;
}

export interface ListenEndpoint {
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Ends every open stream with the graceful-close result (server shutdown). */
  closeAll(): void;
  readonly openCount: number;
}

interface Filter {
  resourceSubscriptions?: string[];
  taskIds?: string[];
}

export function createListenEndpoint(options: ListenEndpointOptions): ListenEndpoint {
  const { sources, fallback, maxBodyBytes, logger } = options;
  const keepAliveMs = options.keepAliveMs ?? DEFAULT_LISTEN_KEEPALIVE_MS;
  const taskPollMs = options.taskPollMs ?? DEFAULT_TASK_POLL_MS;
  const maxStreams = options.maxStreams ?? DEFAULT_MAX_LISTEN_STREAMS;
  const serverInfo = sources.fastPath?.serverInfo;
  const open = new Set<() => void>();

  async function honor(requested: Record<string, unknown>, sdkCtx: ServerContext): Promise<Filter> {
    const honored: Filter = {};
    const uris = stringList(requested.resourceSubscriptions);
    if (sources.subscriptions && uris.length > 0) {
      const allowed = uris.filter((uri) => sources.subscriptions!.allows(uri, sdkCtx));
      if (allowed.length > 0) honored.resourceSubscriptions = allowed;
    }
    const ids = stringList(requested.taskIds);
    if (sources.tasks && sources.taskOwner && ids.length > 0) {
      const owner = sources.taskOwner(sdkCtx);
      const mine: string[] = [];
      for (const id of ids) if (await sources.tasks.store.get(id, owner)) mine.push(id);
      if (mine.length > 0) honored.taskIds = mine;
    }
    return honored;
  }

  async function serve(req: IncomingMessage, res: ServerResponse, id: string | number, requested: Record<string, unknown>): Promise<void> {
    const authInfo = (req as { auth?: unknown }).auth;
    const sdkCtx = (authInfo === undefined ? {} : { http: { authInfo } }) as unknown as ServerContext;
    let honored: Filter;
    try {
      honored = await honor(requested, sdkCtx);
    } catch (error) {
      // The task rows could not be read (database down): an answer, not a dropped request.
      logger?.warn({ err: error }, 'subscriptions/listen: could not check the requested task ids');
      return sendJson(res, { jsonrpc: '2.0', id, error: { code: -32603, message: 'Internal error: the subscription could not be set up; retry later' } });
    }
    if (res.destroyed) return;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    const write = (message: unknown) => {
      if (!res.writableEnded && !res.destroyed) res.write(`event: message\ndata: ${JSON.stringify(message)}\n\n`);
    };
    const notify = (method: string, params: Record<string, unknown>) => {
      const meta = typeof params._meta === 'object' && params._meta !== null ? params._meta : {};
      write({ jsonrpc: '2.0', method, params: { ...params, _meta: { ...meta, [SUBSCRIPTION_ID_META_KEY]: id } } });
    };
    notify('notifications/subscriptions/acknowledged', { notifications: honored });
    // Deliveries run in order through one queue, each after the credential check when there is one.
    let queue = Promise.resolve();
    const deliver = (method: string, params: Record<string, unknown>) => {
      queue = queue
        .then(async () => {
          if (closed) return;
          if (options.reauthenticate) {
            const check = await options.reauthenticate(req);
            if (closed) return;
            if (!check.ok) {
              write({ jsonrpc: '2.0', id, error: { code: -32000, message: `Subscription ended: ${check.reason}` } });
              teardown(false);
              res.end();
              return;
            }
          }
          notify(method, params);
        })
        .catch((error: unknown) => logger?.debug({ err: error }, 'listen notification not delivered'));
    };

    let done!: () => void;
    const ended = new Promise<void>((resolve) => (done = resolve));
    const cleanups: Array<() => void> = [];
    let closed = false;
    const teardown = (graceful: boolean) => {
      if (closed) return;
      closed = true;
      open.delete(gracefulClose);
      for (const cleanup of cleanups) cleanup();
      if (graceful) {
        write({ jsonrpc: '2.0', id, result: { resultType: 'complete', _meta: { [SUBSCRIPTION_ID_META_KEY]: id, ...(serverInfo ? { [SERVER_INFO_META_KEY]: serverInfo } : {}) } } });
        res.end();
      }
      done();
    };
    const gracefulClose = () => teardown(true);
    // Nothing to deliver: the empty result right after the ack, as the spec's servers do.
    if (Object.keys(honored).length === 0) {
      teardown(true);
      return ended;
    }
    open.add(gracefulClose);
    res.once('close', () => teardown(false));

    if (honored.resourceSubscriptions && sources.subscriptions) {
      cleanups.push(sources.subscriptions.watch(honored.resourceSubscriptions, (uri) => deliver('notifications/resources/updated', { uri })));
    }
    if (honored.taskIds && sources.tasks && sources.taskOwner) cleanups.push(watchTasks(sources.tasks, sources.taskOwner(sdkCtx), honored.taskIds, taskPollMs, (task) => deliver('notifications/tasks', task), logger));
    if (keepAliveMs > 0) {
      const timer = setInterval(() => {
        if (!res.writableEnded && !res.destroyed) res.write(': keepalive\n\n');
      }, keepAliveMs);
      timer.unref();
      cleanups.push(() => clearInterval(timer));
    }
    return ended;
  }

  return {
    get openCount() {
      return open.size;
    },
    closeAll() {
      for (const close of [...open]) close();
    },
    handle(req, res) {
      // Header gate as in the fast path: only a modern POST announcing subscriptions/listen is read
      // here. Not async itself, so every other request passes straight on (no promise of its own).
      if (!announces(req, LISTEN_METHOD, LISTEN_PROTOCOL_VERSION, maxBodyBytes)) return fallback(req, res);
      return serveListen(req, res);
    },
  };

  async function serveListen(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const h = req.headers;
    const read = await readJsonBody(req);
    const raw = read.raw;
    if (!read.parsed) return fallback(replay(req, raw), res);
    const body = read.body;
    // The SDK's era classifier decides envelope and header validity; anything it rejects, it answers.
    const route = classifyInboundRequest({ httpMethod: 'POST', protocolVersionHeader: header(h['mcp-protocol-version']), mcpMethodHeader: header(h['mcp-method']), body } as Parameters<typeof classifyInboundRequest>[0]);
    const message = body as { id?: unknown; method?: unknown; params?: { notifications?: unknown } };
    if (route.kind !== 'modern' || route.messageKind !== 'request' || message.method !== LISTEN_METHOD || !(typeof message.id === 'string' || typeof message.id === 'number')) {
      return fallback(replay(req, raw), res);
    }
    const requested = message.params?.notifications;
    if (typeof requested !== 'object' || requested === null || Array.isArray(requested) || !validLists(requested as Record<string, unknown>)) {
      return sendJson(res, { jsonrpc: '2.0', id: message.id, error: { code: -32602, message: `Invalid params: "notifications" is required: an object with optional "resourceSubscriptions" and "taskIds" (arrays of at most ${MAX_LISTEN_ITEMS} strings)` } });
    }
    if (open.size >= maxStreams) {
      logger?.warn({ open: open.size }, 'subscriptions/listen refused: stream limit reached');
      return sendJson(res, { jsonrpc: '2.0', id: message.id, error: { code: -32603, message: 'Subscription limit reached' } });
    }
    return serve(req, res, message.id, requested as Record<string, unknown>);
  }
}

/**
 * Polls the owner's tasks and calls `send` with each one's detailed state (the `tasks/get` shape)
 * when its status or status message changes, starting with the state it has now; a task stops
 * being polled once it is terminal or gone (expired).
 */
function watchTasks(tasks: Tasks, owner: string, taskIds: readonly string[], pollMs: number, send: (task: Record<string, unknown>) => void, logger: Logger | undefined): () => void {
  const last = new Map<string, string>();
  const pending = new Set(taskIds);
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const poll = async () => {
    for (const taskId of [...pending]) {
      if (stopped) return;
      let task: Record<string, unknown>;
      try {
        const { resultType: _resultType, ...detailed } = await tasks.get(taskId, owner);
        task = detailed;
      } catch {
        pending.delete(taskId);
        continue;
      }
      if (stopped) return;
      const seen = `${String(task.status)}\0${String(task.statusMessage ?? '')}`;
      if (last.get(taskId) !== seen) {
        last.set(taskId, seen);
        send(task);
      }
      if (isTerminal(task.status as never)) pending.delete(taskId);
    }
  };
  const loop = () => {
    poll()
      .catch((error: unknown) => logger?.debug({ err: error }, 'task status poll failed'))
      .finally(() => {
        if (!stopped && pending.size > 0) {
          timer = setTimeout(loop, pollMs);
          timer.unref();
        }
      });
  };
  loop();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

function validLists(requested: Record<string, unknown>): boolean {
  for (const key of ['resourceSubscriptions', 'taskIds']) {
    const value = requested[key];
    if (value === undefined) continue;
    if (!Array.isArray(value) || value.length > MAX_LISTEN_ITEMS || !value.every((item) => typeof item === 'string' && item.length > 0)) return false;
  }
  return true;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? [...new Set(value.filter((item): item is string => typeof item === 'string'))] : [];
}

function sendJson(res: ServerResponse, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

