/**
 * An example project on disk for production tests: the committed golden example copied into a git
 * repository, optionally upgraded with the real CLI, and compiled. Its node_modules is a link to
 * the toolkit's (which holds the workspace runtime, pg and ioredis), so the tests exercise this
 * checkout's runtime without an install; the Docker build-context test covers the clean install.
 */
import { appendFileSync, cpSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { execa } from 'execa';
import { CLI, TOOLKIT_ROOT } from '../../helpers/toolkit.js';

export const git = (cwd: string, ...args: string[]) => execa('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd });

export const mcpforge = (cwd: string, ...args: string[]) =>
  execa(process.execPath, [CLI, ...args], { cwd, reject: false, all: true, env: { DATABASE_URL: '' } });

/** Copies examples/<name> into a fresh git repository (one commit) with node_modules linked. */
export async function exampleProject(name: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), `mcpforge-${name}-`));
  cpSync(join(TOOLKIT_ROOT, 'examples', name), dir, { recursive: true });
  symlinkSync(join(TOOLKIT_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  await git(dir, 'init', '-q');
  // A link is not a folder to git, so `node_modules/` in .gitignore does not cover it.
  appendFileSync(join(dir, '.git', 'info', 'exclude'), 'node_modules\n');
  await git(dir, 'add', '-A');
  await git(dir, 'commit', '-qm', 'dev project');
  return dir;
}

/**
 * The project's own `build` script, as `npm run build` runs it (a shell, node_modules/.bin first on
 * PATH: the toolkit's TypeScript through the link) without npm's start-up. dist/ is git-ignored.
 */
export async function buildProject(dir: string): Promise<void> {
  const { scripts } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { scripts: { build: string } };
  const PATH = [join(dir, 'node_modules', '.bin'), process.env.PATH].join(delimiter);
  const result = await execa(scripts.build, { shell: true, cwd: dir, all: true, reject: false, env: { PATH } });
  if (result.exitCode !== 0) throw new Error(`build of ${dir} (${scripts.build}) failed:\n${result.all}`);
}

/** Runs `mcpforge upgrade --to production` with extra flags; throws with the output on failure. */
export async function upgrade(dir: string, ...flags: string[]): Promise<string> {
  const run = await mcpforge(dir, 'upgrade', '--to', 'production', ...flags);
  if (run.exitCode !== 0) throw new Error(`upgrade failed (${run.exitCode}):\n${run.all}`);
  return run.stdout;
}
