/**
 * Server-to-client requests over stateless HTTP: the table that correlates a client's reply POST
 * with the call waiting for it (reply resolves, unknown id and wrong caller are refused, entries
 * time out and are bounded), then the whole exchange on the wire with raw 2025-era requests: a
 * tools/call whose handler elicits gets `elicitation/create` on its SSE stream, the reply is POSTed
 * separately without a session, and the call finishes with the answer.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import { makeMigrations, makeModules, manifest } from '../__fixtures__/notes.js';
import type { Authenticator } from '../auth/types.js';
import { createLogger } from '../observability/index.js';
import { createDefineTool } from '../server/contract.js';
import { createServerFactory } from '../server/factory.js';
import { createDatabase } from '../storage/index.js';
import { startHttpServer, type HttpServerHandle } from './http.js';
import { callerOf, PendingReplies, REPLY_ID_PREFIX } from './pending-replies.js';

const reply = (id: unknown, result: Record<string, unknown> = { action: 'accept' }) => ({ jsonrpc: '2.0' as const, id, result }) as { id: unknown } & JSONRPCMessage;

describe('PendingReplies', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('hands a reply to the waiting instance with its own id, once', () => {
    const replies = new PendingReplies();
    const delivered: JSONRPCMessage[] = [];
    const owner = {};
    const id = replies.register(owner, 7, undefined, (message) => delivered.push(message));
    // A cancellation the instance sends names its own id; the client knows the wire id.
    expect(replies.wireIdOf(owner, 7)).toBe(id);
    expect(replies.wireIdOf({}, 7)).toBeUndefined();
    expect(id).toMatch(new RegExp(`^${REPLY_ID_PREFIX}[0-9a-f-]{36}$`));
    expect(replies.size).toBe(1);
    expect(replies.resolve([reply(id, { action: 'decline' })], undefined)).toEqual({ ok: true });
    expect(delivered).toEqual([{ jsonrpc: '2.0', id: 7, result: { action: 'decline' } }]);
    expect(replies.size).toBe(0);
    // Answered already: a second reply finds nothing.
    const again = replies.resolve([reply(id)], undefined);
    expect(again.ok === false && again.status).toBe(400);
  });

  it('refuses an unknown id with a message saying why it may be unknown', () => {
    const replies = new PendingReplies();
    replies.register({}, 1, undefined, () => {});
    const outcome = replies.resolve([reply(`${REPLY_ID_PREFIX}00000000-0000-4000-8000-000000000000`)], undefined);
    expect(outcome.ok).toBe(false);
    expect(outcome.ok === false && outcome.status).toBe(400);
    expect(outcome.ok === false && outcome.message).toMatch(/No request of this server is waiting.*MCP_HTTP_SESSIONS=stateful/);
    expect(replies.size).toBe(1);
  });

  it('refuses a reply from another caller and keeps the request for its own caller', () => {
    const replies = new PendingReplies();
    const delivered: JSONRPCMessage[] = [];
    const alice = callerOf({
      token: 'x',
      clientId: 'a',
      scopes: [],
      extra: {
        identity: {
          subject: 'alice',
          scopes: [],
          anonymous: false,
          method: 'apiKey',
        },
      },
    });
    const bob = callerOf({
      token: 'x',
      clientId: 'b',
      scopes: [],
      extra: {
        identity: {
          subject: 'bob',
          scopes: [],
          anonymous: false,
          method: 'apiKey',
        },
      },
    });
    expect(alice).not.toBe(bob);
    const id = replies.register({}, 1, alice, (message) => delivered.push(message));
    for (const stranger of [bob, undefined]) {
      const outcome = replies.resolve([reply(id)], stranger);
      expect(outcome.ok === false && outcome.status).toBe(403);
    }
    expect(delivered).toEqual([]);
    expect(replies.resolve([reply(id)], alice)).toEqual({ ok: true });
    expect(delivered).toHaveLength(1);
  });

  it('delivers nothing of a batch when one of its replies is refused', () => {
    const replies = new PendingReplies();
    const delivered: JSONRPCMessage[] = [];
    const id = replies.register({}, 1, undefined, (message) => delivered.push(message));
    expect(replies.resolve([reply(id), reply('unknown')], undefined).ok).toBe(false);
    expect(delivered).toEqual([]);
    expect(replies.size).toBe(1);
  });

  it('drops an entry when its timeout passes, and when its exchange ends', () => {
    vi.useFakeTimers();
    const replies = new PendingReplies({ timeoutMs: 1_000 });
    const id = replies.register({}, 1, undefined, () => {});
    vi.advanceTimersByTime(999);
    expect(replies.size).toBe(1);
    vi.advanceTimersByTime(2);
    expect(replies.size).toBe(0);
    expect(replies.resolve([reply(id)], undefined).ok).toBe(false);

    const owner = {};
    replies.register(owner, 1, undefined, () => {});
    replies.register(owner, 2, undefined, () => {});
    const other = replies.register({}, 1, undefined, () => {});
    replies.release(owner);
    expect(replies.size).toBe(1);
    expect(replies.resolve([reply(other)], undefined)).toEqual({ ok: true });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('refuses to hold more than maxPending requests', () => {
    const replies = new PendingReplies({ maxPending: 2 });
    replies.register({}, 1, undefined, () => {});
    replies.register({}, 2, undefined, () => {});
    expect(() => replies.register({}, 3, undefined, () => {})).toThrow(/Too many server-to-client requests are waiting/);
    replies.clear();
    expect(replies.size).toBe(0);
  });
});

// ---- On the wire ----

const defineTool = createDefineTool<{ echo: { input: { text: string }; output: undefined } }, unknown>();
const HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': '2025-11-25',
};
const NAME_SCHEMA = {
  type: 'object',
  properties: { name: { type: 'string' } },
  required: ['name'],
} as const;

let cleanup: Array<() => Promise<unknown>> = [];
/** The factory of the latest `serve()`, for its pool statistics. */
let pool: { readonly stats: { reused: number } };
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn().catch(() => {});
  cleanup = [];
});

