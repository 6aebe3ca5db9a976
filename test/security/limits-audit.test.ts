/**
 * Limits, timeouts, the audit trail and the security counters against running generated servers.
 *
 * The project is a test-only copy of the notes example with two extra tools (the example itself is
 * untouched): `slow_echo` (waits, `timeoutMs: 300`, an `x-sensitive` and a `writeOnly` argument)
 * and `limited_ping` (`rateLimit: { perMinute: 3 }`), plus `limits: { maxJsonDepth: 16 }` in the
 * spec. Servers: HTTP on SQLite (MCP_MAX_STRING_LENGTH=1000 from the environment), stdio with
 * MCP_RATE_LIMIT_PER_MINUTE=2, and HTTP on a fresh PostgreSQL database for the audit table.
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshPostgresDatabase, postgresAvailable } from '../../runtime/src/__fixtures__/services.js';
import { buildProject, exampleProject, mcpforge } from '../production/lib/project.js';
import type { ServerProcess } from '../production/lib/server.js';
import { expectHttpServes, expectStdioServes } from './lib/checks.js';
import { LEGACY_HEADERS, modernCall, modernHeaders, postJson, toolText, type HttpReply } from './lib/http.js';
import { alive, builtExample, startHttp, startStdio } from './lib/servers.js';
import type { StdioDriver } from './lib/stdio.js';

const EXTRA_TOOLS = `
  slow_echo:
    description: Test-only tool that waits, to exercise the per-call timeout.
    input: schemas/slow_echo.input.json
    timeoutMs: 300
  limited_ping:
    description: Test-only tool with a per-tool rate limit.
    input: schemas/limited_ping.input.json
    rateLimit:
      perMinute: 3
`;

const SLOW_ECHO_INPUT = {
  type: 'object',
  properties: {
    ms: { type: 'integer', minimum: 0, maximum: 60000 },
    secret: { type: 'string', 'x-sensitive': true },
    profile: { type: 'object', properties: { password: { type: 'string', writeOnly: true }, name: { type: 'string' } } },
  },
  required: ['ms'],
  additionalProperties: false,
};

const SLOW_ECHO_TS = `import { defineTool } from '../generated/registry.js';

export default defineTool('slow_echo', async (input, ctx) => {
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, input.ms);
    ctx.signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        ctx.log.warn({ slowEchoAborted: true }, 'slow_echo saw its signal abort');
        resolve();
      },
      { once: true },
    );
  });
  return \`waited \${input.ms} ms, aborted=\${ctx.signal.aborted}\`;
});
`;

const LIMITED_PING_TS = `import { defineTool } from '../generated/registry.js';

export default defineTool('limited_ping', async () => 'pong');
`;

/** The notes example plus the test-only tools, generated and built. */
async function buildLimitsProject(): Promise<string> {
  const dir = await exampleProject('notes');
  const specPath = join(dir, 'mcpforge.yaml');
  const spec = readFileSync(specPath, 'utf8').replace(/^tools:\n/m, `tools:${EXTRA_TOOLS}`);
  writeFileSync(specPath, spec);
  appendFileSync(specPath, 'limits:\n  maxJsonDepth: 16\n');
  writeFileSync(join(dir, 'schemas', 'slow_echo.input.json'), JSON.stringify(SLOW_ECHO_INPUT, null, 2));
  writeFileSync(join(dir, 'schemas', 'limited_ping.input.json'), JSON.stringify({ type: 'object', properties: {}, additionalProperties: false }));
  const generated = await mcpforge(dir, 'generate');
  if (generated.exitCode !== 0) throw new Error(`generate failed:\n${generated.all}`);
  writeFileSync(join(dir, 'src', 'tools', 'slow_echo.ts'), SLOW_ECHO_TS);
  writeFileSync(join(dir, 'src', 'tools', 'limited_ping.ts'), LIMITED_PING_TS);
  await buildProject(dir);
  return dir;
}

function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

/** JSON log lines of a server's stderr. */
function logLines(stderr: string): Array<Record<string, unknown>> {
  return stderr
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function metricValue(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? Number.NaN : Number(line.slice(series.length + 1));
}

async function metrics(server: ServerProcess): Promise<string> {
  const res = await fetch(new URL('/metrics', server.url));
  return res.text();
}

const modern = (server: ServerProcess, name: string, args: unknown, id: string | number = 1): Promise<HttpReply> => postJson(server.url, modernCall(name, args, id), modernHeaders('tools/call', name));
const legacy = (server: ServerProcess, name: string, args: unknown, id: string | number = 1): Promise<HttpReply> =>
  postJson(server.url, { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } }, { ...LEGACY_HEADERS });
const textOf = (reply: HttpReply): string => toolText(reply.messages[0]!);

