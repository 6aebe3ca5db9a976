/**
 * The front of every handler that serves one 2026-07-28 method itself before the SDK (the fast
 * path's `tools/call`, `subscriptions/listen`): a header gate that lets everything else stream on
 * unread, the body read into memory, and the request replayed with that body to the next handler
 * when the handler decides, after all, not to serve it.
 */
import type { IncomingMessage } from 'node:http';
import { isJsonContentType } from '@modelcontextprotocol/server';
import type { NodeIncomingMessageLike } from '@modelcontextprotocol/node';

/** A header's value with HTTP optional whitespace stripped, as the SDK strips it; undefined for a repeated header. */
export function header(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value.trim() : undefined;
}

/**
 * Whether the request is a JSON POST announcing `method` at `protocolVersion` in its `Mcp-Method`
 * and `Mcp-Protocol-Version` headers, with a body of known length up to `maxBodyBytes` (larger or
 * chunked bodies go on to the SDK, which answers 413). Reads headers only: cheap for every request.
 */
export function announces(req: IncomingMessage, method: string, protocolVersion: string, maxBodyBytes: number): boolean {
  const h = req.headers;
  const length = Number(h['content-length']);
  return (
    req.method === 'POST' &&
    header(h['mcp-method']) === method &&
    header(h['mcp-protocol-version']) === protocolVersion &&
    isJsonContentType(h['content-type'] as string | undefined) &&
    length > 0 &&
    length <= maxBodyBytes
  );
}

/** The whole body (its length was checked by `announces`), handed to `done` once read. */
function readWhole<T>(req: IncomingMessage, done: (body: Buffer) => T): Promise<T> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    // `on`, not `once`: each fires at most once here, and `once` wraps every listener (per request).
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(done(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks))));
    req.on('error', reject);
  });
}

const asIs = (body: Buffer): Buffer => body;

/** The whole body (its length was checked by `announces`). */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  return readWhole(req, asIs);
}

export type JsonBody = { raw: Buffer; parsed: true; body: unknown } | { raw: Buffer; parsed: false };

function parseJsonBody(raw: Buffer): JsonBody {
  try {
    return { raw, parsed: true, body: JSON.parse(raw.toString('utf8')) as unknown };
  } catch {
    return { raw, parsed: false };
  }
}

/**
 * The body read whole and parsed as JSON: `parsed` false when it is not JSON (the caller then
 * replays `raw` to the SDK, which answers the parse error). Parsed when the body ends, inside the
 * one promise that reads it: not an async function awaiting `readBody`, which made a second
 * promise and frame on every fast-path call.
 */
export function readJsonBody(req: IncomingMessage): Promise<JsonBody> {
  return readWhole(req, parseJsonBody);
}

/** A request whose body was already read, replayed to the next handler (the SDK adapter reads it as an async iterable). */
export function replay(req: IncomingMessage, body: Buffer): NodeIncomingMessageLike {
  const auth = (req as { auth?: NodeIncomingMessageLike['auth'] }).auth;
  return {
    method: req.method,
    url: req.url,
    headers: req.headers,
    ...(auth === undefined ? {} : { auth }),
    async *[Symbol.asyncIterator]() {
      yield body;
    },
  } as NodeIncomingMessageLike;
}
