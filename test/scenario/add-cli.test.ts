/**
 * `mcpforge add` and `generate --dry-run` through the real CLI, without a terminal: missing
 * required answers name their flags, --dry-run writes nothing, a bad schema leaves every file as
 * it was, and a real add edits the spec in place and creates the handler.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshotFiles } from '../helpers/snapshot.js';
import { CLI, TOOLKIT_ROOT } from '../helpers/toolkit.js';

const work = mkdtempSync(join(tmpdir(), 'mcpforge-add-'));
const DIR = join(work, 'none');
const cli = (...args: string[]) => execa(process.execPath, [CLI, ...args], { cwd: DIR, all: true, reject: false, stdin: 'ignore' });

beforeAll(async () => {
  cpSync(join(TOOLKIT_ROOT, 'examples', 'none'), DIR, { recursive: true });
  expect((await cli('generate')).exitCode).toBe(0);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('mcpforge add without a terminal', () => {
  it.each([
    [['add', 'tool', 'get_time'], /Pass --description, or --yes to accept the defaults\./],
    [['add', 'resource', 'doc'], /Pass --uri\./],
    [['add', 'resource', 'doc', '--yes'], /Pass --uri\./],
  ])('%j fails, names the flags and writes nothing', async (args, message) => {
    const before = snapshotFiles(DIR);
    const result = await cli(...args);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(snapshotFiles(DIR)).toEqual(before);
  });

  it('--dry-run prints what would be created and updated, and writes nothing', async () => {
    const before = snapshotFiles(DIR);
    const result = await cli('add', 'resource', 'doc', '--uri', 'docs://{slug}', '--description', 'A doc.', '--dry-run');
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stdout).toMatch(/would create\s+src\/resources\/doc\.ts/);
    expect(result.stdout).toMatch(/would write\s+src\/generated\/types\/resources\/doc\.ts/);
    expect(result.stdout).toMatch(/would update\s+mcpforge\.yaml\s+\(resources\.doc\)/);
    expect(result.stdout).toMatch(/would leave\s+src\/tools\/hello\.ts/);
    expect(snapshotFiles(DIR)).toEqual(before);
  });

  it('a schema that does not compile is reported and nothing is written', async () => {
    writeFileSync(join(work, 'bad.json'), '{ "type": "object", "properties": { "x": { "type": "strin" } } }');
    const before = snapshotFiles(DIR);
    const result = await cli('add', 'tool', 'broken', '--description', 'B.', '--input', join(work, 'bad.json'));
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/bad\.json/);
    expect(snapshotFiles(DIR)).toEqual(before);
  });

  it('adds a tool, a resource and a prompt; the spec keeps its comments; check passes', async () => {
    const spec = readFileSync(join(DIR, 'mcpforge.yaml'), 'utf8');
    expect((await cli('add', 'tool', 'get_time', '--yes')).exitCode).toBe(0);
    expect((await cli('add', 'resource', 'doc', '--uri', 'docs://{slug}')).exitCode).toBe(0);
    const prompt = await cli('add', 'prompt', 'greet', '--description', 'Greet.');
    expect(prompt.exitCode, prompt.all).toBe(0);
    const after = readFileSync(join(DIR, 'mcpforge.yaml'), 'utf8');
    expect(after.startsWith(spec)).toBe(true);
    expect(after.slice(spec.length)).toBe(
      '  get_time:\n    description: "TODO: describe what get_time does."\n    input: schemas/get_time.input.json\nresources:\n  doc:\n    uri: docs://{slug}\nprompts:\n  greet:\n    description: Greet.\n',
    );
    for (const path of ['src/tools/get_time.ts', 'src/resources/doc.ts', 'src/prompts/greet.ts', 'schemas/get_time.input.json']) expect(existsSync(join(DIR, path)), path).toBe(true);
    const again = await cli('add', 'tool', 'get_time', '--yes');
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toMatch(/tools\.get_time already exists/);
    const check = await cli('check');
    expect(check.exitCode, check.all).toBe(0);
  });

  it('generate --dry-run lists files left alone and writes nothing', async () => {
    writeFileSync(join(DIR, 'schemas', 'get_time.input.json'), JSON.stringify({ type: 'object', properties: { zone: { type: 'string' } } }));
    const before = snapshotFiles(DIR);
    const result = await cli('generate', '--dry-run');
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stdout).toMatch(/would write\s+src\/generated\/types\/get_time\.ts/);
    expect(result.stdout).toMatch(/would leave\s+src\/tools\/get_time\.ts/);
    expect(result.stdout).toMatch(/dry run: nothing written/);
    expect(snapshotFiles(DIR)).toEqual(before);
  });
});
