/**
 * The whole GitHub REST API description (@octokit/openapi, 1,200+ operations) imports, generates
 * and type-checks with zero errors. The project lives under .tmp/ in the toolkit so that
 * `@mcpforge/runtime`, ajv and @types/node resolve through the root node_modules.
 */
import { createRequire } from 'node:module';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, TOOLKIT_ROOT } from '../helpers/toolkit.js';

const require = createRequire(import.meta.url);
const GITHUB = path.join(path.dirname(require.resolve('@octokit/openapi/package.json')), 'generated', 'api.github.com.json');
const DIR = path.join(TOOLKIT_ROOT, '.tmp', 'openapi-github');
const TSC = path.join(TOOLKIT_ROOT, 'node_modules', '.bin', 'tsc');

let output = '';
let operations = 0;

beforeAll(async () => {
  const doc = JSON.parse(readFileSync(GITHUB, 'utf8')) as { paths: Record<string, Record<string, unknown>> };
  operations = Object.values(doc.paths).reduce((n, item) => n + Object.keys(item).filter((k) => ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'].includes(k)).length, 0);
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(path.join(DIR, 'src'), { recursive: true });
  writeFileSync(path.join(DIR, 'mcpforge.yaml'), '# GitHub, imported\nname: github\nversion: 0.1.0\ntools: {}\n');
  cpSync(path.join(TOOLKIT_ROOT, 'templates/app/tsconfig.json'), path.join(DIR, 'tsconfig.json'));
  cpSync(path.join(TOOLKIT_ROOT, 'templates/app/src/server.ts'), path.join(DIR, 'src/server.ts'));
  writeFileSync(path.join(DIR, 'package.json'), JSON.stringify({ name: 'github', private: true, type: 'module' }));
  if (!existsSync(path.join(DIR, 'node_modules'))) symlinkSync(path.join(TOOLKIT_ROOT, 'node_modules'), path.join(DIR, 'node_modules'));
  const result = await execa(process.execPath, [CLI, 'import', 'openapi', GITHUB, '--name', 'github'], { cwd: DIR, all: true, reject: false });
  output = result.all ?? '';
  if (result.exitCode !== 0) throw new Error(`import failed:\n${output}`);
}, 600_000);

describe('import openapi: the GitHub REST API', () => {
  it('imports every operation as a tool and reports counts, warnings and timing', () => {
    expect(operations).toBeGreaterThan(1200);
    expect(output).toContain(`✓ Mapping operations to tools (${operations} tools from ${operations} operations`);
    expect(output).toMatch(new RegExp(`✓ Generating types, validators and the manifest \\(${operations} tools, \\d+ files, ${operations} of ${operations} entries generated\\) in \\d+\\.\\ds`));
    expect(output).toMatch(new RegExp(`Imported ${operations} tools from GitHub.* \\(OpenAPI 3\\.0, ${operations} operations\\) in \\d+\\.\\ds`));
    // Lint: long prefixed names and the tools/list budget are warnings; nothing is an error.
    expect(output).toMatch(/\d+ lint warnings \(--strict turns them into errors\)/);
    expect(output).toMatch(/ {2}name-length: \d+/);
    expect(output).toMatch(/tools\/list costs about [\d,]+ tokens \(budget 25,000\)/);
    expect(output).toMatch(/\d+ output schemas larger than 3 KiB left out/);
    expect(output).toContain('Environment: GITHUB_BASE_URL, GITHUB_TIMEOUT_MS, GITHUB_OUTPUT_VALIDATION, GITHUB_TOKEN');
    expect(readdirSync(path.join(DIR, 'src/tools'))).toHaveLength(operations);
  });

  it('names every tool within 64 characters of [A-Za-z0-9_]', () => {
    const spec = readFileSync(path.join(DIR, 'mcpforge.yaml'), 'utf8');
    const names = [...spec.matchAll(/^ {2}([^ \n#][^:\n]*):\n/gm)].map((m) => m[1]!);
    expect(names).toHaveLength(operations);
    for (const name of names) expect(name).toMatch(/^[A-Za-z0-9_]{1,64}$/);
    expect(spec.startsWith('# GitHub, imported\n')).toBe(true);
  });

  it('type-checks with zero errors (tsc --noEmit)', async () => {
    const result = await execa(TSC, ['--noEmit', '-p', 'tsconfig.json'], { cwd: DIR, all: true, reject: false, env: { NODE_OPTIONS: '--max-old-space-size=4096' } });
    expect(result.all).toBe('');
    expect(result.exitCode).toBe(0);
  }, 600_000);

  it('refuses with --strict, writing nothing', async () => {
    const before = readFileSync(path.join(DIR, 'mcpforge.yaml'), 'utf8');
    const result = await execa(process.execPath, [CLI, 'import', 'openapi', GITHUB, '--name', 'github', '--strict', '--include-tags', 'meta', '--token-budget', '10'], { cwd: DIR, all: true, reject: false });
    expect(result.exitCode).toBe(1);
    expect(result.all).toMatch(/--strict: \d+ lint warnings?, nothing written/);
    expect(readFileSync(path.join(DIR, 'mcpforge.yaml'), 'utf8')).toBe(before);
  }, 300_000);
});
