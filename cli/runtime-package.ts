/**
 * Until mcpforge and @mcpforge/runtime are published, a new project depends on tarballs of the
 * local packages copied into its vendor/ folder: it installs on a fresh machine and builds inside
 * Docker with no path outside the project, and its `npm run generate`/`check` use the very
 * mcpforge that created it.
 *
 * Where the runtime tarball comes from: in a checkout, `npm pack` of runtime/; in an installed
 * mcpforge, the tarball its `prepack` put in vendor/ (the CLI lists @mcpforge/runtime as an
 * optional dependency, so installing the CLI tarball works while the registry lacks the runtime);
 * failing that, `npm pack` of the runtime installed beside the CLI.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { execa } from 'execa';
import { UserError } from './output.js';

export interface VendoredPackage {
  spec: string;
  tarball: { path: string; content: Buffer };
}

export const RUNTIME_PACKAGE = '@mcpforge/runtime';

/** The file name `npm pack` gives a package's tarball: @scope/name@1.2.3 → scope-name-1.2.3.tgz. */
export function tarballName(name: string, version: string): string {
  return `${name.replace(/^@/, '').replace('/', '-')}-${version}.tgz`;
}

function vendored(filename: string, content: Buffer): VendoredPackage {
  const path = `vendor/${filename}`;
  return { spec: `file:${path}`, tarball: { path, content } };
}

async function pack(packageDir: string, builtFile: string, toolkit: string): Promise<VendoredPackage> {
  if (!existsSync(join(packageDir, builtFile))) {
    throw new UserError(`${join(packageDir, builtFile)} is missing: run \`npm run build\` in ${toolkit} first.`);
  }
  // `npm pack` takes seconds (an npm process per package, twice per new project from a checkout);
  // the same package contents give the same tarball, so it is packed once per contents.
  const cacheDir = join(tmpdir(), 'mcpforge-pack-cache');
  const key = packageFingerprint(packageDir);
  const cached = await readCachedPack(cacheDir, key);
  if (cached) return cached;
  const out = await mkdtemp(join(tmpdir(), 'mcpforge-pack-'));
  try {
    // --ignore-scripts: the packages' prepack builds from source, which an installed copy has not.
    const { stdout } = await execa('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', out], { cwd: packageDir });
    const [{ filename }] = JSON.parse(stdout) as Array<{ filename: string }>;
    const content = await readFile(join(out, filename));
    await writeCachedPack(cacheDir, key, filename, content);
    return vendored(filename, content);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

/**
 * What `npm pack` would put in the tarball, as paths, sizes and modification times: the manifest,
 * the README/LICENSE npm always adds, and everything under the `files` entries. A rebuild, an edit
 * or a version bump changes it.
 */
export function packageFingerprint(packageDir: string): string {
  const hash = createHash('sha256').update(packageDir);
  const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { files?: string[] };
  const roots = ['package.json', ...readdirSync(packageDir).filter((name) => /^(readme|license|licence|changelog)/i.test(name)), ...(manifest.files ?? [])];
  const visit = (path: string): void => {
    let stat;
    try {
      stat = statSync(path);
    } catch {
      return; // a `files` entry that does not exist is not packed either
    }
    if (stat.isDirectory()) {
      for (const name of readdirSync(path).sort()) visit(join(path, name));
      return;
    }
    hash.update(`${relative(packageDir, path)}\0${stat.size}\0${stat.mtimeMs}\n`);
  };
  for (const root of roots) visit(join(packageDir, root));
  return hash.digest('hex');
}

async function readCachedPack(cacheDir: string, key: string): Promise<VendoredPackage | undefined> {
  try {
    const { filename } = JSON.parse(await readFile(join(cacheDir, `${key}.json`), 'utf8')) as { filename: string };
    return vendored(filename, await readFile(join(cacheDir, `${key}.tgz`)));
  } catch {
    return undefined;
  }
}

async function writeCachedPack(cacheDir: string, key: string, filename: string, content: Buffer): Promise<void> {
  try {
    await mkdir(cacheDir, { recursive: true });
    // Tarball first, then its index entry, each renamed into place: a concurrent reader sees a
    // whole entry or none.
    const unique = `${process.pid}-${Date.now()}`;
    await writeFile(join(cacheDir, `${key}.tgz.${unique}`), content);
    await rename(join(cacheDir, `${key}.tgz.${unique}`), join(cacheDir, `${key}.tgz`));
    await writeFile(join(cacheDir, `${key}.json.${unique}`), JSON.stringify({ filename }));
    await rename(join(cacheDir, `${key}.json.${unique}`), join(cacheDir, `${key}.json`));
  } catch {
    // A cache that cannot be written only costs the next project another `npm pack`.
  }
}

function readVersion(manifest: string): string {
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

/** The version of @mcpforge/runtime this toolkit carries (and vendors into projects). */
export function runtimeVersion(toolkit: string): string {
  const checkout = join(toolkit, 'runtime', 'package.json');
  if (existsSync(checkout)) return readVersion(checkout);
  const shipped = shippedRuntimeTarball(toolkit);
  if (shipped) return shipped.version;
  const installed = installedRuntimeDir(toolkit);
  if (installed) return readVersion(join(installed, 'package.json'));
  throw new UserError(`${toolkit} has neither runtime/ nor a vendored ${RUNTIME_PACKAGE} tarball: reinstall mcpforge.`);
}

function shippedRuntimeTarball(toolkit: string): { file: string; version: string } | undefined {
  const dir = join(toolkit, 'vendor');
  if (!existsSync(dir)) return undefined;
  const match = readdirSync(dir)
    .map((file) => /^mcpforge-runtime-(\d+\.\d+\.\d+.*)\.tgz$/.exec(file))
    .find((m) => m !== null);
  return match ? { file: match[0], version: match[1] } : undefined;
}

/** The package folder of @mcpforge/runtime as Node resolves it from the toolkit, if installed. */
function installedRuntimeDir(toolkit: string): string | undefined {
  let entry: string;
  try {
    entry = realpathSync(createRequire(join(toolkit, 'package.json')).resolve(RUNTIME_PACKAGE));
  } catch {
    return undefined;
  }
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === RUNTIME_PACKAGE) return dir;
  }
  return undefined;
}

/** What the runtime's package.json `main` loads: the bundle (runtime/scripts/bundle.mjs), made last by its build. */
const RUNTIME_ENTRY = join('dist', 'bundle', 'index.js');

export async function packRuntime(toolkit: string): Promise<VendoredPackage> {
  if (existsSync(join(toolkit, 'runtime', 'package.json'))) return pack(join(toolkit, 'runtime'), RUNTIME_ENTRY, toolkit);
  const shipped = shippedRuntimeTarball(toolkit);
  if (shipped) return vendored(shipped.file, await readFile(join(toolkit, 'vendor', shipped.file)));
  const installed = installedRuntimeDir(toolkit);
  if (installed) return pack(installed, RUNTIME_ENTRY, toolkit);
  throw new UserError(`${toolkit} has neither runtime/ nor a vendored ${RUNTIME_PACKAGE} tarball: reinstall mcpforge, or pass --runtime-source registry once ${RUNTIME_PACKAGE} is published.`);
}

export function packToolkit(toolkit: string): Promise<VendoredPackage> {
  return pack(toolkit, join('dist', 'cli', 'index.js'), toolkit);
}
