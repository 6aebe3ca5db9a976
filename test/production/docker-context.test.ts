/**
 * The Docker build context is self-contained. No Docker engine runs on this machine, so the build is
 * reproduced from the Dockerfile itself (test/production/lib/dockerfile.ts): the context is
 * assembled as Docker assembles it (honouring .dockerignore), copied to a clean folder, and the
 * Dockerfile's stages run there — COPY from the context, the RUN lines (npm install, build, prune),
 * COPY --from=build. The final stage's CMD then serves a real PostgreSQL and Redis, the compose
 * `migrate` command prepares the schema first, the HEALTHCHECK command passes, and the official
 * client calls tools through it.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planNewProject } from '../../generators/app/plan.js';
import { packRuntime, packToolkit } from '../../cli/runtime-package.js';
import { freshPostgresDatabase, freshRedisPrefix, postgresAvailable, redisAvailable, REDIS_TEST_URL } from '../../runtime/src/__fixtures__/services.js';
import { TOOLKIT_ROOT } from '../helpers/toolkit.js';
import { assembleContext, runDockerfile, type BuildResult } from './lib/dockerfile.js';
import { callTool, connectClient, startServer, type ServerProcess } from './lib/server.js';

const servicesUp = (await postgresAvailable()) && (await redisAvailable());
const work = mkdtempSync(join(tmpdir(), 'mcpforge-docker-'));
const project = join(work, 'project');
const context = join(work, 'context');
let sent: string[] = [];
let build: BuildResult;
const cleanups: Array<() => Promise<unknown>> = [];

/** Files a developer's folder has that must never reach the image (or the engine). */
const LOCAL_ONLY: Record<string, string> = {
  'node_modules/left-pad/index.js': 'module.exports = 1;\n',
  'dist/server.js': 'throw new Error("a stale local build was shipped");\n',
  'data/notes.db': 'not a database\n',
  '.env': 'DATABASE_URL=postgres://app:s3cret@db/app\n',
  '.env.local': 'API_KEY=s3cret\n',
  '.git/HEAD': 'ref: refs/heads/main\n',
  '.mcpforge/cache.json': '{}\n',
  'npm-debug.log': 'log\n',
};

beforeAll(async () => {
  // The project exactly as `mcpforge new --layout production` writes it (runtime tarball included).
  const [runtime, cli] = await Promise.all([packRuntime(TOOLKIT_ROOT), packToolkit(TOOLKIT_ROOT)]);
  const { files } = await planNewProject(
    { name: 'notes', example: 'notes', transports: ['stdio', 'http'], layout: 'production' },
    { toolkitRoot: TOOLKIT_ROOT, projectDir: project, runtime, cli },
  );
  for (const [path, content] of [...files, ...Object.entries(LOCAL_ONLY)]) {
    mkdirSync(dirname(join(project, path)), { recursive: true });
    writeFileSync(join(project, path), content);
  }
  sent = assembleContext(project, context);
  build = await runDockerfile(context, join(work, 'image'), {
    env: { PATH: process.env.PATH!, HOME: process.env.HOME!, npm_config_update_notifier: 'false', ...(await localPrebuilds()) },
  });
}, 600_000);

/**
 * In a real build better-sqlite3's install script downloads a prebuilt binary; this machine cannot
 * reach its host, so it would compile from source (~90 s). The toolkit's own compiled binary is
 * offered as a local prebuild instead (prebuild-install's `local-prebuilds`), as a layer cache
 * would; the RUN lines themselves are unchanged. A version mismatch falls back to compiling.
 */
async function localPrebuilds(): Promise<Record<string, string>> {
  const pkgDir = join(TOOLKIT_ROOT, 'node_modules', 'better-sqlite3');
  const binary = join(pkgDir, 'build', 'Release', 'better_sqlite3.node');
  if (!existsSync(binary)) return {};
  const { version } = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { version: string };
  const dir = join(work, 'prebuilds');
  mkdirSync(dir, { recursive: true });
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  await execa('tar', ['-czf', join(dir, name), '-C', pkgDir, 'build/Release/better_sqlite3.node']);
  return { npm_config_better_sqlite3_local_prebuilds: dir };
}

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  rmSync(work, { recursive: true, force: true });
});

