/**
 * Cancellation and slow clients against a running server built from a TEST-ONLY copy of the notes
 * example with a `slow_wait` tool (see lib/slow-project.ts): its handler waits on ctx.signal and
 * writes what happened to a marks file, so the test sees the abort from outside the process.
 *
 * - stdio: notifications/cancelled aborts the handler, no reply is sent for the cancelled request,
 *   other calls are untouched, the server keeps serving.
 * - HTTP: a client that disconnects mid-call aborts the handler (2025 SDK path and 2026 fast path);
 *   a client that disconnects mid-body costs nothing; slowloris connections (headers or body sent
 *   byte by byte, then stalled) do not block other clients and are dropped after the configured
 *   timeouts (MCP_HEADERS_TIMEOUT_MS / MCP_REQUEST_TIMEOUT_MS, set low here).
 */
import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../production/lib/server.js';
import { expectHttpServes, expectStdioServes } from './lib/checks.js';
import { LEGACY_HEADERS, modernCall, modernHeaders, rawExchange, toolText } from './lib/http.js';
import { startHttp, startStdio } from './lib/servers.js';
import { readMarks, slowProject, waitForMark } from './lib/slow-project.js';
import type { StdioDriver } from './lib/stdio.js';

const HEADERS_TIMEOUT_MS = 1_000;
const REQUEST_TIMEOUT_MS = 2_000;

let marks: string;
let http: ServerProcess;
let stdio: StdioDriver;

beforeAll(async () => {
  const dir = await slowProject();
  marks = join(mkdtempSync(join(tmpdir(), 'mcpforge-marks-')), 'marks.txt');
  http = await startHttp(dir, { SLOW_MARKS: marks, MCP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS), MCP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS) });
  stdio = startStdio(dir, { SLOW_MARKS: marks });
  await stdio.initialize();
});

afterAll(async () => {
  await http?.stop();
  await stdio?.stop();
});

/** Starts a POST whose reply the test never waits for; returns the request to destroy. */
function startCall(body: string, headers: Record<string, string>) {
  const req = request({ host: http.url.hostname, port: http.url.port, path: '/mcp', method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } });
  req.on('error', () => {});
  req.end(body);
  return req;
}

describe('a tool call cancelled mid-flight over stdio', () => {
  it('notifications/cancelled aborts the handler (ctx.signal) and no reply is sent for that request', async () => {
    stdio.send({ jsonrpc: '2.0', id: 'c1', method: 'tools/call', params: { name: 'slow_wait', arguments: { label: 'stdio-c1', ms: 120_000 } } });
    await waitForMark(marks, 'started stdio-c1');
    stdio.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'c1', reason: 'user pressed stop' } });
    await waitForMark(marks, 'aborted stdio-c1');
    // A later request's reply proves the server went past the cancelled one without answering it.
    await stdio.request('ping', undefined, 'after-c1');
    await stdio.callTool('list_notes', { limit: 1 }, 'after-c1-call');
    expect(stdio.repliesFor('c1')).toEqual([]);
    expect(readMarks(marks)).not.toContain('completed stdio-c1');
  });

  it('cancelling one of two concurrent calls leaves the other to complete and be answered', async () => {
    stdio.send({ jsonrpc: '2.0', id: 'c2', method: 'tools/call', params: { name: 'slow_wait', arguments: { label: 'stdio-c2', ms: 120_000 } } });
    stdio.send({ jsonrpc: '2.0', id: 'c3', method: 'tools/call', params: { name: 'slow_wait', arguments: { label: 'stdio-c3', ms: 1_500 } } });
    await waitForMark(marks, 'started stdio-c2');
    await waitForMark(marks, 'started stdio-c3');
    stdio.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'c2' } });
    const reply = await stdio.waitFor((r) => r.id === 'c3');
    expect(toolText(reply)).toBe('completed stdio-c3');
    await waitForMark(marks, 'aborted stdio-c2');
    await stdio.request('ping', undefined, 'after-c2');
    expect(stdio.repliesFor('c2')).toEqual([]);
    expect(stdio.repliesFor('c3')).toHaveLength(1);
  });

  it('cancelling an unknown or finished request id is ignored: no reply, no crash', async () => {
    stdio.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'never-sent' } });
    stdio.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'c3' } });
    stdio.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: { odd: true } } });
    await stdio.request('ping', undefined, 'after-unknown-cancel');
    expect(stdio.repliesFor('never-sent')).toEqual([]);
    expect(stdio.repliesFor('c3')).toHaveLength(1);
  });

  it('the stdio server is alive and serves afterwards', () => expectStdioServes(stdio));
});

