import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const projectDir = fileURLToPath(new URL('..', import.meta.url));
const cli = createRequire(import.meta.url).resolve('mcpforge/bin/mcpforge.js');

// The CLI regenerates the whole project in memory: seconds on a large spec or a busy machine.
it('src/generated/ is exactly what `mcpforge generate` writes from mcpforge.yaml', { timeout: 60_000 }, () => {
  const result = spawnSync(process.execPath, [cli, 'check'], { cwd: projectDir, encoding: 'utf8' });
  expect(result.status, `${result.stdout}${result.stderr}`).toBe(0);
  expect(result.stdout).toMatch(/up to date/);
});
