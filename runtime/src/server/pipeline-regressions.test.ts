/**
 * Named regressions of the one-request-pipeline issue: each case failed before the pipeline was
 * unified (a hole between transports) and must hold on every transport it names.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  completedFor,
  connectChannel,
  connectWebSocket,
  legacyRequest,
  modernRequest,
  openSession,
  pipelineManifest,
  runs,
  startPipeline,
  tokenTable,
  type Credential,
  type Pipeline,
} from '../__fixtures__/pipeline.js';
import { createCancellations } from '../cancel/index.js';

const people = (): Record<string, Credential> => ({
  alice: { subject: 'alice', scopes: ['notes:admin', 'help:read', 'vault:read'] },
  bob: { subject: 'bob', scopes: [] },
  carol: { subject: 'carol', scopes: ['notes:admin'] },
});

let pipelines: Pipeline[] = [];
beforeEach(() => {
  runs.clear();
  completedFor.length = 0;
});
afterEach(async () => {
  for (const p of pipelines) await p.close().catch(() => {});
  pipelines = [];
});
async function serve(options: Parameters<typeof startPipeline>[0]): Promise<Pipeline> {
  const p = await startPipeline(options);
  pipelines.push(p);
  return p;
}
/** The audit lines (`msg: "audit"`) of one entry. */
const auditLines = (p: Pipeline, kind: string, name: string) => p.lines.filter((l) => l.msg === 'audit' && l.kind === kind && l[kind] === name);

describe('completion/complete: scope check and the caller as ctx.auth', () => {
  it('over stateless HTTP, WebSocket and a session the completer sees its own caller; a caller without the scope is told the reference does not exist', async () => {
    const { authenticate } = tokenTable(people());
    const p = await serve({ authenticate, sessions: true });
    const complete = { ref: { type: 'ref/prompt', name: 'login_help' }, argument: { name: 'user', value: 'x' } };

    const http = await modernRequest(p.http.url, 'completion/complete', complete, 'alice');
    expect(http.message?.result?.completion).toMatchObject({ values: ['x-alice'] });
    const denied = await modernRequest(p.http.url, 'completion/complete', complete, 'bob');
    expect(denied.message?.error?.code).toBe(-32602);
    expect(denied.message?.error?.message).toBe('Prompt login_help not found');

    const ws = await connectWebSocket(p.wsUrl, 'alice');
    expect((await ws.request('completion/complete', complete)).result?.completion).toMatchObject({ values: ['x-alice'] });
    await ws.close();
    const wsBob = await connectWebSocket(p.wsUrl, 'bob');
    expect((await wsBob.request('completion/complete', complete)).error?.code).toBe(-32602);
    await wsBob.close();

    const session = await openSession(p.http.url, 'alice');
    expect((await session.request('completion/complete', complete)).message?.result?.completion).toMatchObject({ values: ['x-alice'] });
    const template = await session.request('completion/complete', { ref: { type: 'ref/resource', uri: 'vault://{key}' }, argument: { name: 'key', value: 'k' } });
    expect(template.message?.result?.completion).toMatchObject({ values: ['k-alice'] });

    // Never the stdio "local" identity over a network transport.
    expect(completedFor).toEqual(['alice', 'alice', 'alice', 'alice']);
  });

  it('on the stdio channel the local user completes (every scope)', async () => {
    const p = await serve({});
    const channel = await connectChannel(p.factory);
    const answer = await channel.request('completion/complete', { ref: { type: 'ref/prompt', name: 'login_help' }, argument: { name: 'user', value: 'y' } });
    expect(answer.result?.completion).toMatchObject({ values: ['y-local'] });
    await channel.close();
  });
});

describe('resources/subscribe needs the resource scopes', () => {
  it('refuses a subscription to a resource the caller may not read, in a session and over WebSocket', async () => {
    const { authenticate } = tokenTable(people());
    const p = await serve({ authenticate, sessions: true });
    const bob = await openSession(p.http.url, 'bob');
    const refused = await bob.request('resources/subscribe', { uri: 'vault://k1' });
    expect(refused.message?.error?.message).toMatch(/Missing scope: vault:read/);
    const alice = await openSession(p.http.url, 'alice');
    expect((await alice.request('resources/subscribe', { uri: 'vault://k1' })).message?.result).toEqual({});
    // Resources without scopes stay open to everyone.
    expect((await bob.request('resources/subscribe', { uri: 'notes://readme' })).message?.result).toEqual({});

    const ws = await connectWebSocket(p.wsUrl, 'bob');
    expect((await ws.request('resources/subscribe', { uri: 'vault://k1' })).error?.message).toMatch(/Missing scope: vault:read/);
    await ws.close();
  });
});

