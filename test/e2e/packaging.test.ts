/**
 * Installable like a real tool: the four packages pass `npm pack` (prepack builds; no tests or
 * fixtures inside), the CLI tarball installs into a clean global prefix and `mcpforge new` works
 * from an unrelated folder, create-mcpforge (what `npm create mcpforge` runs) and
 * generator-mcpforge (what `yo mcpforge` runs) work from their tarballs, and a new project takes
 * @mcpforge/runtime from the registry when a stub registry has it and from vendor/ when it does
 * not. Installs prefer npm's cache; building and serving a project is new-project.test.ts's job,
 * here one vendored project is installed (without install scripts) and type-checked.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEnv } from 'yeoman-environment';
import { lookUp } from '../../cli/runtime-source.js';
import { TOOLKIT_ROOT } from '../helpers/toolkit.js';

const VERSION = (JSON.parse(readFileSync(join(TOOLKIT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const RUNTIME_VERSION = (JSON.parse(readFileSync(join(TOOLKIT_ROOT, 'runtime', 'package.json'), 'utf8')) as { version: string }).version;
const INSTALL = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];

interface Packed {
  filename: string;
  size: number;
  files: Array<{ path: string }>;
}

let work: string;
let packs: string;
let prefix: string;
let tools: string;
let elsewhere: string;
const packed: Record<'cli' | 'runtime' | 'create' | 'generator', Packed> = {} as never;
let registryHas: Server;
let registryLacks: Server;

/** A registry that answers only package documents: with mcpforge's two packages, or 404 for everything. */
function stubRegistry(has: boolean): Promise<Server> {
  const server = createServer((req, res) => {
    const name = decodeURIComponent((req.url ?? '/').slice(1).split('?')[0]);
    const version = name === '@mcpforge/runtime' ? RUNTIME_VERSION : name === 'mcpforge' ? VERSION : undefined;
    if (!has || !version) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"Not found"}');
      return;
    }
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({ name, 'dist-tags': { latest: version }, versions: { [version]: { name, version, dist: { tarball: `${base}/${name}/-/x-${version}.tgz` } } } }),
    );
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const registryUrl = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

async function pack(dir: string, options: { ignoreScripts?: boolean } = {}): Promise<Packed> {
  // The run built dist/ already (test-all.sh, npm test); rebuilding here would rewrite files other test files are reading.
  const scripts = options.ignoreScripts ? ['--ignore-scripts'] : [];
  const { stdout } = await execa('npm', ['pack', '--json', ...scripts, '--pack-destination', packs], { cwd: dir, env: { MCPFORGE_PREPACK_BUILT: '1' } });
  const [result] = JSON.parse(stdout) as Packed[];
  return result;
}

function manifest(dir: string): { dependencies: Record<string, string>; devDependencies: Record<string, string> } {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'mcpforge-packaging-'));
  packs = join(work, 'packs');
  prefix = join(work, 'prefix');
  tools = join(work, 'tools');
  elsewhere = join(work, 'elsewhere');
  for (const dir of [packs, elsewhere]) mkdirSync(dir);
  [registryHas, registryLacks] = await Promise.all([stubRegistry(true), stubRegistry(false)]);
  // One at a time: the CLI's prepack packs the runtime into vendor/.
  packed.cli = await pack(TOOLKIT_ROOT);
  // The runtime's prepack is a plain `npm run build`, which deletes and rewrites dist/bundle while
  // other test files import it (a CI run once failed to load a chunk mid-rebuild): packed as built.
  packed.runtime = await pack(join(TOOLKIT_ROOT, 'runtime'), { ignoreScripts: true });
  packed.create = await pack(join(TOOLKIT_ROOT, 'packages', 'create-mcpforge'));
  packed.generator = await pack(join(TOOLKIT_ROOT, 'packages', 'generator-mcpforge'));
  const tarball = (p: Packed) => join(packs, p.filename);
  // The CLI alone into a clean global prefix, as a user would; create-mcpforge and
  // generator-mcpforge into another, in one command with the CLI tarball, which is what meets their
  // dependency on mcpforge until it is published (a later, separate install would ask the registry).
  await execa('npm', ['install', '--global', '--prefix', prefix, tarball(packed.cli), ...INSTALL]);
  await execa('npm', ['install', '--global', '--prefix', tools, tarball(packed.create), tarball(packed.generator), tarball(packed.cli), ...INSTALL]);
}, 900_000);

