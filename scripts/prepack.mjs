// `prepack` of mcpforge (runs on `npm pack` and `npm publish`): a clean build, so no stale file in
// dist/ ships, and the @mcpforge/runtime tarball that the CLI copies into new projects' vendor/
// while the registry lacks the runtime. `--clean` (postpack) removes that tarball again.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
rmSync(new URL('../vendor', import.meta.url), { recursive: true, force: true });
if (process.argv.includes('--clean')) process.exit(0);

// npm_execpath is npm's own script when run by npm; stdout goes to stderr so `npm pack --json` stays JSON.
const npm = (args) =>
  process.env.npm_execpath
    ? execFileSync(process.execPath, [process.env.npm_execpath, ...args], { cwd: root, stdio: ['ignore', 2, 2] })
    : execFileSync('npm', args, { cwd: root, stdio: ['ignore', 2, 2], shell: process.platform === 'win32' });

for (const dist of ['../dist', '../runtime/dist']) rmSync(new URL(dist, import.meta.url), { recursive: true, force: true });
npm(['run', 'build']);
mkdirSync(join(root, 'vendor'));
npm(['pack', '--workspace', '@mcpforge/runtime', '--ignore-scripts', '--pack-destination', join(root, 'vendor')]);