/** A stateless HTTP server whose `echo` tool asks the client for a name. */
async function serve(authenticate?: Authenticator): Promise<HttpServerHandle> {
  const storage = await createDatabase('sqlite::memory:');
  cleanup.push(() => storage.close());
  await storage.migrate(makeMigrations());
  const modules = makeModules({
    echo: defineTool('echo', async (input, ctx) => {
      const who = await ctx.elicit({
        message: `Name for ${input.text}?`,
        requestedSchema: NAME_SCHEMA as never,
      });
      return `${who.action}:${String(who.content?.name)}`;
    }),
  });
  const factory = await createServerFactory({
    manifest,
    modules,
    deps: { db: storage.db, logger: createLogger({ level: 'silent' }) },
  });
  pool = factory;
  const http = await startHttpServer(factory, {
    port: 0,
    ...(authenticate ? { authenticate } : {}),
  });
  cleanup.push(() => http.close(1000));
  return http;
}

/** The JSON-RPC messages of an SSE response, as they arrive. */
async function* events(res: Response): AsyncGenerator<Record<string, unknown>> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true }).replace(/\r\n/g, '\n');
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const data = buffer
        .slice(0, end)
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).trim())
        .join('\n');
      buffer = buffer.slice(end + 2);
      if (data) yield JSON.parse(data) as Record<string, unknown>;
    }
  }
}

/** Calls `echo` statelessly and returns the SSE stream once the server's elicitation request is on it. */
async function callUntilAsked(http: HttpServerHandle, headers: Record<string, string> = {}) {
  const res = await fetch(http.url, {
    method: 'POST',
    headers: { ...HEADERS, ...headers },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'echo', arguments: { text: 'x' } },
    }),
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('mcp-session-id')).toBeNull();
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const stream = events(res);
  const first = (await stream.next()).value as Record<string, unknown>;
  expect(first.method).toBe('elicitation/create');
  expect((first.params as { message: string }).message).toBe('Name for x?');
  return { stream, requestId: first.id as string };
}

async function post(http: HttpServerHandle, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(http.url, {
    method: 'POST',
    headers: { ...HEADERS, ...headers },
    body: JSON.stringify(body),
  });
}

async function finalText(stream: AsyncGenerator<Record<string, unknown>>): Promise<string> {
  for await (const message of stream) {
    if (message.id === 1) return (message.result as { content: Array<{ text: string }> }).content[0]!.text;
  }
  throw new Error('the call ended without a result');
}

