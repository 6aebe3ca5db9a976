/**
 * The generated contract tests (`test/tools.contract.test.ts`) run inside copies of the golden
 * examples with the project's own vitest: they pass as generated, they FAIL naming the tool and
 * the field when a handler returns output its schema forbids, an invalid input is rejected with
 * its JSON pointer, open-world tools run against a local upstream when enabled, and the file is
 * regenerated with the tools and reported stale by `mcpforge check`.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleProject, mcpforge } from '../production/lib/project.js';
import { TOOLKIT_ROOT } from '../helpers/toolkit.js';
import { startWeatherUpstream, type WeatherUpstream } from '../helpers/weather-upstream.js';

const CONTRACT = 'test/tools.contract.test.ts';
const VITEST = join(TOOLKIT_ROOT, 'node_modules', 'vitest', 'vitest.mjs');
const TSC = join(TOOLKIT_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

interface AssertionResult {
  ancestorTitles: string[];
  title: string;
  status: 'passed' | 'failed' | 'skipped' | 'pending' | 'todo';
  failureMessages: string[];
}

/** Runs the project's contract tests with vitest's JSON reporter; returns every test's result. */
async function runContractTests(dir: string, env: Record<string, string> = {}, ...args: string[]) {
  const report = join(dir, 'contract-report.json');
  rmSync(report, { force: true });
  const run = await execa(process.execPath, [VITEST, 'run', CONTRACT, '--reporter=json', '--reporter=verbose', `--outputFile.json=${report}`, ...args], {
    cwd: dir,
    reject: false,
    all: true,
    env: { CI: 'true', ...env },
  });
  const json = JSON.parse(readFileSync(report, 'utf8')) as { testResults: Array<{ assertionResults: AssertionResult[] }> };
  const tests = json.testResults.flatMap((file) => file.assertionResults);
  const named = (status: AssertionResult['status']) => tests.filter((t) => t.status === status).map((t) => [...t.ancestorTitles, t.title].join(' > '));
  return { exitCode: run.exitCode, output: run.all ?? '', tests, passed: named('passed'), failed: named('failed'), skipped: named('skipped') };
}

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function project(name: string): Promise<string> {
  const dir = await exampleProject(name);
  dirs.push(dir);
  // Up to date with this checkout's generator (a no-op once the golden examples are refreshed).
  const generated = await mcpforge(dir, 'generate');
  expect(generated.exitCode, generated.all).toBe(0);
  return dir;
}

describe('generated contract tests: notes', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await project('notes');
  }, 120_000);

  it('pass as generated: valid inputs accepted, invalid ones rejected by pointer, outputs conform, smoke over stdio and HTTP', async () => {
    const result = await runContractTests(dir);
    expect(result.exitCode, result.output).toBe(0);
    expect(result.failed).toEqual([]);
    expect(result.passed).toContain('create_note > accepts {"title":"example-title","body":"example-body","tags":["example-item"]}');
    // The runtime (not the handler) rejects invalid input, and the answer names the field.
    expect(result.passed).toContain("create_note > rejects '/title' ('missing') with an error naming it");
    expect(result.passed).toContain("create_note > rejects '/tags' ('string instead of array') with an error naming it");
    expect(result.passed).toContain('delete_note > returns output matching its output schema for {"id":"example-id"}');
    expect(result.passed).toContain('the built server (dist/server.js) > lists every tool over stdio');
    expect(result.passed).toContain('the built server (dist/server.js) > lists every tool over http');
    expect(result.skipped).toEqual([]);
  }, 300_000);

  it('fail, naming the tool and the field, when a handler returns a wrong-typed field', async () => {
    const handler = join(dir, 'src/tools/delete_note.ts');
    const original = readFileSync(handler, 'utf8');
    expect(original).toContain('return { deleted };');
    writeFileSync(handler, original.replace('return { deleted };', "return { deleted: (deleted ? 'yes' : 'no') as unknown as boolean };"));
    try {
      const result = await runContractTests(dir, {}, '--testNamePattern', 'delete_note');
      expect(result.exitCode).not.toBe(0);
      expect(result.failed).toEqual(['delete_note > returns output matching its output schema for {"id":"example-id"}']);
      const failure = result.tests.find((t) => t.status === 'failed')!.failureMessages.join('\n');
      expect(failure).toContain('tool "delete_note" returned output that does not match its output schema: /deleted must be boolean');
      // Validation of input is untouched by the broken handler.
      expect(result.passed).toContain("delete_note > rejects '/id' ('missing') with an error naming it");
    } finally {
      writeFileSync(handler, original);
    }
  }, 300_000);

  it('is regenerated with the tools, covered by the cache, and reported stale by `mcpforge check`', async () => {
    const before = readFileSync(join(dir, CONTRACT), 'utf8');
    expect(before).toMatch(/^\/\/ Generated by mcpforge from mcpforge\.yaml\. Do not edit/);
    expect((await mcpforge(dir, 'generate')).stdout).toMatch(/^up to date/);

    writeFileSync(join(dir, CONTRACT), `${before}\n// a hand edit\n`);
    const check = await mcpforge(dir, 'check');
    expect(check.exitCode).not.toBe(0);
    expect(check.stdout).toContain(`${CONTRACT}: stale (generate writes it)`);

    // A new required field in a tool's input schema shows up in the cases after `generate`.
    const schemaFile = join(dir, 'schemas/delete_note.input.json');
    const schema = JSON.parse(readFileSync(schemaFile, 'utf8'));
    schema.properties.reason = { type: 'string', examples: ['cleanup'] };
    schema.required.push('reason');
    writeFileSync(schemaFile, JSON.stringify(schema, null, 2));
    const generate = await mcpforge(dir, 'generate');
    expect(generate.exitCode, generate.all).toBe(0);
    expect(generate.stdout).toContain(`write    ${CONTRACT}`);
    const after = readFileSync(join(dir, CONTRACT), 'utf8');
    expect(after).not.toContain('a hand edit');
    expect(after).toContain("{ pointer: '/reason', why: 'missing', input: { id: 'example-id' } }");
    expect((await mcpforge(dir, 'check')).exitCode).toBe(0);
  }, 120_000);
});

