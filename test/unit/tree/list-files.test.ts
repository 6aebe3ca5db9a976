/**
 * listFilesSync builds each path by concatenation instead of path.join (list-files.ts): the paths
 * must be exactly what join gives, for absolute, relative and trailing-separator folders.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listFiles, listFilesSync } from '../../../generators/shared/tree/list-files.js';

const root = mkdtempSync(join(tmpdir(), 'mcpforge-list-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
for (const file of ['b.ts', 'a/z.ts', 'a/b/c.ts', 'a.ts', 'a-b/x.ts', 'a_b.ts']) {
  mkdirSync(join(root, file, '..'), { recursive: true });
  writeFileSync(join(root, file), '');
}
mkdirSync(join(root, 'empty'));

describe('listFilesSync', () => {
  it('gives the files below a folder as path.join names them, sorted, like listFiles', async () => {
    const expected = ['a-b/x.ts', 'a.ts', 'a/b/c.ts', 'a/z.ts', 'a_b.ts', 'b.ts'].map((f) => join(root, f)).sort();
    expect(listFilesSync(root)).toEqual(expected);
    expect(listFilesSync(`${root}/`)).toEqual(expected);
    expect(listFilesSync(join(root, 'a', '..'))).toEqual(expected);
    expect(await listFiles(root)).toEqual(expected);
  });

  it('keeps a relative folder relative, as join would', () => {
    const rel = relative(process.cwd(), join(root, 'a'));
    expect(listFilesSync(rel)).toEqual([join(rel, 'b', 'c.ts'), join(rel, 'z.ts')]);
  });

  it('is empty for a missing folder', () => {
    expect(listFilesSync(join(root, 'missing'))).toEqual([]);
    expect(listFilesSync(join(root, 'empty'))).toEqual([]);
  });
});
