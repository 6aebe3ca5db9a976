import { afterAll, describe, expect, it } from 'vitest';
import { handlers, makeMigrations, makeModules, manifest } from '../__fixtures__/notes.js';
import { ToolError } from '../errors/index.js';
import { createLogger, createMetrics, type Metrics } from '../observability/index.js';
import { createDatabase, type Storage } from '../storage/index.js';
import { createDefineTool } from './contract.js';
import { createServerFactory, type ServerFactory } from './factory.js';

// The synchronous lane (factory.ts, runTool): a handler that returns a plain value is answered
// without a promise, through the same stages as an async handler — same result, audit line and
// metrics. Each case runs on two servers that differ only in whether the handlers are async.
const defineTool = createDefineTool<{ echo: { input: { text: string }; output: undefined }; explode: { input: { mode: 'tool' | 'internal' | 'slow' }; output: undefined } }, unknown>();
const syncHandlers = {
  echo: handlers.echo,
  explode: defineTool('explode', (input) => {
    if (input.mode === 'tool') throw new ToolError('Note 42 is locked; unlock it first', { data: { id: 42 } });
    throw new Error('password=hunter2 at db.ts:12');
  }),
};
const asyncHandlers = {
  echo: defineTool('echo', async (input, ctx) => `${input.text} (as ${ctx.auth.subject})`),
  explode: handlers.explode,
};

interface Side {
  storage: Storage;
  factory: ServerFactory;
  metrics: Metrics;
  lines: Array<Record<string, unknown>>;
}

async function side(overrides: Record<string, unknown>): Promise<Side> {
  const storage = await createDatabase('sqlite::memory:');
  await storage.migrate(makeMigrations());
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({ destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) } });
  const metrics = createMetrics();
  const factory = await createServerFactory({ manifest, modules: makeModules(overrides as never), deps: { db: storage.db, logger, metrics }, loading: 'eager' });
  return { storage, factory, metrics, lines };
}

const sides = { sync: await side(syncHandlers), async: await side(asyncHandlers) };
afterAll(async () => {
  for (const s of Object.values(sides)) await s.storage.close();
});

/** The audit lines of a tool, without what differs between any two calls (time, request id). */
function auditOf(s: Side, tool: string): unknown[] {
  return s.lines.filter((l) => l.msg === 'audit' && l.tool === tool).map(({ time: _t, durationMs: _d, requestId: _r, pid: _p, hostname: _h, ...rest }) => rest);
}

/** Internal-error texts name the request id; everything else must be equal. */
const withoutRequestId = (result: unknown) => JSON.parse(JSON.stringify(result).replace(/req_[A-Za-z0-9_-]+|[0-9a-f]{8}-[0-9a-f-]{27}/g, '<id>')) as unknown;

describe('synchronous lane', () => {
  it('answers a handler that returned a plain value with a plain result, an async handler with a promise of the same', async () => {
    const plain = sides.sync.factory.fastPath.tool('echo')!.call({ text: 'hi' }, undefined);
    expect(plain).not.toBeInstanceOf(Promise);
    const pending = sides.async.factory.fastPath.tool('echo')!.call({ text: 'hi' }, undefined);
    expect(pending).toBeInstanceOf(Promise);
    expect(await pending).toEqual(plain);
    expect(plain).toEqual({ content: [{ type: 'text', text: 'hi (as anonymous)' }] });
  });

  it('a handler that throws synchronously gets the same error result, audit line and metrics as one that rejects', async () => {
    for (const mode of ['tool', 'internal'] as const) {
      const [sync, async] = await Promise.all([sides.sync, sides.async].map((s) => s.factory.fastPath.tool('explode')!.call({ mode }, undefined)));
      expect(sync!.isError).toBe(true);
      expect(withoutRequestId(sync)).toEqual(withoutRequestId(async));
    }
    expect(auditOf(sides.sync, 'explode')).toEqual(auditOf(sides.async, 'explode'));
    expect(auditOf(sides.sync, 'explode').length).toBe(2);
  });

  it('writes the same audit line and metrics for a synchronous call as for an asynchronous one, before the call returns', async () => {
    const before = auditOf(sides.sync, 'echo').length;
    sides.sync.factory.fastPath.tool('echo')!.call({ text: 'x' }, undefined);
    // No await: the synchronous lane has audited the call by the time it returns.
    expect(auditOf(sides.sync, 'echo').length).toBe(before + 1);
    await sides.async.factory.fastPath.tool('echo')!.call({ text: 'x' }, undefined);
    expect(auditOf(sides.sync, 'echo')).toEqual(auditOf(sides.async, 'echo'));
    const counts = async (s: Side) => (await s.metrics.metricsText()).split('\n').filter((l) => l.startsWith('mcp_tool_calls_total') || l.startsWith('mcp_tool_call_duration_seconds_count'));
    expect(await counts(sides.sync)).toEqual(await counts(sides.async));
    expect((await counts(sides.sync)).join('\n')).toMatch(/mcp_tool_calls_total\{tool="echo",outcome="ok"\} [1-9]/);
  });

  it('refuses invalid arguments synchronously with the same result on both', async () => {
    const plain = sides.sync.factory.fastPath.tool('echo')!.call({ text: 3 }, undefined);
    expect(plain).not.toBeInstanceOf(Promise);
    expect(await sides.async.factory.fastPath.tool('echo')!.call({ text: 3 }, undefined)).toEqual(plain);
    expect((plain as { isError?: boolean }).isError).toBe(true);
  });
});
