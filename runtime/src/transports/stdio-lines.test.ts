import { describe, expect, test } from 'vitest';
import { createLineGuard, topLevelId } from './stdio-lines.js';

/** Feeds `chunks` through a guard; returns the lines passed on and the answers written. */
async function run(chunks: Array<string | Buffer>, maxLineBytes?: number) {
  const replies: Array<Record<string, unknown>> = [];
  const refused: string[] = [];
  const guard = createLineGuard({ reply: (m) => replies.push(m), onRefused: (kind) => refused.push(kind), ...(maxLineBytes ? { maxLineBytes } : {}) });
  const passed: string[] = [];
  guard.on('data', (chunk: Buffer) => passed.push(chunk.toString('utf8')));
  const ended = new Promise((resolve) => guard.on('end', resolve));
  for (const chunk of chunks) guard.write(chunk);
  guard.end();
  await ended;
  return { passed, replies, refused };
}

const ping = (id: unknown) => JSON.stringify({ jsonrpc: '2.0', id, method: 'ping' });

describe('stdio line guard', () => {
  test('valid requests, notifications and responses pass on unchanged, one line per chunk, even when split across chunks', async () => {
    const note = JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' });
    const response = JSON.stringify({ jsonrpc: '2.0', id: 7, result: {} });
    const text = `${ping(1)}\n${note}\r\n${response}\n`;
    const { passed, replies } = await run([text.slice(0, 5), text.slice(5, 40), text.slice(40)]);
    expect(passed).toEqual([`${ping(1)}\n`, `${note}\r\n`, `${response}\n`]);
    expect(replies).toEqual([]);
  });

  test('a line that is not JSON: -32700 with id null; blank lines are ignored', async () => {
    const { passed, replies, refused } = await run(['hello there\n\n', Buffer.from([0xff, 0xfe, 0x00, 0x0a]), `${ping('a')}\n`]);
    expect(replies).toEqual([
      { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error: the line is not valid JSON' } },
      { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error: the line is not valid JSON' } },
    ]);
    expect(refused).toEqual(['parse_error', 'parse_error']);
    expect(passed).toEqual([`${ping('a')}\n`]);
  });

  test('invalid requests with an id: -32600 with that id and what is wrong', async () => {
    const lines = [
      { id: 's1', method: 'tools/call' },
      { jsonrpc: '1.0', id: 2, method: 'ping' },
      { jsonrpc: '2.0', id: 's6', method: 'tools/call', params: ['x'] },
      { jsonrpc: '2.0', id: 3, method: 7 },
      { jsonrpc: '2.0', id: 4, method: 'ping', extra: true },
      { jsonrpc: '2.0', id: { a: 1 }, method: 'ping' },
      { jsonrpc: '2.0', id: 1.5, method: 'ping' },
    ].map((m) => `${JSON.stringify(m)}\n`);
    const { passed, replies } = await run(lines);
    expect(passed).toEqual([]);
    expect(replies.map((r) => [r.id, (r.error as { code: number; message: string }).code, (r.error as { message: string }).message])).toEqual([
      ['s1', -32600, 'Invalid Request: not a JSON-RPC 2.0 message: "jsonrpc" must be "2.0"'],
      [2, -32600, 'Invalid Request: not a JSON-RPC 2.0 message: "jsonrpc" must be "2.0"'],
      ['s6', -32600, 'Invalid Request: not a JSON-RPC 2.0 message: "params" must be an object'],
      [3, -32600, 'Invalid Request: not a JSON-RPC 2.0 message: "method" must be a string'],
      [4, -32600, 'Invalid Request: not a JSON-RPC 2.0 message: unexpected member "extra"'],
      [null, -32600, 'Invalid Request: not a JSON-RPC 2.0 message: "id" must be a string or an integer'],
      [null, -32600, 'Invalid Request: not a JSON-RPC 2.0 message: "id" must be a string or an integer'],
    ]);
  });

  test('scalars answer -32600 with id null; malformed notifications and responses are passed on unanswered', async () => {
    const { passed, replies } = await run(['42\n', 'null\n', `${JSON.stringify({ jsonrpc: '2.0', method: 5 })}\n`, `${JSON.stringify({ jsonrpc: '2.0', id: 9, result: 'x' })}\n`]);
    expect(replies.map((r) => [r.id, (r.error as { code: number }).code])).toEqual([
      [null, -32600],
      [null, -32600],
    ]);
    expect(passed).toHaveLength(2);
  });

  test('a batch: -32600 for each element with an id, one id-null error when none has one', async () => {
    const { passed, replies } = await run([`${JSON.stringify([JSON.parse(ping('b1')), JSON.parse(ping('b2')), { jsonrpc: '2.0', method: 'x' }])}\n`, '[]\n']);
    expect(passed).toEqual([]);
    expect(replies.map((r) => r.id)).toEqual(['b1', 'b2', null]);
    expect((replies[0]!.error as { code: number; message: string }).code).toBe(-32600);
    expect((replies[0]!.error as { message: string }).message).toContain('batches are not accepted over stdio');
  });

  test('an overlong line is skipped without buffering it, answered -32000 with its id, and the next line is served', async () => {
    const big = `{"jsonrpc":"2.0","id":"big","method":"tools/call","params":{"name":"x","arguments":{"id":"inner","body":"${'y'.repeat(5000)}"}}}`;
    const { passed, replies, refused } = await run([big.slice(0, 3000), big.slice(3000), `\n${ping('after')}\n`], 1024);
    expect(refused).toEqual(['too_large']);
    expect(replies).toEqual([
      { jsonrpc: '2.0', id: 'big', error: { code: -32000, message: `Message too large: the line is ${big.length} bytes, over the 1024-byte limit of one stdio message; send less per request (e.g. page through data or pass a file path)` } },
    ]);
    expect(passed).toEqual([`${ping('after')}\n`]);
  });

  test('topLevelId reads only the top level of a line prefix', () => {
    expect(topLevelId('{"params":{"id":"nested"},"id":12,"method":"x"')).toBe(12);
    expect(topLevelId('{"method":"a\\"id\\":1","id":"s"')).toBe('s');
    expect(topLevelId('{"jsonrpc":"2.0","params":{"body":"yyyy')).toBeUndefined();
    expect(topLevelId('[{"id":1}]')).toBeUndefined();
    expect(topLevelId('{"id":{"a":1},')).toBeNull();
  });
});