describe('long-lived connections re-check the credential on every message', () => {
  it('a key revoked while a WebSocket is open stops on the next message: the handler never runs and the socket closes with a reason', async () => {
    const { tokens, authenticate } = tokenTable(people());
    const p = await serve({ authenticate });
    const ws = await connectWebSocket(p.wsUrl, 'carol');
    expect((await ws.request('tools/call', { name: 'secret_echo', arguments: { text: 'a' } })).result?.content).toEqual([{ type: 'text', text: 'secret a' }]);
    tokens.get('carol')!.revoked = true;
    const after = await ws.request('tools/call', { name: 'secret_echo', arguments: { text: 'b' } });
    expect(after.error?.message).toBe('closed');
    const closed = await ws.closed;
    expect(closed.code).toBe(1008);
    expect(closed.reason).toMatch(/credential no longer accepted: Unknown or revoked token/);
    expect(runs.get('secret_echo')).toBe(1);
    expect(await p.metrics.metricsText()).toMatch(/mcp_security_events_total\{type="auth_failure"\} [1-9]/);
  });

  it('a token that expires while a WebSocket is open stops on the next message', async () => {
    const { tokens, authenticate } = tokenTable(people());
    const p = await serve({ authenticate });
    tokens.set('short', { subject: 'dave', scopes: ['notes:admin'], expiresAt: Math.floor(Date.now() / 1000) + 1 });
    const ws = await connectWebSocket(p.wsUrl, 'short');
    expect((await ws.request('tools/call', { name: 'whoami', arguments: {} })).result?.content).toEqual([{ type: 'text', text: 'dave' }]);
    await new Promise((r) => setTimeout(r, 1100));
    await ws.request('tools/call', { name: 'whoami', arguments: {} });
    const closed = await ws.closed;
    expect(closed.code).toBe(1008);
    expect(closed.reason).toMatch(/Token expired/);
    expect(runs.get('whoami')).toBe(1);
  });

  it('a revoked key stops working inside an HTTP session on its next request', async () => {
    const { tokens, authenticate } = tokenTable(people());
    const p = await serve({ authenticate, sessions: true });
    const session = await openSession(p.http.url, 'carol');
    expect((await session.request('tools/call', { name: 'whoami', arguments: {} })).status).toBe(200);
    tokens.get('carol')!.revoked = true;
    const after = await session.request('tools/call', { name: 'whoami', arguments: {} });
    expect(after.status).toBe(401);
    expect(runs.get('whoami')).toBe(1);
  });
});

describe('a session GET stream re-checks its credential before each pushed message', () => {
  it('ends the stream of a revoked key instead of delivering the next notification', async () => {
    const { tokens, authenticate } = tokenTable(people());
    const p = await serve({ authenticate, sessions: true });
    const carol = await openSession(p.http.url, 'carol');
    expect((await carol.request('resources/subscribe', { uri: 'notes://readme' })).message?.result).toEqual({});
    const stream = await carol.raw({ method: 'GET', headers: { accept: 'text/event-stream' } });
    expect(stream.status).toBe(200);
    const reader = stream.body!.getReader();
    const decoder = new TextDecoder();
    let received = '';
    const readUntil = async (check: (text: string) => boolean, ms: number): Promise<'matched' | 'ended' | 'timeout'> => {
      const deadline = Date.now() + ms;
      while (Date.now() < deadline) {
        const next = await Promise.race([reader.read(), new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), Math.max(1, deadline - Date.now())))]);
        if (next === 'timeout') return 'timeout';
        if (next.done) return 'ended';
        received += decoder.decode(next.value);
        if (check(received)) return 'matched';
      }
      return 'timeout';
    };
    // Delivered while the key is good.
    const alice = await openSession(p.http.url, 'alice');
    await alice.request('tools/call', { name: 'touch', arguments: { uri: 'notes://readme' } });
    expect(await readUntil((t) => t.includes('notifications/resources/updated'), 5000)).toBe('matched');
    received = '';
    tokens.get('carol')!.revoked = true;
    await alice.request('tools/call', { name: 'touch', arguments: { uri: 'notes://readme' } });
    expect(await readUntil((t) => t.includes('notifications/resources/updated'), 3000)).toBe('ended');
    expect(received).not.toContain('notifications/resources/updated');
    await reader.cancel().catch(() => {});
  });
});

describe('stateful sessions are bound to their owner', () => {
  it('another caller holding the session id gets 404 for POST, GET and DELETE; the owner keeps the session', async () => {
    const { authenticate } = tokenTable(people());
    const p = await serve({ authenticate, sessions: true });
    const alice = await openSession(p.http.url, 'alice');
    expect(alice.id).toMatch(/^[0-9a-f-]{36}$/);
    const hijack = await alice.request('tools/call', { name: 'whoami', arguments: {} }, 'bob');
    expect(hijack.status).toBe(404);
    expect((await alice.raw({ method: 'GET', headers: { accept: 'text/event-stream' } }, 'bob')).status).toBe(404);
    expect((await alice.raw({ method: 'DELETE' }, 'bob')).status).toBe(404);
    const own = await alice.request('tools/call', { name: 'whoami', arguments: {} });
    expect(own.status).toBe(200);
    expect(own.message?.result?.content).toEqual([{ type: 'text', text: 'alice' }]);
    expect(runs.get('whoami')).toBe(1);
  });

  it('caps sessions per caller and in total (503 + Retry-After), and a closed session frees its slot', async () => {
    const { authenticate } = tokenTable(people());
    const p = await serve({ authenticate, sessions: true, maxSessionsPerCaller: 2, maxSessions: 3 });
    const a1 = await openSession(p.http.url, 'alice');
    await openSession(p.http.url, 'alice');
    const a3 = await openSession(p.http.url, 'alice');
    expect(a1.status).toBe(200);
    expect(a3.status).toBe(503);
    expect(a3.id).toBeNull();
    expect((await openSession(p.http.url, 'bob')).status).toBe(200);
    const c = await openSession(p.http.url, 'carol');
    expect(c.status).toBe(503);
    expect((await a1.raw({ method: 'DELETE' })).status).toBe(200);
    expect((await openSession(p.http.url, 'carol')).status).toBe(200);
  });
});

