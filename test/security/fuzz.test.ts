/**
 * Protocol fuzz test: at least 100,000 generated messages (fast-check) against a running notes
 * server, over HTTP (2025-era batches and single requests, 2026-era requests that reach the fast
 * path, raw and truncated bodies; keep-alive connections, several in flight at once) and over stdio.
 *
 * Property: the processes never exit; every HTTP reply is a proper status with a body (202 empty
 * for notifications only) whose JSON-RPC messages each carry result xor error and an id that was
 * sent (or null); every stdio line is valid JSON-RPC, each well-formed request is answered exactly
 * once; nothing hangs (each request has a generous bound — a hang detector, not a timing check).
 *
 * Replay: the seed (and on failure the path) is printed; FC_SEED=<seed> [FC_PATH=<path>] reruns it.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../production/lib/server.js';
import { expectHttpServes, expectStdioServes } from './lib/checks.js';
import { envelope, keepAliveRetries, LEGACY_HEADERS, MODERN, post, postJson, type HttpReply } from './lib/http.js';
import { fuzzMessage, type FuzzMessage, type ToolInfo } from './lib/fuzz-arbitraries.js';
import { builtExample, startHttp, startStdio } from './lib/servers.js';
import type { JsonRpcReply, StdioDriver } from './lib/stdio.js';

const TARGET_MESSAGES = 100_000;
const MIN_PER_RUN = 100;
const RUNS = Math.ceil(TARGET_MESSAGES / MIN_PER_RUN);
/** Hang detector: far above any real answer time, below the test timeout. */
const REPLY_BOUND_MS = 30_000;
const HTTP_STATUSES = new Set([200, 202, 400, 404, 405, 406, 413, 415]);

let http: ServerProcess;
let stdio: StdioDriver;
let tools: ToolInfo[];

beforeAll(async () => {
  const dir = await builtExample('notes');
  // warn: an info-level audit line per call would be 100,000 lines of stderr for nothing.
  http = await startHttp(dir, { LOG_LEVEL: 'warn' });
  stdio = startStdio(dir, { LOG_LEVEL: 'warn' });
  await stdio.initialize();
  const listed = await postJson(http.url, { jsonrpc: '2.0', id: 1, method: 'tools/list' });
  tools = (listed.messages[0]?.result?.tools as ToolInfo[]).map((tool) => ({ name: tool.name, inputSchema: tool.inputSchema }));
  expect(tools.map((tool) => tool.name).sort()).toEqual(['create_note', 'delete_note', 'list_notes', 'search_notes']);
});

afterAll(async () => {
  await http?.stop();
  await stdio?.stop();
});

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const validId = (id: unknown) => typeof id === 'string' || (typeof id === 'number' && Number.isInteger(id));

/** A JSON-RPC response: version 2.0, result xor error, an integer code and a string message. */
function checkResponse(message: JsonRpcReply, context: string): void {
  if (message.jsonrpc !== '2.0') throw new Error(`reply without jsonrpc 2.0 (${context}): ${JSON.stringify(message).slice(0, 300)}`);
  const hasResult = 'result' in message;
  const hasError = 'error' in message;
  if (hasResult === hasError) throw new Error(`reply must carry result xor error (${context}): ${JSON.stringify(message).slice(0, 300)}`);
  if (hasError && (!Number.isInteger(message.error?.code) || typeof message.error?.message !== 'string')) {
    throw new Error(`malformed error object (${context}): ${JSON.stringify(message.error).slice(0, 300)}`);
  }
}

/**
 * Checks one HTTP exchange. `ids`: the ids a reply may carry (null is always allowed on 4xx, where
 * the id could not be read), or undefined when the body was raw bytes and any id is possible.
 */
