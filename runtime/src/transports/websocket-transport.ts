/**
 * The server side of one WebSocket connection as an SDK `Transport` (see websocket.ts): one
 * JSON-RPC message per text frame; bad frames are answered with JSON-RPC errors and never reach
 * the server; requests are counted so a shutdown can wait for their answers.
 */
import {
  isJSONRPCErrorResponse,
  isJSONRPCRequest,
  isJSONRPCResultResponse,
  isJSONRPCNotification,
  isJSONRPCResponse,
  type AuthInfo,
  type JSONRPCMessage,
  type MessageExtraInfo,
  type Transport,
} from '@modelcontextprotocol/server';
import type { RawData, WebSocket } from 'ws';
import { envelopeAnswers } from '../core/jsonrpc.js';

const WEBSOCKET_UNIT = { transport: 'WebSocket', unit: 'frame', batches: 'JSON-RPC batches are not supported over WebSocket: send one message per frame' } as const;

/** JSON-RPC error codes answered for bad frames (the connection stays open). */
const PARSE_ERROR = -32700;
const INVALID_REQUEST = -32600;
const SHUTTING_DOWN = -32000;

/** WebSocket close code for a connection whose credential stopped being valid (RFC 6455 policy violation). */
export const CLOSE_CREDENTIAL_INVALID = 1008;

/**
 * Decides who sends each message of a connection: re-run per message, so a revoked key or an
 * expired token stops working on the next message. A refusal closes the connection with its reason.
 */
export type MessageAuthenticator = () => Promise<{ ok: true; authInfo: AuthInfo } | { ok: false; reason: string }>;

/** Shared by every connection of one listener: requests awaiting an answer, and whether it is closing. */
export interface Tracker {
  inFlight: number;
  closing: boolean;
  changed(): void;
}

/**
 * The server side of one WebSocket connection, as an SDK `Transport`. Bad frames are answered
 * with a JSON-RPC error and never reach the server; the socket stays open.
 */
export class WebSocketServerTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void;
  private readonly pending = new Set<string | number>();
  private closed = false;
  /** Messages are authenticated in arrival order: each waits for the one before it. */
  private queue: Promise<void> = Promise.resolve();
  /** The AuthInfo each delivered message was authenticated with (read by `authInfoOf`). */
  private readonly authOf = new WeakMap<object, AuthInfo>();

  constructor(
    private readonly socket: WebSocket,
    private readonly options: { authInfo?: AuthInfo; authenticate?: MessageAuthenticator; tracker?: Tracker } = {},
  ) {}

  /** The AuthInfo a message was delivered with (the SDK's single-channel entry drops per-message extras). */
  authInfoOf(message: object): AuthInfo | undefined {
    return this.authOf.get(message) ?? this.options.authInfo;
  }

  async start(): Promise<void> {
    this.socket.on('message', (data, isBinary) => this.receive(data, isBinary));
    this.socket.on('error', (error) => this.onerror?.(error));
    this.socket.once('close', () => this.finish());
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if ((isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message)) && message.id !== undefined && this.pending.delete(message.id)) {
      this.settle(-1);
    }
    if (this.socket.readyState !== this.socket.OPEN) throw new Error('WebSocket is closed; the message was not sent');
    const text = JSON.stringify(message);
    await new Promise<void>((resolve, reject) => this.socket.send(text, (error) => (error ? reject(error) : resolve())));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    if (this.socket.readyState === this.socket.OPEN || this.socket.readyState === this.socket.CONNECTING) this.socket.close(1000, 'closed by the server');
    this.finish();
  }

  private receive(data: RawData, isBinary: boolean): void {
    if (isBinary) return this.reject(null, PARSE_ERROR, 'Binary frames are not accepted: send each JSON-RPC message as one UTF-8 text frame');
    let value: unknown;
    try {
      value = JSON.parse(rawText(data));
    } catch (error) {
      return this.reject(null, PARSE_ERROR, `Parse error: the frame is not JSON (${(error as Error).message})`);
    }
    // The same envelope check as stdio (core/jsonrpc.ts): the SDK's guards, readable answers.
    const answers = envelopeAnswers(value, WEBSOCKET_UNIT);
    if (answers) {
      for (const answer of answers) this.reject((answer as { id: string | number | null }).id, INVALID_REQUEST, (answer as { error: { message: string } }).error.message);
      return;
    }
    if (!isJSONRPCRequest(value) && !isJSONRPCNotification(value) && !isJSONRPCResponse(value)) return; // shaped like a notification or response but invalid: dropped unanswered
    const message = value as JSONRPCMessage;
    if (isJSONRPCRequest(message)) {
      if (this.options.tracker?.closing) return this.reject(message.id, SHUTTING_DOWN, 'Server is shutting down; reconnect to another replica');
      this.pending.add(message.id);
      this.settle(1);
    }
    const authenticate = this.options.authenticate;
    if (!authenticate) return this.deliver(message, this.options.authInfo);
    this.queue = this.queue.then(async () => {
      if (this.closed) return;
      let outcome: Awaited<ReturnType<MessageAuthenticator>>;
      try {
        outcome = await authenticate();
      } catch (error) {
        this.onerror?.(error as Error);
        outcome = { ok: false, reason: 'authentication failed' };
      }
      if (!outcome.ok) {
        // Close before anything of this message is served: the credential is no longer good.
        this.onerror?.(new Error(`closing a WebSocket: ${outcome.reason}`));
        if (this.socket.readyState === this.socket.OPEN) this.socket.close(CLOSE_CREDENTIAL_INVALID, closeReason(outcome.reason));
        this.finish();
        return;
      }
      this.deliver(message, outcome.authInfo);
    });
  }

  private deliver(message: JSONRPCMessage, authInfo: AuthInfo | undefined): void {
    if (authInfo !== undefined) this.authOf.set(message, authInfo);
    try {
      this.onmessage?.(message, authInfo === undefined ? undefined : { authInfo });
    } catch (error) {
      this.onerror?.(error as Error);
    }
  }

  private reject(id: string | number | null, code: number, message: string): void {
    this.onerror?.(new Error(`refused a WebSocket frame: ${message}`));
    if (this.socket.readyState !== this.socket.OPEN) return;
    this.socket.send(JSON.stringify({ jsonrpc: '2.0', id, error: { code, message } }), () => {});
  }

  private settle(delta: number): void {
    const tracker = this.options.tracker;
    if (!tracker) return;
    tracker.inFlight += delta;
    tracker.changed();
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    // Requests that never got an answer are no longer in flight: nobody is there to receive it.
    if (this.pending.size > 0) this.settle(-this.pending.size);
    this.pending.clear();
    this.onclose?.();
  }
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data).toString('utf8');
}

/** A close reason fits in 123 bytes (RFC 6455); longer ones are cut on a character boundary. */
function closeReason(reason: string): string {
  let text = reason;
  while (Buffer.byteLength(text) > 123) text = text.slice(0, -1);
  return text;
}
