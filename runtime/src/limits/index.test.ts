import { describe, expect, it } from 'vitest';
import { ToolError } from '../errors/index.js';
import { createMemoryRateLimiter } from '../rate-limit/index.js';
import type { CompiledValidator, ToolManifestEntry } from '../server/contract.js';
import { callerKey, checkArgumentShape, createCallLimiter, DEFAULT_LIMITS, resolveLimits, runWithTimeout, toolTimeoutMs, withArgumentLimits } from './index.js';
import { callerPeer, CALL_PEER, HTTP_CALL_HEADER, withHttpCallStatus } from './http.js';

const entry = (extra: Partial<ToolManifestEntry> = {}): ToolManifestEntry => ({ name: 'echo', description: 'echo', inputSchema: { type: 'object' }, ...extra });

function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

describe('resolveLimits', () => {
  it('uses the defaults without spec or env', () => {
    expect(resolveLimits(undefined, {})).toEqual(DEFAULT_LIMITS);
  });
  it('takes the spec limits, and env over spec', () => {
    const limits = resolveLimits({ perCallerPerMinute: 10, maxJsonDepth: 8, timeoutMs: 500 }, { MCP_MAX_JSON_DEPTH: '4' });
    expect(limits).toEqual({ ...DEFAULT_LIMITS, perCallerPerMinute: 10, maxJsonDepth: 4, timeoutMs: 500 });
  });
  it('names the variable of a bad value', () => {
    expect(() => resolveLimits(undefined, { MCP_MAX_STRING_LENGTH: 'lots', MCP_TOOL_TIMEOUT_MS: '0' })).toThrow(
      'Invalid limits:\n  - MCP_TOOL_TIMEOUT_MS=0: must be an integer from 1 to 86400000\n  - MCP_MAX_STRING_LENGTH=lots: must be an integer from 1 to 2147483647',
    );
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
  it('keys anonymous callers by transport peer and authenticated ones by subject', () => {
    expect(callerKey({ subject: 'alice', scopes: [], anonymous: false }, 'ip:1.2.3.4')).toBe('sub:alice');
    expect(callerKey({ subject: 'anonymous', scopes: [], anonymous: true }, 'ip:1.2.3.4')).toBe('anon:ip:1.2.3.4');
    expect(callerKey({ subject: 'anonymous', scopes: [], anonymous: true }, undefined)).toBe('anon:local');
  });
});

describe('timeouts', () => {
  it('uses the tool timeout over the server default', () => {
    expect(toolTimeoutMs(entry({ timeoutMs: 50 }), { timeoutMs: 1000 })).toBe(50);
    expect(toolTimeoutMs(entry(), { timeoutMs: 1000 })).toBe(1000);
  });
  it('aborts the signal and rejects with a timeout tool error; a late failure is reported, not thrown', async () => {
    const controller = new AbortController();
    let late: unknown;
    let finish!: (v: string) => void;
    const pending = new Promise<string>((_resolve, reject) => {
      finish = () => reject(new Error('gave up'));
    });
    const error = await runWithTimeout('slow', 20, controller, () => pending, (e) => (late = e)).catch((e: unknown) => e);
    expect(controller.signal.aborted).toBe(true);
    expect((error as ToolError).code).toBe('timeout');
    expect((error as ToolError).message).toBe(
      'Tool slow did not finish within 20 ms and was cancelled; retry later, or raise its timeoutMs in mcpforge.yaml (server default: MCP_TOOL_TIMEOUT_MS).',
    );
    finish('x');
    await new Promise((r) => setTimeout(r, 5));
    expect((late as Error).message).toBe('gave up');
  });
  it('passes a result through when in time', async () => {
    await expect(runWithTimeout('fast', 1000, new AbortController(), async () => 42)).resolves.toBe(42);
  });
});

describe('HTTP call slots', () => {
  it('overwrites a forged slot header, exposes the peer, and turns 200 into 429 + Retry-After when marked', async () => {
    const headers: Record<string, string> = { [HTTP_CALL_HEADER]: 'forged' };
    const written: Array<[number, Record<string, string>]> = [];
    const res = {
      socket: { remoteAddress: '10.1.2.3' },
      extra: {} as Record<string, string>,
      setHeader(name: string, value: string) {
        this.extra[name] = value;
      },
      writeHead(status: number, h: Record<string, string>) {
        written.push([status, { ...this.extra, ...h }]);
        return this;
      },
    };
    const handler = withHttpCallStatus(async (req: { headers: Record<string, string> }, r) => {
      expect(req.headers[HTTP_CALL_HEADER]).not.toBe('forged');
      const slot = callerPeer({ http: { req: { headers: new Headers(req.headers) } } });
      expect(slot?.peer).toBe('ip:10.1.2.3');
      slot!.retryAfterSeconds = 7;
      r.writeHead(200, { 'content-type': 'application/json' });
    });
    await handler({ headers } as never, res as never);
    expect(written).toEqual([[429, { 'retry-after': '7', 'content-type': 'application/json' }]]);
    // After the request the slot is gone: a replayed id finds nothing.
    expect(callerPeer({ http: { req: { headers: new Headers({ [HTTP_CALL_HEADER]: headers[HTTP_CALL_HEADER]! }) } } })).toBeUndefined();
    expect(callerPeer({ [CALL_PEER]: { peer: 'ip:x' } })?.peer).toBe('ip:x');
    expect(callerPeer(undefined)).toBeUndefined();
  });
});