describe('server-to-client requests over stateless HTTP', () => {
  it('sends the request on the call stream and finishes the call with the reply POSTed separately', async () => {
    const http = await serve();
    const { stream, requestId } = await callUntilAsked(http);
    expect(requestId).toMatch(new RegExp(`^${REPLY_ID_PREFIX}`));
    const answered = await post(http, {
      jsonrpc: '2.0',
      id: requestId,
      result: { action: 'accept', content: { name: 'Ada' } },
    });
    expect(answered.status).toBe(202);
    expect(await finalText(stream)).toBe('accept:Ada');
    // Answered once: the same reply again is refused.
    expect(
      (
        await post(http, {
          jsonrpc: '2.0',
          id: requestId,
          result: { action: 'accept' },
        })
      ).status,
    ).toBe(400);
    // Again, on the pooled instance the first call gave back: a fresh id, and the answer reaches it.
    const second = await callUntilAsked(http);
    expect(second.requestId).not.toBe(requestId);
    expect(
      (
        await post(http, {
          jsonrpc: '2.0',
          id: second.requestId,
          result: { action: 'decline' },
        })
      ).status,
    ).toBe(202);
    expect(await finalText(second.stream)).toBe('decline:undefined');
    expect(pool.stats.reused).toBeGreaterThan(0);
  });

  it('answers a reply for an unknown id with a JSON-RPC error and keeps serving', async () => {
    const http = await serve();
    const res = await post(http, {
      jsonrpc: '2.0',
      id: `${REPLY_ID_PREFIX}nope`,
      result: {},
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as {
      error: { code: number; message: string };
      id: null;
    };
    expect(body.error.code).toBe(-32600);
    expect(body.error.message).toMatch(/No request of this server is waiting/);
    const list = await post(http, {
      jsonrpc: '2.0',
      id: 2,
      method: 'tools/list',
    });
    expect(list.status).toBe(200);
    // A response to an id this server never hands out is not a reply to it: ignored as before (202).
    expect((await post(http, { jsonrpc: '2.0', id: 9, result: {} })).status).toBe(202);
  });

  it('forgets the request when the caller hangs up before answering', async () => {
    const http = await serve();
    const abort = new AbortController();
    const res = await fetch(http.url, {
      method: 'POST',
      headers: HEADERS,
      signal: abort.signal,
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'echo', arguments: { text: 'x' } },
      }),
    });
    const first = (await events(res).next()).value as Record<string, unknown>;
    expect(first.method).toBe('elicitation/create');
    abort.abort();
    // Once the call is no longer in flight its exchange was torn down (on the disconnect), and with
    // it the request: the reply, with the real id, has nowhere to go.
    for (let attempt = 0; attempt < 500 && http.inFlight > 0; attempt++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(http.inFlight).toBe(0);
    expect(
      (
        await post(http, {
          jsonrpc: '2.0',
          id: first.id,
          result: { action: 'cancel' },
        })
      ).status,
    ).toBe(400);
  });

  it("lets only the waiting call's own caller answer when authentication is on", async () => {
    const authenticate: Authenticator = async (req) => {
      const user = req.headers['x-user'];
      return {
        ok: true,
        identity: {
          subject: typeof user === 'string' ? user : 'nobody',
          scopes: [],
          anonymous: false,
          method: 'test',
        },
      };
    };
    const http = await serve(authenticate);
    const { stream, requestId } = await callUntilAsked(http, {
      'x-user': 'alice',
    });
    const answer = {
      jsonrpc: '2.0',
      id: requestId,
      result: { action: 'accept', content: { name: 'Mallory' } },
    };
    const stolen = await post(http, answer, { 'x-user': 'bob' });
    expect(stolen.status).toBe(403);
    expect(((await stolen.json()) as { error: { message: string } }).error.message).toMatch(/another caller/);
    const own = await post(http, { ...answer, result: { action: 'accept', content: { name: 'Alice' } } }, { 'x-user': 'alice' });
    expect(own.status).toBe(202);
    expect(await finalText(stream)).toBe('accept:Alice');
    // Bob's call, on the instance Alice's call gave back to the pool, belongs to Bob alone.
    const bobs = await callUntilAsked(http, { 'x-user': 'bob' });
    expect((await post(http, { ...answer, id: bobs.requestId }, { 'x-user': 'alice' })).status).toBe(403);
    expect(
      (
        await post(
          http,
          {
            ...answer,
            id: bobs.requestId,
            result: { action: 'accept', content: { name: 'Bob' } },
          },
          { 'x-user': 'bob' },
        )
      ).status,
    ).toBe(202);
    expect(await finalText(bobs.stream)).toBe('accept:Bob');
  });
});