let dir: string;
beforeAll(async () => {
  dir = await buildLimitsProject();
}, 120_000);

describe('limits over HTTP (SQLite)', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startHttp(dir, { MCP_MAX_STRING_LENGTH: '1000' });
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('answers a burst past rateLimit.perMinute with 429 and Retry-After (fast path)', async () => {
    for (let i = 0; i < 3; i++) {
      const ok = await modern(server, 'limited_ping', {}, `ok-${i}`);
      expect(ok.status).toBe(200);
      expect(textOf(ok)).toBe('pong');
    }
    const limited = await modern(server, 'limited_ping', {}, 'over');
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers['retry-after']);
    expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);
    expect(limited.messages[0]!.id).toBe('over');
    expect(limited.messages[0]!.result?.isError).toBe(true);
    expect(textOf(limited)).toBe(`Rate limit reached for limited_ping (3 calls per minute per caller); retry in ${retryAfter} s.`);
  });

  it('answers 429 with Retry-After on the SDK path too (2025 era), sharing the same budget', async () => {
    const limited = await legacy(server, 'limited_ping', {}, 'legacy-over');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(limited.messages[0]!.result?.isError).toBe(true);
    expect(textOf(limited)).toMatch(/^Rate limit reached for limited_ping \(3 calls per minute per caller\); retry in \d+ s\.$/);
    // Other tools are not limited.
    expect((await legacy(server, 'list_notes', { limit: 1 })).status).toBe(200);
  });

  it('rejects deep nesting before validation with the depth message (spec limits.maxJsonDepth)', async () => {
    for (const send of [modern, legacy]) {
      const reply = await send(server, 'create_note', { title: 't', tags: nested(40) });
      expect(reply.status).toBe(200);
      expect(reply.messages[0]!.result?.isError).toBe(true);
      expect(textOf(reply)).toContain('nests deeper than 16 levels, the maximum JSON depth (raise MCP_MAX_JSON_DEPTH or limits.maxJsonDepth in mcpforge.yaml to allow more)');
    }
  });

  it('rejects a long string before validation with the length message (MCP_MAX_STRING_LENGTH)', async () => {
    for (const send of [modern, legacy]) {
      const reply = await send(server, 'create_note', { title: 'x'.repeat(1001) });
      expect(reply.messages[0]!.result?.isError).toBe(true);
      expect(textOf(reply)).toContain('/title is a string of 1001 characters, longer than the maximum string length 1000 (raise MCP_MAX_STRING_LENGTH');
    }
  });

  it('times a slow call out: the client gets a tool error, the handler sees ctx.signal abort, the server keeps serving', async () => {
    const reply = await modern(server, 'slow_echo', { ms: 20_000 }, 'slow');
    expect(reply.status).toBe(200);
    expect(reply.messages[0]!.result?.isError).toBe(true);
    expect(textOf(reply)).toBe(
      'Tool slow_echo did not finish within 300 ms and was cancelled; retry later, or raise its timeoutMs in mcpforge.yaml (server default: MCP_TOOL_TIMEOUT_MS).',
    );
    await waitFor('the abort log line', () => (server.stderr().includes('slow_echo saw its signal abort') ? true : undefined));
    const fast = await legacy(server, 'slow_echo', { ms: 1 });
    expect(textOf(fast)).toBe('waited 1 ms, aborted=false');
    await expectHttpServes(server);
  });

  it('logs one audit line per call with caller, tool, outcome, duration and request id', async () => {
    const reply = await legacy(server, 'create_note', { title: 'audited note' }, 'audit-1');
    expect(reply.messages[0]!.result?.isError ?? false).toBe(false);
    const line = await waitFor('the audit line', () => logLines(server.stderr()).find((l) => l.msg === 'audit' && l.tool === 'create_note' && l.outcome === 'ok'));
    expect(line).toMatchObject({ audit: true, kind: 'tool', subject: 'anonymous', arguments: { title: 'audited note' } });
    expect(typeof line.requestId).toBe('string');
    expect(typeof line.durationMs).toBe('number');
    const limitedLine = logLines(server.stderr()).find((l) => l.msg === 'audit' && l.tool === 'limited_ping' && l.outcome === 'rate_limited');
    expect(limitedLine).toMatchObject({ errorCode: 'rate_limited' });
    expect(logLines(server.stderr()).some((l) => l.msg === 'audit' && l.tool === 'slow_echo' && l.outcome === 'timeout')).toBe(true);
  });

  it('redacts x-sensitive and writeOnly arguments in the audit line (and nowhere logs them)', async () => {
    await legacy(server, 'slow_echo', { ms: 0, secret: 'TOPSECRET-123', profile: { password: 'hunter2-pw', name: 'ann' } }, 'redact');
    const line = await waitFor('the redacted audit line', () =>
      logLines(server.stderr()).find((l) => l.msg === 'audit' && l.tool === 'slow_echo' && (l.arguments as { ms?: number } | undefined)?.ms === 0),
    );
    expect(line.arguments).toEqual({ ms: 0, secret: '[redacted]', profile: { password: '[redacted]', name: 'ann' } });
    expect(server.stderr()).not.toContain('TOPSECRET-123');
    expect(server.stderr()).not.toContain('hunter2-pw');
  });

  it('audits invalid input, resource reads and prompt gets', async () => {
    await legacy(server, 'create_note', { title: 42 }, 'invalid-1');
    await waitFor('the invalid audit line', () => logLines(server.stderr()).find((l) => l.msg === 'audit' && l.tool === 'create_note' && l.outcome === 'invalid'));
    const created = await legacy(server, 'create_note', { title: 'for the resource' });
    const id = (created.messages[0]!.result?.structuredContent as { id: string }).id;
    const read = await postJson(server.url, { jsonrpc: '2.0', id: 'r1', method: 'resources/read', params: { uri: `notes://${id}` } }, { ...LEGACY_HEADERS });
    expect(read.messages[0]!.error).toBeUndefined();
    const resourceLine = await waitFor('the resource audit line', () => logLines(server.stderr()).find((l) => l.msg === 'audit' && l.kind === 'resource' && l.resource === 'note'));
    expect(resourceLine).toMatchObject({ outcome: 'ok', subject: 'anonymous', arguments: { uri: `notes://${id}` } });
    await postJson(server.url, { jsonrpc: '2.0', id: 'p1', method: 'prompts/get', params: { name: 'summarize_notes', arguments: {} } }, { ...LEGACY_HEADERS });
    await waitFor('the prompt audit line', () => logLines(server.stderr()).find((l) => l.msg === 'audit' && l.kind === 'prompt' && l.prompt === 'summarize_notes' && l.outcome === 'ok'));
  });

  it('completes note ids by literal prefix: LIKE wildcards in the typed value match themselves only', async () => {
    const created = await legacy(server, 'create_note', { title: 'completion target' });
    const id = (created.messages[0]!.result?.structuredContent as { id: string }).id;
    const complete = async (value: string): Promise<string[]> => {
      const reply = await postJson(
        server.url,
        { jsonrpc: '2.0', id: `c-${value}`, method: 'completion/complete', params: { ref: { type: 'ref/resource', uri: 'notes://{id}' }, argument: { name: 'id', value } } },
        { ...LEGACY_HEADERS },
      );
      expect(reply.messages[0]!.error, JSON.stringify(reply.messages[0])).toBeUndefined();
      return (reply.messages[0]!.result as { completion: { values: string[] } }).completion.values;
    };
    expect(await complete(id.slice(0, 6))).toContain(id);
    expect(await complete('%')).toEqual([]);
    expect(await complete('_')).toEqual([]);
    expect(await complete(`${id.slice(0, 2)}%`)).toEqual([]);
  });

  it('counts rate-limit hits and exceeded limits in /metrics', async () => {
    const before = await metrics(server);
    const limitedBefore = metricValue(before, 'mcp_security_events_total{type="rate_limited"}');
    const exceededBefore = metricValue(before, 'mcp_security_events_total{type="limit_exceeded"}');
    expect(limitedBefore).toBeGreaterThanOrEqual(2);
    expect(exceededBefore).toBeGreaterThanOrEqual(4);
    expect(metricValue(before, 'mcp_security_events_total{type="auth_failure"}')).toBeGreaterThanOrEqual(0);
    await modern(server, 'limited_ping', {});
    await legacy(server, 'create_note', { title: 't', tags: nested(40) });
    const after = await metrics(server);
    expect(metricValue(after, 'mcp_security_events_total{type="rate_limited"}')).toBe(limitedBefore + 1);
    expect(metricValue(after, 'mcp_security_events_total{type="limit_exceeded"}')).toBe(exceededBefore + 1);
    expect(metricValue(after, 'mcp_rate_limited_total{tool="limited_ping"}')).toBe(metricValue(before, 'mcp_rate_limited_total{tool="limited_ping"}') + 1);
    expect(alive(server)).toBe(true);
  });
});

