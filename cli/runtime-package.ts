/**
 * Until @mcpforge/runtime is published, a new project depends on a tarball of the local runtime
 * copied into its vendor/ folder: it installs on a fresh machine and builds inside Docker with no
 * path outside the project.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { UserError } from './output.js';

export async function packRuntime(toolkit: string): Promise<{ spec: string; tarball: { path: string; content: Buffer } }> {
  const runtimeDir = join(toolkit, 'runtime');
  if (!existsSync(join(runtimeDir, 'dist', 'index.js'))) {
    throw new UserError(`The runtime is not built (${runtimeDir}/dist is missing). Run \`npm run build\` in ${toolkit} first.`);
  }
  const out = await mkdtemp(join(tmpdir(), 'mcpforge-pack-'));
  try {
    const { stdout } = await execa('npm', ['pack', '--json', '--pack-destination', out], { cwd: runtimeDir });
    const [{ filename }] = JSON.parse(stdout) as Array<{ filename: string }>;
    const path = `vendor/${filename}`;
    return { spec: `file:${path}`, tarball: { path, content: await readFile(join(out, filename)) } };
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}
