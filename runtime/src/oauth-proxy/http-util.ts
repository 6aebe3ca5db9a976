/** Request and response helpers of the proxy's endpoints (bodies, cookies, OAuth error answers). */
import type { IncomingMessage, ServerResponse } from 'node:http';

export const MAX_FORM_BYTES = 64 * 1024;

/** An OAuth error (RFC 6749 §5.2 / RFC 7591 §3.2.2): `error` code and a description safe to show. */
export class OAuthRefusal extends Error {
  override readonly name = 'OAuthRefusal';
  constructor(
    readonly error: string,
    readonly description: string,
    readonly status = 400,
  ) {
    super(description);
  }
}

/** Reads the body (bounded) as form fields or JSON. */
export async function readBody(req: IncomingMessage): Promise<{ form: URLSearchParams; json?: unknown }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) throw new OAuthRefusal('invalid_request', `request body larger than ${MAX_FORM_BYTES} bytes`, 413);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  const type = String(req.headers['content-type'] ?? '').split(';', 1)[0]!.trim().toLowerCase();
  if (type === 'application/json') {
    try {
      return { form: new URLSearchParams(), json: JSON.parse(text) };
    } catch {
      throw new OAuthRefusal('invalid_request', 'request body is not valid JSON');
    }
  }
  if (type !== 'application/x-www-form-urlencoded') throw new OAuthRefusal('invalid_request', 'send the parameters as application/x-www-form-urlencoded');
  return { form: new URLSearchParams(text) };
}

/** One value of a parameter; a repeated parameter is refused (RFC 6749 §3.1). */
export function single(params: URLSearchParams, name: string): string | undefined {
  const all = params.getAll(name);
  if (all.length > 1) throw new OAuthRefusal('invalid_request', `parameter ${name} is repeated`);
  return all[0] === '' ? undefined : all[0];
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), 'cache-control': 'no-store', ...headers });
  res.end(text);
}

export function sendHtml(res: ServerResponse, status: number, html: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': String(Buffer.byteLength(html)),
    'cache-control': 'no-store',
    // The consent page must not be framed (clickjacking) and runs no script.
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    ...headers,
  });
  res.end(html);
}

export function redirect(res: ServerResponse, location: string, headers: Record<string, string | string[]> = {}): void {
  res.writeHead(302, { location, 'cache-control': 'no-store', ...headers });
  res.end();
}

export function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of String(req.headers.cookie ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** The client's address for rate limits (the socket peer: a proxy in front sets the limit per its own address). */
export function peerOf(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? 'unknown';
}
