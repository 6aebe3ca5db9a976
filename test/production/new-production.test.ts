/**
 * `mcpforge new --layout production` is `new` (dev) followed by `upgrade --to production`, through
 * one code path: the in-memory plan equals the dev plan with the upgrade plan applied, re-planning
 * the upgrade over it changes nothing, and the CLI writes the same files and saves the answer.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { DEFAULT_REPLICAS, planNewProject } from '../../generators/app/plan.js';
import type { NewAnswers } from '../../generators/app/options.js';
import { applyPlan, planUpgrade } from '../../generators/upgrade/plan.js';
import { renderProductionTemplates } from '../../generators/upgrade/templates.js';
import { CLI, TOOLKIT_ROOT } from '../helpers/toolkit.js';

const context = { toolkitRoot: TOOLKIT_ROOT, projectDir: '/path/to/notes', runtime: { spec: 'file:vendor/mcpforge-runtime-0.1.0.tgz' } };
const answers = (layout: NewAnswers['layout']): NewAnswers => ({ name: 'notes', example: 'notes', transports: ['stdio', 'http'], layout });
const text = (files: Map<string, string | Buffer>) => new Map([...files].map(([path, content]) => [path, content.toString()]));

describe('new --layout production (in memory)', () => {
  it('equals new --layout dev with the upgrade plan applied (answers.json aside), and upgrading it again is a no-op', async () => {
    const dev = (await planNewProject(answers('dev'), context)).files;
    const production = (await planNewProject(answers('production'), context)).files;
    const rendered = await renderProductionTemplates(TOOLKIT_ROOT, { name: 'notes', replicas: DEFAULT_REPLICAS });
    const upgraded = applyPlan(dev, planUpgrade({ files: dev, ...rendered }));

    const withoutAnswers = (files: Map<string, string | Buffer>) => {
      const copy = text(files);
      copy.delete('.mcpforge/answers.json');
      return copy;
    };
    expect(withoutAnswers(production)).toEqual(withoutAnswers(upgraded));
    expect(JSON.parse(production.get('.mcpforge/answers.json')!.toString()).layout).toBe('production');
    expect(JSON.parse(dev.get('.mcpforge/answers.json')!.toString()).layout).toBe('dev');

    expect(production.get('mcpforge.yaml')!.toString()).toMatch(/^layout: production$/m);
    for (const path of ['Dockerfile', '.dockerignore', 'compose.yaml', 'deploy/nginx.conf', 'deploy/k8s/deployment.yaml']) expect(production.has(path), path).toBe(true);
    expect(JSON.parse(production.get('package.json')!.toString()).dependencies).toMatchObject({ pg: expect.any(String), ioredis: expect.any(String) });
    // Handlers are the dev project's, byte for byte.
    for (const [path, content] of dev) if (path.startsWith('src/tools/')) expect(production.get(path)!.toString(), path).toBe(content.toString());

    expect(planUpgrade({ files: production, ...rendered })).toEqual({ changes: [], dependencies: {}, kept: [] });
  });

  it('a project with no migrations still gets migrations/ (the image copies it)', async () => {
    const files = (await planNewProject({ ...answers('production'), example: 'none' }, context)).files;
    expect(files.has('migrations/.gitkeep')).toBe(true);
  });
});

describe('mcpforge new --layout production (CLI)', () => {
  it('writes the production layout, saves the answer, and refuses an unknown layout naming the flag', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'mcpforge-newprod-')), 'svc');
    const run = await execa(process.execPath, [CLI, 'new', dir, '--yes', '--example', 'notes', '--layout', 'production', '--skip-install'], { all: true, reject: false });
    expect(run.exitCode, run.all).toBe(0);
    expect(readFileSync(join(dir, 'mcpforge.yaml'), 'utf8')).toMatch(/^layout: production$/m);
    expect(JSON.parse(readFileSync(join(dir, '.mcpforge/answers.json'), 'utf8'))).toMatchObject({ name: 'svc', layout: 'production' });
    for (const path of ['Dockerfile', '.dockerignore', 'compose.yaml', 'deploy/nginx.conf', 'deploy/k8s/hpa.yaml', 'vendor']) expect(existsSync(join(dir, path)), path).toBe(true);
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toMatch(/^## Deploy$/m);

    const bad = await execa(process.execPath, [CLI, 'new', join(dir, '..', 'other'), '--yes', '--layout', 'prod', '--skip-install'], { all: true, reject: false });
    expect(bad.exitCode).not.toBe(0);
    expect(bad.all).toMatch(/--layout prod: unknown layout\. Choose one of: dev, production/);
    expect(existsSync(join(dir, '..', 'other'))).toBe(false);

    const noTty = await execa(process.execPath, [CLI, 'new', join(dir, '..', 'third'), '--name', 'x', '--example', 'none', '--transport', 'stdio', '--skip-install'], { all: true, reject: false, stdin: 'ignore' });
    expect(noTty.exitCode).not.toBe(0);
    expect(noTty.all).toMatch(/Pass --layout, --auth, or --yes/);
  });
});
