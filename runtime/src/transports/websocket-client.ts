/**
 * The client side of mcpforge's WebSocket transport (non-standard; docs/transports.md), as an SDK
 * client `Transport`: `await new Client(info).connect(new WebSocketClientTransport(url))`.
 * Used by tests and by clients that want one long-lived socket instead of HTTP requests.
 */
import type { JSONRPCMessage, Transport } from '@modelcontextprotocol/client';
import { parseJSONRPCMessage } from '@modelcontextprotocol/client';
import WebSocket, { type ClientOptions } from 'ws';
import { WEBSOCKET_SUBPROTOCOL } from './websocket.js';

export interface WebSocketClientTransportOptions {
  /** Extra headers on the upgrade request (e.g. `Authorization`, `Origin`). */
  headers?: Record<string, string>;
  /** Largest accepted frame from the server, in bytes (default 16 MiB). */
  maxMessageBytes?: number;
  /** TLS and other `ws` client options for `wss://` (e.g. `ca`, `cert`, `key`). */
  ws?: Omit<ClientOptions, 'headers' | 'maxPayload'>;
}

/** The upgrade was refused with an HTTP answer (status and body kept for the caller). */
export class WebSocketUpgradeError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`WebSocket upgrade refused with HTTP ${status}: ${body || '(no body)'}`);
    this.name = 'WebSocketUpgradeError';
  }
}

export class WebSocketClientTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T) => void;
  private socket: WebSocket | undefined;
  private closedNotified = false;

  constructor(
    private readonly url: string | URL,
    private readonly options: WebSocketClientTransportOptions = {},
  ) {}

  start(): Promise<void> {
    if (this.socket) throw new Error('WebSocketClientTransport already started; create one per connection');
    const socket = new WebSocket(this.url, [WEBSOCKET_SUBPROTOCOL], {
      ...this.options.ws,
      ...(this.options.headers ? { headers: this.options.headers } : {}),
      maxPayload: this.options.maxMessageBytes ?? 16 * 1024 * 1024,
    });
    this.socket = socket;
    return new Promise<void>((resolve, reject) => {
      let opened = false;
      socket.once('open', () => {
        opened = true;
        if (socket.protocol !== WEBSOCKET_SUBPROTOCOL) {
          socket.close(1002, 'subprotocol mcp required');
          return reject(new Error(`The server did not accept the "${WEBSOCKET_SUBPROTOCOL}" subprotocol (got "${socket.protocol}")`));
        }
        resolve();
      });
      socket.once('unexpected-response', (request, response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          if (body.length < 4096) body += chunk;
        });
        // With this listener attached, `ws` leaves the request to us: end it once the body is read.
        const refused = () => {
          reject(new WebSocketUpgradeError(response.statusCode ?? 0, body));
          request.destroy();
        };
        response.once('end', refused);
        response.once('error', refused);
      });
      socket.on('error', (error) => {
        if (!opened) reject(error);
        else this.onerror?.(error);
      });
      socket.on('message', (data, isBinary) => {
        if (isBinary) return this.onerror?.(new Error('the server sent a binary frame; ignored'));
        let message: JSONRPCMessage;
        try {
          message = parseJSONRPCMessage(JSON.parse(String(data)));
        } catch (error) {
          return this.onerror?.(new Error(`the server sent an invalid JSON-RPC frame: ${(error as Error).message}`));
        }
        this.onmessage?.(message);
      });
      socket.once('close', () => {
        if (!opened) reject(new Error(`WebSocket to ${String(this.url)} closed before opening`));
        this.notifyClosed();
      });
    });
  }

  async send(message: JSONRPCMessage): Promise<void> {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) throw new Error('WebSocket is not open');
    await new Promise<void>((resolve, reject) => socket.send(JSON.stringify(message), (error) => (error ? reject(error) : resolve())));
  }

  async close(): Promise<void> {
    const socket = this.socket;
    if (!socket || socket.readyState === WebSocket.CLOSED) return this.notifyClosed();
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.close(1000);
      // A server that never answers the closing handshake does not hold the client.
      setTimeout(() => socket.terminate(), 1000).unref();
    });
  }

  private notifyClosed(): void {
    if (this.closedNotified) return;
    this.closedNotified = true;
    this.onclose?.();
  }
}
