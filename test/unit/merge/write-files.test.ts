import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commitPlan, planProject, writeFiles } from '../../../generators/generate/project.js';
import { TOOLKIT_ROOT } from '../../helpers/toolkit.js';

const ROOT = join(TOOLKIT_ROOT, '.tmp', 'unit-write-files');

/** Every file below `dir`, project-relative. */
function tree(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? tree(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`])).sort();
}

describe('writeFiles', () => {
  it('writes fresh paths in place, replaces existing ones (fresh or not) and leaves no temporary file', async () => {
    rmSync(ROOT, { recursive: true, force: true });
    mkdirSync(join(ROOT, 'a'), { recursive: true });
    writeFileSync(join(ROOT, 'a', 'there.ts'), 'old');
    writeFileSync(join(ROOT, 'a', 'claimed-fresh.ts'), 'old'); // appeared after the project was read
    const files = new Map<string, string>();
    for (let i = 0; i < 100; i++) files.set(`b/c/${i}.ts`, `file ${i}\n`);
    files.set('a/there.ts', 'new there');
    files.set('a/claimed-fresh.ts', 'new claimed');
    const fresh = new Set([...files.keys()].filter((p) => p !== 'a/there.ts'));
    await writeFiles(ROOT, files, fresh);
    expect(tree(ROOT)).toEqual([...files.keys()].sort());
    for (const [path, text] of files) expect(readFileSync(join(ROOT, path), 'utf8')).toBe(text);
  });

  it('rejects with the failing write', async () => {
    rmSync(ROOT, { recursive: true, force: true });
    mkdirSync(join(ROOT, 'x', 'dir.ts'), { recursive: true }); // a folder where a file is to go
    await expect(writeFiles(ROOT, new Map([['x/dir.ts', 'text']]))).rejects.toThrow(/EISDIR|EEXIST|ENOTEMPTY/);
    await expect(writeFiles(ROOT, new Map([['x/dir.ts', 'text']]), new Set(['x/dir.ts']))).rejects.toThrow(/EISDIR|EEXIST|ENOTEMPTY/);
  });
});

describe('commitPlan', () => {
  it("writes the caller's files with the plan's, removes what it is told to, and writes the cache last", async () => {
    rmSync(ROOT, { recursive: true, force: true });
    mkdirSync(join(ROOT, 'schemas'), { recursive: true });
    writeFileSync(join(ROOT, 'schemas', 'gone.json'), '{}');
    const spec = 'name: t\ntools:\n  a:\n    description: A.\n    input: { type: object, properties: { x: { type: string } } }\n';
    writeFileSync(join(ROOT, 'mcpforge.yaml'), spec);
    const outcome = await planProject({ specPath: join(ROOT, 'mcpforge.yaml') });
    if (outcome.upToDate) throw new Error('expected a plan');
    expect(outcome.plan.added.size).toBeGreaterThan(0);
    await commitPlan(ROOT, outcome.plan, { write: new Map([['schemas/new.json', '{"type":"object"}\n']]), remove: ['schemas/gone.json'] });
    const files = tree(ROOT);
    expect(files).toContain('schemas/new.json');
    expect(files).not.toContain('schemas/gone.json');
    expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
    for (const [path, text] of outcome.plan.write) expect(readFileSync(join(ROOT, path), 'utf8')).toBe(text);
    for (const [path, text] of outcome.plan.create) expect(readFileSync(join(ROOT, path), 'utf8')).toBe(text);
    // Up to date right after: the cache describes what was written.
    expect((await planProject({ specPath: join(ROOT, 'mcpforge.yaml') })).upToDate).toBe(true);
  });
});