describe('a tool call aborted by an HTTP client going away', () => {
  it('2025 era (SDK path): closing the connection mid-call aborts the handler', async () => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'slow_wait', arguments: { label: 'http-legacy', ms: 120_000 } } });
    const req = startCall(body, { ...LEGACY_HEADERS });
    await waitForMark(marks, 'started http-legacy');
    req.destroy();
    await waitForMark(marks, 'aborted http-legacy');
    expect(readMarks(marks)).not.toContain('completed http-legacy');
  });

  it('2026 era (fast path): closing the connection mid-call aborts the handler', async () => {
    const req = startCall(JSON.stringify(modernCall('slow_wait', { label: 'http-modern', ms: 120_000 })), modernHeaders('tools/call', 'slow_wait'));
    await waitForMark(marks, 'started http-modern');
    req.destroy();
    await waitForMark(marks, 'aborted http-modern');
  });

  it('a client that disconnects halfway through its request body: nothing runs, the server serves on', async () => {
    const socket = connect(Number(http.url.port), http.url.hostname);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'slow_wait', arguments: { label: 'half-body', ms: 1 } } });
    socket.write(`POST /mcp HTTP/1.1\r\nHost: ${http.url.host}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 40)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    socket.destroy();
    await expectHttpServes(http);
    expect(readMarks(marks)).not.toContain('started half-body');
  });

  it('the server is alive and serves afterwards', () => expectHttpServes(http));
});

describe('slow clients (slowloris)', () => {
  /** Opens a connection and trickles `text` one byte per `everyMs`, stopping (stalling) after `bytes` bytes. */
  function trickle(text: string, bytes: number, everyMs: number): { socket: Socket; closed: Promise<string> } {
    const socket = connect(Number(http.url.port), http.url.hostname);
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.on('error', () => {});
    const closed = new Promise<string>((resolve) => socket.once('close', () => resolve(received)));
    let sent = 0;
    const timer = setInterval(() => {
      if (sent >= bytes || socket.destroyed) return clearInterval(timer);
      socket.write(text[sent++]!);
    }, everyMs);
    socket.once('close', () => clearInterval(timer));
    return { socket, closed };
  }

  it('20 connections trickling headers byte by byte do not block other clients, and are dropped after the headers timeout', async () => {
    const head = `POST /mcp HTTP/1.1\r\nHost: ${http.url.host}\r\nContent-Type: application/json\r\nX-Padding: ${'p'.repeat(200)}\r\n`;
    const slow = Array.from({ length: 20 }, () => trickle(head, head.length, 100));
    // While they trickle, a normal client is served (both eras).
    await expectHttpServes(http);
    const results = await Promise.all(slow.map((s) => s.closed));
    // Past the headers deadline the server answers 408 Request Timeout and closes.
    for (const text of results) expect(text).toBe('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    expect(slow.every((s) => s.socket.destroyed)).toBe(true);
  });

  it('a connection that sends headers, then stalls in the body, is dropped after the request timeout', async () => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' });
    const text = `POST /mcp HTTP/1.1\r\nHost: ${http.url.host}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    const headerEnd = text.indexOf('\r\n\r\n') + 4;
    const socket = connect(Number(http.url.port), http.url.hostname);
    socket.on('error', () => {});
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write(text.slice(0, headerEnd + 5));
    await expectHttpServes(http);
    await closed;
    // No reply to a request that never finished arriving: only 408.
    expect(received).toBe('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });

  it('a connection that opens and sends nothing is dropped too', async () => {
    const { text, timedOut } = await rawExchange(http.url, '', 30_000);
    expect(timedOut).toBe(false);
    expect(text).toBe('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });

  it('the server is alive and serves afterwards', () => expectHttpServes(http));
});
