/**
 * The transport extension point: serve a server factory over any connection-oriented channel.
 *
 * A custom transport is anything that implements the SDK's `Transport` interface (start, send,
 * close, and the onmessage/onclose/onerror callbacks) for ONE connection. `serveTransport` hands it
 * to the SDK's single-channel entry (the one behind stdio), which owns the protocol-era decision
 * (2026-07-28 `server/discover` or the 2025 `initialize` handshake), pins one instance from the
 * factory for the connection's lifetime and returns it to the pool when the connection ends.
 * The WebSocket transport (`websocket.ts`) is built on this; see docs/transports.md.
 */
import type { AuthInfo, McpServer, McpServerFactory, Server, Transport } from '@modelcontextprotocol/server';
import { serveStdio as serveChannel } from '@modelcontextprotocol/server/stdio';
import type { Logger } from 'pino';

export interface ServeTransportOptions {
  logger?: Logger;
  /** Label for log lines (default `custom`). */
  name?: string;
}

export interface TransportConnection {
  /** Closes the pinned instance (back to the pool) and the transport. */
  close(): Promise<void>;
}

/**
 * @example
 * ```ts
 * const connection = serveTransport(factory, new MyTransport(socket), { logger, name: 'my-transport' });
 * // later: await connection.close();
 * ```
 */
export function serveTransport(factory: McpServerFactory, transport: Transport, options: ServeTransportOptions = {}): TransportConnection {
  const name = options.name ?? 'custom';
  return serveChannel(factory, {
    transport,
    onerror: (error) => options.logger?.debug({ err: error, transport: name }, `${name} transport: ${error.message}`),
  });
}

/**
 * A factory whose instances see each message's `AuthInfo` (identity and edge), as over HTTP.
 * The SDK's single-channel entry does not forward a transport's per-message extra to the pinned
 * instance, and without an identity the runtime would treat the caller like stdio's local user
 * (every scope). So the channel the entry connects the instance to is wrapped once, at connect,
 * to look up the AuthInfo the transport delivered that message with; the pooled instance itself
 * is left unchanged for its next user.
 */
export function withAuthInfo(factory: McpServerFactory, authInfoOf: AuthInfo | ((message: object) => AuthInfo | undefined)): McpServerFactory {
  const lookup = typeof authInfoOf === 'function' ? authInfoOf : () => authInfoOf;
  const attach = <P extends McpServer | Server>(product: P): P => {
    const own = Object.getOwnPropertyDescriptor(product, 'connect');
    const connect = product.connect;
    const wrapped = async (channel: Transport): Promise<void> => {
      if (own) Object.defineProperty(product, 'connect', own);
      else delete (product as { connect?: unknown }).connect;
      await connect.call(product, channel);
      const inner = channel.onmessage;
      channel.onmessage = (message, extra) => {
        const authInfo = lookup(message) ?? extra?.authInfo;
        inner?.call(channel, message, authInfo === undefined ? extra : { ...extra, authInfo });
      };
    };
    Object.defineProperty(product, 'connect', { value: wrapped, configurable: true, writable: true });
    return product;
  };
  return (ctx) => {
    const made = factory(ctx);
    return made instanceof Promise ? made.then(attach) : attach(made);
  };
}
