import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { packageFingerprint, packToolkit } from './runtime-package.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function fakePackage(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mcpforge-fake-pkg-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `fake-pack-${dirs.length}`, version: '1.0.0', files: ['dist'] }));
  mkdirSync(join(dir, 'dist', 'cli'), { recursive: true });
  writeFileSync(join(dir, 'dist', 'cli', 'index.js'), 'export const a = 1;\n');
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src', 'index.ts'), 'export const a = 1;\n');
  return dir;
}

describe('packageFingerprint', () => {
  it('changes when a packed file changes and not when an unpacked one does', () => {
    const dir = fakePackage();
    const first = packageFingerprint(dir);
    expect(packageFingerprint(dir)).toBe(first);
    writeFileSync(join(dir, 'src', 'index.ts'), 'export const a = 2; // not in `files`\n');
    expect(packageFingerprint(dir)).toBe(first);
    writeFileSync(join(dir, 'dist', 'cli', 'index.js'), 'export const a = 22;\n');
    const second = packageFingerprint(dir);
    expect(second).not.toBe(first);
    // Same size, new modification time (a rebuild): changed too.
    utimesSync(join(dir, 'dist', 'cli', 'index.js'), new Date(), new Date(Date.now() + 5000));
    expect(packageFingerprint(dir)).not.toBe(second);
    writeFileSync(join(dir, 'dist', 'new.js'), '');
    expect(packageFingerprint(dir)).not.toBe(second);
  });
});

describe('pack cache', () => {
  it('packs a package once per contents and packs again after a change', async () => {
    const dir = fakePackage();
    const cache = join(tmpdir(), 'mcpforge-pack-cache', `${packageFingerprint(dir)}.tgz`);
    const first = await packToolkit(dir);
    expect(existsSync(cache)).toBe(true);
    // A marker planted in the cached tarball comes back: the second pack read the cache, ran no npm.
    writeFileSync(cache, Buffer.concat([first.tarball.content, Buffer.from('marker')]));
    const again = await packToolkit(dir);
    expect(again.tarball.content.subarray(-6).toString()).toBe('marker');
    expect(again.spec).toBe(first.spec);
    writeFileSync(join(dir, 'dist', 'cli', 'index.js'), 'export const a = 3;\n');
    const changed = await packToolkit(dir);
    expect(changed.tarball.content.subarray(-6).toString()).not.toBe('marker');
  }, 60_000);
});
