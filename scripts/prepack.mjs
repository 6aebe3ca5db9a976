// `prepack` of mcpforge (runs on `npm pack` and `npm publish`): a fresh build with no stale file in
// dist/ (outputs whose source is gone are deleted; dist/ is not wiped, since tests running at the
// same time use it), and the @mcpforge/runtime tarball that the CLI copies into new projects'
// vendor/ while the registry lacks the runtime. `--clean` (postpack) removes that tarball again.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
rmSync(join(root, 'vendor'), { recursive: true, force: true });
if (process.argv.includes('--clean')) process.exit(0);

// npm_execpath is npm's own script when run by npm; stdout goes to stderr so `npm pack --json` stays JSON.
const npm = (args) =>
  process.env.npm_execpath
    ? execFileSync(process.execPath, [process.env.npm_execpath, ...args], { cwd: root, stdio: ['ignore', 2, 2] })
    : execFileSync('npm', args, { cwd: root, stdio: ['ignore', 2, 2], shell: process.platform === 'win32' });

/**
 * Deletes files in `dist` that no source in `src` compiles to (x.js, x.d.ts and maps from x.ts;
 * copied .json). `keep`: a folder of `dist` made otherwise (the runtime's bundle, rebuilt whole).
 */
function pruneOrphans(dist, src, keep) {
  if (!existsSync(dist)) return;
  for (const entry of readdirSync(dist, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const output = join(entry.parentPath ?? entry.path, entry.name);
    const rel = relative(dist, output);
    if (keep && rel.startsWith(`${keep}/`)) continue;
    const source = rel.endsWith('.json') ? rel : rel.replace(/(\.d)?\.(js|ts)(\.map)?$/, '.ts');
    if (!existsSync(join(src, source))) {
      process.stderr.write(`prepack: removing ${relative(root, output)} (no ${source})\n`);
      rmSync(output);
    }
  }
}

// MCPFORGE_PREPACK_BUILT=1: the caller has just built (the packaging test, inside a test run whose
// other files read dist/ at the same time: a rebuild would rewrite files under them).
if (process.env.MCPFORGE_PREPACK_BUILT !== '1') npm(['run', 'build']);
pruneOrphans(join(root, 'dist'), root);
pruneOrphans(join(root, 'runtime', 'dist'), join(root, 'runtime', 'src'), 'bundle');
mkdirSync(join(root, 'vendor'));
npm(['pack', '--workspace', '@mcpforge/runtime', '--ignore-scripts', '--pack-destination', join(root, 'vendor')]);