describe('limits over stdio', () => {
  let driver: StdioDriver;
  beforeAll(async () => {
    driver = startStdio(dir, { MCP_RATE_LIMIT_PER_MINUTE: '2' });
    await driver.initialize();
  }, 60_000);
  afterAll(async () => {
    await driver?.stop();
  });

  it('answers a call past MCP_RATE_LIMIT_PER_MINUTE with a tool error saying when to retry', async () => {
    await expectStdioServes(driver);
    await expectStdioServes(driver, 'search_notes', { query: 'x' });
    // Windows are fixed minutes: when one ends between these calls, the next call opens a new
    // window and is served; the limit then answers within two more calls.
    let reply = await driver.callTool('list_notes', { limit: 1 });
    for (let i = 0; i < 2 && reply.result?.isError !== true; i++) reply = await driver.callTool('list_notes', { limit: 1 });
    expect(reply.error).toBeUndefined();
    expect(reply.result?.isError).toBe(true);
    expect(toolText(reply)).toMatch(/^Rate limit reached for this caller \(2 calls per minute across all tools\); retry in \d+ s\.$/);
    expect(reply.result?._meta).toMatchObject({ 'mcpforge/error': { code: 'rate_limited', data: { scope: 'caller', limit: 2 } } });
    expect(driver.alive()).toBe(true);
  });

  it('rejects deep nesting on stdio too, and the process stays up', async () => {
    const reply = await driver.callTool('create_note', { title: 't', tags: nested(40) });
    expect(reply.result?.isError).toBe(true);
    expect(toolText(reply)).toContain('nests deeper than 16 levels');
    expect(driver.alive()).toBe(true);
  });
});

