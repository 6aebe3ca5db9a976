import { describe, expect, it } from 'vitest';
import { ToolError } from '../errors/index.js';
import { createMemoryRateLimiter } from '../rate-limit/index.js';
import type { CompiledValidator, ToolManifestEntry } from '../server/contract.js';
import { callerKey, checkArgumentShape, createCallLimiter, DEFAULT_LIMITS, lazyAbortController, resolveLimits, runUnderDeadline, toolTimeoutMs, withArgumentLimits } from './index.js';
import { withOutcomeStatus } from './http.js';
import { edgeOfAuthInfo, newEdge, toAuthInfo, type Edge } from '../core/edge.js';

const entry = (extra: Partial<ToolManifestEntry> = {}): ToolManifestEntry => ({ name: 'echo', description: 'echo', inputSchema: { type: 'object' }, ...extra });

function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

describe('resolveLimits', () => {
  it('uses the defaults without spec or overrides', () => {
    expect(resolveLimits(undefined)).toEqual(DEFAULT_LIMITS);
  });
  it("takes the spec limits, and the operator's overrides over the spec", () => {
    const limits = resolveLimits({ perCallerPerMinute: 10, maxJsonDepth: 8, timeoutMs: 500 }, { maxJsonDepth: 4 });
    expect(limits).toEqual({ ...DEFAULT_LIMITS, perCallerPerMinute: 10, maxJsonDepth: 4, timeoutMs: 500 });
  });
});

describe('checkArgumentShape', () => {
  const limits = { maxJsonDepth: 5, maxStringLength: 10 };
  it('accepts arguments within the limits', () => {
    expect(checkArgumentShape({ a: [1, { b: 'short' }] }, limits)).toBeUndefined();
    expect(checkArgumentShape(nested(4), limits)).toBeUndefined();
  });
  it('rejects deep nesting with the pointer, the limit and the env var', () => {
    const v = checkArgumentShape(nested(6), limits);
    expect(v?.limit).toBe('maxJsonDepth');
    expect(v?.pointer).toBe('/a/a/a/a/a');
    expect(v?.message).toBe('/a/a/a/a/a nests deeper than 5 levels, the maximum JSON depth (raise MCP_MAX_JSON_DEPTH or limits.maxJsonDepth in mcpforge.yaml to allow more)');
  });
  it('survives 100,000 levels of nesting without recursion', () => {
    let deep: unknown = [];
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(checkArgumentShape(deep, { maxJsonDepth: 64, maxStringLength: 10 })?.limit).toBe('maxJsonDepth');
  });
  it('rejects a long string value and a long key', () => {
    expect(checkArgumentShape({ list: ['ok', 'x'.repeat(11)] }, limits)?.message).toBe(
      '/list/1 is a string of 11 characters, longer than the maximum string length 10 (raise MCP_MAX_STRING_LENGTH or limits.maxStringLength in mcpforge.yaml to allow more)',
    );
    expect(checkArgumentShape({ ['k'.repeat(11)]: 1 }, limits)?.limit).toBe('maxStringLength');
  });
  it('wraps a validator: the limit fails first, with one error naming it', () => {
    let called = 0;
    const inner = ((data: unknown) => {
      called++;
      return typeof data === 'object';
    }) as CompiledValidator;
    const exceeded: string[] = [];
    const validate = withArgumentLimits(inner, limits, (v) => exceeded.push(v.limit));
    expect(validate({ a: 1 })).toBe(true);
    expect(validate(nested(9))).toBe(false);
    expect(called).toBe(1);
    expect(exceeded).toEqual(['maxJsonDepth']);
    expect(validate.errors?.[0]?.message).toMatch(/^arguments exceed a limit: .* MCP_MAX_JSON_DEPTH/);
  });
});