afterAll(async () => {
  await Promise.all([registryHas, registryLacks].map((server) => server && new Promise((resolve) => server.close(resolve))));
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('npm pack', () => {
  const forbidden = /(^|\/)(test|tests|__fixtures__|fixtures)\/|\.test\.[jt]s|\.tsbuildinfo$|^node_modules\//;

  it('the CLI ships built code, templates, the spec schema and the runtime tarball, and nothing of the tests', () => {
    const paths = packed.cli.files.map((f) => f.path);
    for (const path of ['bin/mcpforge.js', 'dist/cli/index.js', 'dist/generators/app/index.js', 'templates/app/package.json.hbs', 'generators/shared/spec/mcpforge.schema.json', `vendor/mcpforge-runtime-${RUNTIME_VERSION}.tgz`]) {
      expect(paths, path).toContain(path);
    }
    // templates/app/test/ is the generated project's own tests: a template, not ours.
    expect(paths.filter((p) => forbidden.test(p) && !p.startsWith('templates/'))).toEqual([]);
    expect(paths.filter((p) => /^(cli|runtime|examples|bench|scripts|docs)\//.test(p) || (p.startsWith('generators/') && !p.endsWith('.json')))).toEqual([]);
    // The repository does not keep the prepack's runtime tarball around.
    expect(existsSync(join(TOOLKIT_ROOT, 'vendor'))).toBe(false);
  });

  it('the runtime ships dist/ only, built', () => {
    const paths = packed.runtime.files.map((f) => f.path);
    expect(paths).toContain('dist/index.js');
    expect(paths.filter((p) => !/^(dist\/|package\.json$|README\.md$|LICENSE)/.test(p) || forbidden.test(p))).toEqual([]);
  });

  it('create-mcpforge and generator-mcpforge carry their entry points and the same version as mcpforge, which they depend on', () => {
    expect(packed.create.files.map((f) => f.path).sort()).toEqual(['README.md', 'bin/create-mcpforge.js', 'package.json']);
    expect(packed.generator.files.map((f) => f.path).sort()).toEqual(['README.md', 'generators/app/index.js', 'package.json']);
    for (const dir of ['create-mcpforge', 'generator-mcpforge']) {
      const pkg = JSON.parse(readFileSync(join(TOOLKIT_ROOT, 'packages', dir, 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string> };
      expect([pkg.version, pkg.dependencies.mcpforge], dir).toEqual([VERSION, VERSION]);
    }
  });
});

describe('npm install -g ./mcpforge-x.y.z.tgz', () => {
  let project: string;
  let output: string;

  beforeAll(async () => {
    project = join(elsewhere, 'my-server');
    // A registry without the two packages: the offline fallback, vendor/.
    const result = await execa(join(prefix, 'bin', 'mcpforge'), ['new', 'my-server', '--yes', '--example', 'notes', '--skip-install'], {
      cwd: elsewhere,
      env: { npm_config_registry: registryUrl(registryLacks), MCPFORGE_RUNTIME_SOURCE: '' },
      all: true,
      reject: false,
    });
    output = result.all ?? '';
    if (result.exitCode !== 0) throw new Error(`mcpforge new failed (${result.exitCode}):\n${output}`);
  }, 300_000);

  it('installs without @mcpforge/runtime on the registry (an optional dependency; the CLI carries its tarball)', () => {
    const installed = join(prefix, 'lib', 'node_modules', 'mcpforge');
    expect(existsSync(join(installed, 'dist', 'cli', 'index.js'))).toBe(true);
    expect(readdirSync(join(installed, 'vendor'))).toEqual([`mcpforge-runtime-${RUNTIME_VERSION}.tgz`]);
  });

  it('mcpforge new from another folder: the project depends on the vendored tarballs and its README says why', () => {
    const pkg = manifest(project);
    expect(pkg.dependencies['@mcpforge/runtime']).toBe(`file:vendor/mcpforge-runtime-${RUNTIME_VERSION}.tgz`);
    expect(pkg.devDependencies.mcpforge).toBe(`file:vendor/mcpforge-${VERSION}.tgz`);
    expect(readdirSync(join(project, 'vendor')).sort()).toEqual([`mcpforge-${VERSION}.tgz`, `mcpforge-runtime-${RUNTIME_VERSION}.tgz`]);
    expect(readFileSync(join(project, 'README.md'), 'utf8')).toContain(`the registry has no @mcpforge/runtime matching ^${RUNTIME_VERSION}`);
    expect(output).toMatch(/@mcpforge\/runtime file:vendor\/.*the registry has no @mcpforge\/runtime/);
  });

  it('the vendored project installs, type-checks, and its vendored mcpforge finds the project up to date', async () => {
    await execa('npm', ['install', '--ignore-scripts', ...INSTALL], { cwd: project });
    const tsc = await execa(join(project, 'node_modules', '.bin', 'tsc'), ['--noEmit', '-p', 'tsconfig.json'], { cwd: project, all: true, reject: false });
    expect(tsc.exitCode, tsc.all).toBe(0);
    // The project's own check test resolves mcpforge/bin/mcpforge.js through the CLI's exports map.
    const check = await execa(join(project, 'node_modules', '.bin', 'vitest'), ['run', 'test/check.test.ts'], { cwd: project, all: true, reject: false });
    expect(check.exitCode, check.all).toBe(0);
    expect(check.all).toMatch(/1 passed/);
  }, 600_000);

  it('mcpforge new against a registry that has both packages: ^ranges, no tarballs', async () => {
    await execa(join(prefix, 'bin', 'mcpforge'), ['new', 'from-registry', '--yes', '--example', 'none', '--skip-install'], {
      cwd: elsewhere,
      env: { npm_config_registry: registryUrl(registryHas), MCPFORGE_RUNTIME_SOURCE: '' },
    });
    const dir = join(elsewhere, 'from-registry');
    const pkg = manifest(dir);
    expect([pkg.dependencies['@mcpforge/runtime'], pkg.devDependencies.mcpforge]).toEqual([`^${RUNTIME_VERSION}`, `^${VERSION}`]);
    expect(readdirSync(join(dir, 'vendor'))).toEqual(['README.md']);
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toContain(`the registry has @mcpforge/runtime@${RUNTIME_VERSION}, which matches ^${RUNTIME_VERSION}`);
  }, 300_000);
});

describe('the registry lookup', () => {
  it('found, not published, unreachable: never throws', async () => {
    const env = (server: Server | string) => (typeof server === 'string' ? server : registryUrl(server));
    // lookUp runs npm with this process's environment, where npm reads its registry setting.
    const inEnv = async (registry: string, fn: () => Promise<unknown>) => {
      const saved = process.env.npm_config_registry;
      process.env.npm_config_registry = registry;
      try {
        return await fn();
      } finally {
        if (saved === undefined) delete process.env.npm_config_registry;
        else process.env.npm_config_registry = saved;
      }
    };
    expect(await inEnv(env(registryHas), () => lookUp('@mcpforge/runtime', `^${RUNTIME_VERSION}`))).toEqual({ found: true, version: RUNTIME_VERSION });
    expect(await inEnv(env(registryLacks), () => lookUp('@mcpforge/runtime', `^${RUNTIME_VERSION}`))).toEqual({ found: false, why: 'not-published' });
    // A closed port: nothing listens there once the probe server is gone.
    const probe = await stubRegistry(false);
    const closed = registryUrl(probe);
    await new Promise((resolve) => probe.close(resolve));
    expect(await inEnv(env(closed), () => lookUp('@mcpforge/runtime', `^${RUNTIME_VERSION}`))).toEqual({ found: false, why: 'unreachable' });
  }, 120_000);
});

describe('npm create mcpforge (create-mcpforge from its tarball)', () => {
  it('runs mcpforge new with the flags passed through (a leading -- as npm create users type it)', async () => {
    const result = await execa(join(tools, 'bin', 'create-mcpforge'), ['created', '--', '--yes', '--name', 'created-server', '--example', 'weather', '--skip-install', '--runtime-source', 'vendor'], {
      cwd: elsewhere,
      all: true,
      reject: false,
    });
    expect(result.exitCode, result.all).toBe(0);
    const dir = join(elsewhere, 'created');
    expect(readFileSync(join(dir, 'mcpforge.yaml'), 'utf8')).toMatch(/^name: created-server$/m);
    expect(manifest(dir).dependencies['@mcpforge/runtime']).toBe(`file:vendor/mcpforge-runtime-${RUNTIME_VERSION}.tgz`);
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toContain('--runtime-source vendor');
  }, 300_000);

  it('without a folder: says how to call it and fails', async () => {
    const result = await execa(join(tools, 'bin', 'create-mcpforge'), [], { cwd: elsewhere, all: true, reject: false });
    expect(result.exitCode).toBe(1);
    expect(result.all).toMatch(/npm create mcpforge@latest <folder>/);
  });
});

describe('yo mcpforge (generator-mcpforge from its tarball, run by yeoman-environment)', () => {
  it('finds the generator as mcpforge:app and writes the project into the current folder', async () => {
    const dir = join(elsewhere, 'yo-server');
    mkdirSync(dir);
    const env = createEnv({ cwd: dir, skipInstall: true } as Parameters<typeof createEnv>[0]);
    const found = await env.lookup({ packagePaths: [join(tools, 'lib', 'node_modules', 'generator-mcpforge')] } as Parameters<typeof env.lookup>[0]);
    expect(found.map((meta) => meta.namespace)).toContain('mcpforge:app');
    await env.run(['mcpforge:app'], { yes: true, example: 'files', 'runtime-source': 'vendor', skipInstall: true } as never);
    expect(readFileSync(join(dir, 'mcpforge.yaml'), 'utf8')).toMatch(/^name: yo-server$/m);
    expect(readdirSync(join(dir, 'src', 'tools')).length).toBeGreaterThan(0);
    expect(manifest(dir).dependencies['@mcpforge/runtime']).toBe(`file:vendor/mcpforge-runtime-${RUNTIME_VERSION}.tgz`);
    expect(readdirSync(join(dir, 'vendor')).sort()).toEqual([`mcpforge-${VERSION}.tgz`, `mcpforge-runtime-${RUNTIME_VERSION}.tgz`]);
  }, 300_000);
});