describe('prompts: sensitive arguments and invalid arguments', () => {
  it('redacts an x-sensitive prompt argument in the audit line, as for tool arguments', async () => {
    const { authenticate } = tokenTable(people());
    const p = await serve({ authenticate });
    const answer = await modernRequest(p.http.url, 'prompts/get', { name: 'login_help', arguments: { user: 'ada', memorable_word: 'blue-giraffe' } }, 'alice');
    expect(answer.message?.result?.messages).toBeDefined();
    const lines = auditLines(p, 'prompt', 'login_help');
    expect(lines).toHaveLength(1);
    expect(lines[0]!.arguments).toEqual({ user: 'ada', memorable_word: '[redacted]' });
    expect(JSON.stringify(p.lines)).not.toContain('blue-giraffe');
  });

  it.each([
    ['breaks the argument schema', { user: 'x' }, /\/user/],
    ['is not a string (the protocol schema)', { user: 5 }, /Invalid params for prompts\/get: \/arguments\/user: expected string, received number/],
    ['is not an object', 'str', /\/arguments: expected record/],
  ])('answers a prompt argument that %s with -32602 naming it, on HTTP and the stdio channel', async (_label, args, pointer) => {
    const p = await serve({});
    const bad = { name: 'login_help', arguments: args };
    const http = await modernRequest(p.http.url, 'prompts/get', bad as never);
    expect(http.message?.error?.code).toBe(-32602);
    expect(http.message?.error?.message).toMatch(pointer);
    expect(http.message?.error?.message).not.toMatch(/"expected"|"code"|invalid_type/);
    const channel = await connectChannel(p.factory);
    const viaChannel = await channel.request('prompts/get', bad as never);
    expect(viaChannel.error?.code).toBe(-32602);
    expect(viaChannel.error?.message).toMatch(pointer);
    await channel.close();
    expect(runs.get('login_help')).toBeUndefined();
  });
});

describe('anonymous callers are their peer, and a limited call in a session answers 429', () => {
  const open = { ...pipelineManifest, auth: { mode: 'none' as const } };

  it('two anonymous WebSocket peers have their own buckets', async () => {
    const p = await serve({ manifest: open });
    const first = await connectWebSocket(p.wsUrl, undefined, '127.0.0.2');
    for (let i = 0; i < 2; i++) expect((await first.request('tools/call', { name: 'whoami', arguments: {} })).result?.isError).toBeFalsy();
    expect((await first.request('tools/call', { name: 'whoami', arguments: {} })).result?.isError).toBe(true);
    const second = await connectWebSocket(p.wsUrl, undefined, '127.0.0.3');
    expect((await second.request('tools/call', { name: 'whoami', arguments: {} })).result?.isError).toBeFalsy();
    await first.close();
    await second.close();
  });

  it('a rate-limited call inside a session answers HTTP 429 with Retry-After', async () => {
    const p = await serve({ manifest: open, sessions: true });
    const session = await openSession(p.http.url);
    expect((await session.request('tools/call', { name: 'whoami', arguments: {} })).status).toBe(200);
    expect((await session.request('tools/call', { name: 'whoami', arguments: {} })).status).toBe(200);
    const limited = await session.request('tools/call', { name: 'whoami', arguments: {} });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.message?.result?.isError).toBe(true);
    expect(runs.get('whoami')).toBe(2);
  });
});

describe('a session request is labelled as one', () => {
  it('a call inside a 2025 session is not tracked by the stateless cancellation registry; the same call without a session is', async () => {
    const cancellations = createCancellations();
    const p = await serve({ manifest: { ...pipelineManifest, auth: { mode: 'none' as const } }, sessions: true, cancellations });
    const session = await openSession(p.http.url);
    const inSession = session.request('tools/call', { name: 'wait', arguments: { ms: 600 } });
    await until(() => (runs.get('wait') ?? 0) === 1);
    // Sessions cancel natively (the SDK's own transport): only stateless calls need the registry.
    expect(cancellations.size).toBe(0);
    expect((await inSession).status).toBe(200);
    const stateless = legacyRequest(p.http.url, { id: 7, method: 'tools/call', params: { name: 'wait', arguments: { ms: 600 } } });
    await until(() => (runs.get('wait') ?? 0) === 2);
    expect(cancellations.size).toBe(1);
    expect((await stateless).status).toBe(200);
    expect(cancellations.size).toBe(0);
  });
});

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(condition()).toBe(true);
}
