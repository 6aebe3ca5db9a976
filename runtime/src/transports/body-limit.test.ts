/**
 * A 413 must reach a client that is still uploading: the server drains the refused body before it
 * closes (a close with unread bytes resets the connection, and the reset destroys the reply).
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPipeline, type Pipeline } from '../__fixtures__/pipeline.js';

let p: Pipeline;
let sessions: Pipeline;
beforeAll(async () => {
  p = await startPipeline();
  sessions = await startPipeline({ sessions: true });
});
afterAll(async () => {
  await p?.close();
  await sessions?.close();
});

/** POSTs `total` bytes in 64 KiB pieces with pauses, as a slow uploader would; resolves with what the client saw. */
function slowUpload(url: string, total: number, headers: Record<string, string> = {}): Promise<{ status: number; body: string; wroteAll: boolean }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    let wroteAll = false;
    let reply: { status: number; body: string } | undefined;
    // Both must happen: the whole reply read, and the whole body written without a reset.
    const settle = () => reply && wroteAll && resolve({ ...reply, wroteAll });
    const req = request({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent: false, headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'content-length': String(total), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => ((reply = { status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }), settle()));
      res.on('error', reject);
    });
    req.on('error', reject);
    const piece = Buffer.alloc(64 * 1024, 0x20);
    let sent = 0;
    const next = () => {
      if (sent >= total) {
        req.end(() => ((wroteAll = true), settle()));
        return;
      }
      const n = Math.min(piece.length, total - sent);
      sent += n;
      req.write(piece.subarray(0, n));
      setTimeout(next, 5);
    };
    next();
  });
}

describe('a body over the limit (1 MiB) is refused with 413 that survives the upload', () => {
  it('stateless HTTP: the client finishes writing 2 MiB and reads the 413 (no EPIPE, no reset)', async () => {
    const seen = await slowUpload(p.http.url, 2 * 1024 * 1024);
    expect(seen.status).toBe(413);
    expect(JSON.parse(seen.body)).toEqual({ jsonrpc: '2.0', error: { code: -32000, message: 'Payload Too Large: Request body must not exceed 1048576 bytes' }, id: null });
    expect(seen.wroteAll).toBe(true);
  });

  it('stateful sessions (a session-less POST the router would read): the same 413, same body', async () => {
    const seen = await slowUpload(sessions.http.url, 2 * 1024 * 1024);
    expect(seen.status).toBe(413);
    expect(JSON.parse(seen.body).error.message).toBe('Payload Too Large: Request body must not exceed 1048576 bytes');
    expect(seen.wroteAll).toBe(true);
  });

  it('the server keeps serving afterwards', async () => {
    const res = await fetch(p.http.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }) });
    expect(res.status).toBe(200);
  });
});
