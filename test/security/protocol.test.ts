/**
 * Adversarial protocol cases against a running generated server (the notes example), over HTTP
 * (raw requests, both protocol eras: 2025-11-25 stateless answered as SSE, 2026-07-28 answered as
 * JSON) and over stdio (raw lines). Each case asserts the exact answer; each group ends by checking
 * that the process is alive and a normal tools/call still succeeds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../production/lib/server.js';
import { expectHttpServes, expectStdioServes } from './lib/checks.js';
import { LEGACY_HEADERS, callLegacy, envelope, modernCall, modernHeaders, post, postJson, rawExchange, toolText } from './lib/http.js';
import { builtExample, startHttp, startStdio } from './lib/servers.js';
import type { StdioDriver } from './lib/stdio.js';

let dir: string;
let http: ServerProcess;
let stdio: StdioDriver;
let url: URL;

beforeAll(async () => {
  dir = await builtExample('notes');
  http = await startHttp(dir);
  url = http.url;
  stdio = startStdio(dir);
  await stdio.initialize();
});

afterAll(async () => {
  await http?.stop();
  await stdio?.stop();
});

const INVALID_MESSAGE = 'Bad Request: the request body is not a valid JSON-RPC message';

describe('malformed JSON over HTTP', () => {
  it('truncated JSON: 400 with -32700 Parse error, id null', async () => {
    const reply = await post(url, '{"jsonrpc":"2.0","id":1,"method":"tools/cal');
    expect(reply.status).toBe(400);
    expect(reply.messages).toEqual([{ jsonrpc: '2.0', error: { code: -32700, message: 'Parse error: Invalid JSON' }, id: null }]);
  });

  it('a body that is not UTF-8 JSON: 400 with -32700', async () => {
    const reply = await post(url, Buffer.from([0xff, 0xfe, 0x00, 0x7b]));
    expect(reply.status).toBe(400);
    expect(reply.messages[0]?.error).toEqual({ code: -32700, message: 'Parse error: Invalid JSON' });
  });

  it('invalid UTF-8 inside a JSON string is decoded as U+FFFD and stored as such (no crash, no raw bytes)', async () => {
    const head = Buffer.from('{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"create_note","arguments":{"title":"a');
    const reply = await post(url, Buffer.concat([head, Buffer.from([0xff, 0xfe]), Buffer.from('b"}}}')]));
    expect(reply.status).toBe(200);
    expect(reply.messages[0]?.id).toBe(7);
    expect((reply.messages[0]?.result?.structuredContent as { title: string }).title).toBe('a\uFFFD\uFFFDb');
  });

  it('empty body: 400 with -32700', async () => {
    const reply = await post(url, '');
    expect(reply.status).toBe(400);
    expect(reply.messages[0]?.error?.code).toBe(-32700);
  });

  it('Content-Type text/plain: 415 Unsupported Media Type', async () => {
    const reply = await post(url, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }), { ...LEGACY_HEADERS, 'content-type': 'text/plain' });
    expect(reply.status).toBe(415);
    expect(reply.messages[0]?.error?.code).toBe(-32000);
    expect(reply.messages[0]?.error?.message).toContain('Unsupported Media Type');
  });

  it('Accept without text/event-stream (the transport demands both): 406', async () => {
    const reply = await post(url, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }), { 'content-type': 'application/json', accept: 'application/json' });
    expect(reply.status).toBe(406);
    expect(reply.messages[0]?.error).toEqual({ code: -32000, message: 'Not Acceptable: Client must accept both application/json and text/event-stream' });
  });

  it('Accept missing entirely: 406', async () => {
    const reply = await post(url, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }), { 'content-type': 'application/json' });
    expect(reply.status).toBe(406);
  });

  it('2026 tools/call with truncated JSON (fast-path headers): 400 with -32700', async () => {
    const text = JSON.stringify(modernCall('list_notes', {})).slice(0, -5);
    const reply = await post(url, text, modernHeaders('tools/call', 'list_notes'));
    expect(reply.status).toBe(400);
    expect(reply.messages[0]?.error?.code).toBe(-32700);
  });

  it('malformed HTTP (not a request line): 400 Bad Request and the connection is closed', async () => {
    const { text, timedOut } = await rawExchange(url, 'GARBAGE \x01\x02 nonsense\r\n\r\n');
    expect(timedOut).toBe(false);
    expect(text).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
  });

  it('the server is alive and serves afterwards', () => expectHttpServes(http));
});

describe('wrong JSON-RPC shapes over HTTP', () => {
  it('missing "jsonrpc": 400 with -32600, id echoed', async () => {
    const reply = await postJson(url, { id: 1, method: 'tools/list' });
    expect(reply.status).toBe(400);
    expect(reply.messages).toEqual([{ jsonrpc: '2.0', error: { code: -32600, message: INVALID_MESSAGE }, id: 1 }]);
  });

  it('"jsonrpc": "1.0": 400 with -32600', async () => {
    const reply = await postJson(url, { jsonrpc: '1.0', id: 2, method: 'tools/list' });
    expect(reply.status).toBe(400);
    expect(reply.messages[0]?.error).toEqual({ code: -32600, message: INVALID_MESSAGE });
  });

  it('id as an object: 400 with -32600 and id null (an object id cannot be echoed)', async () => {
    const reply = await postJson(url, { jsonrpc: '2.0', id: { a: 1 }, method: 'tools/list' });
    expect(reply.status).toBe(400);
    expect(reply.messages[0]).toEqual({ jsonrpc: '2.0', error: { code: -32600, message: INVALID_MESSAGE }, id: null });
  });

  it('method not a string: 400 with -32600', async () => {
    const reply = await postJson(url, { jsonrpc: '2.0', id: 3, method: 7 });
    expect(reply.status).toBe(400);
    expect(reply.messages[0]?.error?.code).toBe(-32600);
  });

  it('params as an array where an object is required: 400 with -32600', async () => {
    const reply = await postJson(url, { jsonrpc: '2.0', id: 4, method: 'tools/call', params: ['create_note'] });
    expect(reply.status).toBe(400);
    expect(reply.messages[0]).toEqual({ jsonrpc: '2.0', error: { code: -32600, message: INVALID_MESSAGE }, id: 4 });
  });

  it('a JSON scalar body (42, null, "x"): 400 with -32600', async () => {
    for (const body of ['42', 'null', '"x"', 'true']) {
      const reply = await post(url, body);
      expect(reply.status, body).toBe(400);
      expect(reply.messages[0]?.error?.code, body).toBe(-32600);
    }
  });

  it('a notification (no id): 202 Accepted with an empty body, nothing to answer', async () => {
    const reply = await postJson(url, { jsonrpc: '2.0', method: 'notifications/initialized' });
    expect(reply.status).toBe(202);
    expect(reply.text).toBe('');
  });

  it('a tools/call sent as a notification (no id): 202 and no result is sent', async () => {
    const reply = await postJson(url, { jsonrpc: '2.0', method: 'tools/call', params: { name: 'create_note', arguments: { title: 'as notification' } } });
    expect(reply.status).toBe(202);
    expect(reply.text).toBe('');
  });

  it('a response object sent by the client: 202, ignored', async () => {
    const reply = await postJson(url, { jsonrpc: '2.0', id: 9, result: {} });
    expect(reply.status).toBe(202);
    expect(reply.text).toBe('');
  });

  it('tools/call without a tool name: -32602 Invalid params naming params.name', async () => {
    const reply = await postJson(url, { jsonrpc: '2.0', id: 5, method: 'tools/call', params: { arguments: {} } });
    expect(reply.status).toBe(200);
    expect(reply.messages[0]?.id).toBe(5);
    expect(reply.messages[0]?.error?.code).toBe(-32602);
    expect(reply.messages[0]?.error?.message).toMatch(/^Invalid tools\/call request:[\s\S]*"name"/);
  });

  it('2026 tools/call with arguments as an array: -32602 naming params.arguments', async () => {
    const message = { jsonrpc: '2.0', id: 6, method: 'tools/call', params: { name: 'create_note', arguments: ['x'], _meta: envelope() } };
    const reply = await postJson(url, message, modernHeaders('tools/call', 'create_note'));
    expect(reply.messages[0]?.id).toBe(6);
    expect(reply.messages[0]?.error?.code).toBe(-32602);
    expect(reply.messages[0]?.error?.message).toContain('"arguments"');
  });

  it('2026 request without the per-request _meta envelope: 400 with -32602', async () => {
    const reply = await postJson(url, { jsonrpc: '2.0', id: 8, method: 'tools/list' }, modernHeaders('tools/list'));
    expect(reply.status).toBe(400);
    expect(reply.messages[0]?.error?.code).toBe(-32602);
    expect(reply.messages[0]?.error?.message).toContain('missing the required per-request envelope');
  });

  it('2026 Mcp-Name header naming another tool than the body: 400 with -32020 (header/body mismatch)', async () => {
    const reply = await postJson(url, modernCall('create_note', { title: 'x' }, 10), modernHeaders('tools/call', 'delete_note'));
    expect(reply.status).toBe(400);
    expect(reply.messages[0]?.error?.code).toBe(-32020);
    expect(reply.messages[0]?.error?.message).toContain('the body carries params.name="create_note" but the Mcp-Name header names "delete_note"');
  });

  it('2026 Mcp-Method header naming another method than the body: 400 with -32020', async () => {
    const reply = await postJson(url, modernCall('create_note', { title: 'x' }, 11), modernHeaders('tools/list'));
    expect(reply.status).toBe(400);
    expect(reply.messages[0]?.error?.message).toContain('the body names method tools/call but the Mcp-Method header names tools/list');
  });

  it('the server is alive and serves afterwards', () => expectHttpServes(http));
});

describe('batches over HTTP', () => {
  it('2025-era batch of two requests: each answered with its own id (accepted for 2025-03-26 clients)', async () => {
    const reply = await postJson(url, [
      { jsonrpc: '2.0', id: 'a', method: 'ping' },
      { jsonrpc: '2.0', id: 'b', method: 'no/such/method' },
    ]);
    expect(reply.status).toBe(200);
    expect(reply.messages).toHaveLength(2);
    // JSON-RPC lets batch replies come in any order; they are matched by id.
    const byId = Object.fromEntries(reply.messages.map((message) => [String(message.id), message]));
    expect(byId.a).toEqual({ jsonrpc: '2.0', id: 'a', result: {} });
    expect(byId.b).toEqual({ jsonrpc: '2.0', id: 'b', error: { code: -32601, message: 'Method not found' } });
  });

  it('2026-era batch: 400 with -32600 (the 2026-07-28 revision forbids batching requests)', async () => {
    const reply = await postJson(url, [{ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: envelope() } }], modernHeaders('tools/list'));
    expect(reply.status).toBe(400);
    expect(reply.messages[0]?.error).toEqual({ code: -32600, message: 'Bad Request: JSON-RPC batches may not contain requests for protocol revision 2026-07-28 or later' });
  });

  it('empty batch []: 400 with -32600 "empty JSON-RPC batch"', async () => {
    const reply = await post(url, '[]');
    expect(reply.status).toBe(400);
    expect(reply.messages[0]?.error).toEqual({ code: -32600, message: 'Bad Request: empty JSON-RPC batch' });
  });

  it('the server is alive and serves afterwards', () => expectHttpServes(http));
});

describe('unknown methods, unknown tools and invalid params over HTTP', () => {
  it('2025 unknown method: -32601 Method not found with the id', async () => {
    const reply = await postJson(url, { jsonrpc: '2.0', id: 12, method: 'tools/execute' });
    expect(reply.status).toBe(200);
    expect(reply.messages).toEqual([{ jsonrpc: '2.0', id: 12, error: { code: -32601, message: 'Method not found' } }]);
  });

  it('2026 unknown method: 404 with -32601', async () => {
    const reply = await postJson(url, { jsonrpc: '2.0', id: 13, method: 'admin/shutdown', params: { _meta: envelope() } }, modernHeaders('admin/shutdown'));
    expect(reply.status).toBe(404);
    expect(reply.messages).toEqual([{ jsonrpc: '2.0', id: 13, error: { code: -32601, message: 'Method not found' } }]);
  });

  it('a 500,000-character method name: -32601, not echoed back', async () => {
    const reply = await postJson(url, { jsonrpc: '2.0', id: 14, method: 'm'.repeat(500_000) });
    expect(reply.messages[0]?.error?.code).toBe(-32601);
    expect(reply.text.length).toBeLessThan(1_000);
  });

  it('2025 tools/call of an unknown tool: -32602 "Tool nope not found"', async () => {
    const reply = await callLegacy(url, 'nope', {}, 15);
    expect(reply).toEqual({ jsonrpc: '2.0', id: 15, error: { code: -32602, message: 'Tool nope not found' } });
  });

  it('2026 tools/call of an unknown tool: -32602 "Tool nope not found"', async () => {
    const reply = await postJson(url, modernCall('nope', {}, 16), modernHeaders('tools/call', 'nope'));
    expect(reply.messages).toEqual([{ jsonrpc: '2.0', id: 16, error: { code: -32602, message: 'Tool nope not found' } }]);
  });

  it('arguments of the wrong type: a tool error naming the field (MCP: input validation is a tool error)', async () => {
    const reply = await callLegacy(url, 'create_note', { title: 5 }, 17);
    expect(reply.result?.isError).toBe(true);
    expect(toolText(reply)).toBe('Input validation error: Invalid arguments for tool create_note: /title must be string');
  });

  it('a missing required argument: a tool error naming it (fast path, 2026)', async () => {
    const reply = await postJson(url, modernCall('create_note', {}, 18), modernHeaders('tools/call', 'create_note'));
    expect(reply.messages[0]?.result?.isError).toBe(true);
    expect(toolText(reply.messages[0]!)).toBe("Input validation error: Invalid arguments for tool create_note: / must have required property 'title' (missing /title)");
  });

  it('an extra argument: a tool error naming it', async () => {
    const reply = await callLegacy(url, 'delete_note', { id: 'x', admin: true }, 19);
    expect(reply.result?.isError).toBe(true);
    expect(toolText(reply)).toContain("must NOT have additional properties: 'admin'");
  });

  it('a huge integer (1e308) for an integer field: a tool error, not a database error', async () => {
    const reply = await callLegacy(url, 'list_notes', { limit: 1e308 }, 20);
    expect(reply.result?.isError).toBe(true);
    expect(toolText(reply)).toContain('/limit must be <= 100');
  });

  it('the server is alive and serves afterwards', () => expectHttpServes(http));
});

describe('huge bodies, deep nesting and long strings over HTTP', () => {
  it('a 2 MiB body (limit 1 MiB): 413 Payload Too Large and the server stays up', async () => {
    const big = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'create_note', arguments: { title: 't', body: 'x'.repeat(2 * 1024 * 1024) } } });
    const reply = await post(url, big);
    expect(reply.status).toBe(413);
    expect(reply.messages[0]?.error).toEqual({ code: -32000, message: 'Payload Too Large: Request body must not exceed 1048576 bytes' });
    await expectHttpServes(http);
  });

  it('a 2 MiB body on the 2026 fast-path headers: 413 as well', async () => {
    const big = JSON.stringify(modernCall('create_note', { title: 't', body: 'x'.repeat(2 * 1024 * 1024) }));
    const reply = await post(url, big, modernHeaders('tools/call', 'create_note'));
    expect(reply.status).toBe(413);
  });

  it('200,000-deep nested arrays as a tool argument: a tool error, no stack overflow', async () => {
    const text = `{"jsonrpc":"2.0","id":21,"method":"tools/call","params":{"name":"create_note","arguments":{"title":"x","body":${'['.repeat(200_000)}${']'.repeat(200_000)}}}}`;
    const reply = await post(url, text);
    expect(reply.status).toBe(200);
    expect(reply.messages[0]?.id).toBe(21);
    expect(reply.messages[0]?.result?.isError).toBe(true);
    // The depth limit (limits module) answers first when present; schema validation otherwise.
    expect(toolText(reply.messages[0]!)).toMatch(/depth|nest|\/body must be string/i);
  });

  it('100,000-deep nested objects under an unknown key (2026 fast path): a tool error', async () => {
    const deep = `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`;
    const message = JSON.stringify(modernCall('create_note', { title: 'x' }, 22)).replace('"title":"x"', `"title":"x","zz":${deep}`);
    const reply = await post(url, message, modernHeaders('tools/call', 'create_note'));
    expect(reply.messages[0]?.id).toBe(22);
    expect(reply.messages[0]?.result?.isError).toBe(true);
    expect(toolText(reply.messages[0]!)).toMatch(/depth|nest|additional properties: 'zz'/i);
  });

  it('100,000-deep nesting in the params of ping (outside tool arguments): answered', async () => {
    const reply = await post(url, `{"jsonrpc":"2.0","id":23,"method":"ping","params":{"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`);
    expect(reply.status).toBe(200);
    expect(reply.messages[0]?.id).toBe(23);
  });

  it('a 200,000-character string in a field with maxLength 100000: a tool error naming the field', async () => {
    const reply = await callLegacy(url, 'create_note', { title: 'x', body: 'b'.repeat(200_000) }, 24);
    expect(reply.result?.isError).toBe(true);
    expect(toolText(reply)).toMatch(/string|length|\/body must NOT have more than 100000 characters/i);
  });

  it('a 500,000-character string in a field without maxLength (list_notes tag): refused or harmlessly empty', async () => {
    const reply = await callLegacy(url, 'list_notes', { tag: 't'.repeat(500_000) }, 25);
    expect(reply.id).toBe(25);
    if (reply.result?.isError) expect(toolText(reply)).toMatch(/string|length|long/i);
    else expect(reply.result?.structuredContent).toEqual({ notes: [] });
  });

  it('the server is alive and serves afterwards', () => expectHttpServes(http));
});

describe('Host, Origin, methods and paths over HTTP', () => {
  const ping = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' });

  it('Host of another site (DNS rebinding): 403 "Invalid Host"', async () => {
    const reply = await post(url, ping, { ...LEGACY_HEADERS }, { host: 'evil.example.com' });
    expect(reply.status).toBe(403);
    expect(reply.messages[0]?.error).toEqual({ code: -32000, message: 'Invalid Host: evil.example.com' });
  });

  it('Host that starts like localhost (127.0.0.1.evil.example.com): 403', async () => {
    const reply = await post(url, ping, { ...LEGACY_HEADERS }, { host: `127.0.0.1.evil.example.com:${url.port}` });
    expect(reply.status).toBe(403);
  });

  it('Origin of another site: 403 "Invalid Origin"', async () => {
    const reply = await post(url, ping, { ...LEGACY_HEADERS, origin: 'http://evil.example.com' });
    expect(reply.status).toBe(403);
    expect(reply.messages[0]?.error).toEqual({ code: -32000, message: 'Invalid Origin: evil.example.com' });
  });

  it('Origin "null" (sandboxed iframe, file://): 403', async () => {
    const reply = await post(url, ping, { ...LEGACY_HEADERS, origin: 'null' });
    expect(reply.status).toBe(403);
  });

  it('a localhost Origin is accepted: 200', async () => {
    const reply = await post(url, ping, { ...LEGACY_HEADERS, origin: `http://localhost:${url.port}` });
    expect(reply.status).toBe(200);
    expect(reply.messages[0]?.result).toEqual({});
  });

  it('a rejected Host never reaches a tool: no note is created', async () => {
    const create = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'create_note', arguments: { title: 'rebinding-probe' } } });
    expect((await post(url, create, { ...LEGACY_HEADERS }, { host: 'evil.example.com' })).status).toBe(403);
    const found = await callLegacy(url, 'search_notes', { query: 'rebinding-probe' });
    expect(found.result?.structuredContent).toEqual({ notes: [] });
  });

  it('PUT /mcp: 405 with an Allow header', async () => {
    const reply = await post(url, ping, { ...LEGACY_HEADERS }, { method: 'PUT' });
    expect(reply.status).toBe(405);
    expect(reply.headers.allow).toBe('POST, GET, DELETE');
    expect(JSON.parse(reply.text)).toEqual({ error: 'Method PUT is not allowed on /mcp; use POST' });
  });

  it('GET /mcp on the stateless server (no SSE stream to open): 405 with -32000', async () => {
    const reply = await post(url, undefined, { accept: 'text/event-stream' }, { method: 'GET' });
    expect(reply.status).toBe(405);
    expect(reply.messages[0]?.error).toEqual({ code: -32000, message: 'Method not allowed.' });
  });

  it('DELETE /mcp (no session to end): 405', async () => {
    const reply = await post(url, undefined, { ...LEGACY_HEADERS }, { method: 'DELETE' });
    expect(reply.status).toBe(405);
  });

  it('unknown path: 404 naming the MCP endpoint', async () => {
    const reply = await post(url, undefined, {}, { method: 'GET', path: '/admin' });
    expect(reply.status).toBe(404);
    expect(JSON.parse(reply.text)).toEqual({ error: 'No route for /admin; the MCP endpoint is /mcp' });
  });

  it('a path that only starts with /mcp (/mcpx, /mcp/../mcp): 404', async () => {
    for (const path of ['/mcpx', '/mcp/', '/mcp/../admin']) {
      const reply = await post(url, ping, { ...LEGACY_HEADERS }, { path });
      expect([404, 405], path).toContain(reply.status);
      expect(JSON.parse(reply.text), path).toEqual({ error: expect.stringMatching(/^(No route for|Method POST is not allowed on) \//) });
    }
  });

  it('POST /healthz: 405', async () => {
    const reply = await post(url, '{}', { 'content-type': 'application/json' }, { path: '/healthz' });
    expect(reply.status).toBe(405);
  });

  it('the server is alive and serves afterwards', () => expectHttpServes(http));
});

describe('malformed input over stdio', () => {
  const pingAnswered = async () => {
    const reply = await stdio.request('ping', undefined);
    expect(reply.result).toEqual({});
  };

  const PARSE_ERROR = { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error: the line is not valid JSON' } };
  const invalidRequest = (id: unknown, why: string) => ({ jsonrpc: '2.0', id, error: { code: -32600, message: `Invalid Request: not a JSON-RPC 2.0 message: ${why}` } });
  /** Lines printed since `before` that answer with id null (parse errors and id-less refusals). */
  const nullIdReplies = (before: number) => stdio.lines.slice(before).filter((line) => line.json?.id === null).map((line) => line.json);

  it('a truncated JSON line: -32700 Parse error with id null (JSON-RPC 2.0), the next request is answered', async () => {
    const before = stdio.lines.length;
    stdio.write('{"jsonrpc":"2.0","id":"t1","method":"tools/li\n');
    await pingAnswered();
    expect(stdio.lines.slice(before).every((line) => line.json !== undefined)).toBe(true);
    expect(nullIdReplies(before)).toEqual([PARSE_ERROR]);
    expect(stdio.repliesFor('t1')).toEqual([]);
  });

  it('a line that is not JSON at all, and one that is not UTF-8: -32700 each, stdout stays pure JSON-RPC', async () => {
    const before = stdio.lines.length;
    stdio.write('hello there\n');
    stdio.write(Buffer.from([0xff, 0xfe, 0x00, 0x0a]));
    await pingAnswered();
    expect(stdio.lines.slice(before).every((line) => line.json?.jsonrpc === '2.0')).toBe(true);
    expect(nullIdReplies(before)).toEqual([PARSE_ERROR, PARSE_ERROR]);
  });

  it('a message without "jsonrpc" or with "jsonrpc":"1.0": -32600 with its id, not executed', async () => {
    stdio.send({ id: 's1', method: 'tools/call', params: { name: 'create_note', arguments: { title: 'stdio-shape-probe' } } });
    stdio.send({ jsonrpc: '1.0', id: 's2', method: 'tools/call', params: { name: 'create_note', arguments: { title: 'stdio-shape-probe' } } });
    await pingAnswered();
    expect(stdio.repliesFor('s1')).toEqual([invalidRequest('s1', '"jsonrpc" must be "2.0"')]);
    expect(stdio.repliesFor('s2')).toEqual([invalidRequest('s2', '"jsonrpc" must be "2.0"')]);
    // Logged as a warning on stderr without the line itself.
    await stdio.waitForStderr(/"level":40,[^\n]*"kind":"invalid_request"[^\n]*"msg":"stdio line refused and answered with a JSON-RPC error"/);
    const found = await stdio.callTool('search_notes', { query: 'stdio-shape-probe' });
    expect(found.result?.structuredContent).toEqual({ notes: [] });
  });

  it('a batch (JSON array, removed from MCP in 2025-06-18): not executed, -32600 for each request id in it', async () => {
    stdio.send([
      { jsonrpc: '2.0', id: 'b1', method: 'ping' },
      { jsonrpc: '2.0', id: 'b2', method: 'ping' },
    ]);
    await pingAnswered();
    const message = 'Invalid Request: JSON-RPC batches are not accepted over stdio (MCP sends one message per line since 2025-06-18); send each request on its own line';
    expect(stdio.repliesFor('b1')).toEqual([{ jsonrpc: '2.0', id: 'b1', error: { code: -32600, message } }]);
    expect(stdio.repliesFor('b2')).toEqual([{ jsonrpc: '2.0', id: 'b2', error: { code: -32600, message } }]);
  });

  it('a response or a notification with a bad shape is left unanswered (answering could loop between peers)', async () => {
    const before = stdio.lines.length;
    stdio.send({ jsonrpc: '2.0', id: 'r1', result: 'not an object' });
    stdio.send({ jsonrpc: '2.0', method: 42 });
    await pingAnswered();
    expect(stdio.repliesFor('r1')).toEqual([]);
    expect(nullIdReplies(before)).toEqual([]);
  });

  it('unknown method: -32601 with the id', async () => {
    const reply = await stdio.request('tools/execute', {}, 's3');
    expect(reply).toEqual({ jsonrpc: '2.0', id: 's3', error: { code: -32601, message: 'Method not found' } });
  });

  it('tools/call of an unknown tool: -32602 "Tool nope not found"', async () => {
    const reply = await stdio.callTool('nope', {}, 's4');
    expect(reply).toEqual({ jsonrpc: '2.0', id: 's4', error: { code: -32602, message: 'Tool nope not found' } });
  });

  it('arguments of the wrong type: a tool error naming the field', async () => {
    const reply = await stdio.callTool('create_note', { title: ['x'] }, 's5');
    expect(reply.result?.isError).toBe(true);
    expect(toolText(reply)).toBe('Input validation error: Invalid arguments for tool create_note: /title must be string');
  });

  it('params as an array: -32600 with the id, not executed, the server keeps serving', async () => {
    stdio.send({ jsonrpc: '2.0', id: 's6', method: 'tools/call', params: ['create_note'] });
    await pingAnswered();
    expect(stdio.repliesFor('s6')).toEqual([invalidRequest('s6', '"params" must be an object')]);
  });

  it('a line over the 10 MiB stdio limit: -32000 with its id, and the server keeps serving (the SDK alone would close and exit)', async () => {
    const line = `{"jsonrpc":"2.0","id":"s9","method":"tools/call","params":{"name":"create_note","arguments":{"title":"x","body":"${'y'.repeat(11 * 1024 * 1024)}"}}}`;
    stdio.write(`${line}\n`);
    const reply = await stdio.waitFor((r) => r.id === 's9', 30_000);
    expect(reply).toEqual({
      jsonrpc: '2.0',
      id: 's9',
      error: { code: -32000, message: `Message too large: the line is ${line.length} bytes, over the 10485760-byte limit of one stdio message; send less per request (e.g. page through data or pass a file path)` },
    });
    await pingAnswered();
    expect(stdio.alive()).toBe(true);
  });

  it('a 3 MB line: a tool error for the too-long field, no crash', async () => {
    const reply = await stdio.callTool('create_note', { title: 'x', body: 'y'.repeat(3_000_000) }, 's7');
    expect(reply.result?.isError).toBe(true);
    expect(toolText(reply)).toMatch(/string|length|\/body must NOT have more than 100000 characters/i);
  });

  it('200,000-deep nesting over stdio: a tool error, no stack overflow', async () => {
    stdio.write(`{"jsonrpc":"2.0","id":"s8","method":"tools/call","params":{"name":"create_note","arguments":{"title":"x","body":${'['.repeat(200_000)}${']'.repeat(200_000)}}}}\n`);
    const reply = await stdio.waitFor((r) => r.id === 's8');
    expect(reply.result?.isError).toBe(true);
  });

  it('the stdio server is alive and serves afterwards', () => expectStdioServes(stdio));
});
