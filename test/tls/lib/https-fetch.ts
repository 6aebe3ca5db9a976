/**
 * A `fetch` for the SDK client that speaks node:https with a given CA and client certificate.
 *
 * Node 20's global fetch takes no CA or client certificate (only an undici dispatcher, whose class
 * must come from the very undici build inside Node), so the tests hand the SDK's
 * StreamableHTTPClientTransport this small fetch instead: one request per call, the body streamed
 * back as a web ReadableStream. It also records the server certificate each connection saw, which
 * the reload test compares.
 */
import { request, Agent } from 'node:https';
import { Readable } from 'node:stream';
import type { TLSSocket } from 'node:tls';

export interface TlsClientOptions {
  ca: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  /** Keep connections alive between requests (default true, like a real client). */
  keepAlive?: boolean;
}

export interface HttpsFetch {
  (input: string | URL | Request, init?: RequestInit): Promise<Response>;
  /** SHA-256 fingerprints of the server certificates seen, one per full TLS handshake. */
  readonly serverFingerprints: string[];
  /** Closes pooled connections. */
  close(): void;
}

export function httpsFetch(options: TlsClientOptions): HttpsFetch {
  const agent = new Agent({ ca: options.ca, cert: options.cert, key: options.key, keepAlive: options.keepAlive ?? true, maxSockets: 16 });
  const serverFingerprints: string[] = [];
  const seen = new WeakSet<object>();
  const fetchImpl = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const headers = new Headers(init.headers);
    const body = init.body === undefined || init.body === null ? undefined : typeof init.body === 'string' ? init.body : Buffer.from(await new Response(init.body).arrayBuffer());
    return new Promise<Response>((resolve, reject) => {
      const req = request(url, { method: init.method ?? 'GET', headers: Object.fromEntries(headers), agent }, (res) => {
        const socket = res.socket as TLSSocket;
        if (!seen.has(socket)) {
          seen.add(socket);
          // A resumed TLS session carries no certificate; it continues the one recorded before.
          if (!socket.isSessionReused()) serverFingerprints.push(socket.getPeerCertificate().fingerprint256);
        }
        const responseHeaders = new Headers();
        for (const [name, value] of Object.entries(res.headers)) {
          if (value !== undefined) responseHeaders.set(name, Array.isArray(value) ? value.join(', ') : value);
        }
        const status = res.statusCode ?? 500;
        const nullBody = status === 204 || status === 304 || init.method === 'HEAD';
        if (nullBody) res.resume();
        resolve(new Response(nullBody ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), { status, headers: responseHeaders }));
      });
      req.on('error', reject);
      init.signal?.addEventListener('abort', () => req.destroy(new Error('aborted')), { once: true });
      req.end(body);
    });
  };
  return Object.assign(fetchImpl, { serverFingerprints, close: () => agent.destroy() });
}
