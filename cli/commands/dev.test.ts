import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startWatchers, watched } from './dev.js';

describe('what mcpforge dev reacts to', () => {
  it('the spec, schemas/, src/ but not src/generated/', () => {
    expect(watched('mcpforge.yaml', 'mcpforge.yaml')).toBe(true);
    expect(watched('schemas/a.json', 'mcpforge.yaml')).toBe(true);
    expect(watched('src/tools/a.ts', 'mcpforge.yaml')).toBe(true);
    expect(watched('src', 'mcpforge.yaml')).toBe(true);
    expect(watched('src/generated/types.ts', 'mcpforge.yaml')).toBe(false);
    expect(watched('README.md', 'mcpforge.yaml')).toBe(false);
  });
  it("not editors' scratch files", () => {
    for (const scratch of ['src/tools/.a.ts.swp', 'src/tools/.a.ts.swx', 'src/tools/4913', 'src/tools/a.ts~', 'src/tools/.#a.ts', 'schemas/#a.json#', 'src/a.ts.tmp', 'src/a.ts.orig']) {
      expect(watched(scratch, 'mcpforge.yaml'), scratch).toBe(false);
    }
  });
});

describe('the watchers', () => {
  let root: string | undefined;
  afterEach(() => root && rmSync(root, { recursive: true, force: true }));

  it('a src/ folder created after start is watched too', async () => {
    root = mkdtempSync(join(tmpdir(), 'mcpforge-dev-watch-'));
    const seen: string[] = [];
    const watchers = startWatchers(root, (full) => seen.push(full));
    try {
      mkdirSync(join(root, 'src'));
      await until(() => seen.includes(join(root!, 'src')));
      // The folder's own watcher starts when the project watcher sees it appear.
      await new Promise((resolve) => setTimeout(resolve, 100));
      writeFileSync(join(root, 'src', 'a.ts'), 'export {};\n');
      await until(() => seen.includes(join(root!, 'src', 'a.ts')));
    } finally {
      for (const watcher of watchers) watcher.close();
    }
  });
});

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 300 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(condition()).toBe(true);
}