describe('generated contract tests: weather (open world)', () => {
  let dir: string;
  let upstream: WeatherUpstream;
  beforeAll(async () => {
    upstream = await startWeatherUpstream();
    dir = await project('weather');
  }, 120_000);
  afterAll(() => upstream?.close());

  it('skip the upstream call with a visible reason unless enabled; check its output against a local upstream when enabled', async () => {
    const offline = await runContractTests(dir, {}, '--testNamePattern', 'get_forecast');
    expect(offline.exitCode, offline.output).toBe(0);
    expect(offline.skipped.filter((name) => name.startsWith('get_forecast'))).toEqual([
      'get_forecast > returns output matching its output schema for {"city":"example-city","days":3}',
      'get_forecast > returns output matching its output schema for {"city":"example-city"}',
    ]);
    expect(offline.output).toContain('[calls the outside world (openWorldHint): set MCPFORGE_TEST_OPEN_WORLD=1 to run it]');
    expect(upstream.hits.search).toBe(0);

    // The sampled city is unknown upstream: the tool answers with a ToolError, so the test is
    // skipped with that reason (not passed without checking anything).
    const enabled = { MCPFORGE_TEST_OPEN_WORLD: '1', WEATHER_API_URL: upstream.url, WEATHER_GEOCODING_URL: upstream.url };
    const unknownCity = await runContractTests(dir, enabled, '--testNamePattern', 'get_forecast');
    expect(unknownCity.exitCode, unknownCity.output).toBe(0);
    expect(unknownCity.skipped.filter((name) => name.startsWith('get_forecast'))).toHaveLength(2);
    expect(unknownCity.output).toContain('tool "get_forecast" answered with a ToolError');
    expect(upstream.hits.search).toBeGreaterThan(0);

    // With an `examples` entry the upstream knows, the output is checked against the schema.
    const schemaFile = join(dir, 'schemas/get_forecast.input.json');
    const schema = JSON.parse(readFileSync(schemaFile, 'utf8'));
    schema.examples = [{ city: 'Berlin', days: 2 }];
    writeFileSync(schemaFile, JSON.stringify(schema, null, 2));
    expect((await mcpforge(dir, 'generate')).exitCode).toBe(0);
    const checked = await runContractTests(dir, enabled, '--testNamePattern', 'get_forecast');
    expect(checked.exitCode, checked.output).toBe(0);
    expect(checked.passed).toContain('get_forecast > returns output matching its output schema for {"city":"Berlin","days":2}');
    expect(upstream.hits.forecast).toBeGreaterThan(0);
  }, 300_000);
});

describe('generated contract tests type-check', () => {
  it.each(['notes', 'weather', 'files', 'all', 'none'])('%s: `tsc -p test` (sources and tests, strict)', async (name) => {
    const dir = await exampleProject(name);
    dirs.push(dir);
    const result = await execa(process.execPath, [TSC, '-p', 'test'], { cwd: dir, reject: false, all: true });
    expect(result.exitCode, result.all).toBe(0);
    expect(readFileSync(join(dir, CONTRACT), 'utf8')).not.toMatch(/\bany\b/);
  }, 120_000);
});

describe('generated contract tests: conformance (tools that ask the client for input)', () => {
  it('pass: the contract client declines elicitations, answers sampling and lists no roots, and outputs still conform', async () => {
    const dir = await project('conformance');
    const result = await runContractTests(dir);
    expect(result.exitCode, result.output).toBe(0);
    expect(result.failed).toEqual([]);
    expect(result.passed.some((name) => name.startsWith('test_elicitation > '))).toBe(true);
    expect(result.passed.some((name) => name.startsWith('test_sampling > '))).toBe(true);
  }, 300_000);
});