describe('the build context (as Docker assembles it)', () => {
  it('honours .dockerignore: no dependencies, builds, data, secrets, git or tool cache are sent', () => {
    for (const path of Object.keys(LOCAL_ONLY)) expect(sent, path).not.toContain(path);
    expect(sent.filter((p) => /^(node_modules|dist|data|\.git|deploy)\//.test(p))).toEqual([]);
    for (const path of ['Dockerfile', 'package.json', 'mcpforge.yaml', 'tsconfig.json', '.env.example', 'migrations/0001_create_notes.sql', 'src/server.ts']) {
      expect(sent, path).toContain(path);
    }
    expect(sent.some((p) => /^vendor\/mcpforge-runtime-.*\.tgz$/.test(p))).toBe(true);
  });

  it('is what the Dockerfile needs: every stage ran in a clean folder; only system packages were skipped', () => {
    expect(build.skipped).toHaveLength(1);
    expect(build.skipped[0]).toMatch(/^apt-get update/);
    expect(build.ran.join('\n')).toMatch(/npm (ci|install)/);
    expect(build.ran.join('\n')).toMatch(/npm run build && npm prune --omit=dev/);
    expect(build.final.user).toBe('node');
    expect(build.final.cmd).toEqual(['node', 'dist/server.js']);
  });

  it('the final stage holds production dependencies only, and the drivers the production layout needs', () => {
    const modules = join(build.final.workdir, 'node_modules');
    for (const name of ['@mcpforge/runtime', 'pg', 'ioredis', 'kysely', 'ajv']) expect(existsSync(join(modules, name)), name).toBe(true);
    for (const name of ['typescript', 'vitest', '@types/node', 'mcpforge']) expect(existsSync(join(modules, name)), name).toBe(false);
    expect(readdirSync(build.final.workdir).sort()).toEqual(['dist', 'mcpforge.yaml', 'migrations', 'node_modules', 'package.json']);
  });

  it('a COPY of something .dockerignore excludes fails the build (the check can fail)', async () => {
    const broken = join(work, 'broken-context');
    rmSync(broken, { recursive: true, force: true });
    const dir = join(work, 'broken-project');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, '.dockerignore'), 'vendor\n');
    writeFileSync(join(dir, 'Dockerfile'), 'FROM node:20 AS build\nWORKDIR /app\nCOPY vendor/ ./vendor/\n');
    mkdirSync(join(dir, 'vendor'));
    writeFileSync(join(dir, 'vendor', 'x.tgz'), '');
    assembleContext(dir, broken);
    await expect(runDockerfile(broken, join(work, 'broken-image'))).rejects.toThrow(/vendor\/ is not in the build context/);
  });
});

describe.skipIf(!servicesUp)('the image serves (final stage, real PostgreSQL and Redis)', () => {
  let server: ServerProcess;
  let env: Record<string, string>;

  beforeAll(async () => {
    const pg = await freshPostgresDatabase();
    cleanups.push(pg.drop);
    const redis = await freshRedisPrefix();
    cleanups.push(redis.cleanup);
    // The image's ENV, then what compose.yaml sets, on loopback and a free port.
    const compose = parse(readFileSync(join(project, 'compose.yaml'), 'utf8'), { merge: true }) as { services: { app: { environment: Record<string, string> } } };
    expect(compose.services.app.environment.MCP_MIGRATE).toBe('skip');
    env = {
      PATH: process.env.PATH!,
      ...build.final.env,
      MCP_HOST: '127.0.0.1',
      MCP_PORT: '0',
      DATABASE_URL: pg.url,
      REDIS_URL: REDIS_TEST_URL,
      REDIS_KEY_PREFIX: redis.prefix,
      LOG_LEVEL: 'warn',
    };
    // compose's one-shot `migrate` service, then an app replica (MCP_MIGRATE=skip) from the image's CMD.
    const migrate = await execa(process.execPath, ['dist/server.js', '--migrate', 'only'], { cwd: build.final.workdir, env, all: true, reject: false, extendEnv: false });
    expect(migrate.exitCode, migrate.all).toBe(0);
    server = await startServer(build.final.cmd!, build.final.workdir, { ...env, MCP_MIGRATE: 'skip' });
    cleanups.push(() => server.stop());
  }, 120_000);

  it('answers its HEALTHCHECK and /readyz with database and Redis up', async () => {
    const check = build.final.healthcheck!.map((arg) => arg.replace('127.0.0.1:3000', server.url.host));
    expect(check.join(' ')).not.toBe(build.final.healthcheck!.join(' '));
    const health = await execa(check[0] === 'node' ? process.execPath : check[0]!, check.slice(1), { reject: false });
    expect(health.exitCode).toBe(0);
    const ready = await fetch(new URL('/readyz', server.url));
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ database: 'up', redis: 'up' });
  });

  it('serves tool calls to the official client, stored in PostgreSQL', async () => {
    const client = await connectClient(server.url);
    try {
      const tools = await client.listTools();
      expect(tools.tools.map((t) => t.name).sort()).toEqual(['create_note', 'delete_note', 'list_notes', 'search_notes']);
      const created = await callTool<{ id: string; title: string }>(client, 'create_note', { title: 'from the image', body: 'built without docker', tags: ['ci'] });
      expect(created.title).toBe('from the image');
      const listed = await callTool<{ notes: Array<{ id: string }> }>(client, 'list_notes', {});
      expect(listed.notes.map((n) => n.id)).toEqual([created.id]);
    } finally {
      await client.close();
    }
    const pg = (await import('pg')).default;
    const db = new pg.Client({ connectionString: env.DATABASE_URL });
    await db.connect();
    try {
      const { rows } = await db.query('select title from notes');
      expect(rows).toEqual([{ title: 'from the image' }]);
    } finally {
      await db.end();
    }
  });
});
