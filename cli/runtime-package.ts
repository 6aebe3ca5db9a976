/**
 * Until mcpforge and @mcpforge/runtime are published, a new project depends on tarballs of the
 * local packages copied into its vendor/ folder: it installs on a fresh machine and builds inside
 * Docker with no path outside the project, and its `npm run generate`/`check` use the very
 * mcpforge that created it.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { UserError } from './output.js';

export interface VendoredPackage {
  spec: string;
  tarball: { path: string; content: Buffer };
}

async function pack(packageDir: string, builtFile: string, toolkit: string): Promise<VendoredPackage> {
  if (!existsSync(join(packageDir, builtFile))) {
    throw new UserError(`${join(packageDir, builtFile)} is missing: run \`npm run build\` in ${toolkit} first.`);
  }
  const out = await mkdtemp(join(tmpdir(), 'mcpforge-pack-'));
  try {
    const { stdout } = await execa('npm', ['pack', '--json', '--pack-destination', out], { cwd: packageDir });
    const [{ filename }] = JSON.parse(stdout) as Array<{ filename: string }>;
    const path = `vendor/${filename}`;
    return { spec: `file:${path}`, tarball: { path, content: await readFile(join(out, filename)) } };
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

export function packRuntime(toolkit: string): Promise<VendoredPackage> {
  return pack(join(toolkit, 'runtime'), join('dist', 'index.js'), toolkit);
}

export function packToolkit(toolkit: string): Promise<VendoredPackage> {
  return pack(toolkit, join('dist', 'cli', 'index.js'), toolkit);
}