describe('rate limits', () => {
  it('limits per caller across tools and answers when to retry', async () => {
    let now = 30_000;
    const limiter = createCallLimiter({ limits: { perCallerPerMinute: 2 }, limiter: createMemoryRateLimiter({ now: () => now }) });
    await limiter.check(entry({ name: 'a' }), 'sub:alice');
    await limiter.check(entry({ name: 'b' }), 'sub:alice');
    const error = await limiter.check(entry({ name: 'a' }), 'sub:alice').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ToolError);
    expect((error as ToolError).code).toBe('rate_limited');
    expect((error as ToolError).message).toBe('Rate limit reached for this caller (2 calls per minute across all tools); retry in 30 s.');
    expect((error as ToolError).data).toEqual({ retryAfterSeconds: 30, scope: 'caller', limit: 2 });
    // Another caller has its own budget; a new window resets it.
    await limiter.check(entry({ name: 'a' }), 'sub:bob');
    now = 60_000;
    await limiter.check(entry({ name: 'a' }), 'sub:alice');
  });
  it('limits per tool per caller from rateLimit.perMinute', async () => {
    const limiter = createCallLimiter({ limits: { perCallerPerMinute: 0 } });
    const tool = entry({ name: 'slow', rateLimit: { perMinute: 1 } });
    await limiter.check(tool, 'anon:ip:10.0.0.1');
    await expect(limiter.check(tool, 'anon:ip:10.0.0.1')).rejects.toThrow(/Rate limit reached for slow \(1 calls per minute per caller\)/);
    await limiter.check(tool, 'anon:ip:10.0.0.2');
  });
  it('says whether any limit counts a call, so the policy stage may skip check only when none does', async () => {
    const none = createCallLimiter({ limits: { perCallerPerMinute: 0 } });
    expect(none.applies(entry({ name: 'a' }))).toBe(false);
    const perTool = entry({ name: 'slow', rateLimit: { perMinute: 1 } });
    expect(none.applies(perTool)).toBe(true);
    const perCaller = createCallLimiter({ limits: { perCallerPerMinute: 1 } });
    expect(perCaller.applies(entry({ name: 'a' }))).toBe(true);
    // Where it applies, check still counts and refuses.
    await perCaller.check(entry({ name: 'a' }), 'sub:alice');
    await expect(perCaller.check(entry({ name: 'a' }), 'sub:alice')).rejects.toThrow(/Rate limit reached for this caller/);
  });
  it('keys anonymous callers by transport peer and authenticated ones by subject', () => {
    expect(callerKey({ subject: 'alice', scopes: [], anonymous: false }, 'ip:1.2.3.4')).toBe('sub:alice');
    expect(callerKey({ subject: 'anonymous', scopes: [], anonymous: true }, 'ip:1.2.3.4')).toBe('anon:ip:1.2.3.4');
    expect(callerKey({ subject: 'anonymous', scopes: [], anonymous: true }, undefined)).toBe('anon:local');
  });
});

describe('timeouts', () => {
  /** `runUnderDeadline` as the policy stage uses it: the value and the error (or the timeout) each mapped to an answer. */
  const outcome = <T>(tool: string, ms: number, controller: Pick<AbortController, 'abort'>, fn: () => T | Promise<T>, onLate?: (error: unknown) => void) =>
    runUnderDeadline<T, { value?: T; error?: unknown }>(tool, ms, controller, fn, onLate, (value) => ({ value }), (error) => ({ error }));

  it('uses the tool timeout over the server default', () => {
    expect(toolTimeoutMs(entry({ timeoutMs: 50 }), { timeoutMs: 1000 })).toBe(50);
    expect(toolTimeoutMs(entry(), { timeoutMs: 1000 })).toBe(1000);
  });
  it('aborts the signal and answers the timeout through onError; a late failure is reported, not thrown', async () => {
    const controller = new AbortController();
    let late: unknown;
    let finish!: (v: string) => void;
    const pending = new Promise<string>((_resolve, reject) => {
      finish = () => reject(new Error('gave up'));
    });
    const answer = await outcome('slow', 20, controller, () => pending, (e) => (late = e));
    expect(controller.signal.aborted).toBe(true);
    const error = answer.error as ToolError;
    expect(error.code).toBe('timeout');
    expect(error.message).toBe(
      'Tool slow did not finish within 20 ms and was cancelled; retry later, or raise its timeoutMs in mcpforge.yaml (server default: MCP_TOOL_TIMEOUT_MS).',
    );
    finish('x');
    await new Promise((r) => setTimeout(r, 5));
    expect((late as Error).message).toBe('gave up');
  });
  it('answers a value in time through onValue, a rejection through onError, and rejects with what either throws', async () => {
    await expect(outcome('fast', 1000, new AbortController(), async () => 42)).resolves.toEqual({ value: 42 });
    const failure = new Error('handler failed');
    await expect(outcome('fails', 1000, new AbortController(), () => Promise.reject(failure))).resolves.toEqual({ error: failure });
    const rethrown = runUnderDeadline('fails', 1000, new AbortController(), () => Promise.reject(failure), undefined, () => 'value', (e) => {
      throw new Error(`mapped: ${(e as Error).message}`);
    });
    await expect(rethrown).rejects.toThrow('mapped: handler failed');
  });
  it('answers a synchronous result synchronously through onValue (no promise, no timer) and lets a synchronous throw propagate', () => {
    const controller = new AbortController();
    const result = { content: [] };
    const answer = outcome('sync', 1, controller, () => result);
    expect(answer).not.toBeInstanceOf(Promise);
    expect('value' in answer && answer.value).toBe(result);
    expect(() =>
      outcome('sync', 1, controller, () => {
        throw new Error('sync failure');
      }),
    ).toThrow('sync failure');
    expect(controller.signal.aborted).toBe(false);
  });
  it('counts the timeout from before the function ran, its synchronous part included', async () => {
    const controller = new AbortController();
    const started = performance.now();
    const answer = await outcome('busy', 120, controller, () => {
      while (performance.now() - started < 100); // 100 ms of synchronous work before the first await
      return new Promise<never>(() => {});
    });
    expect((answer.error as ToolError).code).toBe('timeout');
    // Due 120 ms after the start, not 120 ms after the synchronous part ended (220 ms).
    expect(performance.now() - started).toBeLessThan(200);
  });
  it('a lazy controller aborted before its signal is read hands out an already-aborted signal with the reason', async () => {
    const lazy = lazyAbortController();
    const answer = await outcome('slow', 10, lazy, () => new Promise<never>(() => {}));
    expect(lazy.signal.aborted).toBe(true);
    expect(lazy.signal.reason).toBe(answer.error);
  });
  it('a lazy controller whose signal was read before the timeout aborts that same signal', async () => {
    const lazy = lazyAbortController();
    const signal = lazy.signal;
    let seen = false;
    signal.addEventListener('abort', () => (seen = true));
    await outcome('slow', 10, lazy, () => new Promise<never>(() => {}));
    expect(seen).toBe(true);
    expect(lazy.signal).toBe(signal);
  });
});