describe('sandbox denials (files example over HTTP)', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    const files = await builtExample('files');
    server = await startHttp(files, { FILES_ROOT: join(files, 'files') });
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('refuses traversal with path_outside_sandbox, audits it as denied and counts sandbox_denied', async () => {
    const before = metricValue(await metrics(server), 'mcp_security_events_total{type="sandbox_denied"}');
    for (const path of ['../package.json', '/etc/passwd', '..\\package.json', '%2e%2e/package.json']) {
      const reply = await modern(server, 'read_file', { path });
      expect(reply.messages[0]!.result?.isError, path).toBe(true);
      expect(reply.messages[0]!.result?._meta).toMatchObject({ 'mcpforge/error': { code: 'path_outside_sandbox' } });
    }
    const after = metricValue(await metrics(server), 'mcp_security_events_total{type="sandbox_denied"}');
    expect(after).toBe(before + 4);
    const line = await waitFor('the denied audit line', () => logLines(server.stderr()).find((l) => l.msg === 'audit' && l.tool === 'read_file' && l.outcome === 'denied'));
    expect(line).toMatchObject({ errorCode: 'path_outside_sandbox' });
  });
});

const pgUp = await postgresAvailable();

describe.skipIf(!pgUp)('audit table on PostgreSQL (production layout database)', () => {
  let database: Awaited<ReturnType<typeof freshPostgresDatabase>>;
  let server: ServerProcess;
  let client: pg.Client;
  beforeAll(async () => {
    database = await freshPostgresDatabase();
    server = await startHttp(dir, { DATABASE_URL: database.url });
    client = new pg.Client({ connectionString: database.url });
    await client.connect();
  }, 60_000);
  afterAll(async () => {
    await client?.end();
    await server?.stop();
    await database?.drop();
  });

  it('writes an audit row per call, arguments redacted', async () => {
    const created = await legacy(server, 'create_note', { title: 'pg audited' }, 'pg-1');
    expect(created.messages[0]!.result?.isError ?? false).toBe(false);
    await legacy(server, 'slow_echo', { ms: 0, secret: 'PG-SECRET-9' }, 'pg-2');
    const rows = await waitFor('two audit rows', async () => {
      const result = await client.query<{ subject: string; kind: string; name: string; outcome: string; request_id: string; duration_ms: number; arguments: string }>(
        "select * from mcpforge_audit where name in ('create_note', 'slow_echo') order by at",
      );
      return result.rows.length >= 2 ? result.rows : undefined;
    });
    expect(rows[0]).toMatchObject({ subject: 'anonymous', kind: 'tool', name: 'create_note', outcome: 'ok' });
    expect(JSON.parse(rows[0]!.arguments)).toEqual({ title: 'pg audited' });
    expect(rows[0]!.request_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(rows[1]!.arguments)).toEqual({ ms: 0, secret: '[redacted]' });
  });

  it('refuses UPDATE and DELETE on the audit table', async () => {
    await expect(client.query("update mcpforge_audit set subject = 'mallory'")).rejects.toThrow('mcpforge_audit is append-only: UPDATE is not allowed');
    await expect(client.query('delete from mcpforge_audit')).rejects.toThrow('mcpforge_audit is append-only: DELETE is not allowed');
    const { rows } = await client.query<{ n: string }>("select count(*) as n from mcpforge_audit where subject = 'mallory'");
    expect(Number(rows[0]!.n)).toBe(0);
    await expectHttpServes(server);
  });
});
