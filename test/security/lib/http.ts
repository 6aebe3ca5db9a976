/**
 * Raw HTTP for the adversarial suite: requests built byte by byte (node:http with a keep-alive
 * agent, or a bare TCP socket for malformed HTTP), so nothing normalises what a test sends.
 * Replies are decoded from either a JSON body or an SSE stream (the 2025-era stateless mode
 * answers in `text/event-stream`, the 2026 era in `application/json`).
 */
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import type { JsonRpcReply } from './stdio.js';

export const MODERN = '2026-07-28';
export const LEGACY = '2025-11-25';

/**
 * Keep-alive agent shared by a test file (several sockets in parallel). `timeout` makes Node honour
 * the server's `Keep-Alive: timeout=5` hint (it retires idle sockets a second early); without it an
 * idle socket can be reused just as the server closes it, which shows as a spurious "socket hang up".
 */
export const agent = new Agent({ keepAlive: true, maxSockets: 16, timeout: 60_000 });

export interface HttpReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** JSON-RPC messages in the body: the JSON body (one, or each of an array) or each SSE `data:` event. */
  messages: JsonRpcReply[];
}

/** The per-request envelope the 2026 revision requires in `params._meta`. */
export function envelope(version = MODERN): Record<string, unknown> {
  return {
    'io.modelcontextprotocol/protocolVersion': version,
    'io.modelcontextprotocol/clientInfo': { name: 'security-suite', version: '1.0.0' },
    'io.modelcontextprotocol/clientCapabilities': {},
  };
}

export const LEGACY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
});

/** Headers of a 2026-07-28 request (MCP-Method, and MCP-Name for tools/call). */
export function modernHeaders(method: string, name?: string): Record<string, string> {
  return { ...LEGACY_HEADERS, 'mcp-protocol-version': MODERN, 'mcp-method': method, ...(name === undefined ? {} : { 'mcp-name': name }) };
}

/** A 2026-07-28 tools/call message. */
export function modernCall(name: string, args: unknown, id: string | number = 1): Record<string, unknown> {
  return { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args, _meta: envelope() } };
}

export function parseMessages(contentType: string, text: string): JsonRpcReply[] {
  if (contentType.includes('text/event-stream')) {
    const out: JsonRpcReply[] = [];
    for (const line of text.split('\n')) if (line.startsWith('data:')) out.push(JSON.parse(line.slice(5).trim()) as JsonRpcReply);
    return out;
  }
  if (text.trim() === '' || !contentType.includes('json')) return [];
  const parsed = JSON.parse(text) as JsonRpcReply | JsonRpcReply[];
  return Array.isArray(parsed) ? parsed : [parsed];
}

export interface PostOptions {
  method?: string;
  path?: string;
  timeoutMs?: number;
  /** Host header to send instead of the URL's. */
  host?: string;
}

/** Requests resent because a reused keep-alive socket was closed by the server before any reply. */
export const keepAliveRetries = { count: 0 };

/**
 * Sends one request; resolves with status, headers, body and the decoded JSON-RPC messages.
 *
 * A request on a REUSED keep-alive socket that fails before any response byte (ECONNRESET, "socket
 * hang up") is sent once more on a fresh connection: the server may close an idle socket (its
 * keep-alive timeout) just as the client picks it up, which on a loaded machine happens whatever the
 * client's own idle timeout. Retries are counted (`keepAliveRetries`) so a suite can print them; a
 * failure on a fresh socket is never retried.
 */
export async function post(url: URL, body: string | Buffer | undefined, headers: Record<string, string> = { ...LEGACY_HEADERS }, options: PostOptions = {}): Promise<HttpReply> {
  try {
    return await postOnce(url, body, headers, options);
  } catch (error) {
    if (!(error as { reusedSocket?: boolean }).reusedSocket) throw error;
    keepAliveRetries.count++;
    return postOnce(url, body, headers, options);
  }
}

function postOnce(url: URL, body: string | Buffer | undefined, headers: Record<string, string>, options: PostOptions): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        method: options.method ?? 'POST',
        path: options.path ?? url.pathname,
        headers: { ...headers, ...(options.host ? { host: options.host } : {}), ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            resolve({ status: res.statusCode ?? 0, headers: res.headers, text, messages: parseMessages(String(res.headers['content-type'] ?? ''), text) });
          } catch (error) {
            reject(new Error(`unparseable reply (${res.statusCode} ${String(res.headers['content-type'])}): ${text.slice(0, 500)}`, { cause: error }));
          }
        });
      },
    );
    req.setTimeout(options.timeoutMs ?? 15_000, () => req.destroy(new Error(`no reply within ${options.timeoutMs ?? 15_000} ms`)));
    // Diagnostics for keep-alive failures: which exchange used this socket before.
    let previous: string | undefined;
    req.on('socket', (socket) => {
      const tagged = socket as typeof socket & { lastExchange?: string };
      previous = tagged.lastExchange;
      tagged.lastExchange = `${options.method ?? 'POST'} ${JSON.stringify(headers)} ${String(body ?? '').slice(0, 300)}`;
    });
    let responded = false;
    req.on('response', () => (responded = true));
    req.on('error', (error: NodeJS.ErrnoException) => {
      const stale = req.reusedSocket && !responded && (error.code === 'ECONNRESET' || error.message === 'socket hang up');
      reject(Object.assign(error, { reusedSocket: stale, ...(previous ? { message: `${error.message} (socket reused; previous exchange on it: ${previous})` } : {}) }));
    });
    req.end(body);
  });
}

/** POSTs a JSON value (2025 headers unless given). */
export function postJson(url: URL, message: unknown, headers?: Record<string, string>): Promise<HttpReply> {
  return post(url, JSON.stringify(message), headers);
}

/** A 2025-era tools/call over HTTP; resolves with the single JSON-RPC reply. */
export async function callLegacy(url: URL, name: string, args: unknown, id: string | number = 1): Promise<JsonRpcReply> {
  const reply = await postJson(url, { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });
  if (reply.messages.length !== 1) throw new Error(`expected one message, got ${reply.status}: ${reply.text.slice(0, 500)}`);
  return reply.messages[0]!;
}

/** A 2026-era tools/call over HTTP (the fast path serves it); resolves with the single reply. */
export async function callModern(url: URL, name: string, args: unknown, id: string | number = 1): Promise<JsonRpcReply> {
  const reply = await postJson(url, modernCall(name, args, id), modernHeaders('tools/call', name));
  if (reply.messages.length !== 1) throw new Error(`expected one message, got ${reply.status}: ${reply.text.slice(0, 500)}`);
  return reply.messages[0]!;
}

/** The text of a tool result (all text parts joined). */
export function toolText(reply: JsonRpcReply): string {
  return (reply.result?.content ?? []).map((part) => part.text ?? '').join('\n');
}

/**
 * Writes raw bytes on a fresh TCP connection and collects whatever comes back until the server
 * closes the connection or `timeoutMs` passes (then `timedOut` is true).
 */
export function rawExchange(url: URL, bytes: string | Buffer, timeoutMs = 10_000): Promise<{ text: string; timedOut: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text: Buffer.concat(chunks).toString('latin1'), timedOut: true });
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error) => {
      clearTimeout(timer);
      if (chunks.length > 0) resolve({ text: Buffer.concat(chunks).toString('latin1'), timedOut: false });
      else reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text: Buffer.concat(chunks).toString('latin1'), timedOut: false });
    });
    socket.write(bytes);
  });
}
