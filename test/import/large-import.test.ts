/**
 * A large import never trips over its own output: 2,000 synthetic operations (names with digits
 * before lowercase letters, ids that collide after folding, operations without ids, shared and
 * recursive schemas) import through the CLI with no handler conflict and type-check with zero
 * errors. bench/import-large.mjs runs the same at 10,000 and prints the figures.
 */
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { syntheticOpenApi } from '../../bench/lib/synthetic-openapi.mjs';
import { planProject } from '../../generators/generate/project.js';
import { CLI, TOOLKIT_ROOT } from '../helpers/toolkit.js';

const OPERATIONS = 2000;
const DIR = path.join(TOOLKIT_ROOT, '.tmp', 'import-large');
const TSC = path.join(TOOLKIT_ROOT, 'node_modules', '.bin', 'tsc');
let output = '';
let exitCode: number | undefined;

beforeAll(async () => {
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(path.join(DIR, 'src'), { recursive: true });
  writeFileSync(path.join(DIR, 'api.json'), JSON.stringify(syntheticOpenApi(OPERATIONS)));
  writeFileSync(path.join(DIR, 'mcpforge.yaml'), 'name: large\nversion: 0.1.0\ntools: {}\n');
  writeFileSync(path.join(DIR, 'package.json'), JSON.stringify({ name: 'large', private: true, type: 'module' }));
  cpSync(path.join(TOOLKIT_ROOT, 'templates/app/tsconfig.json'), path.join(DIR, 'tsconfig.json'));
  cpSync(path.join(TOOLKIT_ROOT, 'templates/app/src/server.ts'), path.join(DIR, 'src/server.ts'));
  symlinkSync(path.join(TOOLKIT_ROOT, 'node_modules'), path.join(DIR, 'node_modules'));
  const result = await execa(process.execPath, [CLI, 'import', 'openapi', 'api.json', '--name', 'synth'], { cwd: DIR, all: true, reject: false });
  output = result.all ?? '';
  exitCode = result.exitCode;
}, 900_000);

describe(`import openapi: ${OPERATIONS.toLocaleString('en')} synthetic operations`, () => {
  it('imports every operation, with no conflict with the files it creates', () => {
    expect(output).not.toContain('cannot be updated safely');
    expect(exitCode).toBe(0);
    expect(output).toContain(`(${OPERATIONS} tools from ${OPERATIONS} operations`);
    expect(readdirSync(path.join(DIR, 'src/tools'))).toHaveLength(OPERATIONS);
  });

  it('generates from the spec it foresaw exactly what the spec text gives (its parse ran in a worker meanwhile)', async () => {
    // The import generated from the data it wrote the spec from, with positions from a worker's
    // parse (spec-in-worker.ts); a generation from the text, without the cache, changes nothing
    // and places every warning the import printed at the same line and column.
    const fromText = await execa(process.execPath, [CLI, 'generate', '--no-cache', '--dry-run'], { cwd: DIR, all: true, reject: false });
    expect(fromText.exitCode, fromText.all).toBe(0);
    expect(fromText.all).toMatch(/^0 generated files written, 0 removed, [1-9]\d* unchanged/m);
    const warnings = output.split('\n').filter((line) => /^\s+warning: mcpforge\.yaml:\d+:\d+ /.test(line));
    expect(warnings.length).toBeGreaterThan(0);
    for (const line of warnings) expect(fromText.all).toContain(line.trim());
  }, 900_000);

  it('imports again over its own output without a conflict (re-import is a no-op for handlers)', async () => {
    const again = await execa(process.execPath, [CLI, 'import', 'openapi', 'api.json', '--name', 'synth'], { cwd: DIR, all: true, reject: false });
    expect(again.all).not.toContain('cannot be updated safely');
    expect(again.exitCode).toBe(0);
  }, 900_000);

  it('regenerates one changed schema through the worker started ahead, as a full generation in this process would', async () => {
    // `generate` starts an emit worker once the cache shows a change (PlanOptions.prestartWorker)
    // and, on a machine with two cores or more, hands it the changed entry: what it wrote must be
    // what a generation without the cache, all in this process (TypeScript sources: one thread), plans.
    const schemas = readdirSync(path.join(DIR, 'schemas'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.input.json')).sort();
    const file = path.join(DIR, 'schemas', schemas[0]!);
    const schema = JSON.parse(readFileSync(file, 'utf8')) as { properties?: Record<string, unknown> };
    schema.properties = { ...schema.properties, addedByTheTest: { type: 'string', description: 'A property the test added.' } };
    writeFileSync(file, JSON.stringify(schema, null, 2));
    const regenerated = await execa(process.execPath, [CLI, 'generate'], { cwd: DIR, all: true, reject: false });
    expect(regenerated.exitCode, regenerated.all).toBe(0);
    expect(regenerated.all).toMatch(/; 1 of \d+ entries regenerated/);
    const full = await planProject({ specPath: path.join(DIR, 'mcpforge.yaml'), useCache: false });
    if (full.upToDate) throw new Error('a plan without the cache is never up to date');
    expect([...full.plan.write.keys()]).toEqual([]);
    expect(full.plan.remove).toEqual([]);
    expect(readFileSync(path.join(DIR, 'src/generated/types', `${path.basename(file, '.input.json')}.ts`), 'utf8')).toContain('addedByTheTest');
  }, 900_000);

  it('type-checks with zero errors (tsc --noEmit)', async () => {
    const result = await execa(TSC, ['--noEmit', '-p', 'tsconfig.json'], { cwd: DIR, all: true, reject: false, env: { NODE_OPTIONS: '--max-old-space-size=4096' } });
    expect(result.all).toBe('');
    expect(result.exitCode).toBe(0);
  }, 900_000);
});
