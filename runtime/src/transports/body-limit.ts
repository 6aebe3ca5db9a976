/**
 * Refusing a request body over the size limit without losing the refusal (HTTP 413).
 *
 * A reply sent while the client is still uploading is easily lost: when the server closes a socket
 * with unread bytes in its receive buffer, the kernel answers the client's next segment with a TCP
 * reset, and the reset makes the client's kernel discard the reply it had not read yet — the client
 * sees EPIPE or ECONNRESET instead of 413. So, as nginx does ("lingering close"), the refusal is sent
 * at once and complete (Content-Length), the rest of the body is read and thrown away for a bounded
 * time and amount, and only then is the connection closed.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Longest a refused upload is drained before the connection is closed anyway. */
export const LINGER_MS = 5_000;
/** Most bytes of a refused upload that are read and discarded before closing anyway. */
export const LINGER_MAX_BYTES = 32 * 1024 * 1024;

/** True when the request declares (Content-Length) a body larger than `maxBodyBytes`. */
export function declaresOversizedBody(req: IncomingMessage, maxBodyBytes: number): boolean {
  const declared = req.headers['content-length'];
  return declared !== undefined && Number(declared) > maxBodyBytes;
}

/**
 * Answers 413 with the JSON-RPC error the SDK's own adapter uses (one shape whichever layer
 * noticed), then drains what is left of the body before the connection closes.
 */
export function refuseOversizedBody(req: IncomingMessage, res: ServerResponse, maxBodyBytes: number): void {
  const text = JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message: `Payload Too Large: Request body must not exceed ${maxBodyBytes} bytes` }, id: null });
  res.writeHead(413, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), connection: 'close' });
  if (req.complete || req.destroyed) {
    res.end(text);
    return;
  }
  // The whole reply goes out now; `end()` — after which Node closes the socket — waits for the drain.
  res.write(text);
  let discarded = 0;
  const close = () => {
    clearTimeout(timer);
    req.off('data', discard);
    req.off('end', close);
    req.off('error', close);
    req.off('close', close);
    if (!res.writableEnded) res.end();
  };
  const discard = (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > LINGER_MAX_BYTES) close();
  };
  const timer = setTimeout(close, LINGER_MS);
  timer.unref();
  req.on('data', discard);
  req.once('end', close);
  req.once('error', close);
  req.once('close', close);
  req.resume();
}
