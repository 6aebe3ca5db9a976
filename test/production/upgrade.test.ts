/**
 * `mcpforge upgrade --to production`: the pure plan (comments kept, idempotent, handlers untouched)
 * and the CLI on a real git project with data copied into a real PostgreSQL.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { applyPlan, isHandlerPath, planUpgrade } from '../../generators/upgrade/plan.js';
import { renderProductionTemplates } from '../../generators/upgrade/templates.js';
import { createDatabase } from '../../runtime/src/storage/index.js';
import { freshPostgresDatabase, postgresAvailable } from '../../runtime/src/__fixtures__/services.js';
import { CLI, TOOLKIT_ROOT } from '../helpers/toolkit.js';

const pgUp = await postgresAvailable();
const rendered = await renderProductionTemplates(TOOLKIT_ROOT, { name: 'notes', replicas: 3 });
const spec = '# top comment\nname: notes # inline\nversion: 0.1.0\nlayout: dev\ntools: {}\n';
const pkg = JSON.stringify({ name: 'notes', dependencies: { '@mcpforge/runtime': 'file:vendor/x.tgz' } }, null, 2);

describe('planUpgrade (pure, in memory)', () => {
  const files = new Map<string, string>([
    ['mcpforge.yaml', spec],
    ['package.json', pkg],
    ['README.md', '# notes\n'],
    ['src/tools/create_note.ts', 'export default 1;\n'],
  ]);

  it('sets layout: production keeping comments, adds drivers, deployment files and a Deploy section, never handlers', () => {
    const plan = planUpgrade({ files, ...rendered });
    const byPath = new Map(plan.changes.map((c) => [c.path, c]));
    expect(byPath.get('mcpforge.yaml')!.content).toBe('# top comment\nname: notes # inline\nversion: 0.1.0\nlayout: production\ntools: {}\n');
    expect(plan.dependencies).toEqual({ pg: '^8.23.1', ioredis: '^6.0.0' });
    expect(byPath.get('README.md')!.content).toMatch(/^## Deploy$/m);
    for (const path of ['Dockerfile', '.dockerignore', 'compose.yaml', 'deploy/nginx.conf', 'deploy/k8s/deployment.yaml']) expect(byPath.get(path)?.action).toBe('create');
    expect(plan.changes.some((c) => isHandlerPath(c.path))).toBe(false);
  });

  it('is idempotent: planning over its own result changes nothing', () => {
    const after = applyPlan(files, planUpgrade({ files, ...rendered }));
    expect(planUpgrade({ files: after, ...rendered })).toEqual({ changes: [], dependencies: {}, kept: [] });
  });

  it('keeps a deployment file the user edited, unless forced', () => {
    const after = applyPlan(files, planUpgrade({ files, ...rendered }));
    after.set('compose.yaml', '# mine\n');
    expect(planUpgrade({ files: after, ...rendered }).kept).toEqual(['compose.yaml']);
    expect(planUpgrade({ files: after, ...rendered, force: true }).changes.map((c) => c.path)).toEqual(['compose.yaml']);
  });
});

const git = (cwd: string, ...args: string[]) => execa('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd });
const mcpforge = (cwd: string, ...args: string[]) => execa('node', [CLI, ...args], { cwd, reject: false, all: true, env: { DATABASE_URL: '' } });

async function devProject(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'mcpforge-upgrade-'));
  cpSync(join(TOOLKIT_ROOT, 'examples', 'notes'), dir, { recursive: true });
  await git(dir, 'init', '-q');
  await git(dir, 'add', '-A');
  await git(dir, 'commit', '-qm', 'dev project');
  return dir;
}

describe('mcpforge upgrade (CLI)', () => {
  it('refuses outside a project and on a dirty tree; dry-run writes nothing; a second run is a no-op', async () => {
    const outside = await mcpforge(mkdtempSync(join(tmpdir(), 'mcpforge-empty-')), 'upgrade', '--to', 'production');
    expect(outside.exitCode).toBe(1);
    expect(outside.all).toMatch(/is not an mcpforge project/);

    const dir = await devProject();
    const dry = await mcpforge(dir, 'upgrade', '--to', 'production', '--dry-run');
    expect(dry.exitCode, dry.all).toBe(0);
    expect(dry.stdout).toMatch(/create Dockerfile/);
    expect(dry.stdout).toMatch(/add {4}dependency pg@/);
    expect((await git(dir, 'status', '--porcelain')).stdout).toBe('');

    writeFileSync(join(dir, 'README.md'), 'edited\n');
    const dirty = await mcpforge(dir, 'upgrade', '--to', 'production');
    expect(dirty.exitCode).toBe(1);
    expect(dirty.all).toMatch(/uncommitted changes/);
    await git(dir, 'checkout', 'README.md');

    const handler = readFileSync(join(dir, 'src/tools/create_note.ts'), 'utf8');
    const first = await mcpforge(dir, 'upgrade', '--to', 'production');
    expect(first.exitCode, first.all).toBe(0);
    expect(readFileSync(join(dir, 'mcpforge.yaml'), 'utf8')).toMatch(/^layout: production$/m);
    expect(readFileSync(join(dir, 'src/tools/create_note.ts'), 'utf8')).toBe(handler);
    await git(dir, 'add', '-A');
    await git(dir, 'commit', '-qm', 'production');
    const second = await mcpforge(dir, 'upgrade', '--to', 'production');
    expect(second.exitCode, second.all).toBe(0);
    expect(second.stdout).toMatch(/Nothing to change/);
    expect((await git(dir, 'status', '--porcelain')).stdout).toBe('');
  });

  let drop: (() => Promise<void>) | undefined;
  afterAll(async () => drop?.());

  it.skipIf(!pgUp)('--migrate-data copies SQLite rows into PostgreSQL, verified, and refuses non-empty tables', async () => {
    const dir = await devProject();
    const sqlite = await createDatabase(`sqlite:${join(dir, 'data', 'notes.db')}`);
    await sqlite.migrate(join(dir, 'migrations'));
    const rows = Array.from({ length: 25 }, (_, i) => ({ id: `n${i}`, title: `note ${i}`, body: i % 2 ? 'odd' : '', tags: '["a"]', created_at: `2026-01-01T00:00:${String(i).padStart(2, '0')}Z` }));
    await (sqlite.db as any).insertInto('notes').values(rows).execute();
    await sqlite.close();
    const pg = await freshPostgresDatabase();
    drop = pg.drop;

    const run = await mcpforge(dir, 'upgrade', '--to', 'production', '--migrate-data', '--database-url', pg.url, '--force');
    expect(run.exitCode, run.all).toBe(0);
    expect(run.stdout).toMatch(/notes: 25 rows, checksum [0-9a-f]{16} \(verified\)/);
    const target = await createDatabase(pg.url);
    const copied = await (target.db as any).selectFrom('notes').selectAll().orderBy('id').execute();
    await target.close();
    expect(copied).toEqual([...rows].sort((a, b) => a.id.localeCompare(b.id)));

    await git(dir, 'add', '-A');
    await git(dir, 'commit', '-qm', 'production');
    const again = await mcpforge(dir, 'upgrade', '--to', 'production', '--migrate-data', '--database-url', pg.url);
    expect(again.exitCode).toBe(1);
    expect(again.all).toMatch(/PostgreSQL table notes already has 25 rows; refusing/);
  });
});