function checkHttp(reply: HttpReply, ids: Set<unknown> | undefined, context: string, body = ''): void {
  if (!HTTP_STATUSES.has(reply.status)) throw new Error(`HTTP ${reply.status} (${context}): ${reply.text.slice(0, 500)}`);
  if (reply.status === 202) {
    if (reply.text !== '') throw new Error(`202 with a body (${context})`);
    return;
  }
  if (reply.text === '') throw new Error(`HTTP ${reply.status} without a body (${context})`);
  if (reply.status !== 200 && reply.messages.length === 0) throw new Error(`HTTP ${reply.status} body is not JSON (${context}): ${reply.text.slice(0, 300)}`);
  for (const message of reply.messages) {
    if (reply.status !== 200 && !('jsonrpc' in message) && typeof (message as { error?: unknown }).error === 'string') continue; // route-level {"error": "..."}
    checkResponse(message, context);
    // Raw bytes: any id is possible, including one the body carried that is not a valid MCP id (a
    // fractional number, echoed in the error answer as JSON-RPC requires).
    const idOk = ids === undefined ? message.id === null || validId(message.id) || idsIn(body).has(message.id) : ids.has(message.id) || (reply.status !== 200 && message.id === null);
    if (!idOk) throw new Error(`reply id ${JSON.stringify(message.id)} was not sent (${context}); sent ${JSON.stringify([...(ids ?? [])])}`);
  }
  if (reply.status === 200 && reply.messages.length === 0) throw new Error(`HTTP 200 without JSON-RPC messages (${context}): ${reply.text.slice(0, 300)}`);
}

/** The ids of the JSON-RPC messages in a raw body, if it parses. */
function idsIn(body: string): Set<unknown> {
  try {
    const parsed: unknown = JSON.parse(body);
    return new Set((Array.isArray(parsed) ? parsed : [parsed]).filter(isPlainObject).map((m) => m.id));
  } catch {
    return new Set();
  }
}

const HEADER_SAFE = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

/** Headers of a 2026 request, consistent with the body unless a mismatch was asked for. */
function modernHeadersFor(message: Record<string, unknown>, mismatch: boolean): Record<string, string> {
  const headers: Record<string, string> = { ...LEGACY_HEADERS, 'mcp-protocol-version': MODERN };
  const method = mismatch ? 'tools/list' : message.method;
  if (typeof method === 'string' && HEADER_SAFE.test(method)) headers['mcp-method'] = method;
  const name = isPlainObject(message.params) ? message.params.name : undefined;
  if (typeof name === 'string' && HEADER_SAFE.test(name)) headers['mcp-name'] = mismatch ? `${name}-other` : name;
  return headers;
}

interface Stats {
  runs: number;
  messages: number;
  byChannel: Record<string, number>;
  httpRequests: number;
  byStatus: Record<string, number>;
  stdioLines: number;
  toolErrors: number;
  toolResults: number;
}

