/**
 * stdio transport: MCP over stdin/stdout (stdout carries only JSON-RPC; logs go to stderr).
 *
 * The end of stdin is the client's request to shut down (MCP's stdio lifecycle), not a broken
 * connection: requests already read are still answered (`drain`, bounded like an HTTP drain) before
 * the transport closes. So `printf '...' | server` gets its answers, and a client that closes its end
 * right after its last request is not left without the reply.
 */
import { type McpServerFactory } from '@modelcontextprotocol/server';
import { serveStdio as sdkServeStdio, StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import type { Logger } from 'pino';
import { createLineGuard, STDIO_MAX_LINE_BYTES } from './stdio-lines.js';

export interface StdioOptions {
  logger?: Logger;
  /** Called once when stdin ends or closes (the client went away): shut down here. */
  onEnd?: () => void;
  /** Streams to serve on instead of the process's stdin/stdout (tests). */
  stdin?: NodeJS.ReadableStream;
  stdout?: NodeJS.WritableStream;
}

export interface StdioHandle {
  /** Waits until every request read so far is answered, at most `timeoutMs`. */
  drain(timeoutMs: number): Promise<{ drained: boolean }>;
  close(): Promise<void>;
}

type Id = string | number;
interface WireMessage {
  id?: Id;
  method?: string;
  params?: { requestId?: Id };
  result?: unknown;
  error?: unknown;
}

/**
 * Requests the transport has handed to the server and not yet answered. A request the client
 * cancels gets no answer (MCP), and `subscriptions/listen` stays open for the life of the
 * connection: neither is waited for.
 */
function trackRequests(transport: StdioServerTransport): { pending: Set<Id>; idle: () => Promise<void> } {
  const pending = new Set<Id>();
  let waiters: Array<() => void> = [];
  const settle = (id: Id | undefined) => {
    if (id === undefined || !pending.delete(id) || pending.size > 0) return;
    for (const wake of waiters) wake();
    waiters = [];
  };
  const send = transport.send.bind(transport);
  transport.send = (message) => {
    const m = message as WireMessage;
    if (m.method === undefined && ('result' in m || 'error' in m)) settle(m.id);
    return send(message);
  };
  let handler: StdioServerTransport['onmessage'];
  // The SDK sets `onmessage` when it connects; every message it is given passes here first.
  Object.defineProperty(transport, 'onmessage', {
    configurable: true,
    get: () => handler,
    set(next: StdioServerTransport['onmessage']) {
      handler =
        next &&
        ((message) => {
          const m = message as WireMessage;
          if (m.method === 'notifications/cancelled') settle(m.params?.requestId);
          else if (m.method !== undefined && m.id !== undefined && m.method !== 'subscriptions/listen') pending.add(m.id);
          next(message);
        });
    },
  });
  return { pending, idle: () => (pending.size === 0 ? Promise.resolve() : new Promise((resolve) => waiters.push(resolve))) };
}

/** Serves MCP over stdin/stdout; stdout carries only JSON-RPC (logs go to stderr). */
export function serveStdio(factory: McpServerFactory, options: StdioOptions = {}): StdioHandle {
  const stdin = (options.stdin ?? process.stdin) as NodeJS.ReadableStream;
  const stdout = (options.stdout ?? process.stdout) as NodeJS.WritableStream;
  // The line guard answers what the SDK would drop in silence (stdio-lines.ts); the SDK's buffer
  // limit sits above the guard's, so an overlong line is refused there and never closes the transport.
  const guard = createLineGuard({
    reply: (message) => stdout.write(`${JSON.stringify(message)}\n`),
    onRefused: (kind, bytes) => options.logger?.warn({ kind, bytes }, 'stdio line refused and answered with a JSON-RPC error'),
  });
  // The guard (and with it the SDK's transport) ends only at close(), after the drain: ending it
  // with stdin would close the transport and drop the answers still being worked on.
  stdin.pipe(guard, { end: false });
  // pipe() does not forward source errors; the SDK used to listen on stdin itself.
  stdin.on('error', (error: Error) => options.logger?.warn({ err: error }, 'stdio transport error'));
  const transport = new StdioServerTransport(guard as never, stdout as never, { maxBufferSize: STDIO_MAX_LINE_BYTES + 2 });
  const requests = trackRequests(transport);
  const handle = sdkServeStdio(factory, {
    transport,
    onerror: (error) => options.logger?.warn({ err: error }, 'stdio transport error'),
  });
  let ended = false;
  const onEnd = () => {
    if (ended) return;
    ended = true;
    options.onEnd?.();
  };
  stdin.once('end', onEnd);
  stdin.once('close', onEnd);
  return {
    async drain(timeoutMs) {
      // Lines read before the end may still be on their way through the guard.
      await new Promise((resolve) => setImmediate(resolve));
      if (requests.pending.size === 0) return { drained: true };
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
      const drained = await Promise.race([requests.idle().then(() => true), timedOut]);
      clearTimeout(timer);
      return { drained };
    },
    async close() {
      ended = true;
      await handle.close();
      // Release stdin as the SDK does for its own stream, so the process can exit.
      stdin.unpipe(guard);
      if (stdin.listenerCount('data') === 0) stdin.pause();
    },
  };
}

