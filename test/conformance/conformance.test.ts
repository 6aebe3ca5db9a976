/**
 * The official MCP conformance suite against examples/conformance (dev layout, HTTP), built from a
 * temp copy with the toolkit's node_modules linked (test/production/lib/project.ts):
 * - the stable suite's `--suite all` (2025-era scenarios) in both HTTP modes: stateless (the
 *   default) and stateful sessions (MCP_HTTP_SESSIONS=stateful);
 * - the 2026-07-28 requirement set (`--requirements 2026-07-28`, newest suite release that has it)
 *   in both modes.
 * No expected-failures file: every scenario must pass in both modes. The four push-style
 * sampling/elicitation scenarios are asserted by name as well: stateless, they work because the
 * server sends its request on the POST's SSE stream and correlates the client's reply POST by an
 * unguessable request id (runtime/src/transports/pending-replies.ts); stateful, through the session.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servicesFor } from '../helpers/services.js';
import { buildProject, exampleProject, upgrade } from '../production/lib/project.js';
import { startServer, type ServerProcess } from '../production/lib/server.js';
import { describeFailures, ensureSuite, REQUIREMENTS_VERSION, requiredServerScenarios, runSuite, STABLE_VERSION, summary, type Suite } from './lib/suite.js';

/** 2025 scenarios with server-to-client requests (sampling/elicitation sent on the call's SSE stream). */
const PUSH_STYLE = ['tools-call-sampling', 'tools-call-elicitation', 'elicitation-sep1034-defaults', 'elicitation-sep1330-enums'];

let project: string;
let stable: Suite;
let requirements: Suite;

beforeAll(async () => {
  [stable, requirements, project] = await Promise.all([
    ensureSuite(STABLE_VERSION),
    ensureSuite(REQUIREMENTS_VERSION),
    exampleProject('conformance').then(async (dir) => {
      await buildProject(dir);
      return dir;
    }),
  ]);
}, 600_000);

describe.each([
  { mode: 'stateless' as const, env: {} },
  { mode: 'stateful' as const, env: { MCP_HTTP_SESSIONS: 'stateful' } },
])('HTTP, $mode', ({ mode, env }) => {
  let server: ServerProcess;

  beforeAll(async () => {
    server = await startServer(['node', 'dist/server.js'], project, {
      ...process.env,
      MCP_TRANSPORT: 'http',
      MCP_PORT: '0',
      DATABASE_URL: 'sqlite::memory:',
      LOG_LEVEL: 'warn',
      ...env,
    });
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  it(`passes the stable suite (${STABLE_VERSION}, --suite all)`, async () => {
    const run = await runSuite(stable, server.url.href, ['--suite', 'all'], mkdtempSync(join(tmpdir(), `conformance-2025-${mode}-`)));
    const results = [...run.scenarios.values()];
    console.log(summary(`conformance ${STABLE_VERSION} --suite all, HTTP ${mode}`, results));
    expect(results.length).toBeGreaterThan(25);
    expect(results.reduce((n, r) => n + r.passed, 0)).toBeGreaterThan(0);
    const failed = results.filter((r) => r.failed > 0);
    expect(failed, describeFailures(failed)).toEqual([]);
    for (const name of PUSH_STYLE) expect(run.scenarios.get(name)?.passed, `${name} (${mode})`).toBeGreaterThan(0);
  }, 600_000);

  it(`passes the 2026-07-28 requirement set (${REQUIREMENTS_VERSION})`, async () => {
    const required = await requiredServerScenarios(requirements, '2026-07-28');
    expect(required.length).toBeGreaterThan(20);
    const run = await runSuite(requirements, server.url.href, ['--requirements', '2026-07-28'], mkdtempSync(join(tmpdir(), `conformance-2026-${mode}-`)));
    const results = required.map((name) => run.scenarios.get(name) ?? { scenario: name, passed: 0, failed: 1, warnings: 0, failures: [{ id: name, message: 'scenario did not run' }] });
    console.log(summary(`conformance ${REQUIREMENTS_VERSION} --requirements 2026-07-28 (scored scenarios), HTTP ${mode}`, results));
    expect(results.reduce((n, r) => n + r.passed, 0)).toBeGreaterThan(0);
    const failed = results.filter((r) => r.failed > 0);
    expect(failed, describeFailures(failed)).toEqual([]);
  }, 600_000);
});

/** Whether something listens on 127.0.0.1:port. */
const servicesUp = await servicesFor('the production-layout conformance run', ['postgres', 'redis']);

describe.skipIf(!servicesUp)('production layout (PostgreSQL + Redis), HTTP stateful', () => {
  let server: ServerProcess | undefined;

  beforeAll(async () => {
    // The same example upgraded with the real CLI (`mcpforge upgrade --to production`), then built.
    const dir = await exampleProject('conformance');
    await upgrade(dir);
    await buildProject(dir);
    server = await startServer(['node', 'dist/server.js'], dir, {
      ...process.env,
      MCP_TRANSPORT: 'http',
      MCP_PORT: '0',
      MCP_HTTP_SESSIONS: 'stateful',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test',
      REDIS_URL: 'redis://127.0.0.1:6379',
      REDIS_KEY_PREFIX: `mcpforge:conformance-${process.pid}:`,
      LOG_LEVEL: 'warn',
    });
  }, 600_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('passes the stable suite and the 2026-07-28 requirement set', async (context) => {
    if (!server) return context.skip();
    const stableRun = await runSuite(stable, server.url.href, ['--suite', 'all'], mkdtempSync(join(tmpdir(), 'conformance-prod-2025-')));
    const stableResults = [...stableRun.scenarios.values()];
    console.log(summary(`conformance ${STABLE_VERSION} --suite all, production layout, HTTP stateful`, stableResults));
    const stableFailed = stableResults.filter((r) => r.failed > 0);
    expect(stableFailed, describeFailures(stableFailed)).toEqual([]);
    expect(stableResults.reduce((n, r) => n + r.passed, 0)).toBeGreaterThan(0);

    const required = await requiredServerScenarios(requirements, '2026-07-28');
    const run = await runSuite(requirements, server.url.href, ['--requirements', '2026-07-28'], mkdtempSync(join(tmpdir(), 'conformance-prod-2026-')));
    const results = required.map((name) => run.scenarios.get(name) ?? { scenario: name, passed: 0, failed: 1, warnings: 0, failures: [{ id: name, message: 'scenario did not run' }] });
    console.log(summary(`conformance ${REQUIREMENTS_VERSION} --requirements 2026-07-28 (scored scenarios), production layout, HTTP stateful`, results));
    const failed = results.filter((r) => r.failed > 0);
    expect(failed, describeFailures(failed)).toEqual([]);
  }, 600_000);
});