describe('protocol fuzz against a running server', () => {
  it(`${TARGET_MESSAGES.toLocaleString('en')}+ generated messages: no crash, no hang, every reply well formed`, async () => {
    const seed = process.env.FC_SEED ? Number(process.env.FC_SEED) : Math.floor(Math.random() * 2 ** 31);
    process.stdout.write(`fuzz: seed ${seed} (replay with FC_SEED=${seed})\n`);
    const stats: Stats = { runs: 0, messages: 0, byChannel: {}, httpRequests: 0, byStatus: {}, stdioLines: 0, toolErrors: 0, toolResults: 0 };
    let nextId = 1;
    const slowest = { ms: 0, what: '' };
    /** stdio requests that must be answered exactly once: id → what was sent. */
    const stdioPending = new Map<string, string>();
    const stdioAnswered = new Set<string>(stdio.lines.map((line) => String(line.json?.id)));
    const stdioSentIds = new Set<string>();
    let stdioChecked = stdio.lines.length;

    const exchange = async (body: string, headers: Record<string, string>, ids: Set<unknown> | undefined, context: string) => {
      stats.httpRequests++;
      const t0 = Date.now();
      let reply: HttpReply;
      try {
        reply = await post(http.url, body, headers, { timeoutMs: REPLY_BOUND_MS });
      } catch (error) {
        throw new Error(`${context} request failed (${(error as Error).message}): ${body.slice(0, 300)}\nserver stderr (tail): ${http.stderr().slice(-1500)}`, { cause: error });
      }
      const took = Date.now() - t0;
      if (took > slowest.ms) Object.assign(slowest, { ms: took, what: `${context}: ${body.slice(0, 200)}` });
      stats.byStatus[reply.status] = (stats.byStatus[reply.status] ?? 0) + 1;
      checkHttp(reply, ids, `${context}: ${body.slice(0, 200)}`, body);
      for (const message of reply.messages) {
        if (message.result?.isError === true) stats.toolErrors++;
        else if (message.result?.content !== undefined) stats.toolResults++;
      }
    };

    /** Checks every stdout line printed since the last check. */
    const checkStdioLines = () => {
      for (; stdioChecked < stdio.lines.length; stdioChecked++) {
        const line = stdio.lines[stdioChecked]!;
        stats.stdioLines++;
        if (line.json === undefined) throw new Error(`stdout line is not JSON: ${line.raw.slice(0, 300)}`);
        if (line.json.method !== undefined) continue; // a server notification (logging, list changed)
        checkResponse(line.json, 'stdio');
        // id null: a line that could not be tied to a request (not JSON, no usable id); there may be many.
        if (line.json.id === null) continue;
        const id = String(line.json.id);
        if (stdioAnswered.has(id)) throw new Error(`stdio request ${id} answered twice`);
        stdioAnswered.add(id);
        stdioPending.delete(id);
        if (!stdioSentIds.has(id) && line.json.id !== null) throw new Error(`stdio reply for an id never sent: ${id}`);
      }
    };

    let genMs = 0;
    let lastRunEnd = Date.now();
    const runOne = async (batch: FuzzMessage[]) => {
      genMs += Date.now() - lastRunEnd;
      stats.runs++;
      const pending: Array<Promise<void>> = [];
      const batched: Array<Record<string, unknown>> = [];
      const batchIds = new Set<unknown>();
      let stdioSent = false;
      for (const item of batch) {
        stats.messages++;
        stats.byChannel[item.channel] = (stats.byChannel[item.channel] ?? 0) + 1;
        if (item.channel === 'batch') {
          const message = item.message as Record<string, unknown>;
          if ('id' in message) {
            const id = nextId++;
            batchIds.add(id);
            batched.push({ ...message, id });
          } else batched.push(message);
        } else if (item.channel === 'legacy') {
          const message = item.message;
          const ids = new Set<unknown>();
          for (const m of Array.isArray(message) ? message : [message]) if (isPlainObject(m) && 'id' in m) ids.add(m.id);
          pending.push(exchange(JSON.stringify(message) ?? 'null', { ...LEGACY_HEADERS }, ids, 'legacy'));
        } else if (item.channel === 'modern') {
          const source = item.message as Record<string, unknown>;
          const params = isPlainObject(source.params) ? source.params : {};
          const message = { ...source, ...('id' in source ? { id: nextId++ } : {}), params: item.wellFormed ? { ...params, _meta: envelope() } : params };
          pending.push(exchange(JSON.stringify(message), modernHeadersFor(message, item.headerMismatch ?? false), new Set(['id' in message ? message.id : undefined]), 'modern'));
        } else if (item.channel === 'raw') {
          pending.push(exchange(item.raw ?? '', { ...LEGACY_HEADERS }, undefined, 'raw'));
        } else {
          stdioSent = true;
          let message = item.message;
          if (isPlainObject(message) && validId(message.id)) {
            const id = `q${nextId++}`;
            stdioSentIds.add(id);
            message = { ...message, id };
            // Not response-shaped: answered exactly once, by the SDK (result or error) or, when it
            // is not a valid JSON-RPC request, by the stdio line guard (-32600 with this id).
            const strict = message as Record<string, unknown>;
            if (!('result' in strict) && !('error' in strict)) stdioPending.set(id, JSON.stringify(message).slice(0, 300));
          } else if (Array.isArray(message)) {
            // A batch is answered -32600 per element id (stdio-lines.ts): fresh ids keep replies attributable.
            message = message.map((m) => {
              if (!isPlainObject(m) || !validId(m.id)) return m;
              const id = `q${nextId++}`;
              stdioSentIds.add(id);
              return { ...m, id };
            });
          }
          stdio.write(`${JSON.stringify(message) ?? 'null'}\n`);
        }
      }
      if (batched.length > 0) pending.push(exchange(JSON.stringify(batched), { ...LEGACY_HEADERS }, batchIds, `batch of ${batched.length}`));
      if (stdioSent) {
        const sentinel = `sentinel-${nextId++}`;
        stdioSentIds.add(sentinel);
        pending.push(
          stdio.request('ping', undefined, sentinel, REPLY_BOUND_MS).then(() => {
            checkStdioLines();
          }),
        );
      }
      await Promise.all(pending);
      if (http.child.exitCode !== null || http.child.signalCode !== null) throw new Error(`HTTP server exited: ${http.stderr().slice(-2000)}`);
      if (!stdio.alive()) throw new Error(`stdio server exited: ${stdio.stderr().slice(-2000)}`);
      lastRunEnd = Date.now();
    };

    const started = Date.now();
    const outcome = await fc.check(
      fc.asyncProperty(fc.array(fuzzMessage(tools), { minLength: MIN_PER_RUN, maxLength: MIN_PER_RUN + 20 }), runOne),
      { numRuns: RUNS, endOnFailure: true, seed, ...(process.env.FC_PATH ? { path: process.env.FC_PATH } : {}) },
    );
    if (outcome.failed) {
      // Counterexamples hold megabyte strings: print the cause and a bounded excerpt, plus how to replay.
      const example = JSON.stringify(outcome.counterexample)?.slice(0, 3_000);
      throw new Error(
        `fuzz property failed after ${outcome.numRuns} runs; replay with FC_SEED=${outcome.seed} FC_PATH=${outcome.counterexamplePath}\n` +
          `cause: ${String((outcome.errorInstance as Error | undefined)?.message ?? outcome.errorInstance).slice(0, 3_000)}\ncounterexample (excerpt): ${example}`,
      );
    }

    // Every strictly well-formed stdio request got its one answer (tool calls may finish after a ping).
    const last = `sentinel-final`;
    stdioSentIds.add(last);
    await stdio.request('ping', undefined, last, REPLY_BOUND_MS);
    const deadline = Date.now() + REPLY_BOUND_MS;
    while (stdioPending.size > 0 && Date.now() < deadline) {
      checkStdioLines();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    checkStdioLines();
    expect([...stdioPending.values()].slice(0, 5), 'stdio requests never answered').toEqual([]);

    const seconds = (Date.now() - started) / 1000;
    process.stdout.write(`fuzz: ${stats.messages} messages in ${stats.runs} runs, ${seconds.toFixed(1)} s, seed ${seed}\nfuzz: ${JSON.stringify(stats)}\nfuzz: keep-alive resends ${keepAliveRetries.count}; slowest HTTP exchange ${slowest.ms} ms (${slowest.what.slice(0, 120)}); generation ${genMs} ms\n`);
    expect(stats.messages).toBeGreaterThanOrEqual(TARGET_MESSAGES);
    // The generators reached real tool code, not only the protocol layer.
    expect(stats.toolResults).toBeGreaterThan(1_000);
    expect(stats.toolErrors).toBeGreaterThan(1_000);
    expect(stats.byStatus['200']).toBeGreaterThan(1_000);
    await expectHttpServes(http);
    await expectStdioServes(stdio);
  }, 600_000);
});
