import { describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import { createLogger } from '../observability/index.js';
import { createMemoryCache } from '../cache/index.js';
import { addAbortSource, createHandlerContext, type ContextDeps } from './context.js';

function deps(shutdown = new AbortController()): ContextDeps {
  return { db: {} as Kysely<unknown>, cache: createMemoryCache(), logger: createLogger({ level: 'silent' }), shutdown: shutdown.signal };
}

describe('createHandlerContext', () => {
  it('lists its members in the same order as always (Object.keys, spreads)', () => {
    const ctx = createHandlerContext(deps(), { tool: 't' }, undefined, 'r1');
    expect(Object.keys(ctx)).toEqual(['elicit', 'sample', 'listRoots', 'input', 'clientCapabilities', 'clientLog', 'resources', 'memory', 'db', 'cache', 'log', 'auth', 'requestId', 'signal', 'progress']);
    const copy = { ...ctx, uri: 'x' };
    expect(copy.log).toBe(ctx.log);
    expect(copy.signal).toBe(ctx.signal);
    expect(copy.requestId).toBe('r1');
  });

  it('fires ctx.signal for every added source, whether added before or after the first read', () => {
    const shutdown = new AbortController();
    const ctx = createHandlerContext(deps(shutdown), { tool: 't' }, undefined);
    const first = new AbortController();
    addAbortSource(ctx, first);
    const before = ctx.signal;
    expect(before.aborted).toBe(false);
    const second = new AbortController();
    addAbortSource(ctx, second);
    const after = ctx.signal;
    expect(after).not.toBe(before);
    expect(ctx.signal).toBe(after);
    second.abort('second');
    expect(after.aborted).toBe(true);
    expect(after.reason).toBe('second');
    expect(before.aborted).toBe(false);
    first.abort('first');
    expect(before.reason).toBe('first');
  });

  it('fires ctx.signal on shutdown and keeps the first aborted source as the reason', () => {
    const shutdown = new AbortController();
    const ctx = createHandlerContext(deps(shutdown), { tool: 't' }, undefined);
    const timeout = new AbortController();
    timeout.abort('timeout');
    addAbortSource(ctx, timeout);
    shutdown.abort('shutdown');
    // The base signal (shutdown here) comes first, as when each source was layered over the last.
    expect(ctx.signal.reason).toBe('shutdown');
  });

  it('adds a source to a spread copy without touching the context it was copied from', () => {
    const ctx = createHandlerContext(deps(), { tool: 't' }, undefined);
    const copy = { ...ctx };
    const extra = new AbortController();
    addAbortSource(copy, extra);
    extra.abort('copy only');
    expect(copy.signal.aborted).toBe(true);
    expect(ctx.signal.aborted).toBe(false);
  });
});