describe('outcome → HTTP status (withOutcomeStatus)', () => {
  const edgeInfo = (edge: Edge) => toAuthInfo(undefined, edge);
  const json = () => new Response('{"jsonrpc":"2.0","id":1,"result":{}}', { status: 200, headers: { 'content-type': 'application/json' } });

  it('turns 200 into 429 + Retry-After when the policy marked the edge, and leaves others alone', async () => {
    const marked = newEdge('http', '10.1.2.3');
    const handler = withOutcomeStatus({
      async fetch() {
        marked.retryAfterSeconds = 7;
        return json();
      },
    });
    const res = await handler.fetch(new Request('http://x/mcp', { method: 'POST' }), { authInfo: edgeInfo(marked) });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(await res.text()).toContain('"result"');
    const plain = await withOutcomeStatus({ fetch: async () => json() }).fetch(new Request('http://x/mcp', { method: 'POST' }), { authInfo: edgeInfo(newEdge('http', '10.1.2.3')) });
    expect(plain.status).toBe(200);
    expect(plain.headers.get('retry-after')).toBeNull();
  });

  it('holds an event stream until its first event, then maps the status', async () => {
    const edge = newEdge('session', '10.1.2.3');
    const handler = withOutcomeStatus({
      async fetch() {
        const body = new ReadableStream<Uint8Array>({
          async start(controller) {
            await new Promise((r) => setTimeout(r, 10));
            edge.retryAfterSeconds = 3;
            controller.enqueue(new TextEncoder().encode('event: message\ndata: {}\n\n'));
            controller.close();
          },
        });
        return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });
      },
    });
    const res = await handler.fetch(new Request('http://x/mcp', { method: 'POST' }), { authInfo: edgeInfo(edge) });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('3');
    expect(await res.text()).toBe('event: message\ndata: {}\n\n');
  });

  it('reads the edge only from the AuthInfo value (the anonymous caller key is the peer)', () => {
    expect(edgeOfAuthInfo(edgeInfo(newEdge('websocket', '::1')))?.peer).toBe('ip:::1');
    expect(edgeOfAuthInfo(undefined)).toBeUndefined();
    expect(callerKey({ subject: 'anonymous', scopes: [], anonymous: true }, 'ip:10.0.0.1')).toBe('anon:ip:10.0.0.1');
  });
});
