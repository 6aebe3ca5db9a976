import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { announces, readBody, readJsonBody, replay } from './announced-post.js';

const request = (headers: Record<string, string | string[]>, method = 'POST', body = '') =>
  Object.assign(Readable.from(body === '' ? [] : [Buffer.from(body.slice(0, 3)), Buffer.from(body.slice(3))]), { method, url: '/mcp', headers }) as unknown as IncomingMessage;

const good = { 'content-type': 'application/json', 'content-length': '20', 'mcp-method': 'tools/call', 'mcp-protocol-version': '2026-07-28' };

describe('announces', () => {
  it('accepts a JSON POST naming the method and version, with a bounded length (whitespace around values as the SDK strips it)', () => {
    expect(announces(request(good), 'tools/call', '2026-07-28', 100)).toBe(true);
    expect(announces(request({ ...good, 'mcp-method': ' tools/call ', 'content-type': 'application/json; charset=utf-8' }), 'tools/call', '2026-07-28', 100)).toBe(true);
  });

  it('lets everything else pass on unread', () => {
    const cases: Array<[Record<string, string | string[]>, string?]> = [
      [good, 'GET'],
      [{ ...good, 'mcp-method': 'tools/list' }],
      [{ ...good, 'mcp-method': ['tools/call', 'tools/call'] }],
      [{ ...good, 'mcp-protocol-version': '2025-11-25' }],
      [{ ...good, 'content-type': 'text/plain' }],
      [{ ...good, 'content-length': '0' }],
      [{ ...good, 'content-length': '101' }],
      [{ ...good, 'content-length': 'abc' }],
      [Object.fromEntries(Object.entries(good).filter(([k]) => k !== 'content-length'))],
    ];
    for (const [headers, method] of cases) expect(announces(request(headers, method), 'tools/call', '2026-07-28', 100), JSON.stringify([headers, method])).toBe(false);
  });
});

describe('readBody and replay', () => {
  it('reads a body in chunks whole, and replays it to the next handler with the identity attached', async () => {
    const req = request(good, 'POST', '{"jsonrpc":"2.0"}');
    (req as { auth?: unknown }).auth = { clientId: 'c' };
    const body = await readBody(req);
    expect(body.toString()).toBe('{"jsonrpc":"2.0"}');
    const again = replay(req, body);
    expect(again).toMatchObject({ method: 'POST', url: '/mcp', headers: good, auth: { clientId: 'c' } });
    const chunks: Buffer[] = [];
    for await (const chunk of again as AsyncIterable<Buffer>) chunks.push(chunk);
    expect(Buffer.concat(chunks).toString()).toBe('{"jsonrpc":"2.0"}');
  });

  it('parses a JSON body, and hands back the raw bytes of one that is not JSON', async () => {
    expect(await readJsonBody(request(good, 'POST', '{"a":[1,2]}'))).toEqual({ raw: Buffer.from('{"a":[1,2]}'), parsed: true, body: { a: [1, 2] } });
    expect(await readJsonBody(request(good, 'POST', '{"a":'))).toEqual({ raw: Buffer.from('{"a":'), parsed: false });
  });
});
